//! The error type of the core.
//!
//! Every fallible function of the core returns [`Result`]. Each variant is one kind of failure a
//! caller can act on; the Python layer maps them onto Python exceptions (see `py/error.rs`):
//!
//! | variant | Python exception |
//! |---|---|
//! | [`Error::NotFound`] | `FileNotFoundError` |
//! | [`Error::PermissionDenied`] | `PermissionError` |
//! | [`Error::Io`] | `OSError` |
//! | [`Error::DataFormat`] | `axolotl_fast.DataFormatError` (also a `ValueError`) |
//! | [`Error::InvalidArgument`] | `axolotl_fast.InvalidArgumentError` (also a `ValueError`) |
//! | [`Error::CorruptFile`] | `axolotl_fast.CorruptFileError` (also a `ValueError`) |
//! | [`Error::SequenceTooLong`] | `axolotl_fast.SequenceTooLongError` (also a `ValueError`) |
//! | [`Error::Interrupted`] | `KeyboardInterrupt` |
//! | [`Error::Internal`] | `axolotl_fast.InternalError` |

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// Result alias used across the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where in an input a problem was found. Every field is optional because not every format
/// knows every coordinate (a Parquet file has rows but no lines).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    /// The file, when the input came from one.
    pub path: Option<PathBuf>,
    /// 1-based line number in a text format.
    pub line: Option<u64>,
    /// 0-based row index within the file.
    pub row: Option<u64>,
    /// Byte offset in the (decompressed) stream.
    pub byte_offset: Option<u64>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(path) = &self.path {
            parts.push(path.display().to_string());
        }
        if let Some(line) = self.line {
            parts.push(format!("line {line}"));
        }
        if let Some(row) = self.row {
            parts.push(format!("row {row}"));
        }
        if let Some(offset) = self.byte_offset {
            parts.push(format!("byte {offset}"));
        }
        if parts.is_empty() {
            f.write_str("<input>")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

/// Every way an operation of the core can fail.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or directory the caller named does not exist.
    #[error("{}: no such file or directory", path.display())]
    NotFound {
        /// The missing path.
        path: PathBuf,
    },

    /// The operating system refused access to a path.
    #[error("{}: permission denied", path.display())]
    PermissionDenied {
        /// The path that could not be opened.
        path: PathBuf,
    },

    /// Any other I/O failure while reading or writing a path.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path being read or written.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: io::Error,
    },

    /// The input is not valid for its format: malformed JSON, a bad Parquet page, a type
    /// conflict between rows. Carries where it happened and why.
    #[error("{location}: {reason}")]
    DataFormat {
        /// Where the problem is.
        location: Location,
        /// What is wrong, in words.
        reason: String,
    },

    /// The caller passed an argument the operation cannot accept. Every invalid argument of
    /// the core and of the binding is reported this way, so all read alike; a string that
    /// names none of an enum's values says so through [`Error::unknown_value`].
    #[error("invalid value for `{name}`: {reason}")]
    InvalidArgument {
        /// The argument's name as the caller knows it.
        name: String,
        /// Why the value is rejected.
        reason: String,
    },

    /// A file written by axolotl_fast (a saved hash set, a cache manifest) is damaged or is not
    /// one of ours.
    #[error("{}: corrupt or foreign file: {reason}", path.display())]
    CorruptFile {
        /// The file.
        path: PathBuf,
        /// What check failed.
        reason: String,
    },

    /// A sample is longer than the packing or padding limit and the policy is to raise.
    #[error("sample {index} has {length} tokens, more than the limit of {max_length}")]
    SequenceTooLong {
        /// Index of the sample in its input.
        index: usize,
        /// Its length in tokens.
        length: usize,
        /// The limit it exceeds.
        max_length: usize,
    },

    /// The operation was cancelled by the user (Ctrl-C on the Python side).
    #[error("interrupted")]
    Interrupted,

    /// A bug in axolotl_fast, such as a worker thread that panicked. Never the user's fault.
    #[error("internal error (please report it): {0}")]
    Internal(String),
}

impl Error {
    /// Classifies an I/O error on `path` into [`Error::NotFound`], [`Error::PermissionDenied`]
    /// or [`Error::Io`].
    pub fn io(path: impl AsRef<Path>, source: io::Error) -> Self {
        let path = path.as_ref().to_path_buf();
        match source.kind() {
            io::ErrorKind::NotFound => Error::NotFound { path },
            io::ErrorKind::PermissionDenied => Error::PermissionDenied { path },
            _ => Error::Io { path, source },
        }
    }

