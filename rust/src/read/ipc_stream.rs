//! Arrow IPC streams read in place: arrow-ipc's [`StreamDecoder`] decodes every message
//! straight from memory maps of the file ([`super::ipc_windows`]) that always hold whole
//! messages, so no uncompressed body is copied. Message boundaries come from
//! [`super::ipc_guard::check_stream`], which has walked the stream already; like arrow-ipc's
//! stream reader, reading stops at the end-of-stream marker.
//!
//! As in [`super::ipc_mapped`], every batch is validated as it is decoded.

use std::path::Path;
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::buffer::Buffer;
use arrow::datatypes::{Schema, SchemaRef};
use arrow::ipc::convert::try_fb_to_schema;
use arrow::ipc::reader::StreamDecoder;
use arrow::ipc::root_as_message;

use super::ipc_guard;
use super::ipc_windows::Windows;
use crate::error::Result;

/// The record batches of an Arrow IPC *stream*, decoded by arrow-ipc's [`StreamDecoder`] from
/// maps that always hold whole messages, so none is copied.
pub struct MappedStream {
    windows: Windows,
    /// Where each message ends, in order (from [`super::ipc_guard::check_stream`]).
    message_ends: Vec<u64>,
    /// The next message, by its index in `message_ends`.
    next_message: usize,
    rest: Buffer,
    decoder: StreamDecoder,
    schema: SchemaRef,
    /// Whether the end-of-stream marker has been fed to the decoder.
    at_end: bool,
    ended: bool,
}

/// The end-of-stream marker, fed after the last message whatever the file holds after it:
/// the decoder only finishes a message with an empty body (a schema, say) once more bytes
/// follow, and every message fed is whole (the guard has checked), so the marker is never
/// read as part of one.
const END_OF_STREAM: &[u8] = &[0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0];

/// The marker before a message's metadata length (absent in pre-1.0 streams).
const CONTINUATION: [u8; 4] = [0xff; 4];

impl MappedStream {
    /// Opens the stream at `path`, checks its messages ([`ipc_guard::check_stream`]) and
    /// reads its schema; no record batch is decoded before the first is asked for.
    pub fn open(path: &Path) -> Result<Self> {
        Self::from_windows(Windows::open(path)?)
    }

    /// [`MappedStream::open`] over the file of `windows`.
    pub fn from_windows(mut windows: Windows) -> Result<Self> {
        let message_ends = ipc_guard::check_stream(windows.file(), windows.path())?;
        let schema = read_schema(&mut windows, &message_ends)?;
        Ok(MappedStream {
            windows,
            message_ends,
            next_message: 0,
            rest: Buffer::from_vec(Vec::<u8>::new()),
            decoder: StreamDecoder::new(),
            schema: Arc::new(schema),
            at_end: false,
            ended: false,
        })
    }

    /// The stream's schema (every column).
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// The map the last batch was decoded from.
    pub fn current_map(&self) -> Option<&Buffer> {
        self.windows.current_map()
    }

    fn decode_next(&mut self) -> Result<Option<RecordBatch>> {
        loop {
            if self.rest.is_empty() && !self.map_next_messages()? {
                if self.at_end {
                    self.decoder.finish()?; // a message cut short is an error, not the end
                    return Ok(None);
                }
                self.at_end = true;
                self.rest = Buffer::from_slice_ref(END_OF_STREAM);
            }
            if let Some(batch) = self.decoder.decode(&mut self.rest)? {
                return Ok(Some(batch));
            }
        }
    }

    /// Maps the next messages: as many whole ones as fit in a window, at least one.
    fn map_next_messages(&mut self) -> Result<bool> {
        let start = match self.next_message {
            0 => 0,
            i => self.message_ends[i - 1],
        };
        let Some(&first_end) = self.message_ends.get(self.next_message) else {
            return Ok(false);
        };
        let mut end = first_end;
        while let Some(&next_end) = self.message_ends.get(self.next_message + 1) {
            if next_end - start > self.windows.window() {
                break;
            }
            end = next_end;
            self.next_message += 1;
        }
        self.next_message += 1;
        self.rest = self.windows.get(start, end - start, "a message")?;
        Ok(true)
    }
}

impl Iterator for MappedStream {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.ended {
            return None;
        }
        let next = self.decode_next().transpose();
        self.ended = !matches!(next, Some(Ok(_)));
        next
    }
}

/// The schema in the stream's first message, read without decoding anything after it.
fn read_schema(windows: &mut Windows, message_ends: &[u64]) -> Result<Schema> {
    let no_schema =
        |windows: &Windows| windows.corrupt(0, "the stream does not start with a schema");
    let Some(&end) = message_ends.first() else {
        return Err(no_schema(windows));
    };
    let message = windows.get(0, end, "the schema message")?;
    let prefix = if message.starts_with(&CONTINUATION) {
        8
    } else {
        4
    };
    let meta_len = message
        .get(prefix - 4..prefix)
        .and_then(|word| word.try_into().ok())
        .map(u32::from_le_bytes)
        .and_then(|len| usize::try_from(len).ok())
        .ok_or_else(|| no_schema(windows))?;
    let meta = message
        .get(prefix..prefix.saturating_add(meta_len))
        .ok_or_else(|| no_schema(windows))?;
    let schema = root_as_message(meta)
        .ok()
        .and_then(|message| message.header_as_schema())
        .ok_or_else(|| no_schema(windows))?;
    Ok(try_fb_to_schema(schema)?)
}
