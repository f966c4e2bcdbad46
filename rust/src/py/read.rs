//! Binding for [`crate::read`]: the `Reader` class behind `axolotl_fast.read`.

use std::path::PathBuf;
use std::sync::Mutex;

use arrow::datatypes::SchemaRef;
use arrow::pyarrow::{IntoPyArrow, ToPyArrow};
use arrow::record_batch::RecordBatchReader;
use pyo3::prelude::*;

use crate::error::Error;
use crate::read::{self, ArrowStream, BatchReader, Format, ReadOptions};

/// A stream of ``pyarrow.RecordBatch`` over local files; use ``axolotl_fast.read``.
#[pyclass(module = "axolotl_fast._core", name = "Reader")]
pub struct PyReader {
    /// `None` once the stream has been handed to pyarrow.
    inner: Mutex<Option<BatchReader>>,
    schema: SchemaRef,
}

/// Reading from a reader whose stream went to pyarrow would silently give nothing.
fn handed_off() -> Error {
    Error::invalid_argument(
        "reader",
        "this reader's stream was already handed to another consumer (pa.table, polars, ...)",
    )
}

impl PyReader {
    fn take(&self) -> PyResult<BatchReader> {
        let mut guard = self
            .inner
            .lock()
            .map_err(|_| Error::Internal("the reader's lock is poisoned".into()))?;
        Ok(guard.take().ok_or_else(handed_off)?)
    }
}

#[pymethods]
impl PyReader {
    /// The ``pyarrow.Schema`` of every batch.
    #[getter]
    fn schema<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.schema.as_ref().to_pyarrow(py)
    }

    /// The next ``pyarrow.RecordBatch``, or ``None`` at the end. Runs without the GIL.
    fn next_batch<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let next = py.detach(|| {
            let mut guard = self
                .inner
                .lock()
                .map_err(|_| Error::Internal("the reader's lock is poisoned".into()))?;
            match guard.as_mut() {
                Some(reader) => reader.next_batch(),
                None => Err(handed_off()),
            }
        })?;
        next.map(|batch| batch.to_pyarrow(py)).transpose()
    }

    /// Hand the rest of the stream to a ``pyarrow.RecordBatchReader`` (zero-copy, single use).
    fn to_pyarrow_reader<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let stream: Box<dyn RecordBatchReader + Send> = Box::new(ArrowStream(self.take()?));
        stream.into_pyarrow(py)
    }
}

/// Open local files for streaming (see ``axolotl_fast.read`` for the full description).
///
/// Args:
///     paths: Files and directories, read in this order (directories sorted).
///     batch_size: Rows per batch; the last batch may be shorter.
///     columns: Columns to keep, in this order; ``None`` keeps all in file order.
///     format: ``"parquet"``, ``"arrow_file"`` or ``"arrow_stream"``; ``None`` detects it.
///
/// Raises:
///     FileNotFoundError, PermissionError: A path cannot be opened.
///     DataFormatError: A file is not valid for its format.
///     InvalidArgumentError: An argument is out of range or names a missing column.
#[pyfunction]
#[pyo3(signature = (paths, batch_size, columns=None, format=None))]
#[allow(clippy::needless_pass_by_value)] // pyo3 hands over owned arguments
pub fn open_reader(
    py: Python<'_>,
    paths: Vec<PathBuf>,
    batch_size: usize,
    columns: Option<Vec<String>>,
    format: Option<String>,
) -> PyResult<PyReader> {
    let format = format.map(|name| name.parse::<Format>()).transpose()?;
    let options = ReadOptions {
        batch_size,
        columns,
        format,
    };
    let reader = py.detach(|| read::open(&paths, options))?;
    Ok(PyReader {
        schema: reader.schema(),
        inner: Mutex::new(Some(reader)),
    })
}
