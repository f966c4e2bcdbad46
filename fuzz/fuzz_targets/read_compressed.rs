//! Fuzz target: the decompression wrappers (gzip, zstd, bzip2, xz, lz4) of the text readers.
//!
//! Case: `[options, variant, bytes...]`, the variant as `fuzz_support::seeds::compressed_variant`
//! lays it out: codec, inner format (JSON Lines, CSV, text), whether the file name carries the
//! codec's extension (else only the magic bytes tell), and the mode. Raw mode reads the bytes
//! as a compressed file (corrupt streams must give typed errors). Round-trip mode compresses
//! the bytes in two members and reads both files: the compressed read must give exactly the
//! plain read's batches, skips or error.

#![no_main]

use axolotl_fast::read::Compression;
use fuzz_support::compress::Codec;
use fuzz_support::read_check::{Settings, assert_same, fuzz_read, scratch_dir, split};
use libfuzzer_sys::fuzz_target;

const INNER: [&str; 3] = ["jsonl", "csv", "txt"];
/// First bytes that make the reader take a plain file for another format or a codec.
const MAGICS: [&[u8]; 3] = [b"PAR1", b"ARROW1", &[0xff, 0xff, 0xff, 0xff]];

fuzz_target!(|data: &[u8]| {
    let (options, variant, bytes) = split(data);
    let variant = usize::from(variant) % 60;
    let codec = Codec::ALL[variant % 5];
    let inner = INNER[variant / 5 % 3];
    let named = variant / 15 % 2 == 0;
    let settings = Settings::from_byte(options, inner != "txt");
    let name = if named {
        format!("packed.{inner}.{}", codec.extension())
    } else {
        format!("packed.{inner}")
    };
    if variant < 30 {
        fuzz_read(&name, settings, bytes);
        return;
    }
    let confusing = Compression::from_magic(bytes).is_some()
        || MAGICS.iter().any(|magic| bytes.starts_with(magic));
    let packed = fuzz_read(&name, settings, &codec.two_members(bytes));
    let plain_name = format!("plain.{inner}");
    let plain = fuzz_read(&plain_name, settings, bytes);
    if !confusing {
        let dir = scratch_dir();
        assert_same(&plain, &packed, &dir.join(plain_name), &dir.join(name));
    }
});