    /// Builds an [`Error::DataFormat`] at `location`.
    pub fn data_format(location: Location, reason: impl Into<String>) -> Self {
        Error::DataFormat {
            location,
            reason: reason.into(),
        }
    }

    /// Builds an [`Error::InvalidArgument`] for the argument `name`.
    pub fn invalid_argument(name: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidArgument {
            name: name.into(),
            reason: reason.into(),
        }
    }

    /// Builds the [`Error::InvalidArgument`] for a string `value` of the argument `name` that
    /// is none of the `expected` names: "unknown value 'xyz'; expected one of a, b, c". The
    /// `FromStr` impls of the core's string enums report unknown names with it.
    pub fn unknown_value(name: impl Into<String>, value: &str, expected: &[&str]) -> Self {
        Error::invalid_argument(
            name,
            format!(
                "unknown value '{value}'; expected one of {}",
                expected.join(", ")
            ),
        )
    }

    /// Turns the payload of a caught panic into an [`Error::Internal`].
    pub fn from_panic(payload: &(dyn std::any::Any + Send)) -> Self {
        let message = payload
            .downcast_ref::<&str>()
            .map(ToString::to_string)
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a worker thread panicked".to_string());
        Error::Internal(message)
    }
}

/// Arrow and Parquet errors carry no location; callers that know the file and row attach it
/// by building [`Error::DataFormat`] themselves.
impl From<arrow::error::ArrowError> for Error {
    fn from(err: arrow::error::ArrowError) -> Self {
        Error::data_format(Location::default(), err.to_string())
    }
}

/// See the `ArrowError` conversion above.
impl From<parquet::errors::ParquetError> for Error {
    fn from(err: parquet::errors::ParquetError) -> Self {
        Error::data_format(Location::default(), err.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_are_classified_by_kind() {
        let missing = Error::io("a.jsonl", io::Error::from(io::ErrorKind::NotFound));
        assert!(matches!(missing, Error::NotFound { ref path } if path == Path::new("a.jsonl")));
        let denied = Error::io("b", io::Error::from(io::ErrorKind::PermissionDenied));
        assert!(matches!(denied, Error::PermissionDenied { .. }));
        let other = Error::io("c", io::Error::other("disk on fire"));
        assert_eq!(other.to_string(), "c: disk on fire");
    }

    #[test]
    fn data_format_message_names_every_known_coordinate() {
        let location = Location {
            path: Some(PathBuf::from("train.jsonl")),
            line: Some(7),
            row: None,
            byte_offset: Some(512),
        };
        let err = Error::data_format(location, "expected ',' or '}'");
        assert_eq!(
            err.to_string(),
            "train.jsonl, line 7, byte 512: expected ',' or '}'"
        );
    }

    #[test]
    fn empty_location_still_reads_well() {
        let err = Error::data_format(Location::default(), "bad");
        assert_eq!(err.to_string(), "<input>: bad");
    }

    #[test]
    fn panic_payloads_become_internal_errors() {
        let caught = std::panic::catch_unwind(|| std::panic::panic_any("boom")).unwrap_err();
        let err = Error::from_panic(caught.as_ref());
        assert!(matches!(err, Error::Internal(ref m) if m == "boom"));
    }

    #[test]
    fn arrow_and_parquet_errors_become_data_format_errors() {
        let arrow_err = arrow::error::ArrowError::ParseError("bad int".into());
        assert!(
            matches!(Error::from(arrow_err), Error::DataFormat { ref reason, .. }
            if reason.contains("bad int"))
        );
        let parquet_err = parquet::errors::ParquetError::General("bad page".into());
        assert!(
            matches!(Error::from(parquet_err), Error::DataFormat { ref reason, .. }
            if reason.contains("bad page"))
        );
    }

    #[test]
    fn unknown_values_name_the_argument_the_value_and_the_choices() {
        let err = Error::unknown_value("format", "yaml", &["parquet", "jsonl"]);
        assert!(matches!(err, Error::InvalidArgument { ref name, .. } if name == "format"));
        assert_eq!(
            err.to_string(),
            "invalid value for `format`: unknown value 'yaml'; expected one of parquet, jsonl"
        );
    }

    #[test]
    fn sequence_too_long_names_index_length_and_limit() {
        let err = Error::SequenceTooLong {
            index: 3,
            length: 5000,
            max_length: 4096,
        };
        assert_eq!(
            err.to_string(),
            "sample 3 has 5000 tokens, more than the limit of 4096"
        );
    }
}
