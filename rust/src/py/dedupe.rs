//! Binding for [`crate::dedupe`]: the `HashSet` class behind `axolotl_fast.HashSet` and
//! `axolotl_fast.dedupe`.
//!
//! Batches arrive through the Arrow C data interface (no copy); hashing and insertion run with
//! the GIL released. Kept indices go back as a pyarrow `int64` array, which numpy views
//! without a copy.

use std::path::PathBuf;

use arrow::array::{
    Array, ArrayData, BooleanArray, FixedSizeBinaryArray, FixedSizeBinaryBuilder, Int64Array,
    RecordBatch, UInt64Array,
};
use arrow::pyarrow::{PyArrowType, ToPyArrow};
use pyo3::prelude::*;

use crate::dedupe::{self, HashKind, HashSet};
use crate::error::Error;

/// A set of row keys; use ``axolotl_fast.HashSet``.
#[pyclass(module = "axolotl_fast._core", name = "HashSet", skip_from_py_object)]
#[derive(Clone)]
pub struct PyHashSet {
    seen: HashSet,
}

#[pymethods]
#[allow(clippy::needless_pass_by_value)] // pyo3 hands over owned arguments
impl PyHashSet {
    /// An empty set for keys made with ``hash`` (``"xxh3_128"`` or ``"sha256"``).
    #[new]
    fn new(hash: &str) -> PyResult<Self> {
        Ok(PyHashSet {
            seen: HashSet::new(hash.parse::<HashKind>()?),
        })
    }

    /// The hash of the keys.
    #[getter]
    fn hash(&self) -> &'static str {
        self.seen.kind().name()
    }

    /// The memory the set holds, in bytes.
    #[getter]
    fn nbytes(&self) -> usize {
        self.seen.keys().nbytes()
    }

    fn __len__(&self) -> usize {
        self.seen.keys().len()
    }

    /// Whether the 16-byte key ``key`` is in the set.
    fn contains_key(&self, key: &[u8]) -> PyResult<bool> {
        let key: [u8; 16] = key.try_into().map_err(|_| {
            Error::invalid_argument("key", format!("expected 16 bytes, got {}", key.len()))
        })?;
        Ok(self.seen.keys().contains(u128::from_le_bytes(key)))
    }

    /// Whether each row of ``batches`` is in the set, as a pyarrow bool array.
    #[pyo3(signature = (batches, columns=None, num_threads=None))]
    fn contains_rows(
        &self,
        py: Python<'_>,
        batches: Vec<PyArrowType<RecordBatch>>,
        columns: Option<Vec<String>>,
        num_threads: Option<usize>,
    ) -> PyResult<Py<PyAny>> {
        let batches: Vec<RecordBatch> = batches.into_iter().map(|b| b.0).collect();
        let kind = self.seen.kind();
        let threads = threads(num_threads)?;
        let keys = py.detach(|| dedupe::row_keys(&batches, columns.as_deref(), kind, threads))?;
        let found: BooleanArray = keys
            .iter()
            .map(|&k| Some(self.seen.keys().contains(k)))
            .collect();
        Ok(found.into_data().to_pyarrow(py)?.unbind())
    }

    /// Adds the rows of ``batches`` and returns the indices of those not seen before.
    ///
    /// Args:
    ///     batches: The rows, as pyarrow record batches with the same columns.
    ///     columns: The columns to hash, in order (all when ``None``).
    ///     order: An optional ``uint64`` pyarrow array: position ``j`` stands for row
    ///         ``order[j]`` of the batches (an HF indices mapping).
    ///     first_index: Added to every returned index.
    ///     num_threads: Hashing threads (the pool size when ``None``).
    ///
    /// Returns:
    ///     A pyarrow ``int64`` array of kept indices, ascending.
    #[pyo3(signature = (batches, columns=None, order=None, first_index=0, num_threads=None))]
    fn insert_new(
        &mut self,
        py: Python<'_>,
        batches: Vec<PyArrowType<RecordBatch>>,
        columns: Option<Vec<String>>,
        order: Option<PyArrowType<ArrayData>>,
        first_index: i64,
        num_threads: Option<usize>,
    ) -> PyResult<Py<PyAny>> {
        let batches: Vec<RecordBatch> = batches.into_iter().map(|b| b.0).collect();
        let order = order.map(|o| order_array(o.0)).transpose()?;
        let threads = threads(num_threads)?;
        let seen = &mut self.seen;
        let kept = py.detach(|| -> Result<Vec<i64>, Error> {
            let keys = dedupe::row_keys(&batches, columns.as_deref(), seen.kind(), threads)?;
            seen.insert_new(
                &keys,
                order.as_ref().map(|o| o.values().as_ref()),
                first_index,
            )
        })?;
        Ok(Int64Array::from(kept).into_data().to_pyarrow(py)?.unbind())
    }

    /// Adds 16-byte keys (as ``row_keys`` gives them) in order and returns the positions of
    /// those not seen before, plus ``first_index``, as a pyarrow ``int64`` array.
    ///
    /// Args:
    ///     keys: A pyarrow ``fixed_size_binary(16)`` array without nulls.
    ///     first_index: Added to every returned position.
    #[pyo3(signature = (keys, first_index=0))]
    fn insert_new_keys(
        &mut self,
        py: Python<'_>,
        keys: PyArrowType<ArrayData>,
        first_index: i64,
    ) -> PyResult<Py<PyAny>> {
        let keys = key_values(keys.0)?;
        let seen = &mut self.seen;
        let kept = py.detach(|| seen.insert_new(&keys, None, first_index))?;
        Ok(Int64Array::from(kept).into_data().to_pyarrow(py)?.unbind())
    }

    /// Writes the set to ``path`` (atomically).
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        Ok(py.detach(|| self.seen.save(&path))?)
    }

    /// Reads a set written by ``save``.
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let seen = py.detach(|| HashSet::load(&path))?;
        Ok(PyHashSet { seen })
    }

    /// An independent copy of the set.
    fn copy(&self) -> Self {
        self.clone()
    }
}

