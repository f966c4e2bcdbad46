//! Rust core of axolotl_fast.
//!
//! The modules at this level are plain Rust: they never touch pyo3, so they are tested with
//! `cargo test` and can be used from other Rust code. The Python extension `axolotl_fast._core`
//! is a thin layer over them in [`py`], compiled only with the `python` feature.

pub mod build_info;
pub mod chat;
pub mod collate;
pub mod dedupe;
pub mod error;
pub mod fastbpe;
pub mod minhash;
pub mod pack;
pub mod parallel;
pub mod quiet_panic;
pub mod read;
pub mod tokenize;
pub mod write;

#[cfg(feature = "python")]
mod py;

pub use error::{Error, Result};
