//! Tests of [`super::ipc_mapped`]: batches equal arrow-ipc's own reader's, their buffers lie
//! inside the mapping (no copy), and corrupt files are errors, not panics or invalid arrays;
//! streams read as arrow-ipc's `StreamReader` reads them.

use std::path::Path;
use std::sync::Arc;

use arrow::array::{Array, DictionaryArray, Int64Array, RecordBatch, StringArray};
use arrow::buffer::Buffer;
use arrow::datatypes::{DataType, Field, Int32Type, Schema};
use arrow::ipc::reader::{FileReader, StreamReader};
use arrow::ipc::writer::{FileWriter, StreamWriter};

use super::ipc_mapped::MappedIpc;
use super::ipc_stream::MappedStream;
use super::ipc_windows::{WINDOW, Windows};
use crate::error::{Error, Result};

fn batch(start: i64, rows: i64) -> Result<RecordBatch> {
    let ids: Int64Array = (start..start + rows).collect();
    let texts: StringArray = (0..rows).map(|i| Some(format!("text é {i}"))).collect();
    let kinds: DictionaryArray<Int32Type> = (0..rows)
        .map(|i| ["user", "assistant"][usize::try_from(i % 2).unwrap_or(0)])
        .collect();
    let schema = Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("text", DataType::Utf8, true),
        Field::new("role", kinds.data_type().clone(), true),
    ]);
    Ok(RecordBatch::try_new(
        Arc::new(schema),
        vec![Arc::new(ids), Arc::new(texts), Arc::new(kinds)],
    )?)
}

fn write(path: &Path, batches: &[RecordBatch]) -> Result<()> {
    let file = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    let mut writer = FileWriter::try_new(file, &batches[0].schema())?;
    batches.iter().try_for_each(|b| writer.write(b))?;
    writer.finish()?;
    Ok(())
}

fn mapped(path: &Path, projection: Option<Vec<usize>>) -> Result<Vec<RecordBatch>> {
    MappedIpc::open(path)?.batches(projection, 2)?.collect()
}

#[test]
fn batches_equal_arrow_ipcs_reader_with_and_without_projection() -> Result<()> {
    let dir = tempfile::tempdir().map_err(|e| Error::io("tempdir", e))?;
    let path = dir.path().join("t.arrow");
    write(&path, &[batch(0, 100)?, batch(100, 7)?])?;
    for projection in [None, Some(vec![1]), Some(vec![0, 2])] {
        let file = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
        let expected: Vec<RecordBatch> = FileReader::try_new(file, projection.clone())?
            .collect::<std::result::Result<_, _>>()?;
        assert_eq!(mapped(&path, projection)?, expected);
    }
    Ok(())
}

/// Every buffer of columns `id` and `text` of `batch` lies inside `map`.
fn assert_inside(batch: &RecordBatch, map: Option<&Buffer>) {
    let map = map.expect("a batch was decoded from a map");
    let (start, end) = (map.as_ptr() as usize, map.as_ptr() as usize + map.len());
    for column in [0, 1] {
        for buffer in batch.column(column).to_data().buffers() {
            let at = buffer.as_ptr() as usize;
            assert!(
                (start..end).contains(&at),
                "column {column} was copied out of the file"
            );
        }
    }
}

#[test]
fn batches_point_into_the_map_whatever_the_window() -> Result<()> {
    let dir = tempfile::tempdir().map_err(|e| Error::io("tempdir", e))?;
    let path = dir.path().join("t.arrow");
    let written: Vec<RecordBatch> = (0..12).map(|i| batch(i * 40, 40)).collect::<Result<_>>()?;
    write(&path, &written)?;
    // 1 byte: a map per block; 3000 bytes: a few blocks per map; default: one map.
    for window in [1, 3000, WINDOW] {
        let file = MappedIpc::from_windows(Windows::with_window(&path, window)?)?;
        let mut batches = file.batches(None, 1)?;
        let mut read = Vec::new();
        while let Some(batch) = batches.next() {
            let batch = batch?;
            assert_inside(&batch, batches.current_map());
            read.push(batch);
        }
        assert_eq!(read, written, "window {window}");
        let file = MappedIpc::from_windows(Windows::with_window(&path, window)?)?;
        let decoded_three_at_once: Vec<RecordBatch> =
            file.batches(None, 3)?.collect::<Result<_>>()?;
        assert_eq!(decoded_three_at_once, written, "window {window}, 3 at once");
    }
    Ok(())
}

#[test]
fn invalid_utf8_in_a_string_body_is_a_data_format_error() -> Result<()> {
    let dir = tempfile::tempdir().map_err(|e| Error::io("tempdir", e))?;
    let path = dir.path().join("t.arrow");
    write(&path, &[batch(0, 20)?])?;
    let mut bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
    let at = bytes
        .windows(5)
        .position(|w| w == b"ext \xc3")
        .expect("the first string is in the file");
    bytes[at] = 0xff; // "text" becomes "t\xffxt": no longer UTF-8
    std::fs::write(&path, bytes).map_err(|e| Error::io(&path, e))?;
    let err = mapped(&path, None).unwrap_err();
    assert!(
        matches!(&err, Error::DataFormat { reason, .. } if reason.contains("utf-8") || reason.contains("UTF8") || reason.contains("utf8")),
        "{err}"
    );
    Ok(())
}

