//! The Python extension module `axolotl_fast._core`: a thin layer over the core.
//!
//! One binding file per core module. Each binding extracts owned Rust values while attached to
//! the interpreter, runs the core with the GIL released (`py.detach`), and converts the result
//! or the core [`crate::Error`] (see [`error`]) back. `test_hooks.rs` holds functions for the
//! Python tests only, compiled with the `test-hooks` feature (never in a release wheel).

// Doc comments here are the Python docstrings (Google style), not rustdoc Markdown.
#![allow(clippy::doc_markdown)]

mod build_info;
mod chat;
mod collate;
mod dedupe;
mod error;
mod minhash;
mod pack;
mod parallel;
mod read;
#[cfg(feature = "test-hooks")]
mod test_hooks;
mod tokenize;
mod write;

use pyo3::prelude::*;

/// Rust core of axolotl_fast. Use the `axolotl_fast` package rather than this module.
#[pymodule]
mod _core {
    #[pymodule_export]
    use super::build_info::build_info;
    #[pymodule_export]
    use super::chat::tokenize_chats_py;
    #[pymodule_export]
    use super::collate::{pad_feature, varlen_boundaries};
    #[pymodule_export]
    use super::dedupe::{PyHashSet, row_keys_py};
    #[pymodule_export]
    use super::minhash::{
        cluster_roots_py, minhash_band_edges_py, minhash_clusters_py, minhash_signatures_py,
        near_duplicates_py,
    };
    #[pymodule_export]
    use super::pack::pack;
    #[pymodule_export]
    use super::parallel::_after_fork_in_child;
    #[pymodule_export]
    use super::read::{PyReader, detect_format, read, source_files};
    #[cfg(feature = "test-hooks")]
    #[pymodule_export]
    use super::test_hooks::{_char_offsets, _mark_pool_used, _raise_core_error};
    #[pymodule_export]
    use super::tokenize::PyEncoder;
    #[pymodule_export]
    use super::write::PyJsonlWriter;

    /// The version of the Rust core, equal to the package version.
    #[pymodule_export]
    #[allow(non_upper_case_globals)] // Python's name for it
    const __version__: &str = crate::build_info::VERSION;
}
