//! A check of compressed Arrow IPC files before arrow-rs decodes them.
//!
//! arrow-ipc 60 allocates each compressed buffer's *declared* uncompressed size up front
//! (`Vec::with_capacity`). A corrupt size prefix (one flipped bit is enough) asks for terabytes,
//! and a failed allocation aborts the process: no error, no panic to catch. This pass reads
//! each message's metadata with arrow-ipc's own (verified) flatbuffer accessors and rejects a
//! buffer whose declared size no codec could produce from its compressed bytes. Uncompressed
//! files pass through at the cost of reading the metadata.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use arrow::ipc::{CompressionType, MessageHeader, root_as_footer, root_as_message};

use crate::error::{Error, Location, Result};

const CONTINUATION: u32 = 0xffff_ffff;
/// lz4's best ratio is about 255:1; zstd's (an RLE block) about 32768:1. Anything above these
/// is corrupt, with a margin for frame headers.
const MAX_RATIO_LZ4: u64 = 256;
const MAX_RATIO_ZSTD: u64 = 1 << 16;
const FRAME_SLACK: u64 = 1 << 16;

/// Checks every compressed buffer of an IPC *file* (footer + blocks); `file` is `path` open.
pub fn check_file(file: &File, path: &Path) -> Result<()> {
    let mut file = BufReader::new(file);
    let len = file
        .seek(SeekFrom::End(0))
        .map_err(|e| Error::io(path, e))?;
    let fail = |offset: u64, reason: &str| corrupt(path, offset, reason);
    if len < 16 {
        return Err(fail(0, "too short for an Arrow IPC file"));
    }
    let trailer = read_at(&mut file, path, len - 10, 10)?;
    let footer_len = u64::from(u32::from_le_bytes([
        trailer[0], trailer[1], trailer[2], trailer[3],
    ]));
    let footer_start = (len - 10)
        .checked_sub(footer_len)
        .ok_or_else(|| fail(len - 10, "footer length exceeds the file"))?;
    let footer_bytes = read_at(&mut file, path, footer_start, footer_len)?;
    let footer = root_as_footer(&footer_bytes).map_err(|e| fail(footer_start, &e.to_string()))?;
    let blocks = footer
        .dictionaries()
        .into_iter()
        .chain(footer.recordBatches());
    for block in blocks.flatten() {
        let (offset, meta_len, body_len) =
            (block.offset(), block.metaDataLength(), block.bodyLength());
        let (Ok(offset), Ok(meta_len), Ok(body_len)) = (
            u64::try_from(offset),
            u64::try_from(meta_len),
            u64::try_from(body_len),
        ) else {
            return Err(fail(footer_start, "negative block offset or length"));
        };
        if offset.saturating_add(meta_len).saturating_add(body_len) > len {
            return Err(fail(
                offset,
                "a record batch block runs past the end of the file",
            ));
        }
        let meta = read_at(&mut file, path, offset, meta_len)?;
        let flatbuffer = strip_prefix(&meta).ok_or_else(|| fail(offset, "bad message prefix"))?;
        check_message(&mut file, path, flatbuffer, offset + meta_len, body_len)?;
    }
    Ok(())
}

/// Checks every compressed buffer of an IPC *stream*, message by message; returns where each
/// message ends, up to the end-of-stream marker or 1 to 3 trailing bytes (where arrow-ipc's
/// stream reader stops too). A message without a header (which arrow-ipc's stream decoder
/// would skip) is an error, as in arrow-ipc's stream reader. `file` is `path` open.
pub fn check_stream(file: &File, path: &Path) -> Result<Vec<u64>> {
    let mut file = BufReader::new(file);
    let len = file
        .seek(SeekFrom::End(0))
        .map_err(|e| Error::io(path, e))?;
    let mut at = 0;
    let mut message_ends = Vec::new();
    while at + 4 <= len {
        let mut word = read_u32(&mut file, path, at)?;
        let mut header = 4;
        if word == CONTINUATION {
            if at + 8 > len {
                return Err(corrupt(path, at, "a message header cut short"));
            }
            word = read_u32(&mut file, path, at + 4)?;
            header = 8;
        }
        if word == 0 {
            break; // end-of-stream marker
        }
        let meta_start = at + header;
        let meta_len = u64::from(word);
        if meta_start + meta_len > len {
            return Err(corrupt(
                path,
                at,
                "message metadata runs past the end of the file",
            ));
        }
        let meta = read_at(&mut file, path, meta_start, meta_len)?;
        let message = root_as_message(&meta).map_err(|e| corrupt(path, at, &e.to_string()))?;
        if message.header_type() == MessageHeader::NONE {
            return Err(corrupt(path, at, "a message without a header"));
        }
        let body_len = u64::try_from(message.bodyLength())
            .map_err(|_| corrupt(path, at, "negative message body length"))?;
        let body_start = meta_start + meta_len;
        if body_start.saturating_add(body_len) > len {
            return Err(corrupt(
                path,
                at,
                "message body runs past the end of the file",
            ));
        }
        check_message(&mut file, path, &meta, body_start, body_len)?;
        at = body_start + body_len;
        message_ends.push(at);
    }
    Ok(message_ends)
}

