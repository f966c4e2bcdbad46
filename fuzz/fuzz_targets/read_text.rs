//! Fuzz target: plain text (one `text` row per line) through `axolotl_fast::read::open`.
//!
//! Case: `[options, variant (unused), file bytes...]`; the file is named `input.txt`. Beyond
//! the shared invariants, a complete read has one row per line.

#![no_main]

use fuzz_support::read_check::{Settings, fuzz_read, split};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (options, _, bytes) = split(data);
    let outcome = fuzz_read("input.txt", Settings::from_byte(options, false), bytes);
    if outcome.complete() && outcome.skipped == 0 {
        let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
        let lines = if bytes.is_empty() {
            0
        } else {
            body.split(|&b| b == b'\n').count()
        };
        assert_eq!(outcome.rows(), lines, "one row per line");
    }
});
