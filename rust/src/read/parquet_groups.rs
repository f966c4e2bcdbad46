//! Parquet row groups decoded `width` at a time, streamed in file order.
//!
//! A Parquet file decoded by one `ParquetRecordBatchReader` uses one core. When a file has
//! several row groups and the reader may use more threads, up to `width` row groups are
//! decoded at once, each on its own thread with its own reader over the shared footer, and
//! each sends its batches through a small bounded channel. The consumer takes the batches of
//! the first row group as they come (so the first batch is as quick as a sequential read),
//! while the next groups decode ahead; a group's thread waits when its channel is full, so
//! memory stays bounded by `width` × [`AHEAD`] batches whatever the row-group size.

use std::collections::VecDeque;
use std::fs::File;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use arrow::array::RecordBatch;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};

use crate::error::{Error, Result};
use crate::parallel;
use crate::quiet_panic::quietly;

/// Batches a row group may decode ahead of the consumer.
pub const AHEAD: usize = 2;

/// Whether these row groups of a file should be decoded several at a time.
pub fn worth_it(selected: &[usize], width: usize) -> bool {
    width > 1 && selected.len() > 1 && parallel::parallelism_enabled()
}

/// What one row group's decoder needs.
#[derive(Clone)]
struct GroupSource {
    path: PathBuf,
    metadata: ArrowReaderMetadata,
    mask: Option<ProjectionMask>,
    batch_size: usize,
}

/// The batches of a Parquet file's row groups, decoded `width` groups at a time.
pub struct RowGroupStreams {
    source: GroupSource,
    width: usize,
    /// The row groups not started yet, in file order.
    waiting: VecDeque<usize>,
    /// The row groups being decoded, in file order; the front one is being consumed.
    running: VecDeque<Receiver<Result<RecordBatch>>>,
}

impl RowGroupStreams {
    /// Decodes `groups` of `path` (whose footer is `metadata`), `width` groups at a time.
    pub fn new(
        path: PathBuf,
        metadata: ArrowReaderMetadata,
        mask: Option<ProjectionMask>,
        groups: Vec<usize>,
        (batch_size, width): (usize, usize),
    ) -> Self {
        RowGroupStreams {
            source: GroupSource {
                path,
                metadata,
                mask,
                batch_size,
            },
            width,
            waiting: groups.into(),
            running: VecDeque::new(),
        }
    }

    fn start_more(&mut self) -> Result<()> {
        while self.running.len() < self.width {
            let Some(group) = self.waiting.pop_front() else {
                break;
            };
            let (sender, receiver) = sync_channel(AHEAD);
            let source = self.source.clone();
            std::thread::Builder::new()
                .name(format!("axolotl_fast-parquet-{group}"))
                .spawn(move || decode_group(&source, group, &sender))
                .map_err(|e| Error::Internal(format!("cannot start a decoder thread: {e}")))?;
            self.running.push_back(receiver);
        }
        Ok(())
    }

    fn stop(&mut self) {
        // Dropping the receivers makes every decoder thread stop at its next send.
        self.waiting.clear();
        self.running.clear();
    }
}

impl Iterator for RowGroupStreams {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Err(err) = self.start_more() {
                self.stop();
                return Some(Err(err));
            }
            let front = self.running.front()?;
            match front.recv() {
                Ok(Ok(batch)) => return Some(Ok(batch)),
                Ok(Err(err)) => {
                    self.stop();
                    return Some(Err(err));
                }
                // The front group is finished: go on with the next one.
                Err(_) => {
                    self.running.pop_front();
                }
            }
        }
    }
}

/// Decodes one row group on its own thread, sending its batches (or one error) in order.
fn decode_group(source: &GroupSource, group: usize, sender: &SyncSender<Result<RecordBatch>>) {
    let run = || -> Result<()> {
        let file = File::open(&source.path).map_err(|e| Error::io(&source.path, e))?;
        let mut builder =
            ParquetRecordBatchReaderBuilder::new_with_metadata(file, source.metadata.clone())
                .with_batch_size(source.batch_size)
                .with_row_groups(vec![group]);
        if let Some(mask) = &source.mask {
            builder = builder.with_projection(mask.clone());
        }
        for batch in builder.build()? {
            if sender.send(Ok(batch?)).is_err() {
                break; // the consumer is gone
            }
        }
        Ok(())
    };
    let outcome = catch_unwind(AssertUnwindSafe(|| quietly(run))).unwrap_or_else(|payload| {
        let reason = Error::from_panic(payload.as_ref()).to_string();
        Err(Error::data_format(
            crate::error::Location::default(),
            format!("corrupt data: the decoder failed ({reason})"),
        ))
    });
    if let Err(err) = outcome {
        let _ = sender.send(Err(err));
    }
}

/// A file and the row groups of it to read.
pub type FileGroups = (PathBuf, Vec<usize>);

/// Row-group sharding: for `paths` (all Parquet), the row groups of each file that shard
/// `index` of `count` reads, numbering row groups across files in order and taking every
/// `count`-th from `index`. `None` when there are fewer row groups than shards.
pub fn shard_row_groups(
    paths: &[PathBuf],
    index: usize,
    count: usize,
) -> Result<Option<Vec<FileGroups>>> {
    let mut plan = Vec::new();
    let mut first_ordinal = 0;
    for path in paths {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let metadata = ArrowReaderMetadata::load(&file, ArrowReaderOptions::default())?;
        let groups = metadata.metadata().num_row_groups();
        let mine: Vec<usize> = (0..groups)
            .filter(|group| (first_ordinal + group) % count == index)
            .collect();
        first_ordinal += groups;
        if !mine.is_empty() {
            plan.push((path.clone(), mine));
        }
    }
    Ok((first_ordinal >= count).then_some(plan))
}
