//! Which format a file is in: named by its extension, confirmed by its first bytes.
//!
//! A file whose bytes contradict its extension is an error, never a silent misread.

use std::fmt;
use std::io::Read;
use std::path::Path;
use std::str::FromStr;

use crate::error::{Error, Location, Result};

/// A file format the reader understands.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Apache Parquet.
    Parquet,
    /// Arrow IPC file format (Feather v2), random access with a footer.
    ArrowFile,
    /// Arrow IPC stream format (also HF `save_to_disk` / cache `.arrow` files).
    ArrowStream,
}

const PARQUET_MAGIC: &[u8] = b"PAR1";
const ARROW_FILE_MAGIC: &[u8] = b"ARROW1";
const ARROW_STREAM_CONTINUATION: &[u8] = &[0xff, 0xff, 0xff, 0xff];

impl Format {
    /// The name accepted by `format=` and shown in messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::ArrowFile => "arrow_file",
            Format::ArrowStream => "arrow_stream",
        }
    }

    fn from_extension(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "parquet" | "pq" => Some(Format::Parquet),
            "feather" | "ipc" => Some(Format::ArrowFile),
            // `.arrow` is used for both IPC formats: the bytes decide (see `compatible`).
            "arrows" | "arrow" => Some(Format::ArrowStream),
            _ => None,
        }
    }

    fn from_magic(head: &[u8]) -> Option<Self> {
        if head.starts_with(PARQUET_MAGIC) {
            Some(Format::Parquet)
        } else if head.starts_with(ARROW_FILE_MAGIC) {
            Some(Format::ArrowFile)
        } else if head.starts_with(ARROW_STREAM_CONTINUATION) {
            Some(Format::ArrowStream)
        } else {
            None
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = Error;

    fn from_str(name: &str) -> Result<Self> {
        match name {
            "parquet" => Ok(Format::Parquet),
            "arrow_file" | "feather" | "ipc" => Ok(Format::ArrowFile),
            "arrow_stream" | "arrow" => Ok(Format::ArrowStream),
            other => Err(Error::invalid_argument(
                "format",
                format!("unknown format {other:?}; expected parquet, arrow_file or arrow_stream"),
            )),
        }
    }
}

/// Detects the format of `path`, or checks `forced` against the file's bytes.
pub fn detect(path: &Path, forced: Option<Format>) -> Result<Format> {
    let head = read_head(path)?;
    let location = Location {
        path: Some(path.to_path_buf()),
        byte_offset: Some(0),
        ..Location::default()
    };
    let by_bytes = Format::from_magic(&head);
    let expected = forced.or_else(|| Format::from_extension(path));
    match (expected, by_bytes) {
        (_, None) if head.is_empty() => Err(Error::data_format(location, "the file is empty")),
        (None, None) => Err(Error::data_format(
            location,
            "unknown format: the extension and the first bytes match no supported format \
             (parquet, arrow); pass format= to choose one",
        )),
        (Some(expected), None) => Err(Error::data_format(
            location,
            format!("not a {expected} file: its first bytes do not match the format"),
        )),
        (None, Some(found)) => Ok(found),
        (Some(expected), Some(found)) if compatible(expected, found) => Ok(found),
        (Some(expected), Some(found)) => Err(Error::data_format(
            location,
            format!("named as {expected} but its bytes say {found}"),
        )),
    }
}

/// `.arrow` may hold either IPC format.
fn compatible(expected: Format, found: Format) -> bool {
    let ipc = |f| matches!(f, Format::ArrowFile | Format::ArrowStream);
    expected == found || (ipc(expected) && ipc(found))
}

fn read_head(path: &Path) -> Result<Vec<u8>> {
    let file = std::fs::File::open(path).map_err(|err| Error::io(path, err))?;
    let mut head = Vec::with_capacity(8);
    file.take(8)
        .read_to_end(&mut head)
        .map_err(|err| Error::io(path, err))?;
    Ok(head)
}
