//! Compressing fuzz bytes with each codec the reader decompresses, in two members.
//!
//! Two members (gzip members, zstd frames, bzip2 streams, xz streams, lz4 frames) one after the
//! other: the reader must read them all, as `gzip -c a b > ab.gz` makes them.

use std::io::Write;

/// A codec of `axolotl_fast::read::compression`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    /// gzip.
    Gzip,
    /// Zstandard.
    Zstd,
    /// bzip2.
    Bzip2,
    /// xz.
    Xz,
    /// LZ4 frame.
    Lz4,
}

impl Codec {
    /// Every codec, in variant-byte order.
    pub const ALL: [Codec; 5] = [
        Codec::Gzip,
        Codec::Zstd,
        Codec::Bzip2,
        Codec::Xz,
        Codec::Lz4,
    ];

    /// The file extension that names the codec.
    pub fn extension(self) -> &'static str {
        match self {
            Codec::Gzip => "gz",
            Codec::Zstd => "zst",
            Codec::Bzip2 => "bz2",
            Codec::Xz => "xz",
            Codec::Lz4 => "lz4",
        }
    }

    /// `data` compressed as one member.
    pub fn member(self, data: &[u8]) -> Vec<u8> {
        match self {
            Codec::Gzip => finish_gzip(data),
            Codec::Zstd => zstd::encode_all(data, 1).expect("zstd"),
            Codec::Bzip2 => finish_bzip2(data),
            Codec::Xz => finish_xz(data),
            Codec::Lz4 => finish_lz4(data),
        }
    }

    /// `data` cut in two at its middle, each half compressed as one member.
    pub fn two_members(self, data: &[u8]) -> Vec<u8> {
        let (head, tail) = data.split_at(data.len() / 2);
        let mut out = self.member(head);
        out.extend(self.member(tail));
        out
    }
}

fn finish_gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(data).expect("gzip");
    encoder.finish().expect("gzip")
}

fn finish_bzip2(data: &[u8]) -> Vec<u8> {
    let mut encoder = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    encoder.write_all(data).expect("bzip2");
    encoder.finish().expect("bzip2")
}

fn finish_xz(data: &[u8]) -> Vec<u8> {
    let mut encoder = liblzma::write::XzEncoder::new(Vec::new(), 0);
    encoder.write_all(data).expect("xz");
    encoder.finish().expect("xz")
}

fn finish_lz4(data: &[u8]) -> Vec<u8> {
    let mut encoder = lz4_flex::frame::FrameEncoder::new(Vec::new());
    encoder.write_all(data).expect("lz4");
    encoder.finish().expect("lz4")
}
