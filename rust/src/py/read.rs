//! Binding for [`crate::read`]: the `read` function and the `Reader` class behind
//! `axolotl_fast.read` and `axolotl_fast.Reader`.
//!
//! The first `next_batch` moves the core reader to a background thread that reads ahead
//! ([`Prefetch`]); the Python thread waits for batches without the GIL, in slices of 100 ms,
//! checking for Ctrl-C between slices. A reader started in one process and used in a forked
//! child raises instead of waiting for a thread the child does not have.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use arrow::datatypes::{Schema, SchemaRef};
use arrow::pyarrow::{IntoPyArrow, PyArrowType, ToPyArrow};
use arrow::record_batch::{RecordBatch, RecordBatchReader};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::error::Error;
use crate::read::prefetch::{Poll, Prefetch};
use crate::read::{ArrowStream, Compression, Format, OnError, ReadOptions, Reader, SkipLog, files};

const WAIT_SLICE: Duration = Duration::from_millis(100);

/// Where the stream is.
enum State {
    /// Opened, nothing read yet.
    Opened(Box<Reader>),
    /// Reading ahead on a thread of process `pid`.
    Running { prefetch: Prefetch, pid: u32 },
    /// Handed to another consumer.
    HandedOff,
}

/// A stream of ``pyarrow.RecordBatch`` over local files; use ``axolotl_fast.read``.
#[pyclass(module = "axolotl_fast._core", name = "Reader")]
pub struct PyReader {
    state: Mutex<State>,
    schema: SchemaRef,
    skips: Arc<SkipLog>,
    prefetch_depth: usize,
}

/// Reading from a reader whose stream went to pyarrow would silently give nothing.
fn handed_off() -> Error {
    Error::invalid_argument(
        "reader",
        "this reader's stream was already handed to another consumer (pa.table, polars, ...)",
    )
}

impl PyReader {
    fn lock(&self) -> Result<MutexGuard<'_, State>, Error> {
        self.state
            .lock()
            .map_err(|_| Error::Internal("the reader's lock is poisoned".into()))
    }

    /// The running prefetcher, started on first use.
    fn running<'a>(&self, state: &'a mut State) -> Result<&'a mut Prefetch, Error> {
        if let State::Opened(_) = state
            && let State::Opened(reader) = std::mem::replace(state, State::HandedOff)
        {
            *state = State::Running {
                prefetch: Prefetch::start(*reader, self.prefetch_depth)?,
                pid: std::process::id(),
            };
        }
        match state {
            State::Running { prefetch, pid } if *pid == std::process::id() => Ok(prefetch),
            State::Running { .. } => Err(Error::invalid_argument(
                "reader",
                "this reader was started in another process (before a fork); open a new one \
                 in this process",
            )),
            _ => Err(handed_off()),
        }
    }

    /// Waits for the next batch without the GIL, checking for Ctrl-C every 100 ms.
    fn wait_next(&self, py: Python<'_>) -> PyResult<Option<RecordBatch>> {
        let mut state = self.lock()?;
        let prefetch = self.running(&mut state)?;
        loop {
            match py.detach(|| prefetch.poll(WAIT_SLICE))? {
                Poll::Batch(batch) => return Ok(Some(batch)),
                Poll::End => return Ok(None),
                Poll::Pending => py.check_signals()?,
            }
        }
    }
}

#[pymethods]
impl PyReader {
    /// The ``pyarrow.Schema`` of every batch.
    #[getter]
    fn schema<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.schema.as_ref().to_pyarrow(py)
    }

    /// The next ``pyarrow.RecordBatch``, or ``None`` at the end. Waits without the GIL.
    fn next_batch<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.wait_next(py)?
            .map(|batch| batch.to_pyarrow(py))
            .transpose()
    }

    /// Hand the rest of the stream to a ``pyarrow.RecordBatchReader`` (zero-copy, single use).
    fn to_pyarrow_reader<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let mut state = self.lock()?;
        let stream: Box<dyn RecordBatchReader + Send> =
            match std::mem::replace(&mut *state, State::HandedOff) {
                State::Opened(reader) => Box::new(ArrowStream(*reader)),
                State::Running { prefetch, pid } if pid == std::process::id() => {
                    Box::new(PrefetchStream(prefetch, self.schema.clone()))
                }
                State::Running { .. } | State::HandedOff => return Err(handed_off().into()),
            };
        drop(state);
        stream.into_pyarrow(py)
    }

    /// ``{"count": n, "records": [{"path", "line", "row", "byte_offset", "reason"}, ...]}``
    /// for the records left out under ``on_error="skip"`` (the first 1000 are listed).
    fn skipped<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let (count, records) = self.skips.snapshot();
        let out = PyDict::new(py);
        out.set_item("count", count)?;
        let mut listed = Vec::with_capacity(records.len());
        for record in records {
            let item = PyDict::new(py);
            item.set_item("path", record.location.path)?;
            item.set_item("line", record.location.line)?;
            item.set_item("row", record.location.row)?;
            item.set_item("byte_offset", record.location.byte_offset)?;
            item.set_item("reason", record.reason)?;
            listed.push(item);
        }
        out.set_item("records", listed)?;
        Ok(out)
    }
}

