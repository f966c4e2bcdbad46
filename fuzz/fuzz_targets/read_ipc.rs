//! Fuzz target: Arrow IPC files and streams through `axolotl_fast::read::read`.
//!
//! The case and the checks are `fuzz_support::targets::read_ipc`, through which `cargo test`
//! also replays the committed seeds.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| fuzz_support::targets::read_ipc(data));
