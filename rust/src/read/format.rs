//! Which format a file is in: named by its extension, confirmed by its first bytes.
//!
//! A file whose bytes contradict its extension is an error, never a silent misread.

use std::fmt;
use std::io::Read;
use std::path::Path;
use std::str::FromStr;

use super::compression::{self, Compression};
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
    /// JSON Lines: one object per line.
    Jsonl,
    /// `.json`: a JSON array of objects, or JSON Lines (the first byte decides).
    Json,
    /// Comma-separated values with a header line.
    Csv,
    /// Tab-separated values with a header line.
    Tsv,
    /// Plain text: one `text` row per line.
    Text,
}

const PARQUET_MAGIC: &[u8] = b"PAR1";
const ARROW_FILE_MAGIC: &[u8] = b"ARROW1";
const ARROW_STREAM_CONTINUATION: &[u8] = &[0xff, 0xff, 0xff, 0xff];

impl Format {
    /// Every format's name, as [`Format::name`] gives it; `FromStr` takes these and a few
    /// aliases (`feather`, `ipc`, `arrow`, `ndjson`, `txt`).
    pub const NAMES: [&'static str; 8] = [
        "parquet",
        "arrow_file",
        "arrow_stream",
        "jsonl",
        "json",
        "csv",
        "tsv",
        "text",
    ];

    /// The name accepted by `format=` and shown in messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::ArrowFile => "arrow_file",
            Format::ArrowStream => "arrow_stream",
            Format::Jsonl => "jsonl",
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Tsv => "tsv",
            Format::Text => "text",
        }
    }

    /// Whether `schema=` can set the columns and types (formats without their own types).
    pub fn takes_schema(self) -> bool {
        matches!(
            self,
            Format::Jsonl | Format::Json | Format::Csv | Format::Tsv
        )
    }

    /// Whether the format is text, read through [`super::text`] (and maybe compressed).
    pub fn is_text(self) -> bool {
        matches!(
            self,
            Format::Jsonl | Format::Json | Format::Csv | Format::Tsv | Format::Text
        )
    }

    fn from_extension(path: &Path) -> Option<Self> {
        // `train.jsonl.gz` is named by `jsonl`.
        let name = match Compression::from_extension(path) {
            Some(_) => Path::new(path.file_stem()?),
            None => path,
        };
        let ext = name.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "parquet" | "pq" => Some(Format::Parquet),
            "feather" | "ipc" => Some(Format::ArrowFile),
            // `.arrow` is used for both IPC formats: the bytes decide (see `compatible`).
            "arrows" | "arrow" => Some(Format::ArrowStream),
            "jsonl" | "ndjson" => Some(Format::Jsonl),
            "json" => Some(Format::Json),
            "csv" => Some(Format::Csv),
            "tsv" => Some(Format::Tsv),
            "txt" | "text" => Some(Format::Text),
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
            "jsonl" | "ndjson" => Ok(Format::Jsonl),
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            "tsv" => Ok(Format::Tsv),
            "text" | "txt" => Ok(Format::Text),
            other => Err(Error::unknown_value("format", other, &Format::NAMES)),
        }
    }
}

/// Detects the format and compression of `path`, or checks the forced ones against its bytes.
pub fn detect(
    path: &Path,
    forced: Option<Format>,
    forced_compression: Option<Compression>,
) -> Result<(Format, Compression)> {
    let head = read_head(path)?;
    let location = Location {
        path: Some(path.to_path_buf()),
        byte_offset: Some(0),
        ..Location::default()
    };
    let by_bytes = Format::from_magic(&head);
    let expected = forced.or_else(|| Format::from_extension(path));
    let format = match (expected, by_bytes) {
        (Some(text), None) if text.is_text() => text,
        (Some(text), Some(found)) if text.is_text() => {
            return Err(Error::data_format(
                location,
                format!("named as {text} but its bytes say {found}"),
            ));
        }
        (_, None) if head.is_empty() => {
            return Err(Error::data_format(location, "the file is empty"));
        }
        (None, None) => {
            return Err(Error::data_format(
                location,
                "unknown format: the extension and the first bytes match no supported format; \
                 pass format= to choose one",
            ));
        }
        (Some(expected), None) => {
            return Err(Error::data_format(
                location,
                format!("not a {expected} file: its first bytes do not match the format"),
            ));
        }
        (None, Some(found)) => found,
        (Some(expected), Some(found)) if compatible(expected, found) => found,
        (Some(expected), Some(found)) => {
            return Err(Error::data_format(
                location,
                format!("named as {expected} but its bytes say {found}"),
            ));
        }
    };
    if !format.is_text() {
        let named = forced_compression.or_else(|| Compression::from_extension(path));
        return match named {
            None | Some(Compression::None) => Ok((format, Compression::None)),
            Some(codec) => Err(Error::data_format(
                location,
                format!("a {codec}-compressed {format} file is not supported; decompress it"),
            )),
        };
    }
    let codec = compression::detect(path, &head, forced_compression)?;
    Ok((format, codec))
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
