//! Text formats (JSON Lines, JSON arrays, CSV/TSV, plain text), optionally compressed.
//!
//! A file is cut into chunks of whole records ([`RecordChunks`]) by a reading thread, which
//! also decompresses; the chunks are decoded into Arrow on the rayon pool, a few at a time,
//! and their batches come out in file order ([`OrderedDecode`], in [`ordered`]). Memory is
//! bounded by the chunks in flight. Every chunk knows the line and byte offset it starts at, so errors can name them.

pub mod csv;
pub mod csv_fields;
pub mod iso8601;
pub mod json_array;
pub mod json_kinds;
pub mod json_quick;
#[cfg(test)]
mod json_quick_tests;
pub mod jsonl;
pub mod lines;
pub mod ordered;
pub mod timestamps;

use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Mutex;

use crate::error::{Error, Location, Result};
pub use ordered::OrderedDecode;

/// Bytes per chunk handed to one decoding task.
pub const CHUNK_BYTES: usize = 1 << 20;

/// What to do with a malformed record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnError {
    /// Stop with [`Error::DataFormat`].
    #[default]
    Raise,
    /// Leave the record out and note it in the [`SkipLog`].
    Skip,
}

impl OnError {
    /// Every policy's name, as `FromStr` takes it (the `on_error=` of the Python API).
    pub const NAMES: [&'static str; 2] = ["raise", "skip"];
}

impl FromStr for OnError {
    type Err = Error;

    /// The policy called `name` (one of [`OnError::NAMES`]).
    fn from_str(name: &str) -> Result<Self> {
        match name {
            "raise" => Ok(OnError::Raise),
            "skip" => Ok(OnError::Skip),
            other => Err(Error::unknown_value("on_error", other, &OnError::NAMES)),
        }
    }
}

/// One record left out under [`OnError::Skip`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Where the record is.
    pub location: Location,
    /// Why it was left out.
    pub reason: String,
}

/// The records a reader left out: an exact count, and the first [`SkipLog::KEEP`] of them.
#[derive(Debug, Default)]
pub struct SkipLog {
    inner: Mutex<(u64, Vec<Skipped>)>,
}

impl SkipLog {
    /// How many skipped records are kept with their location.
    pub const KEEP: usize = 1000;

    /// Notes one skipped record.
    pub fn record(&self, skipped: Skipped) {
        let mut inner = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        inner.0 += 1;
        if inner.1.len() < Self::KEEP {
            inner.1.push(skipped);
        }
    }

    /// The number of skipped records and the first of them.
    pub fn snapshot(&self) -> (u64, Vec<Skipped>) {
        let inner = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        (inner.0, inner.1.clone())
    }
}

/// A piece of a text file made of whole records.
#[derive(Debug)]
pub struct Chunk {
    /// The bytes, ending after a newline (or at the end of the file).
    pub bytes: Vec<u8>,
    /// 1-based line number of the first byte.
    pub first_line: u64,
    /// Offset of the first byte in the decompressed file.
    pub first_byte: u64,
}

impl Chunk {
    /// The lines of the chunk with their 1-based number and byte offset, without the `\n`.
    pub fn lines(&self) -> impl Iterator<Item = (u64, u64, &[u8])> {
        let first_byte = self.first_byte;
        let mut number = self.first_line;
        let mut start = 0;
        let body = self.bytes.strip_suffix(b"\n").unwrap_or(&self.bytes);
        // The newlines found with SIMD (`memchr`), then the end of the body: as `split`.
        let ends = memchr::memchr_iter(b'\n', body).chain(std::iter::once(body.len()));
        ends.map(move |end| {
            let item = (number, first_byte + start as u64, &body[start..end]);
            number += 1;
            start = end + 1;
            item
        })
    }

    /// Where line `line` at `byte` of this chunk's file is.
    pub fn location(path: &Path, line: u64, byte: u64) -> Location {
        Location {
            path: Some(path.to_path_buf()),
            line: Some(line),
            byte_offset: Some(byte),
            row: None,
        }
    }
}

/// Cuts a byte stream into [`Chunk`]s of about [`CHUNK_BYTES`] ending at a newline.
pub struct RecordChunks {
    path: PathBuf,
    source: Box<dyn Read + Send>,
    codec_name: &'static str,
    carry: Vec<u8>,
    unread: Option<Chunk>,
    quote: Option<u8>,
    next_line: u64,
    next_byte: u64,
    at_end: bool,
}

impl RecordChunks {
    /// Chunks of the (already decompressed) `source` of `path`.
    pub fn new(path: PathBuf, source: Box<dyn Read + Send>, codec_name: &'static str) -> Self {
        RecordChunks {
            path,
            source,
            codec_name,
            carry: Vec::new(),
            unread: None,
            quote: None,
            next_line: 1,
            next_byte: 0,
            at_end: false,
        }
    }

    /// The next chunk, or `None` at the end of the file. A record longer than a chunk makes a
    /// larger chunk: records are never split.
    pub fn next_chunk(&mut self) -> Result<Option<Chunk>> {
        if let Some(chunk) = self.unread.take() {
            return Ok(Some(chunk));
        }
        let mut buffer = std::mem::take(&mut self.carry);
        let mut cut = self.last_record_end(&buffer, 0);
        loop {
            if self.at_end {
                return Ok((!buffer.is_empty()).then(|| self.emit(buffer)));
            }
            if let Some(cut) = cut.filter(|_| buffer.len() >= CHUNK_BYTES) {
                self.carry = buffer.split_off(cut);
                return Ok(Some(self.emit(buffer)));
            }
            let before = buffer.len();
            self.fill(&mut buffer)?;
            if let Some(end) = self.last_record_end(&buffer, before) {
                cut = Some(end);
            }
        }
    }

