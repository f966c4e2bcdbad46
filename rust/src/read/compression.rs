//! Whole-file compression of text formats: gzip, zstd, bzip2, xz and lz4 frame.
//!
//! The extension names the codec (`.gz`, `.zst`, `.bz2`, `.xz`, `.lz4`) and the first bytes
//! must agree; a file without such an extension is still decompressed when its first bytes are
//! a codec's magic number. Concatenated members (multi-member gzip, multi-frame zstd, bzip2
//! streams, xz streams, lz4 frames) are all read: nothing after the first member is dropped.

use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::str::FromStr;

use crate::error::{Error, Location, Result};

/// A whole-file compression codec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Not compressed.
    None,
    /// gzip (RFC 1952), any number of members.
    Gzip,
    /// Zstandard, any number of frames.
    Zstd,
    /// bzip2, any number of streams.
    Bzip2,
    /// xz, any number of streams.
    Xz,
    /// LZ4 frame format, any number of frames.
    Lz4,
}

impl Compression {
    /// Every codec's name, as [`Compression::name`] gives it; `FromStr` takes these and the
    /// aliases `gz`, `zst` and `bzip2`.
    pub const NAMES: [&'static str; 6] = ["none", "gzip", "zstd", "bz2", "xz", "lz4"];

    /// The name accepted by `compression=` and shown in messages.
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
            Compression::Bzip2 => "bz2",
            Compression::Xz => "xz",
            Compression::Lz4 => "lz4",
        }
    }

    /// The codec named by the last extension of `path`, if any.
    pub fn from_extension(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "gz" | "gzip" => Some(Compression::Gzip),
            "zst" | "zstd" => Some(Compression::Zstd),
            "bz2" => Some(Compression::Bzip2),
            "xz" => Some(Compression::Xz),
            "lz4" => Some(Compression::Lz4),
            _ => None,
        }
    }

    /// The codec whose magic number starts `head`, if any.
    pub fn from_magic(head: &[u8]) -> Option<Self> {
        const MAGICS: [(&[u8], Compression); 5] = [
            (&[0x1f, 0x8b], Compression::Gzip),
            (&[0x28, 0xb5, 0x2f, 0xfd], Compression::Zstd),
            (b"BZh", Compression::Bzip2),
            (&[0xfd, b'7', b'z', b'X', b'Z', 0x00], Compression::Xz),
            (&[0x04, 0x22, 0x4d, 0x18], Compression::Lz4),
        ];
        MAGICS
            .iter()
            .find(|(magic, _)| head.starts_with(magic))
            .map(|(_, codec)| *codec)
    }
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Compression {
    type Err = Error;

    fn from_str(name: &str) -> Result<Self> {
        match name {
            "none" => Ok(Compression::None),
            "gzip" | "gz" => Ok(Compression::Gzip),
            "zstd" | "zst" => Ok(Compression::Zstd),
            "bz2" | "bzip2" => Ok(Compression::Bzip2),
            "xz" => Ok(Compression::Xz),
            "lz4" => Ok(Compression::Lz4),
            other => Err(Error::unknown_value(
                "compression",
                other,
                &Compression::NAMES,
            )),
        }
    }
}

/// Decides the codec of `path` from `forced`, its extension and its first bytes `head`.
pub fn detect(path: &Path, head: &[u8], forced: Option<Compression>) -> Result<Compression> {
    let by_bytes = Compression::from_magic(head);
    let location = Location {
        path: Some(path.to_path_buf()),
        byte_offset: Some(0),
        ..Location::default()
    };
    match (
        forced.or_else(|| Compression::from_extension(path)),
        by_bytes,
    ) {
        (Some(Compression::None), _) => Ok(Compression::None),
        (None, found) => Ok(found.unwrap_or(Compression::None)),
        (Some(expected), Some(found)) if expected == found => Ok(found),
        (Some(expected), _) if head.is_empty() => Err(Error::data_format(
            location,
            format!("the file is empty, not {expected} data"),
        )),
        (Some(expected), found) => Err(Error::data_format(
            location,
            format!(
                "named as {expected} but its first bytes are {}; rename it or pass \
                 compression=",
                found.map_or("not compressed data".to_owned(), |f| format!("{f} data")),
            ),
        )),
    }
}

/// A reader of the decompressed bytes of `path` under `codec`.
pub fn open(path: &Path, codec: Compression) -> Result<Box<dyn Read + Send>> {
    let file = File::open(path).map_err(|err| Error::io(path, err))?;
    if codec == Compression::None {
        // The text readers read 1 MiB at a time straight into their chunks; a buffer here
        // would copy every byte once more.
        return Ok(Box::new(file));
    }
    let file = BufReader::with_capacity(1 << 20, file);
    Ok(match codec {
        Compression::None => Box::new(file),
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(file)),
        Compression::Zstd => Box::new(
            zstd::stream::read::Decoder::with_buffer(file).map_err(|err| Error::io(path, err))?,
        ),
        Compression::Bzip2 => Box::new(bzip2::bufread::MultiBzDecoder::new(file)),
        Compression::Xz => Box::new(liblzma::bufread::XzDecoder::new_multi_decoder(file)),
        Compression::Lz4 => Box::new(Lz4Frames(lz4_flex::frame::FrameDecoder::new(file))),
    })
}

/// `lz4_flex`'s frame decoder returns `Ok(0)` at the end of every frame, which reads as the end of
/// the file when a read starts at a frame boundary (an empty frame, or a frame that ends exactly
/// where a chunk does), dropping every later frame. This reads on while input remains.
struct Lz4Frames<R: BufRead>(lz4_flex::frame::FrameDecoder<R>);

impl<R: BufRead> Read for Lz4Frames<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            let read = self.0.read(buf)?;
            // Each pass consumes input (a frame header or an error), so this ends.
            if read > 0 || self.0.get_mut().fill_buf()?.is_empty() {
                return Ok(read);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};

    use super::{Compression, open};

    fn lz4_frame(data: &[u8]) -> Vec<u8> {
        let mut encoder = lz4_flex::frame::FrameEncoder::new(Vec::new());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    /// Found by the `read_compressed` fuzz target: an empty first frame hid the rest.
    #[test]
    fn lz4_frames_after_an_empty_frame_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("two.txt.lz4");
        let mut bytes = lz4_frame(b"");
        bytes.extend(lz4_frame(b"\x1b"));
        bytes.extend(lz4_frame(b""));
        bytes.extend(lz4_frame(b"second\n"));
        std::fs::write(&path, bytes).unwrap();
        let mut text = Vec::new();
        open(&path, Compression::Lz4)
            .unwrap()
            .read_to_end(&mut text)
            .unwrap();
        assert_eq!(text, b"\x1bsecond\n");
    }
}