#[test]
fn a_truncated_file_or_block_is_an_error() -> Result<()> {
    let dir = tempfile::tempdir().map_err(|e| Error::io("tempdir", e))?;
    let path = dir.path().join("t.arrow");
    write(&path, &[batch(0, 20)?])?;
    let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
    for cut in [4, 9, 64, bytes.len() - 11, bytes.len() - 1] {
        std::fs::write(&path, &bytes[..cut]).map_err(|e| Error::io(&path, e))?;
        let result: Result<Vec<RecordBatch>> =
            MappedIpc::open(&path).and_then(|file| file.batches(None, 1)?.collect());
        let err: Error = result.err().unwrap_or_else(|| panic!("cut at {cut} read"));
        assert!(
            matches!(err, Error::DataFormat { .. }),
            "cut at {cut}: {err}"
        );
    }
    Ok(())
}

fn write_stream(path: &Path, batches: &[RecordBatch], trailer: &[u8]) -> Result<()> {
    let mut bytes = Vec::new();
    let mut writer = StreamWriter::try_new(&mut bytes, &batches[0].schema())?;
    batches.iter().try_for_each(|b| writer.write(b))?;
    writer.finish()?;
    drop(writer);
    bytes.extend_from_slice(trailer);
    std::fs::write(path, bytes).map_err(|e| Error::io(path, e))
}

fn mapped_stream(path: &Path) -> Result<Vec<RecordBatch>> {
    MappedStream::open(path)?.collect()
}

#[test]
fn stream_batches_point_into_the_map_whatever_the_window() -> Result<()> {
    let dir = tempfile::tempdir().map_err(|e| Error::io("tempdir", e))?;
    let path = dir.path().join("t.arrows");
    let written: Vec<RecordBatch> = (0..12).map(|i| batch(i * 40, 40)).collect::<Result<_>>()?;
    write_stream(&path, &written, b"")?;
    for window in [1, 3000, WINDOW] {
        let windows = Windows::with_window(&path, window)?;
        let mut stream = MappedStream::from_windows(windows)?;
        let mut read = Vec::new();
        while let Some(batch) = stream.next() {
            let batch = batch?;
            assert_inside(&batch, stream.current_map());
            read.push(batch);
        }
        assert_eq!(read, written, "window {window}");
    }
    Ok(())
}

#[test]
fn a_stream_reads_as_arrow_ipcs_stream_reader_including_bytes_after_the_end_marker() -> Result<()> {
    let dir = tempfile::tempdir().map_err(|e| Error::io("tempdir", e))?;
    let path = dir.path().join("t.arrows");
    let batches = [batch(0, 30)?, batch(30, 5)?];
    for trailer in [&b""[..], b"\x01\x02", b"junk after the end"] {
        write_stream(&path, &batches, trailer)?;
        // The same stream without its end-of-stream marker (8 bytes) reads the same.
        let unterminated = dir.path().join("unterminated.arrows");
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        let marker = bytes.len() - trailer.len() - 8;
        std::fs::write(&unterminated, &bytes[..marker]).map_err(|e| Error::io(&path, e))?;
        let file = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
        let expected: Vec<RecordBatch> =
            StreamReader::try_new(file, None)?.collect::<std::result::Result<_, _>>()?;
        assert_eq!(mapped_stream(&path)?, expected, "trailer {trailer:?}");
        assert_eq!(mapped_stream(&unterminated)?, expected, "no end marker");
        assert_eq!(expected.len(), 2);
    }
    Ok(())
}

#[test]
fn a_stream_of_a_schema_alone_reads_as_no_batches_with_or_without_its_end_marker() -> Result<()> {
    let dir = tempfile::tempdir().map_err(|e| Error::io("tempdir", e))?;
    let path = dir.path().join("t.arrows");
    let schema = batch(0, 1)?.schema();
    let mut bytes = Vec::new();
    StreamWriter::try_new(&mut bytes, &schema)?.finish()?;
    for len in [bytes.len(), bytes.len() - 8] {
        std::fs::write(&path, &bytes[..len]).map_err(|e| Error::io(&path, e))?;
        let mut stream = MappedStream::open(&path)?;
        assert_eq!(stream.schema(), schema);
        assert!(stream.next().is_none(), "{len} bytes");
    }
    Ok(())
}

#[test]
fn a_stream_cut_inside_a_message_is_an_error() -> Result<()> {
    let dir = tempfile::tempdir().map_err(|e| Error::io("tempdir", e))?;
    let path = dir.path().join("t.arrows");
    write_stream(&path, &[batch(0, 30)?], b"")?;
    let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
    for cut in [0, 6, 100, bytes.len() - 20] {
        std::fs::write(&path, &bytes[..cut]).map_err(|e| Error::io(&path, e))?;
        let err = mapped_stream(&path)
            .err()
            .unwrap_or_else(|| panic!("cut at {cut} read"));
        assert!(
            matches!(err, Error::DataFormat { .. }),
            "cut at {cut}: {err}"
        );
    }
    Ok(())
}

