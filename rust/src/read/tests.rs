//! Tests of the reader on files written by arrow-rs's own writers.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::ipc::writer::{FileWriter, StreamWriter};
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;

use super::{Compression, Format, OnError, ReadOptions, read};
use crate::error::{Error, Result};

fn batch(start: i64, rows: i64) -> Result<RecordBatch> {
    let ids: Int64Array = (start..start + rows).collect();
    let texts: StringArray = (0..rows).map(|i| Some(format!("row é {i}"))).collect();
    let schema = Schema::new(vec![
        Field::new("id", DataType::Int64, true),
        Field::new("text", DataType::Utf8, true),
    ]);
    Ok(RecordBatch::try_new(
        Arc::new(schema),
        vec![Arc::new(ids), Arc::new(texts)],
    )?)
}

fn write_parquet(path: &Path, batches: &[RecordBatch], row_group_size: usize) -> Result<()> {
    let file = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(row_group_size))
        .build();
    let mut writer = ArrowWriter::try_new(file, batches[0].schema(), Some(props))?;
    for b in batches {
        writer.write(b)?;
    }
    writer.close()?;
    Ok(())
}

fn write_ipc(path: &Path, batches: &[RecordBatch], stream: bool) -> Result<()> {
    let file = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    let schema = batches[0].schema();
    if stream {
        let mut writer = StreamWriter::try_new(file, &schema)?;
        batches.iter().try_for_each(|b| writer.write(b))?;
        writer.finish()?;
    } else {
        let mut writer = FileWriter::try_new(file, &schema)?;
        batches.iter().try_for_each(|b| writer.write(b))?;
        writer.finish()?;
    }
    Ok(())
}

fn ids(sources: &[PathBuf], options: ReadOptions) -> Result<(Vec<usize>, Vec<i64>)> {
    let mut sizes = Vec::new();
    let mut values = Vec::new();
    for batch in read(sources, options)? {
        let batch = batch?;
        sizes.push(batch.num_rows());
        let column = batch
            .column_by_name("id")
            .ok_or(Error::Internal("no id".into()))?;
        let ids = column
            .as_any()
            .downcast_ref::<Int64Array>()
            .ok_or(Error::Internal("id not int64".into()))?;
        values.extend(ids.values().iter().copied());
    }
    Ok((sizes, values))
}

fn options(batch_size: usize) -> ReadOptions {
    ReadOptions {
        batch_size,
        ..ReadOptions::default()
    }
}

#[test]
fn batches_have_exactly_batch_size_rows_across_row_groups_and_files() -> Result<()> {
    let dir = tempfile::tempdir().map_err(|e| Error::io("tmp", e))?;
    let a = dir.path().join("a.parquet");
    let b = dir.path().join("b.arrow");
    write_parquet(&a, &[batch(0, 250)?], 64)?;
    write_ipc(&b, &[batch(250, 30)?, batch(280, 45)?], true)?;
    let (sizes, values) = ids(&[a, b], options(100))?;
    assert_eq!(sizes, vec![100, 100, 100, 25]);
    assert_eq!(values, (0..325).collect::<Vec<_>>());
    Ok(())
}

#[test]
fn a_directory_is_read_in_sorted_order_skipping_markers() -> Result<()> {
    let dir = tempfile::tempdir().map_err(|e| Error::io("tmp", e))?;
    write_parquet(&dir.path().join("part-1.parquet"), &[batch(10, 10)?], 100)?;
    write_parquet(&dir.path().join("part-0.parquet"), &[batch(0, 10)?], 100)?;
    std::fs::write(dir.path().join("_SUCCESS"), b"").map_err(|e| Error::io("m", e))?;
    std::fs::write(dir.path().join("state.json"), b"{}").map_err(|e| Error::io("m", e))?;
    let (_, values) = ids(&[dir.path().to_path_buf()], options(7))?;
    assert_eq!(values, (0..20).collect::<Vec<_>>());
    Ok(())
}

#[test]
fn columns_are_projected_in_the_requested_order() -> Result<()> {
    let dir = tempfile::tempdir().map_err(|e| Error::io("tmp", e))?;
    for (name, format) in [("x.parquet", 0), ("x.feather", 1), ("x.arrows", 2)] {
        let path = dir.path().join(name);
        match format {
            0 => write_parquet(&path, &[batch(0, 5)?], 100)?,
            1 => write_ipc(&path, &[batch(0, 5)?], false)?,
            _ => write_ipc(&path, &[batch(0, 5)?], true)?,
        }
        let opts = ReadOptions {
            columns: Some(vec!["text".into(), "id".into()]),
            ..ReadOptions::default()
        };
        let reader = read(&[path], opts)?;
        let names: Vec<_> = reader
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        assert_eq!(names, ["text", "id"], "{name}");
        for b in reader {
            assert_eq!(b?.column(0).data_type(), &DataType::Utf8);
        }
    }
    Ok(())
}