    /// Never ends a chunk inside a field quoted with `quote` (CSV: such fields may hold
    /// newlines).
    #[must_use]
    pub fn with_quote(mut self, quote: u8) -> Self {
        self.quote = Some(quote);
        self
    }

    /// Puts `chunk` back: the next call returns it again.
    pub fn unread(&mut self, chunk: Chunk) {
        self.unread = Some(chunk);
    }

    fn emit(&mut self, bytes: Vec<u8>) -> Chunk {
        let chunk = Chunk {
            first_line: self.next_line,
            first_byte: self.next_byte,
            bytes,
        };
        self.next_line += memchr::memchr_iter(b'\n', &chunk.bytes).count() as u64;
        self.next_byte += chunk.bytes.len() as u64;
        chunk
    }

    /// Reads up to [`CHUNK_BYTES`] more bytes into `buffer`, noting the end of the input.
    fn fill(&mut self, buffer: &mut Vec<u8>) -> Result<()> {
        let want = CHUNK_BYTES.max(buffer.len() / 2);
        let before = buffer.len();
        // Room for the whole read up front: one allocation, and reads large enough to
        // bypass the source's buffer instead of being copied through it.
        buffer.reserve(want);
        let read = (&mut self.source)
            .take(want as u64)
            .read_to_end(buffer)
            .map_err(|err| self.read_error(err, before))?;
        if read == 0 {
            self.at_end = true;
        }
        Ok(())
    }

    fn read_error(&self, err: io::Error, buffered: usize) -> Error {
        let offset = self.next_byte + buffered as u64;
        stream_error(&self.path, self.codec_name, err, Some(offset))
    }
}

/// An error reading the (decompressed) stream of `path`: a codec's complaint or invalid data
/// is [`Error::DataFormat`]; anything else an I/O error.
pub fn stream_error(path: &Path, codec: &str, err: io::Error, byte_offset: Option<u64>) -> Error {
    if codec == "none" && err.kind() != io::ErrorKind::InvalidData {
        return Error::io(path, err);
    }
    let location = Location {
        path: Some(path.to_path_buf()),
        byte_offset,
        ..Location::default()
    };
    let reason = if codec == "none" {
        err.to_string()
    } else {
        format!("corrupt or truncated {codec} data: {err}")
    };
    Error::data_format(location, reason)
}

impl RecordChunks {
    /// The end (after the `\n`) of the last complete record in `buffer`, looking at bytes from
    /// `from` on. With a quote character the whole buffer counts, since quotes decide.
    fn last_record_end(&self, buffer: &[u8], from: usize) -> Option<usize> {
        match self.quote {
            None => memchr::memrchr(b'\n', &buffer[from..]).map(|i| from + i + 1),
            Some(quote) => last_unquoted_newline_end(buffer, quote),
        }
    }
}

/// The end of the last `\n` of `buffer` outside a field quoted with `quote`, `buffer` starting
/// outside quotes: the last newline with an even number of quotes before it. The quotes are
/// counted with SIMD (the whole buffer once, then back from its end newline by newline),
/// never stepped through one by one.
fn last_unquoted_newline_end(buffer: &[u8], quote: u8) -> Option<usize> {
    let odd = |bytes: &[u8]| memchr::memchr_iter(quote, bytes).count() % 2 == 1;
    let mut odd_before = odd(buffer);
    let mut upto = buffer.len();
    while let Some(newline) = memchr::memrchr(b'\n', &buffer[..upto]) {
        odd_before ^= odd(&buffer[newline..upto]);
        if !odd_before {
            return Some(newline + 1);
        }
        upto = newline;
    }
    None
}

#[cfg(test)]
mod record_end_tests {
    use super::last_unquoted_newline_end;
    use proptest::prelude::*;

    /// The newline-by-newline reference: toggle at every quote.
    fn stepping(buffer: &[u8]) -> Option<usize> {
        let mut quoted = false;
        let mut end = None;
        for (i, &b) in buffer.iter().enumerate() {
            if b == b'"' {
                quoted = !quoted;
            } else if b == b'\n' && !quoted {
                end = Some(i + 1);
            }
        }
        end
    }

    #[test]
    fn a_newline_inside_quotes_does_not_end_a_record() {
        assert_eq!(
            last_unquoted_newline_end(b"a,\"x\ny\"\nb,\"z\n", b'"'),
            Some(8)
        );
        assert_eq!(last_unquoted_newline_end(b"\"x\ny", b'"'), None);
        assert_eq!(last_unquoted_newline_end(b"a\"\"\n", b'"'), Some(4));
    }

    proptest! {
        #[test]
        fn counting_quotes_agrees_with_stepping_through_them(
            bytes in prop::collection::vec(prop::sample::select(vec![b'a', b'"', b'\n']), 0..64)
        ) {
            prop_assert_eq!(last_unquoted_newline_end(&bytes, b'"'), stepping(&bytes));
        }
    }
}
