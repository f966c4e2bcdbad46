//! One file's stream of record batches ([`FileBatches`]), from the decoder of its format.
//!
//! Every decoder error becomes [`Error::DataFormat`] naming the file and the first row of the
//! batch being decoded. A decoder that panics on corrupt input (arrow-rs does on some malformed
//! files) is caught here and reported the same way: no panic crosses into Python.

use std::fs::File;
use std::io::{Cursor, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::{Schema, SchemaRef};
use arrow::error::ArrowError;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};

use super::ReadOptions;
use super::compression::{self, Compression};
use super::format::{self, Format};
use super::ipc_mapped::MappedIpc;
use super::ipc_stream::MappedStream;
use super::parquet_groups::{self, RowGroupStreams};
use super::text::{self, jsonl::TextSettings};
use crate::error::{Error, Location, Result};
use crate::quiet_panic::quietly;

type Batches = Box<dyn Iterator<Item = Result<RecordBatch>> + Send>;

/// The batches of one file, projected to the requested columns in the requested order.
pub struct FileBatches {
    path: PathBuf,
    schema: SchemaRef,
    /// Positions, within the decoder's (file-ordered) columns, of the requested columns.
    order: Option<Vec<usize>>,
    batches: Option<Batches>,
    rows_read: u64,
}

/// Which file columns to decode (sorted) and how to reorder them into the requested order.
struct Projection {
    indices: Option<Vec<usize>>,
    order: Option<Vec<usize>>,
    schema: SchemaRef,
}

impl FileBatches {
    /// Opens `path`, detecting (or checking) its format.
    pub fn open(path: PathBuf, options: &ReadOptions) -> Result<Self> {
        Self::open_row_groups(path, options, None)
    }

    /// Opens `path`; for a Parquet file, only the row groups `row_groups` (all when `None`).
    pub fn open_row_groups(
        path: PathBuf,
        options: &ReadOptions,
        row_groups: Option<Vec<usize>>,
    ) -> Result<Self> {
        let (format, codec) = format::detect(&path, options.format, options.compression)?;
        if options.schema.is_some() && !format.takes_schema() {
            return Err(Error::invalid_argument(
                "schema",
                format!(
                    "{}: a {} file carries its own types; schema= applies to JSON, JSON \
                     Lines, CSV and TSV",
                    path.display(),
                    format.name()
                ),
            ));
        }
        let opened = match format {
            Format::Parquet => open_parquet(&path, options, row_groups),
            Format::ArrowFile => open_ipc_file(&path, options),
            Format::ArrowStream => open_ipc_stream(&path, options),
            text_format => open_text(&path, text_format, codec, options),
        };
        let (projection, batches) = opened.map_err(|err| locate(err, &path))?;
        Ok(FileBatches {
            path,
            schema: projection.schema,
            order: projection.order,
            batches: Some(batches),
            rows_read: 0,
        })
    }

    /// The schema of this file's batches after projection.
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// Where the reader is in this file, for error messages.
    pub fn location(&self) -> Location {
        Location {
            path: Some(self.path.clone()),
            row: Some(self.rows_read),
            ..Location::default()
        }
    }

    /// The next decoded batch, or `None` at the end of the file.
    pub fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        let Some(batches) = self.batches.as_mut() else {
            return Ok(None);
        };
        let next = match catch_unwind(AssertUnwindSafe(|| quietly(|| batches.next()))) {
            Ok(next) => next,
            Err(payload) => {
                self.batches = None; // a decoder that panicked is not asked again
                let reason = Error::from_panic(payload.as_ref()).to_string();
                return Err(Error::data_format(
                    self.location(),
                    format!("corrupt data: the decoder failed ({reason})"),
                ));
            }
        };
        match next {
            None => {
                self.batches = None;
                Ok(None)
            }
            Some(Err(err)) => {
                self.batches = None;
                Err(self.place(err))
            }
            Some(Ok(batch)) => {
                self.rows_read += batch.num_rows() as u64;
                let batch = match &self.order {
                    Some(order) => batch.project(order)?,
                    None => batch,
                };
                Ok(Some(batch.with_schema(self.schema.clone())?))
            }
        }
    }
}

impl FileBatches {
    /// Puts this file and the current row into a decoder error that does not say where.
    fn place(&self, err: Error) -> Error {
        match err {
            Error::DataFormat { location, reason } if location.path.is_none() => {
                Error::DataFormat {
                    location: self.location(),
                    reason,
                }
            }
            other => other,
        }
    }
}

fn arrow_batches<I>(batches: I) -> Batches
where
    I: Iterator<Item = Result<RecordBatch, ArrowError>> + Send + 'static,
{
    Box::new(batches.map(|batch| batch.map_err(Error::from)))
}

/// Puts `path` into a location-less error from a decoder.
fn locate(err: Error, path: &Path) -> Error {
    match err {
        Error::DataFormat { location, reason } if location.path.is_none() => Error::DataFormat {
            location: Location {
                path: Some(path.to_path_buf()),
                ..location
            },
            reason,
        },
        other => other,
    }
}

fn open_file(path: &Path) -> Result<File> {
    File::open(path).map_err(|err| Error::io(path, err))
}

