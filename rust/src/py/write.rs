//! Binding for [`crate::write`]: the `JsonlWriter` behind `axolotl-fast convert` / `dedupe`.

use std::path::PathBuf;

use arrow::pyarrow::PyArrowType;
use arrow::record_batch::RecordBatch;
use pyo3::prelude::*;

use crate::read::Compression;
use crate::write::JsonlWriter;

/// Writes record batches as JSON Lines (plain, gzip or zstd), atomically on ``close()``.
#[pyclass(module = "axolotl_fast._core", name = "JsonlWriter")]
pub struct PyJsonlWriter {
    inner: JsonlWriter,
}

#[pymethods]
#[allow(clippy::needless_pass_by_value)] // pyo3 hands over owned arguments
impl PyJsonlWriter {
    /// Starts ``path`` (written under a temporary name until ``close()``).
    #[new]
    #[pyo3(signature = (path, compression="none"))]
    fn new(path: PathBuf, compression: &str) -> PyResult<Self> {
        let compression = compression.parse::<Compression>()?;
        Ok(PyJsonlWriter {
            inner: JsonlWriter::create(&path, compression)?,
        })
    }

    /// Appends the rows of ``batch`` (a ``pyarrow.RecordBatch``).
    fn write(&mut self, py: Python<'_>, batch: PyArrowType<RecordBatch>) -> PyResult<()> {
        let inner = &mut self.inner;
        Ok(py.detach(|| inner.write(&batch.0))?)
    }

    /// Ends the file and gives it its name.
    fn close(&mut self, py: Python<'_>) -> PyResult<()> {
        let inner = &mut self.inner;
        Ok(py.detach(|| inner.finish())?)
    }
}
