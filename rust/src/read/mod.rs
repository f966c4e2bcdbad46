//! Streaming readers: local dataset files into Arrow record batches.
//!
//! [`read`] expands the sources into a deterministic list of files ([`files`]), detects each
//! file's format from its extension and confirms it by its magic bytes ([`format`]), opens
//! the format's decoder as one file's batch stream ([`file_batches`]), and re-chunks the
//! concatenation of all files into batches of exactly `batch_size` rows ([`rebatch`]; the last
//! may be shorter). Memory is bounded by the batches in flight, never by the file size.
//!
//! Formats: Parquet (streamed by row group, column projection), Arrow IPC file and stream
//! (including lz4/zstd IPC body compression), and the text formats of [`text`] (JSON Lines,
//! JSON arrays, CSV, TSV, plain text), optionally gzip/zstd/bz2/xz/lz4 compressed.

pub mod compression;
pub mod file_batches;
pub mod files;
pub mod format;
pub mod ipc_guard;
pub mod ipc_mapped;
#[cfg(test)]
mod ipc_mapped_tests;
pub mod ipc_stream;
pub mod ipc_windows;
pub mod parquet_groups;
pub mod prefetch;
pub mod rebatch;
pub mod schema_match;
pub mod text;

use std::path::PathBuf;
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;

use crate::error::{Error, Result};
pub use compression::Compression;
use file_batches::FileBatches;
pub use format::Format;
use rebatch::Rebatcher;
pub use text::{OnError, SkipLog, Skipped};

/// How to read.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Rows per output batch (the last batch may be shorter). Must be positive.
    pub batch_size: usize,
    /// Columns to keep, in this order; `None` keeps every column in file order.
    pub columns: Option<Vec<String>>,
    /// Force a format instead of detecting it per file.
    pub format: Option<Format>,
    /// Force a compression codec (text formats) instead of detecting it per file.
    pub compression: Option<Compression>,
    /// What to do with a malformed record of a text format.
    pub on_error: OnError,
    /// Where skipped records are noted (shared with the caller).
    pub skips: Arc<SkipLog>,
    /// Chunks of a text file decoded at once on the rayon pool.
    pub decode_width: usize,
    /// Read only part `index` of `count` disjoint parts (see [`read`]).
    pub shard: Option<(usize, usize)>,
    /// JSON and CSV: the columns and types to read, instead of inferring them.
    pub schema: Option<SchemaRef>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            batch_size: 8192,
            columns: None,
            format: None,
            compression: None,
            on_error: OnError::Raise,
            skips: Arc::new(SkipLog::default()),
            decode_width: 2,
            shard: None,
            schema: None,
        }
    }
}

/// A stream of record batches over one or more files, all with the same schema
/// (`axolotl_fast.Reader` in Python).
pub struct Reader {
    schema: SchemaRef,
    /// The files still to open, each with its Parquet row groups under row-group sharding.
    pending: std::vec::IntoIter<(PathBuf, Option<Vec<usize>>)>,
    current: Option<FileBatches>,
    options: ReadOptions,
    rebatcher: Rebatcher,
    done: bool,
    /// Row-level sharding `(index, count)`, when there are fewer files than shards.
    row_shard: Option<(u64, u64)>,
    rows_seen: u64,
    /// The current file names list items differently; its batches are cast to `schema`.
    recast: bool,
}

/// Opens `sources` (files and directories) for reading with `options`.
///
/// The first file is opened at once, so a missing file, an unknown format or a bad header
/// fails here rather than on the first batch.
///
/// With `shard: Some((index, count))`, shards are disjoint and their union is the whole input:
/// when there are at least `count` files, shard `index` reads files `index`, `index + count`,
/// ...; else, when every file is Parquet and they have at least `count` row groups in all,
/// it reads row groups `index`, `index + count`, ... (numbered across files in order);
/// otherwise every shard reads all files and keeps the rows whose position (over all files,
/// in order) is `index` modulo `count`.
pub fn read(sources: &[PathBuf], options: ReadOptions) -> Result<Reader> {
    if options.batch_size == 0 {
        return Err(Error::invalid_argument("batch_size", "must be positive"));
    }
    let paths = files::source_files(sources)?;
    let (planned, row_shard) = plan_shard(paths, &options)?;
    let mut pending = planned.into_iter();
    let (first_path, first_groups) = pending
        .next()
        .ok_or_else(|| Error::invalid_argument("source", "no files to read"))?;
    let first = FileBatches::open_row_groups(first_path, &options, first_groups)?;
    let schema = first.schema();
    Ok(Reader {
        rebatcher: Rebatcher::new(schema.clone(), options.batch_size),
        schema,
        pending,
        current: Some(first),
        options,
        done: false,
        row_shard,
        rows_seen: 0,
        recast: false,
    })
}

