//! Fuzz target: Parquet files through `axolotl_fast::read::read` (see `fuzz_support::read_check`).
//!
//! Case: `[options, variant (unused), file bytes...]`; the file is named `input.parquet`.

#![no_main]

use fuzz_support::read_check::{Settings, fuzz_read, split};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (options, _, bytes) = split(data);
    fuzz_read("input.parquet", Settings::from_byte(options, false), bytes);
});