/// The keys of a ``fixed_size_binary(16)`` array, read little-endian as ``row_keys`` wrote them.
fn key_values(data: ArrayData) -> Result<Vec<u128>, Error> {
    let wanted = arrow::datatypes::DataType::FixedSizeBinary(16);
    if data.null_count() > 0 || data.data_type() != &wanted {
        return Err(Error::invalid_argument(
            "keys",
            format!(
                "expected a fixed_size_binary(16) array without nulls, got {}",
                data.data_type()
            ),
        ));
    }
    let keys = FixedSizeBinaryArray::from(data);
    Ok(keys
        .iter()
        .flatten()
        .map(|bytes| {
            let mut key = [0u8; 16];
            key.copy_from_slice(bytes);
            u128::from_le_bytes(key)
        })
        .collect())
}

fn order_array(data: ArrayData) -> Result<UInt64Array, Error> {
    if data.null_count() > 0 || data.data_type() != &arrow::datatypes::DataType::UInt64 {
        return Err(Error::invalid_argument(
            "order",
            format!(
                "expected a uint64 array without nulls, got {}",
                data.data_type()
            ),
        ));
    }
    Ok(UInt64Array::from(data))
}

/// The 16-byte key of every row of ``batches``, in order, as a pyarrow
/// ``fixed_size_binary(16)`` array: the key a ``HashSet`` made with ``hash`` holds for the row
/// (its 128 bits little-endian, as ``HashSet.contains_key`` takes them).
#[pyfunction]
#[pyo3(name = "row_keys", signature = (batches, columns=None, hash="xxh3_128", num_threads=None))]
#[allow(clippy::needless_pass_by_value)] // pyo3 hands over owned arguments
pub fn row_keys_py(
    py: Python<'_>,
    batches: Vec<PyArrowType<RecordBatch>>,
    columns: Option<Vec<String>>,
    hash: &str,
    num_threads: Option<usize>,
) -> PyResult<Py<PyAny>> {
    let batches: Vec<RecordBatch> = batches.into_iter().map(|b| b.0).collect();
    let kind = hash.parse::<HashKind>()?;
    let threads = threads(num_threads)?;
    let keys = py.detach(|| dedupe::row_keys(&batches, columns.as_deref(), kind, threads))?;
    let mut column = FixedSizeBinaryBuilder::with_capacity(keys.len(), 16);
    for key in keys {
        column
            .append_value(key.to_le_bytes())
            .map_err(|err| Error::Internal(format!("a 16-byte key column: {err}")))?;
    }
    Ok(column.finish().into_data().to_pyarrow(py)?.unbind())
}

fn threads(requested: Option<usize>) -> Result<usize, Error> {
    match requested {
        Some(0) => Err(Error::invalid_argument("num_threads", "must be at least 1")),
        Some(n) => Ok(n),
        None => crate::parallel::num_threads(),
    }
}
