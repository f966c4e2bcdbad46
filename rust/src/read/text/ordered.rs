//! Decoding a text file's chunks on the rayon pool while the next ones are read, in file order.
//!
//! A reading thread cuts the (decompressed) stream into chunks ([`RecordChunks`]) and hands
//! them over a bounded channel, so reading and decompression overlap decoding. Up to `width`
//! chunks are decoded at once, each as a rayon task; their batches come out in file order, each
//! chunk's as soon as it and every chunk before it are done (no round waits for its slowest
//! chunk). Memory is bounded by the chunks in flight: `width` decoding, [`READ_AHEAD`] in the
//! channel and one more on the reading thread. After a fork that switched parallelism off, everything runs on the calling thread.
//!
//! Nothing is lost silently: a chunk that fails to read is an error in its place in the order,
//! a panic in a task or in the reading thread becomes the "decoder failed" [`Error::DataFormat`]
//! a panic on the calling thread gives, and the stream only ends on the reading thread's
//! explicit end marker. Reading starts with the first batch asked for, in that process.

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, TryRecvError, sync_channel};

use arrow::array::RecordBatch;

use super::{Chunk, RecordChunks};
use crate::error::{Error, Location, Result};
use crate::parallel;
use crate::quiet_panic::quietly;

/// Chunks the reading thread may hold ready beyond those being decoded.
const READ_AHEAD: usize = 2;

/// Turns one chunk into batches.
pub type Decode = Arc<dyn Fn(Chunk) -> Result<Vec<RecordBatch>> + Send + Sync>;

/// What the reading thread sends: a chunk, the end of the stream (`None`), or an error.
type Sent = Result<Option<Chunk>>;

/// Decodes the chunks of a file a few at a time on the rayon pool, in file order.
pub struct OrderedDecode {
    source: Source,
    decode: Decode,
    /// The width asked for; the one used is fixed when reading starts.
    width: usize,
    /// The process that started reading (its thread exists only there).
    reading_in: Option<u32>,
    in_flight: VecDeque<Pending>,
    ready: VecDeque<RecordBatch>,
    source_done: bool,
    exhausted: bool,
}

impl OrderedDecode {
    /// Decodes `chunks` with `decode`, up to `width` chunks at a time.
    ///
    /// Nothing is read, and no thread started, before the first batch is asked for: a reader
    /// opened in one process may still be read in a child forked before its first batch.
    pub fn new(chunks: RecordChunks, width: usize, decode: Decode) -> Self {
        OrderedDecode {
            source: Source::Idle(Some(chunks)),
            decode,
            width,
            reading_in: None,
            in_flight: VecDeque::new(),
            ready: VecDeque::new(),
            source_done: false,
            exhausted: false,
        }
    }

    /// Starts reading on the first call (threaded when parallelism is on in this process);
    /// on later calls, checks that this is still the process that started.
    fn ensure_started(&mut self) -> Result<()> {
        let here = std::process::id();
        match self.reading_in {
            Some(pid) if pid == here => Ok(()),
            Some(_) => Err(Error::Internal(
                "this reader started reading in another process (before a fork); open a new \
                 reader in this one"
                    .into(),
            )),
            None => {
                self.reading_in = Some(here);
                self.width = if parallel::parallelism_enabled() {
                    self.width.max(1)
                } else {
                    1
                };
                self.source.start(self.width > 1);
                Ok(())
            }
        }
    }

    /// Starts decoding chunks while there are free slots and chunks at hand; waits for a
    /// chunk only when nothing is being decoded.
    fn top_up(&mut self) {
        while self.in_flight.len() < self.width && !self.source_done {
            match self.source.next(self.in_flight.is_empty()) {
                Some(Ok(Some(chunk))) => {
                    let pending = self.start(chunk);
                    self.in_flight.push_back(pending);
                }
                Some(Ok(None)) => self.source_done = true,
                Some(Err(err)) => {
                    self.in_flight.push_back(Pending::Done(Err(err)));
                    self.source_done = true;
                }
                None => break,
            }
        }
    }

