//! Arrow IPC files read in place: every record batch is decoded by arrow-ipc's [`FileDecoder`]
//! straight from a memory map of the file ([`super::ipc_windows`]), so an uncompressed body
//! is never copied; up to `width` batches are decoded (validated) at once on the rayon pool.
//! Streams are [`super::ipc_stream`].
//!
//! The arrays handed out point into the map, and slicing them into `batch_size` rows
//! downstream copies nothing either. arrow-ipc still validates every batch it decodes
//! (buffer bounds, offsets, UTF-8), so a corrupt file is a `DataFormatError`, never an invalid
//! array; compressed bodies (lz4/zstd, checked first by [`super::ipc_guard`]) are
//! decompressed into new buffers by the same decoders.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, sync_channel};

use arrow::array::RecordBatch;
use arrow::buffer::Buffer;
use arrow::datatypes::{Schema, SchemaRef};
use arrow::ipc::reader::{FileDecoder, read_footer_length};
use arrow::ipc::{Block, MetadataVersion, convert::try_fb_to_schema, root_as_footer};

use super::ipc_guard;
use super::ipc_windows::Windows;
use super::text::ordered::guarded;
use crate::error::{Error, Result};
use crate::parallel;

/// The footer of an Arrow IPC file: its schema and where its batches are.
pub struct MappedIpc {
    windows: Windows,
    schema: SchemaRef,
    version: MetadataVersion,
    dictionaries: Vec<Block>,
    batches: Vec<Block>,
}

impl MappedIpc {
    /// Opens `path`, checks its compressed buffers ([`ipc_guard::check_file`]) and reads
    /// its footer.
    pub fn open(path: &Path) -> Result<Self> {
        Self::from_windows(Windows::open(path)?)
    }

    /// [`MappedIpc::open`] over the file of `windows`.
    pub fn from_windows(mut windows: Windows) -> Result<Self> {
        ipc_guard::check_file(windows.file(), windows.path())?;
        let (schema, version, dictionaries, batches) = read_footer(&mut windows)?;
        Ok(MappedIpc {
            windows,
            schema: Arc::new(schema),
            version,
            dictionaries,
            batches,
        })
    }

    /// The file's schema (every column).
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// The file's record batches, in file order, with only the columns at `projection`
    /// (sorted file positions; every column when `None`), up to `width` decoded at once.
    pub fn batches(
        mut self,
        projection: Option<Vec<usize>>,
        width: usize,
    ) -> Result<MappedBatches> {
        let mut decoder = FileDecoder::new(self.schema, self.version);
        if let Some(projection) = projection {
            decoder = decoder.with_projection(projection);
        }
        for block in &self.dictionaries {
            decoder.read_dictionary(block, &block_bytes(&mut self.windows, block)?)?;
        }
        Ok(MappedBatches {
            windows: self.windows,
            decoder: Arc::new(decoder),
            blocks: self.batches.into_iter(),
            width,
            in_flight: VecDeque::new(),
            in_flight_bytes: 0,
            started_in: None,
        })
    }
}

/// The record batches of a [`MappedIpc`] file. Blocks are mapped in file order on the calling
/// thread and validated as rayon tasks, up to `width` at once and, beyond the first, no more
/// than [`IN_FLIGHT_BYTES`] of them (one at a time, inline, where parallelism is off: after a
/// fork, or `width` 1); batches come out in file order.
pub struct MappedBatches {
    windows: Windows,
    decoder: Arc<FileDecoder>,
    blocks: std::vec::IntoIter<Block>,
    width: usize,
    /// Blocks being decoded, in file order, with their sizes.
    in_flight: VecDeque<(u64, Pending)>,
    in_flight_bytes: u64,
    /// The process that started decoding (its tasks exist only there).
    started_in: Option<u32>,
}

/// Bytes of blocks decoded at once beyond the first: memory stays bounded whatever the
/// record batch size the file's writer chose and however many threads there are.
pub const IN_FLIGHT_BYTES: u64 = 256 << 20;

/// A block being decoded, or its outcome.
enum Pending {
    Done(Result<RecordBatch>),
    Running(Receiver<Result<RecordBatch>>),
}

impl Iterator for MappedBatches {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Err(err) = self.top_up() {
            self.blocks = Vec::new().into_iter();
            return Some(Err(err));
        }
        let (bytes, pending) = self.in_flight.pop_front()?;
        self.in_flight_bytes -= bytes;
        let next = match pending {
            Pending::Done(outcome) => outcome,
            Pending::Running(outcome) => outcome.recv().unwrap_or_else(|_| {
                Err(Error::Internal("an Arrow IPC decode task vanished".into()))
            }),
        };
        if next.is_err() {
            // The stream ends at its first error, and only once no task reads the map: the
            // caller may rewrite the file as soon as it sees the error.
            self.blocks = Vec::new().into_iter();
            self.wait_for_tasks();
        }
        Some(next)
    }
}

impl Drop for MappedBatches {
    /// No decode task outlives the reader (none touches the map once it is gone).
    fn drop(&mut self) {
        self.wait_for_tasks();
    }
}

impl MappedBatches {
    /// The map the last block was taken from.
    pub fn current_map(&self) -> Option<&Buffer> {
        self.windows.current_map()
    }

