//! The file a [`HashSet`](super::HashSet) is saved to, and loading it back.
//!
//! Layout, version 1 (little-endian):
//!
//! | bytes | content |
//! |---|---|
//! | 8 | magic `AXFSEEN\0` |
//! | 4 | format version, `1` |
//! | 1 | hash: `1` `xxh3_128`, `2` `sha256` |
//! | 1 | row encoding version, `1` |
//! | 2 | reserved, `0` |
//! | 8 | key count `n` |
//! | 16 × n | the keys, ascending (the same set always gives the same file) |
//! | 16 | `xxh3_128` of everything before |
//!
//! A file that is truncated, damaged, from a newer format or not ours is a
//! [`Error::CorruptFile`] naming what failed. Saving writes a temporary file next to the target
//! and renames it, so a crash never leaves a half-written set under the target name.

use std::io::Write;
use std::path::Path;

use xxhash_rust::xxh3::xxh3_128;

use super::{HashKind, KeySet, ROW_ENCODING_VERSION};
use crate::error::{Error, Result};

const MAGIC: &[u8; 8] = b"AXFSEEN\0";
const FORMAT_VERSION: u32 = 1;
const HEADER_LEN: usize = 24;
const CHECKSUM_LEN: usize = 16;

/// Writes `keys` (made with `kind`) to `path`, atomically.
pub fn save(path: &Path, kind: HashKind, keys: &KeySet) -> Result<()> {
    let mut sorted: Vec<u128> = keys.iter().collect();
    sorted.sort_unstable();
    let mut bytes = Vec::with_capacity(HEADER_LEN + 16 * sorted.len() + CHECKSUM_LEN);
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    bytes.extend_from_slice(&[kind.code(), ROW_ENCODING_VERSION, 0, 0]);
    bytes.extend_from_slice(&(sorted.len() as u64).to_le_bytes());
    for key in &sorted {
        bytes.extend_from_slice(&key.to_le_bytes());
    }
    let checksum = xxh3_128(&bytes);
    bytes.extend_from_slice(&checksum.to_le_bytes());
    write_atomically(path, &bytes)
}

/// Reads a set saved by [`save`]: its hash and keys.
pub fn load(path: &Path) -> Result<(HashKind, KeySet)> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let corrupt = |reason: String| Error::CorruptFile {
        path: path.to_path_buf(),
        reason,
    };
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(corrupt(
            "not an axolotl_fast seen-set file (bad magic bytes)".into(),
        ));
    }
    if bytes.len() < HEADER_LEN + CHECKSUM_LEN {
        return Err(corrupt(format!(
            "truncated: {} bytes, shorter than the header",
            bytes.len()
        )));
    }
    let version = u32::from_le_bytes(field(&bytes, 8));
    if version != FORMAT_VERSION {
        return Err(corrupt(format!(
            "format version {version}; this axolotl_fast reads version {FORMAT_VERSION}"
        )));
    }
    let count = u64::from_le_bytes(field(&bytes, 16));
    let expected = usize::try_from(count)
        .ok()
        .and_then(|n| n.checked_mul(16))
        .and_then(|n| n.checked_add(HEADER_LEN + CHECKSUM_LEN));
    if expected != Some(bytes.len()) {
        return Err(corrupt(format!(
            "truncated or padded: {count} keys need {} bytes, the file has {}",
            expected.map_or_else(|| "too many".to_string(), |n| n.to_string()),
            bytes.len()
        )));
    }
    let (body, checksum) = bytes.split_at(bytes.len() - CHECKSUM_LEN);
    if xxh3_128(body).to_le_bytes() != checksum {
        return Err(corrupt("checksum mismatch: the file is damaged".into()));
    }
    let kind = HashKind::from_code(bytes[12])
        .ok_or_else(|| corrupt(format!("unknown hash code {}", bytes[12])))?;
    if bytes[13] != ROW_ENCODING_VERSION {
        return Err(corrupt(format!(
            "row encoding version {}; this axolotl_fast hashes rows with version \
             {ROW_ENCODING_VERSION}, so its keys would never match",
            bytes[13]
        )));
    }
    let mut keys = KeySet::with_capacity(body[HEADER_LEN..].len() / 16);
    for key in body[HEADER_LEN..].chunks_exact(16) {
        keys.insert(u128::from_le_bytes(field(key, 0)));
    }
    Ok((kind, keys))
}

fn field<const N: usize>(bytes: &[u8], at: usize) -> [u8; N] {
    let mut out = [0; N];
    out.copy_from_slice(&bytes[at..at + N]);
    out
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let name = path
        .file_name()
        .map_or_else(|| "seen".into(), |n| n.to_string_lossy().into_owned());
    let temp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let written = std::fs::File::create(&temp).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    if let Err(err) = written.and_then(|()| std::fs::rename(&temp, path)) {
        let _ = std::fs::remove_file(&temp);
        return Err(Error::io(path, err));
    }
    Ok(())
}
