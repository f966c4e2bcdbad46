//! Shared code of the fuzz targets of axolotl_fast (see `docs/fuzzing.md`).
//!
//! The targets in `fuzz_targets/` are one call each into [`targets`], which turns the input
//! into a case and hands it to [`read_check`] (the readers) or [`pack_check`] (the packer);
//! those run the public API and panic on any broken invariant, so libFuzzer records the input
//! as a crash. `cargo test` at the repository root compiles [`targets`], [`read_check`],
//! [`pack_check`] and [`compress`] into `rust/tests/fuzz_seeds.rs`, which replays every
//! committed seed through them. [`seeds`] writes the committed seed corpus
//! (`cargo run --example make_seeds`).

pub mod compress;
pub mod pack_check;
pub mod read_check;
pub mod seeds;
pub mod targets;