fn project(file_schema: &Schema, columns: Option<&[String]>) -> Result<Projection> {
    let Some(columns) = columns else {
        return Ok(Projection {
            indices: None,
            order: None,
            schema: Arc::new(file_schema.clone()),
        });
    };
    let mut wanted = Vec::with_capacity(columns.len());
    for name in columns {
        let index = file_schema.index_of(name).map_err(|_| {
            let names: Vec<&str> = file_schema
                .fields()
                .iter()
                .map(|f| f.name().as_str())
                .collect();
            Error::invalid_argument(
                "columns",
                format!("no column {name:?}; the file has {}", names.join(", ")),
            )
        })?;
        if wanted.contains(&index) {
            return Err(Error::invalid_argument(
                "columns",
                format!("column {name:?} is named twice"),
            ));
        }
        wanted.push(index);
    }
    let mut indices = wanted.clone();
    indices.sort_unstable();
    let order = wanted
        .iter()
        .map(|w| indices.iter().position(|i| i == w).unwrap_or_default())
        .collect();
    Ok(Projection {
        schema: Arc::new(file_schema.project(&wanted)?),
        indices: Some(indices),
        order: Some(order),
    })
}

fn open_parquet(
    path: &Path,
    options: &ReadOptions,
    row_groups: Option<Vec<usize>>,
) -> Result<(Projection, Batches)> {
    let file = open_file(path)?;
    let metadata = ArrowReaderMetadata::load(&file, ArrowReaderOptions::default())?;
    let projection = project(metadata.schema(), options.columns.as_deref())?;
    let mask = projection
        .indices
        .as_ref()
        .map(|indices| ProjectionMask::roots(metadata.parquet_schema(), indices.iter().copied()));
    let groups = row_groups.unwrap_or_else(|| (0..metadata.metadata().num_row_groups()).collect());
    if parquet_groups::worth_it(&groups, options.decode_width) {
        let sizes = (options.batch_size, options.decode_width);
        let streams = RowGroupStreams::new(path.to_path_buf(), metadata, mask, groups, sizes);
        return Ok((projection, Box::new(streams)));
    }
    let mut builder = ParquetRecordBatchReaderBuilder::new_with_metadata(file, metadata)
        .with_batch_size(options.batch_size)
        .with_row_groups(groups);
    if let Some(mask) = mask {
        builder = builder.with_projection(mask);
    }
    Ok((projection, arrow_batches(builder.build()?)))
}

fn open_ipc_file(path: &Path, options: &ReadOptions) -> Result<(Projection, Batches)> {
    let file = MappedIpc::open(path)?;
    let projection = project(&file.schema(), options.columns.as_deref())?;
    // Unneeded columns are never decoded.
    let batches = file.batches(projection.indices.clone(), options.decode_width)?;
    Ok((projection, Box::new(batches)))
}

fn open_ipc_stream(path: &Path, options: &ReadOptions) -> Result<(Projection, Batches)> {
    let stream = MappedStream::open(path)?;
    let projection = project(&stream.schema(), options.columns.as_deref())?;
    let Some(indices) = projection.indices.clone() else {
        return Ok((projection, Box::new(stream)));
    };
    // A stream has no footer to seek from: project each batch as it comes.
    let batches = stream.map(move |batch| Ok(batch?.project(&indices)?));
    Ok((projection, Box::new(batches)))
}

fn open_text(
    path: &Path,
    format: Format,
    codec: Compression,
    options: &ReadOptions,
) -> Result<(Projection, Batches)> {
    let settings = TextSettings {
        on_error: options.on_error,
        skips: options.skips.clone(),
        width: options.decode_width,
        schema: options.schema.clone(),
    };
    let source = compression::open(path, codec)?;
    let codec = codec.name();
    let (schema, batches) = match format {
        Format::Jsonl => text::jsonl::open(path, source, codec, false, &settings)?,
        Format::Json => {
            let (array, source) = starts_with_array(path, source, codec)?;
            text::jsonl::open(path, source, codec, array, &settings)?
        }
        Format::Csv => text::csv::open(path, source, codec, b',', &settings)?,
        Format::Tsv => text::csv::open(path, source, codec, b'\t', &settings)?,
        _ => text::lines::open(path, source, codec, &settings),
    };
    let projection = project(&schema, options.columns.as_deref())?;
    let Some(indices) = projection.indices.clone() else {
        return Ok((projection, Box::new(batches)));
    };
    let projected = batches.map(move |batch| Ok(batch?.project(&indices)?));
    Ok((projection, Box::new(projected)))
}

/// Whether a `.json` stream holds an array (first non-blank byte `[`) rather than JSON Lines;
/// returns the stream with the peeked bytes put back.
fn starts_with_array(
    path: &Path,
    source: Box<dyn Read + Send>,
    codec: &str,
) -> Result<(bool, Box<dyn Read + Send>)> {
    let mut head = Vec::new();
    let mut source = source;
    let mut first = None;
    while first.is_none() && head.len() < (1 << 20) {
        let before = head.len();
        (&mut source)
            .take(4096)
            .read_to_end(&mut head)
            .map_err(|err| text::stream_error(path, codec, err, None))?;
        if head.len() == before {
            break;
        }
        first = head
            .iter()
            .copied()
            .find(|b| !b.is_ascii_whitespace() && !matches!(b, 0xef | 0xbb | 0xbf));
    }
    let array = first == Some(b'[');
    Ok((array, Box::new(Cursor::new(head).chain(source))))
}
