//! Reading ahead on a background thread, so decoding overlaps the consumer's work.
//!
//! [`Prefetch`] moves a [`Reader`] to its own thread, which decodes up to `depth` batches
//! ahead into a bounded channel. The consumer waits with a timeout ([`Prefetch::poll`]), so the
//! Python side can check for Ctrl-C between waits. Dropping the [`Prefetch`] stops the thread
//! at its next batch; nothing joins it, so a slow decode never blocks the consumer.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::time::Duration;

use arrow::array::RecordBatch;

use super::Reader;
use crate::error::{Error, Result};

/// What a bounded wait for the next batch found.
pub enum Poll {
    /// The next batch.
    Batch(RecordBatch),
    /// The stream is over.
    End,
    /// Nothing yet; wait again.
    Pending,
}

/// A [`Reader`] running ahead on its own thread.
pub struct Prefetch {
    batches: Receiver<Result<RecordBatch>>,
    stop: Arc<AtomicBool>,
    ended: bool,
}

impl Prefetch {
    /// Starts reading `reader` on a new thread, at most `depth` batches ahead.
    pub fn start(reader: Reader, depth: usize) -> Result<Self> {
        let (sender, batches) = sync_channel(depth.max(1));
        let stop = Arc::new(AtomicBool::new(false));
        let thread_stop = stop.clone();
        std::thread::Builder::new()
            .name("axolotl_fast-read".into())
            .spawn(move || run(reader, &sender, &thread_stop))
            .map_err(|err| Error::Internal(format!("cannot start the reading thread: {err}")))?;
        Ok(Prefetch {
            batches,
            stop,
            ended: false,
        })
    }

    /// Waits up to `timeout` for the next batch.
    pub fn poll(&mut self, timeout: Duration) -> Result<Poll> {
        if self.ended {
            return Ok(Poll::End);
        }
        match self.batches.recv_timeout(timeout) {
            Ok(Ok(batch)) => Ok(Poll::Batch(batch)),
            Ok(Err(err)) => {
                self.ended = true;
                Err(err)
            }
            Err(RecvTimeoutError::Timeout) => Ok(Poll::Pending),
            Err(RecvTimeoutError::Disconnected) => {
                self.ended = true;
                Ok(Poll::End)
            }
        }
    }
}

impl Iterator for Prefetch {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Result<RecordBatch>> {
        loop {
            match self.poll(Duration::from_secs(3600)) {
                Ok(Poll::Batch(batch)) => return Some(Ok(batch)),
                Ok(Poll::End) => return None,
                Ok(Poll::Pending) => {}
                Err(err) => return Some(Err(err)),
            }
        }
    }
}

impl Drop for Prefetch {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn run(mut reader: Reader, sender: &SyncSender<Result<RecordBatch>>, stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        let next = catch_unwind(AssertUnwindSafe(|| reader.next_batch()))
            .unwrap_or_else(|payload| Err(Error::from_panic(payload.as_ref())));
        let end = !matches!(next, Ok(Some(_)));
        // `Ok(None)` is the end of the stream; an error is sent once and ends it too.
        let Some(item) = next.transpose() else { return };
        if sender.send(item).is_err() || end {
            return;
        }
    }
}