    fn start(&self, chunk: Chunk) -> Pending {
        let decode = self.decode.clone();
        if self.width == 1 {
            return Pending::Done(guarded(|| decode(chunk)));
        }
        parallel::mark_pool_used();
        let (sender, result) = sync_channel(1);
        rayon::spawn(move || {
            // The receiver is gone only if the reader was dropped: nobody wants the result.
            let _ = sender.send(guarded(|| decode(chunk)));
        });
        Pending::Running(result)
    }
}

impl Iterator for OrderedDecode {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Result<RecordBatch>> {
        loop {
            if let Some(batch) = self.ready.pop_front() {
                return Some(Ok(batch));
            }
            if self.exhausted {
                return None;
            }
            if let Err(err) = self.ensure_started() {
                self.exhausted = true;
                return Some(Err(err));
            }
            self.top_up();
            let Some(front) = self.in_flight.pop_front() else {
                self.exhausted = true;
                return None;
            };
            match front.wait() {
                Ok(batches) => self.ready.extend(batches),
                Err(err) => {
                    self.exhausted = true;
                    self.in_flight.clear();
                    return Some(Err(err));
                }
            }
        }
    }
}

/// A chunk being decoded, or its result.
enum Pending {
    Done(Result<Vec<RecordBatch>>),
    Running(Receiver<Result<Vec<RecordBatch>>>),
}

impl Pending {
    fn wait(self) -> Result<Vec<RecordBatch>> {
        match self {
            Pending::Done(result) => result,
            Pending::Running(result) => result.recv().unwrap_or_else(|_| {
                Err(Error::Internal(
                    "a decoding task ended without a result".into(),
                ))
            }),
        }
    }
}

/// Where the chunks come from: not started yet, the calling thread, or a reading thread.
enum Source {
    Idle(Option<RecordChunks>),
    Inline(RecordChunks),
    Thread(Receiver<Sent>),
    Failed(Option<Error>),
}

impl Source {
    /// Starts reading: on a thread of its own when `threaded`, else on the calling thread.
    fn start(&mut self, threaded: bool) {
        let Source::Idle(chunks) = self else {
            return;
        };
        let Some(mut chunks) = chunks.take() else {
            return;
        };
        if !threaded {
            *self = Source::Inline(chunks);
            return;
        }
        let (sender, receiver) = sync_channel::<Sent>(READ_AHEAD);
        let reading = move || {
            loop {
                let next = guarded(|| chunks.next_chunk());
                let last = !matches!(next, Ok(Some(_)));
                if sender.send(next).is_err() || last {
                    return;
                }
            }
        };
        *self = match std::thread::Builder::new()
            .name("axolotl_fast-read-text".into())
            .spawn(reading)
        {
            Ok(_) => Source::Thread(receiver),
            Err(err) => Source::Failed(Some(Error::Internal(format!(
                "cannot start the thread that reads the file: {err}"
            )))),
        };
    }

    /// The next chunk, the end (`Ok(None)`), an error; `None` when `wait` is false and
    /// nothing is ready yet.
    fn next(&mut self, wait: bool) -> Option<Sent> {
        match self {
            Source::Idle(_) => Some(Err(Error::Internal("reading has not started".into()))),
            Source::Inline(chunks) => Some(chunks.next_chunk()),
            Source::Failed(err) => Some(err.take().map_or(Ok(None), Err)),
            Source::Thread(chunks) => {
                let received = if wait {
                    chunks.recv().map_err(|_| TryRecvError::Disconnected)
                } else {
                    chunks.try_recv()
                };
                match received {
                    Ok(sent) => Some(sent),
                    Err(TryRecvError::Empty) => None,
                    Err(TryRecvError::Disconnected) => Some(Err(Error::Internal(
                        "the thread reading the file stopped before its end".into(),
                    ))),
                }
            }
        }
    }
}

/// Runs `work`, turning a panic (of a decoder or a decompressor, on corrupt input) into the
/// same [`Error::DataFormat`] a panic caught on the calling thread gives ("the decoder
/// failed"; the file and row are added where the error surfaces). Quietly: no message on
/// stderr.
pub(crate) fn guarded<T>(work: impl FnOnce() -> Result<T>) -> Result<T> {
    quietly(|| catch_unwind(AssertUnwindSafe(work))).unwrap_or_else(|payload| {
        let reason = Error::from_panic(payload.as_ref()).to_string();
        Err(Error::data_format(
            Location::default(),
            format!("corrupt data: the decoder failed ({reason})"),
        ))
    })
}

