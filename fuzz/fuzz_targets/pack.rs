//! Fuzz target: the packing planner, `axolotl_fast::pack::pack`, on arbitrary cases.
//!
//! The case and the invariants are in `fuzz_support::pack_check`. The input is decoded into a
//! `PackCase` by `fuzz_support::targets::pack`, as `fuzz_target!` decodes a typed input, so
//! `cargo test` replays the committed seeds through the same function; an input too short
//! for a case is rejected (kept out of the corpus), as with a typed target.

#![no_main]

use libfuzzer_sys::{Corpus, fuzz_target};

fuzz_target!(|data: &[u8]| -> Corpus {
    if fuzz_support::targets::pack(data) {
        Corpus::Keep
    } else {
        Corpus::Reject
    }
});
