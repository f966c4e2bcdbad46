//! Fuzz target: the decompression wrappers (gzip, zstd, bzip2, xz, lz4) of the text readers.
//!
//! The case and the checks are `fuzz_support::targets::read_compressed`, through which
//! `cargo test` also replays the committed seeds.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| fuzz_support::targets::read_compressed(data));
