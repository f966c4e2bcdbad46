//! Test hooks of `axolotl_fast._core`: functions that exist only for the Python tests.
//!
//! Compiled only with the cargo feature `test-hooks` (`maturin develop --features test-hooks`,
//! as the test command builds); the `python` feature alone, which release wheels are built
//! with (`[tool.maturin] features` in pyproject.toml), leaves them out, so no user can call
//! them. `build_info()["features"]` lists `test-hooks` when they are in.

use pyo3::prelude::*;

use crate::error::{Error, Location};

/// Record that the thread pool has run, as a parallel kernel does (a test hook).
///
/// Lets tests prove that a child forked afterwards stops using the pool.
#[pyfunction]
pub fn _mark_pool_used() {
    crate::parallel::mark_pool_used();
}

/// The kinds of core error `_raise_core_error` can raise.
const ERROR_KINDS: [&str; 9] = [
    "not_found",
    "permission_denied",
    "io",
    "data_format",
    "invalid_argument",
    "corrupt_file",
    "sequence_too_long",
    "interrupted",
    "internal",
];

/// Raise the Python exception that a core error of ``kind`` maps to (a test hook).
///
/// Args:
///     kind: One of ``"not_found"``, ``"permission_denied"``, ``"io"``, ``"data_format"``,
///         ``"invalid_argument"``, ``"corrupt_file"``, ``"sequence_too_long"``,
///         ``"interrupted"``, ``"internal"``.
///
/// Raises:
///     The mapped exception for a known kind; a plain ``ValueError`` for an unknown one
///     (worded as every invalid argument is, but not an ``InvalidArgumentError``, which
///     ``"invalid_argument"`` raises).
#[pyfunction]
pub fn _raise_core_error(kind: &str) -> PyResult<()> {
    Err(sample_error(kind)?.into())
}

fn sample_error(kind: &str) -> PyResult<Error> {
    let path = std::path::PathBuf::from("data/train.jsonl");
    Ok(match kind {
        "not_found" => Error::NotFound { path },
        "permission_denied" => Error::PermissionDenied { path },
        "io" => Error::io(&path, std::io::Error::from_raw_os_error(21)),
        "data_format" => Error::data_format(
            Location {
                path: Some(path),
                line: Some(3),
                row: Some(2),
                byte_offset: Some(41),
            },
            "expected value",
        ),
        "invalid_argument" => Error::invalid_argument("batch_size", "must be positive"),
        "corrupt_file" => Error::CorruptFile {
            path,
            reason: "bad checksum".into(),
        },
        "sequence_too_long" => Error::SequenceTooLong {
            index: 3,
            length: 5000,
            max_length: 4096,
        },
        "interrupted" => Error::Interrupted,
        "internal" => Error::Internal("worker panicked".into()),
        other => {
            let err = Error::unknown_value("kind", other, &ERROR_KINDS);
            return Err(pyo3::exceptions::PyValueError::new_err(err.to_string()));
        }
    })
}

/// ``(ids, character offsets, by the fast encoder)`` of ``text`` as the chat-template path
/// encodes it: no special tokens added, no truncation (a test hook).
#[pyfunction]
#[allow(clippy::type_complexity)] // a plain tuple is what the test compares
pub fn _char_offsets(
    encoder: &crate::py::tokenize::PyEncoder,
    text: &str,
    split_special_tokens: bool,
) -> PyResult<(Vec<u32>, Vec<(usize, usize)>, bool)> {
    let options = crate::tokenize::EncodeOptions {
        split_special_tokens,
        ..crate::tokenize::EncodeOptions::default()
    };
    let configured = encoder.encoder.configured(&options)?;
    let encoding = configured
        .encode_char_offsets(text)
        .map_err(|err| Error::Internal(err.to_string()))?;
    let ids = encoding.get_ids().to_vec();
    Ok((
        ids,
        encoding.get_offsets().to_vec(),
        configured.locates(text),
    ))
}