#[test]
fn a_corrupt_block_comes_after_every_batch_before_it_and_ends_the_stream() -> Result<()> {
    let dir = tempfile::tempdir().map_err(|e| Error::io("tempdir", e))?;
    let path = dir.path().join("t.arrow");
    let written: Vec<RecordBatch> = (0..6).map(|i| batch(i * 10, 10)).collect::<Result<_>>()?;
    write(&path, &written)?;
    let mut bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
    let needle = "text é 0".as_bytes();
    let firsts: Vec<usize> = bytes
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(at, _)| at)
        .collect();
    assert_eq!(firsts.len(), 6, "each batch starts with \"text é 0\"");
    bytes[firsts[2] + 5] = 0xff; // the third batch's first string is no longer UTF-8
    std::fs::write(&path, bytes).map_err(|e| Error::io(&path, e))?;
    for width in [1, 2, 4] {
        let outcomes: Vec<Result<RecordBatch>> =
            MappedIpc::open(&path)?.batches(None, width)?.collect();
        assert_eq!(outcomes.len(), 3, "width {width}");
        assert_eq!(outcomes[0].as_ref().ok(), Some(&written[0]));
        assert_eq!(outcomes[1].as_ref().ok(), Some(&written[1]));
        assert!(matches!(outcomes[2], Err(Error::DataFormat { .. })));
    }
    Ok(())
}

#[test]
fn a_stream_cut_inside_a_message_header_is_an_error_as_in_arrow_ipc() -> Result<()> {
    let dir = tempfile::tempdir().map_err(|e| Error::io("tempdir", e))?;
    let path = dir.path().join("t.arrows");
    write_stream(&path, &[batch(0, 30)?], b"")?;
    let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
    let file = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
    let schema_end =
        usize::try_from(super::ipc_guard::check_stream(&file, &path)?[0]).unwrap_or_default();
    // The continuation marker of the next message and 2 bytes of its length.
    std::fs::write(&path, &bytes[..schema_end + 6]).map_err(|e| Error::io(&path, e))?;
    let err = MappedStream::open(&path)
        .err()
        .expect("a cut header is refused");
    assert!(matches!(err, Error::DataFormat { .. }), "{err}");
    Ok(())
}

#[test]
fn opening_a_stream_decodes_no_batch() -> Result<()> {
    let dir = tempfile::tempdir().map_err(|e| Error::io("tempdir", e))?;
    let path = dir.path().join("t.arrows");
    write_stream(&path, &[batch(0, 30)?], b"")?;
    let mut bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
    let needle = "text é 0".as_bytes();
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("the first string is in the file");
    bytes[at + 5] = 0xff; // the first batch is corrupt; its schema is not
    std::fs::write(&path, bytes).map_err(|e| Error::io(&path, e))?;
    let mut stream = MappedStream::open(&path)?; // a decoder panic here would escape
    assert_eq!(stream.schema(), batch(0, 1)?.schema());
    assert!(matches!(stream.next(), Some(Err(Error::DataFormat { .. }))));
    assert!(stream.next().is_none());
    Ok(())
}

/// An encapsulated IPC message whose header type is NONE (no header).
fn message_without_a_header() -> Vec<u8> {
    let mut builder = flatbuffers::FlatBufferBuilder::new();
    let mut message = arrow::ipc::MessageBuilder::new(&mut builder);
    message.add_version(arrow::ipc::MetadataVersion::V5);
    message.add_header_type(arrow::ipc::MessageHeader::NONE);
    message.add_bodyLength(0);
    let root = message.finish();
    builder.finish(root, None);
    let data = builder.finished_data();
    let padded = data.len().div_ceil(8) * 8;
    let mut bytes = vec![0xff; 4];
    bytes.extend_from_slice(&u32::try_from(padded).unwrap_or_default().to_le_bytes());
    bytes.extend_from_slice(data);
    bytes.resize(8 + padded, 0);
    bytes
}

#[test]
fn a_stream_message_without_a_header_is_an_error_not_skipped() -> Result<()> {
    let dir = tempfile::tempdir().map_err(|e| Error::io("tempdir", e))?;
    let path = dir.path().join("t.arrows");
    write_stream(&path, &[batch(0, 30)?], b"")?;
    let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
    let file = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
    let schema_end =
        usize::try_from(super::ipc_guard::check_stream(&file, &path)?[0]).unwrap_or_default();
    let mut edited = bytes[..schema_end].to_vec();
    edited.extend(message_without_a_header());
    edited.extend_from_slice(&bytes[schema_end..]);
    std::fs::write(&path, edited).map_err(|e| Error::io(&path, e))?;
    let err = MappedStream::open(&path)
        .err()
        .expect("a message without a header is refused");
    assert!(err.to_string().contains("without a header"), "{err}");
    Ok(())
}
