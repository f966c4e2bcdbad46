//! Shared code of the fuzz targets of axolotl_fast (see `docs/fuzzing.md`).
//!
//! The targets in `fuzz_targets/` are thin: each turns its input into a case and hands it to
//! [`read_check`] (the readers) or [`pack_check`] (the packer), which run the public API and
//! panic on any broken invariant, so libFuzzer records the input as a crash. [`seeds`] writes
//! the committed seed corpus (`cargo run --example make_seeds`).

pub mod compress;
pub mod pack_check;
pub mod read_check;
pub mod seeds;