/// Files to read (with their row groups) and the row-level shard, for `options.shard`.
type ShardPlan = (Vec<(PathBuf, Option<Vec<usize>>)>, Option<(u64, u64)>);

fn plan_shard(paths: Vec<PathBuf>, options: &ReadOptions) -> Result<ShardPlan> {
    let whole = |paths: Vec<PathBuf>| paths.into_iter().map(|p| (p, None)).collect();
    let Some((index, count)) = options.shard else {
        return Ok((whole(paths), None));
    };
    if count == 0 || index >= count {
        return Err(Error::invalid_argument(
            "shard",
            format!("expected (index, count) with 0 <= index < count, got ({index}, {count})"),
        ));
    }
    if paths.len() >= count {
        return Ok((
            whole(paths.into_iter().skip(index).step_by(count).collect()),
            None,
        ));
    }
    let all_parquet = paths.iter().all(|path| {
        format::detect(path, options.format, options.compression)
            .is_ok_and(|(format, _)| format == Format::Parquet)
    });
    if all_parquet && let Some(plan) = parquet_groups::shard_row_groups(&paths, index, count)? {
        let planned = plan
            .into_iter()
            .map(|(p, groups)| (p, Some(groups)))
            .collect();
        return Ok((planned, None));
    }
    Ok((whole(paths), Some((index as u64, count as u64))))
}

impl Reader {
    /// The schema of every batch.
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// The next batch of exactly `batch_size` rows (fewer only for the last), or `None`.
    pub fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        loop {
            if let Some(batch) = self.rebatcher.pop_full()? {
                return Ok(Some(batch));
            }
            if self.done {
                return self.rebatcher.pop_rest();
            }
            match self.next_input()? {
                Some(batch) => self.rebatcher.push(batch),
                None => self.done = true,
            }
        }
    }

    /// The next batch as the files give it, moving on to the next file when one ends.
    fn next_input(&mut self) -> Result<Option<RecordBatch>> {
        loop {
            let Some(current) = self.current.as_mut() else {
                return Ok(None);
            };
            if let Some(batch) = current.next_batch()? {
                let batch = if self.recast {
                    schema_match::recast(&batch, &self.schema)?
                } else {
                    batch
                };
                return self.keep_shard_rows(batch).map(Some);
            }
            self.current = match self.pending.next() {
                Some((path, groups)) => Some(self.open_matching(path, groups)?),
                None => None,
            };
        }
    }

    /// Under row-level sharding, the rows of `batch` that belong to this shard.
    fn keep_shard_rows(&mut self, batch: RecordBatch) -> Result<RecordBatch> {
        let Some((index, count)) = self.row_shard else {
            return Ok(batch);
        };
        let first = self.rows_seen;
        self.rows_seen += batch.num_rows() as u64;
        let keep: arrow::array::BooleanArray = (first..self.rows_seen)
            .map(|row| Some(row % count == index))
            .collect();
        Ok(arrow::compute::filter_record_batch(&batch, &keep)?)
    }

    /// The records left out so far under [`OnError::Skip`]: their count and the first ones.
    pub fn skipped(&self) -> (u64, Vec<Skipped>) {
        self.options.skips.snapshot()
    }

    /// Opens the next file; its batches need [`schema_match::recast`] when it names list
    /// items differently from the first file (`self.recast`).
    fn open_matching(&mut self, path: PathBuf, groups: Option<Vec<usize>>) -> Result<FileBatches> {
        let file = FileBatches::open_row_groups(path, &self.options, groups)?;
        let (expected, found) = (self.schema.fields(), file.schema().fields().clone());
        self.recast = expected != &found;
        if self.recast && !schema_match::same_but_list_item_names(expected, &found) {
            return Err(Error::data_format(
                file.location(),
                format!(
                    "schema differs from the first file's: expected {}, found {}",
                    self.schema,
                    file.schema()
                ),
            ));
        }
        Ok(file)
    }
}

impl Iterator for Reader {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_batch().transpose()
    }
}

/// A [`Reader`] seen as an arrow-rs `RecordBatchReader`, for export through the Arrow C
/// stream interface. Errors travel as `ArrowError::ExternalError` holding our [`Error`].
pub struct ArrowStream(pub Reader);

impl Iterator for ArrowStream {
    type Item = Result<RecordBatch, arrow::error::ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.0
            .next()
            .map(|item| item.map_err(|err| arrow::error::ArrowError::ExternalError(Box::new(err))))
    }
}

impl arrow::record_batch::RecordBatchReader for ArrowStream {
    fn schema(&self) -> SchemaRef {
        self.0.schema()
    }
}

#[cfg(test)]
mod tests;