    /// Waits for every block in flight, dropping the outcomes; in a forked child, where the
    /// tasks do not exist, only drops them.
    fn wait_for_tasks(&mut self) {
        let tasks_here = self.started_in == Some(std::process::id());
        for (_, pending) in self.in_flight.drain(..) {
            if let (true, Pending::Running(outcome)) = (tasks_here, pending) {
                let _ = outcome.recv();
            }
        }
        self.in_flight_bytes = 0;
    }

    /// Starts decoding blocks while fewer than `width` and no more than [`IN_FLIGHT_BYTES`]
    /// are in flight (at least one). The width is decided in the process that starts, so a
    /// reader forked before its first batch decodes inline in the child; one forked after
    /// refuses there, as the text readers do.
    fn top_up(&mut self) -> Result<()> {
        let here = std::process::id();
        match self.started_in {
            None => self.started_in = Some(here),
            Some(pid) if pid != here => {
                return Err(Error::Internal(
                    "this reader started reading in another process (before a fork); open a \
                     new reader in this one"
                        .into(),
                ));
            }
            Some(_) => {}
        }
        let width = if parallel::parallelism_enabled() {
            self.width.max(1)
        } else {
            1
        };
        while self.in_flight.len() < width {
            let Some(block) = self.blocks.as_slice().first().copied() else {
                break;
            };
            let bytes = block_len(&block);
            if !self.in_flight.is_empty()
                && self.in_flight_bytes.saturating_add(bytes) > IN_FLIGHT_BYTES
            {
                break;
            }
            self.blocks.next();
            let pending = match block_bytes(&mut self.windows, &block) {
                Ok(body) => self.start(block, body, width),
                Err(err) => Pending::Done(Err(err)),
            };
            self.in_flight_bytes = self.in_flight_bytes.saturating_add(bytes);
            self.in_flight.push_back((bytes, pending));
        }
        Ok(())
    }

    fn start(&self, block: Block, bytes: Buffer, width: usize) -> Pending {
        let decoder = self.decoder.clone();
        let offset = u64::try_from(block.offset()).unwrap_or_default();
        let corrupt = self
            .windows
            .corrupt(offset, "a record batch block holds no record batch");
        let decode = move || decoder.read_record_batch(&block, &bytes)?.ok_or(corrupt);
        if width == 1 {
            return Pending::Done(guarded(decode));
        }
        parallel::mark_pool_used();
        let (sender, outcome) = sync_channel(1);
        rayon::spawn(move || {
            // The receiver is gone only if the reader was dropped: nobody wants the batch.
            let _ = sender.send(guarded(decode));
        });
        Pending::Running(outcome)
    }
}

/// A block's size in bytes (metadata and body; 0 where negative: an error when mapped).
fn block_len(block: &Block) -> u64 {
    let meta = u64::try_from(block.metaDataLength()).unwrap_or_default();
    let body = u64::try_from(block.bodyLength()).unwrap_or_default();
    meta.saturating_add(body)
}

type Footer = (Schema, MetadataVersion, Vec<Block>, Vec<Block>);

/// The schema, metadata version, dictionary blocks and record batch blocks of a file.
fn read_footer(windows: &mut Windows) -> Result<Footer> {
    let trailer_start = windows
        .len()
        .checked_sub(10)
        .ok_or_else(|| windows.corrupt(0, "too short for an Arrow IPC file"))?;
    let mut trailer = [0u8; 10];
    trailer.copy_from_slice(&windows.get(trailer_start, 10, "the trailer")?);
    let footer_len = u64::try_from(read_footer_length(trailer)?).unwrap_or(u64::MAX);
    let footer_start = trailer_start
        .checked_sub(footer_len)
        .ok_or_else(|| windows.corrupt(trailer_start, "the footer length exceeds the file"))?;
    let footer_bytes = windows.get(footer_start, footer_len, "the footer")?;
    let footer = root_as_footer(&footer_bytes)
        .map_err(|err| windows.corrupt(footer_start, &format!("unreadable footer ({err})")))?;
    let corrupt = |reason| windows.corrupt(footer_start, reason);
    let ipc_schema = footer
        .schema()
        .ok_or_else(|| corrupt("the footer has no schema"))?;
    if !ipc_schema.endianness().equals_to_target_endianness() {
        return Err(corrupt("the file's byte order is not this machine's"));
    }
    let schema = try_fb_to_schema(ipc_schema)?;
    let batches = footer
        .recordBatches()
        .ok_or_else(|| corrupt("the footer lists no record batches"))?;
    let dictionaries = footer
        .dictionaries()
        .map(|blocks| blocks.iter().copied().collect())
        .unwrap_or_default();
    Ok((
        schema,
        footer.version(),
        dictionaries,
        batches.iter().copied().collect(),
    ))
}

/// The metadata and body of `block`, without copying.
fn block_bytes(windows: &mut Windows, block: &Block) -> Result<Buffer> {
    let (Ok(offset), Ok(meta), Ok(body)) = (
        u64::try_from(block.offset()),
        u64::try_from(block.metaDataLength()),
        u64::try_from(block.bodyLength()),
    ) else {
        return Err(windows.corrupt(0, "negative block offset or length"));
    };
    let len = meta
        .checked_add(body)
        .ok_or_else(|| windows.corrupt(offset, "a block longer than a file can be"))?;
    windows.get(offset, len, "a block")
}
