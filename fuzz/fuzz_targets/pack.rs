//! Fuzz target: the packing planner, `axolotl_fast::pack::pack`, on arbitrary cases.
//!
//! The case and the invariants are in `fuzz_support::pack_check`.

#![no_main]

use fuzz_support::pack_check::{PackCase, run};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|case: PackCase| {
    run(&case);
});
