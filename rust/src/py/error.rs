//! Maps core [`Error`]s onto Python exceptions.
//!
//! The exception classes live in Python (`axolotl_fast/errors.py`) so that they can inherit
//! from both `AxolotlFastError` and a builtin such as `ValueError`; here they are looked up by
//! name and built with keyword attributes (`path`, `line`, `row`, ...).

use std::path::Path;

use pyo3::exceptions::{PyFileNotFoundError, PyKeyboardInterrupt, PyOSError, PyPermissionError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::error::{Error, Location};

const ERRORS_MODULE: &str = "axolotl_fast.errors";
/// `errno` values are the same on Linux, macOS and Windows for these two.
const ENOENT: i32 = 2;
const EACCES: i32 = 13;

impl From<Error> for PyErr {
    fn from(err: Error) -> PyErr {
        let message = err.to_string();
        match err {
            Error::NotFound { path } => {
                PyFileNotFoundError::new_err((ENOENT, "No such file or directory", lossy(&path)))
            }
            Error::PermissionDenied { path } => {
                PyPermissionError::new_err((EACCES, "Permission denied", lossy(&path)))
            }
            Error::Io { path, source } => match source.raw_os_error() {
                Some(errno) => PyOSError::new_err((errno, strerror(&source), lossy(&path))),
                None => PyOSError::new_err(message),
            },
            Error::DataFormat { location, reason } => {
                python_error("DataFormatError", message, |kwargs| {
                    set_location(kwargs, &location)?;
                    kwargs.set_item("reason", reason)
                })
            }
            Error::InvalidArgument { name, .. } => {
                python_error("InvalidArgumentError", message, |kwargs| {
                    kwargs.set_item("name", name)
                })
            }
            Error::CorruptFile { path, .. } => {
                python_error("CorruptFileError", message, |kwargs| {
                    kwargs.set_item("path", lossy(&path))
                })
            }
            Error::SequenceTooLong {
                index,
                length,
                max_length,
            } => python_error("SequenceTooLongError", message, |kwargs| {
                kwargs.set_item("index", index)?;
                kwargs.set_item("length", length)?;
                kwargs.set_item("max_length", max_length)
            }),
            Error::Interrupted => PyKeyboardInterrupt::new_err(message),
            Error::Internal(_) => python_error("InternalError", message, |_| Ok(())),
        }
    }
}

/// The OS message without Rust's " (os error N)" suffix: Python prints the errno itself.
fn strerror(source: &std::io::Error) -> String {
    let text = source.to_string();
    match text.find(" (os error ") {
        Some(end) => text[..end].to_string(),
        None => text,
    }
}

fn lossy(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

fn set_location(kwargs: &Bound<'_, PyDict>, location: &Location) -> PyResult<()> {
    kwargs.set_item("path", location.path.as_deref().map(lossy))?;
    kwargs.set_item("line", location.line)?;
    kwargs.set_item("row", location.row)?;
    kwargs.set_item("byte_offset", location.byte_offset)
}

/// Instantiates `axolotl_fast.errors.<class>(message, **kwargs)`. If that fails (the module
/// cannot be imported), the failure itself is raised: it says more than a generic error would.
fn python_error(
    class: &str,
    message: String,
    fill_kwargs: impl FnOnce(&Bound<'_, PyDict>) -> PyResult<()>,
) -> PyErr {
    Python::attach(|py| {
        let build = || -> PyResult<PyErr> {
            let cls = py.import(ERRORS_MODULE)?.getattr(class)?;
            let kwargs = PyDict::new(py);
            fill_kwargs(&kwargs)?;
            Ok(PyErr::from_value(cls.call((message,), Some(&kwargs))?))
        };
        build().unwrap_or_else(|failure| failure)
    })
}