fn check_message(
    file: &mut BufReader<&File>,
    path: &Path,
    meta: &[u8],
    body_start: u64,
    body_len: u64,
) -> Result<()> {
    let message = root_as_message(meta).map_err(|e| corrupt(path, body_start, &e.to_string()))?;
    let batch = message
        .header_as_record_batch()
        .or_else(|| message.header_as_dictionary_batch().and_then(|d| d.data()));
    let Some(batch) = batch else { return Ok(()) };
    let Some(compression) = batch.compression() else {
        return Ok(());
    };
    let ratio = if compression.codec() == CompressionType::LZ4_FRAME {
        MAX_RATIO_LZ4
    } else {
        MAX_RATIO_ZSTD
    };
    for buffer in batch.buffers().into_iter().flatten() {
        let (Ok(offset), Ok(length)) = (
            u64::try_from(buffer.offset()),
            u64::try_from(buffer.length()),
        ) else {
            return Err(corrupt(
                path,
                body_start,
                "negative buffer offset or length",
            ));
        };
        if offset.saturating_add(length) > body_len {
            return Err(corrupt(
                path,
                body_start,
                "a buffer runs past its message body",
            ));
        }
        if length < 8 {
            continue;
        }
        let prefix = read_at(file, path, body_start + offset, 8)?;
        let declared = i64::from_le_bytes(prefix[..8].try_into().unwrap_or([0; 8]));
        let Ok(declared) = u64::try_from(declared) else {
            continue;
        }; // -1: stored uncompressed
        let limit = (length - 8)
            .saturating_mul(ratio)
            .saturating_add(FRAME_SLACK);
        if declared > limit {
            return Err(corrupt(
                path,
                body_start + offset,
                &format!(
                    "a compressed buffer of {length} bytes claims {declared} bytes uncompressed"
                ),
            ));
        }
    }
    Ok(())
}

/// The flatbuffer inside an encapsulated message (`0xFFFFFFFF len` or legacy `len`).
fn strip_prefix(meta: &[u8]) -> Option<&[u8]> {
    let first = u32::from_le_bytes(meta.get(..4)?.try_into().ok()?);
    if first == CONTINUATION {
        meta.get(8..)
    } else {
        meta.get(4..)
    }
}

fn read_at(file: &mut BufReader<&File>, path: &Path, offset: u64, len: u64) -> Result<Vec<u8>> {
    file.seek(SeekFrom::Start(offset))
        .map_err(|e| Error::io(path, e))?;
    let mut bytes = Vec::new();
    file.by_ref()
        .take(len)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    if (bytes.len() as u64) < len {
        return Err(corrupt(path, offset, "unexpected end of file"));
    }
    Ok(bytes)
}

fn read_u32(file: &mut BufReader<&File>, path: &Path, offset: u64) -> Result<u32> {
    let bytes = read_at(file, path, offset, 4)?;
    Ok(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}

fn corrupt(path: &Path, offset: u64, reason: &str) -> Error {
    let location = Location {
        path: Some(path.to_path_buf()),
        byte_offset: Some(offset),
        ..Location::default()
    };
    Error::data_format(location, format!("corrupt Arrow IPC data: {reason}"))
}
