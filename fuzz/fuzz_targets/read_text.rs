//! Fuzz target: plain text (one `text` row per line) through `axolotl_fast::read::read`.
//!
//! Case: `[options, variant (unused), file bytes...]`; the file is named `input.txt`. Beyond
//! the shared invariants, a complete read has one row per line (unless the bytes start with a
//! codec's magic number: such a file is decompressed, by design).

#![no_main]

use axolotl_fast::read::Compression;
use fuzz_support::read_check::{Settings, fuzz_read, split};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (options, _, bytes) = split(data);
    let outcome = fuzz_read("input.txt", Settings::from_byte(options, false), bytes);
    let compressed = Compression::from_magic(bytes).is_some();
    if outcome.complete() && outcome.skipped == 0 && !compressed {
        let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
        let lines = if bytes.is_empty() {
            0
        } else {
            body.split(|&b| b == b'\n').count()
        };
        assert_eq!(outcome.rows(), lines, "one row per line");
    }
});