#[cfg(test)]
mod tests {
    use std::fmt::Write;
    use std::io::{self, Read};
    use std::path::PathBuf;

    use arrow::array::{RecordBatch, UInt64Array};

    use super::*;
    use crate::read::text::CHUNK_BYTES;

    /// `lines` numbered lines of ~100 bytes; then, with `fail_at`, an I/O error at that byte.
    struct Numbered {
        text: io::Cursor<Vec<u8>>,
        fail_at: Option<u64>,
    }

    impl Numbered {
        fn new(lines: usize, fail_at: Option<u64>) -> Self {
            let mut text = String::new();
            for n in 1..=lines {
                writeln!(text, "{n:0>99}").unwrap();
            }
            Numbered {
                text: io::Cursor::new(text.into_bytes()),
                fail_at,
            }
        }
    }

    impl Read for Numbered {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.fail_at.is_some_and(|at| self.text.position() >= at) {
                return Err(io::Error::other("disk on fire"));
            }
            let n = buf.len().min(64 << 10);
            self.text.read(&mut buf[..n])
        }
    }

    /// Each chunk as one batch of its lines' numbers, read back from the text.
    fn first_lines(source: Numbered, decode: Decode) -> Vec<Result<RecordBatch>> {
        let chunks = RecordChunks::new(PathBuf::from("numbers.txt"), Box::new(source), "none");
        OrderedDecode::new(chunks, 3, decode).collect()
    }

    fn numbers() -> Decode {
        Arc::new(|chunk: Chunk| {
            let values: Vec<u64> = chunk
                .lines()
                .map(|(_, _, line)| std::str::from_utf8(line).unwrap().parse().unwrap())
                .collect();
            let array = Arc::new(UInt64Array::from(values));
            Ok(vec![RecordBatch::try_from_iter([("n", array as _)])?])
        })
    }

    fn values(batches: &[Result<RecordBatch>]) -> Vec<u64> {
        batches
            .iter()
            .filter_map(|b| b.as_ref().ok())
            .flat_map(|b| {
                let column = b.column(0).as_any().downcast_ref::<UInt64Array>().unwrap();
                column.values().to_vec()
            })
            .collect()
    }

    #[test]
    fn every_line_comes_out_once_in_file_order() {
        let lines = 12 * CHUNK_BYTES / 100;
        let out = first_lines(Numbered::new(lines, None), numbers());
        assert!(out.len() > 8, "many chunks: {}", out.len());
        assert_eq!(values(&out), (1..=lines as u64).collect::<Vec<_>>());
    }

    #[test]
    fn a_read_error_comes_after_every_chunk_read_before_it() {
        let fail_at = 5 * CHUNK_BYTES as u64;
        let out = first_lines(
            Numbered::new(12 * CHUNK_BYTES / 100, Some(fail_at)),
            numbers(),
        );
        let (last, good) = out.split_last().unwrap();
        assert!(
            last.as_ref()
                .unwrap_err()
                .to_string()
                .contains("disk on fire")
        );
        assert!(good.iter().all(Result::is_ok));
        let seen = values(good);
        assert_eq!(seen, (1..=seen.len() as u64).collect::<Vec<_>>());
        assert!(seen.len() as u64 * 100 >= fail_at - 2 * CHUNK_BYTES as u64);
    }

    #[test]
    fn a_panicking_decode_is_a_decoder_failure_and_ends_the_stream() {
        let decode: Decode = Arc::new(|chunk: Chunk| {
            assert!(chunk.first_line == 1, "only the first chunk decodes");
            numbers()(chunk)
        });
        let out = first_lines(Numbered::new(4 * CHUNK_BYTES / 100, None), decode);
        assert!(out[0].is_ok());
        let err = out[1].as_ref().unwrap_err();
        assert!(matches!(err, Error::DataFormat { .. }), "{err}");
        assert!(err.to_string().contains("the decoder failed"), "{err}");
        assert_eq!(out.len(), 2);
    }
}
