//! Fuzz target: Arrow IPC files and streams through `axolotl_fast::read::read`.
//!
//! Case: `[options, variant, file bytes...]`; the variant names the file `input.arrow` (the
//! bytes decide file or stream), `input.feather` (file) or `input.arrows` (stream).

#![no_main]

use fuzz_support::read_check::{Settings, fuzz_read, split};
use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 3] = ["input.arrow", "input.feather", "input.arrows"];

fuzz_target!(|data: &[u8]| {
    let (options, variant, bytes) = split(data);
    let name = NAMES[usize::from(variant) % NAMES.len()];
    fuzz_read(name, Settings::from_byte(options, false), bytes);
});