/// A running prefetcher as an arrow-rs `RecordBatchReader`, for the hand-off.
struct PrefetchStream(Prefetch, SchemaRef);

impl Iterator for PrefetchStream {
    type Item = Result<RecordBatch, arrow::error::ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.0
            .next()
            .map(|item| item.map_err(|err| arrow::error::ArrowError::ExternalError(Box::new(err))))
    }
}

impl RecordBatchReader for PrefetchStream {
    fn schema(&self) -> SchemaRef {
        self.1.clone()
    }
}

/// Open local files for streaming (see ``axolotl_fast.read`` for the full description).
///
/// Raises:
///     FileNotFoundError, PermissionError: A path cannot be opened.
///     DataFormatError: A file is not valid for its format.
///     InvalidArgumentError: An argument is out of range or names a missing column.
#[pyfunction]
#[pyo3(signature = (
    paths, batch_size, columns=None, format=None, compression=None, on_error="raise",
    num_threads=None, shard=None, prefetch=2, schema=None,
))]
#[allow(clippy::needless_pass_by_value, clippy::too_many_arguments)] // pyo3 hands over owned arguments
pub fn read(
    py: Python<'_>,
    paths: Vec<PathBuf>,
    batch_size: usize,
    columns: Option<Vec<String>>,
    format: Option<String>,
    compression: Option<String>,
    on_error: &str,
    num_threads: Option<usize>,
    shard: Option<(usize, usize)>,
    prefetch: usize,
    schema: Option<PyArrowType<Schema>>,
) -> PyResult<PyReader> {
    let format = format.map(|name| name.parse::<Format>()).transpose()?;
    let compression = compression
        .map(|name| name.parse::<Compression>())
        .transpose()?;
    let on_error = on_error.parse::<OnError>()?;
    let skips = Arc::new(SkipLog::default());
    let options = ReadOptions {
        batch_size,
        columns,
        format,
        compression,
        on_error,
        skips: skips.clone(),
        decode_width: match num_threads {
            Some(0) => {
                return Err(Error::invalid_argument("num_threads", "must be positive").into());
            }
            Some(n) => n,
            None => crate::parallel::num_threads()?,
        },
        shard,
        schema: schema.map(|s| Arc::new(s.0)),
    };
    let reader = py.detach(|| crate::read::read(&paths, options))?;
    Ok(PyReader {
        schema: reader.schema(),
        state: Mutex::new(State::Opened(Box::new(reader))),
        skips,
        prefetch_depth: prefetch.max(1),
    })
}

/// The format and compression the reader would use for one file.
///
/// Args:
///     path: The file.
///     format: A format to check the file against instead of detecting one.
///     compression: A compression to check the file against.
///
/// Returns:
///     ``(format, compression)`` names, e.g. ``("jsonl", "gzip")``.
///
/// Raises:
///     FileNotFoundError, PermissionError: The file cannot be opened.
///     DataFormatError: The extension and the first bytes disagree, or match no format.
#[pyfunction]
#[pyo3(signature = (path, format=None, compression=None))]
#[allow(clippy::needless_pass_by_value)] // pyo3 hands over owned arguments
pub fn detect_format(
    py: Python<'_>,
    path: PathBuf,
    format: Option<String>,
    compression: Option<String>,
) -> PyResult<(&'static str, &'static str)> {
    let format = format.map(|name| name.parse::<Format>()).transpose()?;
    let compression = compression
        .map(|name| name.parse::<Compression>())
        .transpose()?;
    let (format, compression) =
        py.detach(|| crate::read::format::detect(&path, format, compression))?;
    Ok((format.name(), compression.name()))
}

/// The files a source list stands for, in reading order (directories expanded).
///
/// Raises:
///     FileNotFoundError: A path does not exist, or a directory has no data file.
#[pyfunction]
#[allow(clippy::needless_pass_by_value)] // pyo3 hands over owned arguments
pub fn source_files(py: Python<'_>, paths: Vec<PathBuf>) -> PyResult<Vec<PathBuf>> {
    Ok(py.detach(|| files::source_files(&paths))?)
}
