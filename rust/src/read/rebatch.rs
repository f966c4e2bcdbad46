//! Re-chunking a stream of batches of any sizes into batches of exactly `batch_size` rows.
//!
//! A batch that already has the right size passes through untouched (zero-copy); batches are
//! sliced (zero-copy) and only the pieces that straddle a boundary are concatenated.

use std::collections::VecDeque;

use arrow::array::RecordBatch;
use arrow::compute::concat_batches;
use arrow::datatypes::SchemaRef;

use crate::error::Result;

/// Buffers input batches and hands out batches of `batch_size` rows.
pub struct Rebatcher {
    schema: SchemaRef,
    batch_size: usize,
    queue: VecDeque<RecordBatch>,
    buffered_rows: usize,
}

impl Rebatcher {
    /// A rebatcher producing `batch_size`-row batches of `schema`.
    pub fn new(schema: SchemaRef, batch_size: usize) -> Self {
        Rebatcher {
            schema,
            batch_size,
            queue: VecDeque::new(),
            buffered_rows: 0,
        }
    }

    /// Adds an input batch (empty batches are dropped: they hold no rows).
    pub fn push(&mut self, batch: RecordBatch) {
        if batch.num_rows() > 0 {
            self.buffered_rows += batch.num_rows();
            self.queue.push_back(batch);
        }
    }

    /// A full batch, if enough rows are buffered.
    pub fn pop_full(&mut self) -> Result<Option<RecordBatch>> {
        if self.buffered_rows < self.batch_size {
            return Ok(None);
        }
        self.take(self.batch_size).map(Some)
    }

    /// Whatever is left (fewer than `batch_size` rows), once the input has ended.
    pub fn pop_rest(&mut self) -> Result<Option<RecordBatch>> {
        if self.buffered_rows == 0 {
            return Ok(None);
        }
        self.take(self.buffered_rows).map(Some)
    }

    fn take(&mut self, rows: usize) -> Result<RecordBatch> {
        let mut pieces = Vec::new();
        let mut needed = rows;
        while needed > 0 {
            let Some(front) = self.queue.pop_front() else {
                break;
            };
            if front.num_rows() <= needed {
                needed -= front.num_rows();
                pieces.push(front);
            } else {
                pieces.push(front.slice(0, needed));
                self.queue
                    .push_front(front.slice(needed, front.num_rows() - needed));
                needed = 0;
            }
        }
        self.buffered_rows -= rows - needed;
        if pieces.len() == 1 {
            return Ok(pieces.swap_remove(0));
        }
        Ok(concat_batches(&self.schema, &pieces)?)
    }
}
