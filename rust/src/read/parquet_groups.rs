//! Parquet row groups decoded `width` at a time on rayon, yielded in file order.
//!
//! A Parquet file decoded by one `ParquetRecordBatchReader` uses one core. When a file has
//! several row groups and the reader may use more threads, each round decodes the next
//! `width` row groups in parallel (each with its own reader over the shared footer) and then
//! yields their batches in order. Memory is bounded by `width` decoded row groups, so this
//! mode is used only when every row group is at most [`MAX_PARALLEL_GROUP_BYTES`]
//! uncompressed; otherwise the file streams batch by batch on one thread.

use std::collections::VecDeque;
use std::fs::File;
use std::path::PathBuf;

use arrow::array::RecordBatch;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::parallel;

/// The largest uncompressed row group decoded whole in a parallel round.
pub const MAX_PARALLEL_GROUP_BYTES: i64 = 256 << 20;

/// Whether these row groups of a file should be decoded a round at a time.
pub fn worth_it(metadata: &ArrowReaderMetadata, selected: &[usize], width: usize) -> bool {
    let groups = metadata.metadata().row_groups();
    width > 1
        && selected.len() > 1
        && parallel::parallelism_enabled()
        && selected
            .iter()
            .all(|&group| groups[group].total_byte_size() <= MAX_PARALLEL_GROUP_BYTES)
}

/// The batches of a Parquet file, decoded a round of row groups at a time.
pub struct RowGroupRounds {
    /// Each decode opens its own handle: clones of one `File` share a seek position.
    path: PathBuf,
    metadata: ArrowReaderMetadata,
    mask: Option<ProjectionMask>,
    batch_size: usize,
    width: usize,
    /// The row groups still to decode, in file order.
    groups: VecDeque<usize>,
    ready: VecDeque<RecordBatch>,
    failed: Option<Error>,
}

impl RowGroupRounds {
    /// Decodes `groups` of `path` (whose footer is `metadata`), `width` row groups per round.
    pub fn new(
        path: PathBuf,
        metadata: ArrowReaderMetadata,
        mask: Option<ProjectionMask>,
        groups: Vec<usize>,
        (batch_size, width): (usize, usize),
    ) -> Self {
        RowGroupRounds {
            path,
            metadata,
            mask,
            batch_size,
            width,
            groups: groups.into(),
            ready: VecDeque::new(),
            failed: None,
        }
    }

    fn decode_group(&self, group: usize) -> Result<Vec<RecordBatch>> {
        let file = File::open(&self.path).map_err(|e| Error::io(&self.path, e))?;
        let mut builder =
            ParquetRecordBatchReaderBuilder::new_with_metadata(file, self.metadata.clone())
                .with_batch_size(self.batch_size)
                .with_row_groups(vec![group]);
        if let Some(mask) = &self.mask {
            builder = builder.with_projection(mask.clone());
        }
        let batches: Result<Vec<RecordBatch>, _> = builder.build()?.collect();
        Ok(batches?)
    }

    fn refill(&mut self) {
        let take = self.width.min(self.groups.len());
        let round: Vec<usize> = self.groups.drain(..take).collect();
        parallel::mark_pool_used();
        let this = &*self;
        let decoded: Vec<Result<Vec<RecordBatch>>> = round
            .into_par_iter()
            .map(|group| this.decode_group(group))
            .collect();
        for result in decoded {
            match result {
                Ok(batches) => self.ready.extend(batches),
                Err(err) => {
                    self.failed = Some(err);
                    self.groups.clear();
                    break;
                }
            }
        }
    }
}

impl Iterator for RowGroupRounds {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(batch) = self.ready.pop_front() {
                return Some(Ok(batch));
            }
            if let Some(err) = self.failed.take() {
                return Some(Err(err));
            }
            if self.groups.is_empty() {
                return None;
            }
            self.refill();
        }
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