#[test]
fn a_missing_column_names_the_columns_the_file_has() -> Result<()> {
    let dir = tempfile::tempdir().map_err(|e| Error::io("tmp", e))?;
    let path = dir.path().join("x.parquet");
    write_parquet(&path, &[batch(0, 5)?], 100)?;
    let opts = ReadOptions {
        columns: Some(vec!["nope".into()]),
        ..ReadOptions::default()
    };
    let err = read(&[path], opts).err().map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some("invalid value for `columns`: no column \"nope\"; the file has id, text")
    );
    Ok(())
}

#[test]
fn bad_inputs_give_typed_errors_naming_the_file() -> Result<()> {
    let dir = tempfile::tempdir().map_err(|e| Error::io("tmp", e))?;
    let good = dir.path().join("good.parquet");
    write_parquet(&good, &[batch(0, 1000)?], 100)?;
    let bytes = std::fs::read(&good).map_err(|e| Error::io(&good, e))?;
    let truncated = dir.path().join("truncated.parquet");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).map_err(|e| Error::io("t", e))?;
    let empty = dir.path().join("empty.parquet");
    std::fs::write(&empty, b"").map_err(|e| Error::io("e", e))?;
    let misnamed = dir.path().join("misnamed.arrow");
    std::fs::write(&misnamed, &bytes).map_err(|e| Error::io("m", e))?;
    let text = dir.path().join("notes.parquet");
    std::fs::write(&text, b"hello world\n").map_err(|e| Error::io("t", e))?;

    for (path, needle) in [
        (&truncated, "truncated.parquet"),
        (&empty, "the file is empty"),
        (&misnamed, "named as arrow_stream but its bytes say parquet"),
        (&text, "not a parquet file"),
    ] {
        let err = ids(std::slice::from_ref(path), options(10)).err();
        let message = err.as_ref().map(ToString::to_string).unwrap_or_default();
        assert!(
            matches!(err, Some(Error::DataFormat { .. })),
            "{path:?}: {message}"
        );
        assert!(message.contains(needle), "{message}");
        assert!(message.contains(&*path.to_string_lossy()), "{message}");
    }
    let missing = dir.path().join("missing.parquet");
    assert!(matches!(
        read(&[missing], options(10)),
        Err(Error::NotFound { .. })
    ));
    Ok(())
}

#[test]
fn files_with_different_schemas_are_an_error() -> Result<()> {
    let dir = tempfile::tempdir().map_err(|e| Error::io("tmp", e))?;
    let a = dir.path().join("a.parquet");
    write_parquet(&a, &[batch(0, 5)?], 100)?;
    let b = dir.path().join("b.parquet");
    let other = batch(0, 5)?.project(&[1])?;
    write_parquet(&b, &[other], 100)?;
    let err = ids(&[a, b], options(2))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.contains("b.parquet") && err.contains("schema differs"),
        "{err}"
    );
    Ok(())
}

#[test]
fn forced_format_is_checked_against_the_bytes() -> Result<()> {
    let dir = tempfile::tempdir().map_err(|e| Error::io("tmp", e))?;
    let path = dir.path().join("data.bin");
    write_ipc(&path, &[batch(0, 3)?], false)?;
    let (_, values) = ids(
        std::slice::from_ref(&path),
        ReadOptions {
            format: Some(Format::ArrowFile),
            ..ReadOptions::default()
        },
    )?;
    assert_eq!(values, vec![0, 1, 2]);
    let forced = ReadOptions {
        format: Some(Format::Parquet),
        ..ReadOptions::default()
    };
    assert!(matches!(
        read(&[path], forced),
        Err(Error::DataFormat { .. })
    ));
    Ok(())
}

#[test]
fn zero_batch_size_is_rejected() {
    let err = read(&[PathBuf::from("x")], options(0)).err();
    assert!(matches!(err, Some(Error::InvalidArgument { ref name, .. }) if name == "batch_size"));
}

#[test]
fn format_compression_and_on_error_names_parse_and_unknown_names_are_invalid_arguments() {
    for name in Format::NAMES {
        assert_eq!(name.parse::<Format>().map(Format::name).ok(), Some(name));
    }
    for name in Compression::NAMES {
        assert_eq!(
            name.parse::<Compression>().map(Compression::name).ok(),
            Some(name)
        );
    }
    assert_eq!("skip".parse::<OnError>().ok(), Some(OnError::Skip));
    assert_eq!("raise".parse::<OnError>().ok(), Some(OnError::Raise));
    let messages = [
        "yaml".parse::<Format>().err(),
        "rar".parse::<Compression>().err(),
        "ignore".parse::<OnError>().err(),
    ]
    .map(|err| err.map(|e| e.to_string()));
    assert_eq!(
        messages,
        [
            Some(
                "invalid value for `format`: unknown value 'yaml'; expected one of parquet, \
                 arrow_file, arrow_stream, jsonl, json, csv, tsv, text"
                    .to_owned()
            ),
            Some(
                "invalid value for `compression`: unknown value 'rar'; expected one of none, \
                 gzip, zstd, bz2, xz, lz4"
                    .to_owned()
            ),
            Some(
                "invalid value for `on_error`: unknown value 'ignore'; expected one of raise, skip"
                    .to_owned()
            ),
        ]
    );
}
