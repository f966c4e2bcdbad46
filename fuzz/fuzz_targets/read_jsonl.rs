//! Fuzz target: JSON Lines and `.json` (array or lines) through `axolotl_fast::read::read`.
//!
//! Case: `[options, variant, file bytes...]`; the variant names the file `input.jsonl` or
//! `input.json`. Options bit 6 passes a fixed `schema=`.

#![no_main]

use fuzz_support::read_check::{Settings, fuzz_read, split};
use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 2] = ["input.jsonl", "input.json"];

fuzz_target!(|data: &[u8]| {
    let (options, variant, bytes) = split(data);
    let name = NAMES[usize::from(variant) % NAMES.len()];
    fuzz_read(name, Settings::from_byte(options, true), bytes);
});
