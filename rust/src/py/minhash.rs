//! Binding for [`crate::minhash`]: `near_duplicates`, behind `axolotl_fast.near_dedupe`.
//!
//! The column arrives through the Arrow C data interface; shingling, signatures and the
//! clusters run with the GIL released. The result is every row's cluster root (the lowest
//! row of its cluster) as a pyarrow `int64` array.

use std::sync::Arc;

use arrow::array::{Array, ArrayData, AsArray, Int64Array, make_array};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, Int64Type};
use arrow::pyarrow::{PyArrowType, ToPyArrow};
use pyo3::prelude::*;

use crate::error::{Error, Result};
use crate::minhash::{self, Params, Rows};

/// For each row of ``column`` (text, or lists of token ids), the lowest row of its cluster
/// of near-duplicates, as a pyarrow ``int64`` array.
#[pyfunction]
#[pyo3(
    name = "near_duplicates",
    signature = (column, ngram, num_perm, bands, rows_per_band, threshold, seed, num_threads=None)
)]
#[allow(clippy::too_many_arguments, clippy::needless_pass_by_value)] // pyo3 arguments
pub fn near_duplicates_py(
    py: Python<'_>,
    column: PyArrowType<ArrayData>,
    ngram: usize,
    num_perm: usize,
    bands: usize,
    rows_per_band: usize,
    threshold: f64,
    seed: u64,
    num_threads: Option<usize>,
) -> PyResult<Py<PyAny>> {
    let array = make_array(column.0);
    let params = Params {
        ngram,
        num_perm,
        bands,
        rows_per_band,
        threshold,
        seed,
    };
    let threads = super::tokenize::threads(num_threads)?;
    let roots = py.detach(|| roots_of(array.as_ref(), &params, threads))?;
    Ok(Int64Array::from(roots).into_data().to_pyarrow(py)?.unbind())
}

fn roots_of(array: &dyn Array, params: &Params, threads: usize) -> Result<Vec<i64>> {
    let roots = match array.data_type() {
        DataType::Utf8 => {
            let texts: Vec<Option<&str>> = array.as_string::<i32>().iter().collect();
            minhash::near_duplicates(Rows::Texts(&texts), params, threads)?
        }
        DataType::LargeUtf8 => {
            let texts: Vec<Option<&str>> = array.as_string::<i64>().iter().collect();
            minhash::near_duplicates(Rows::Texts(&texts), params, threads)?
        }
        DataType::List(_) | DataType::LargeList(_) => {
            let ids = id_lists(array)?;
            minhash::near_duplicates(Rows::Ids(&ids), params, threads)?
        }
        other => {
            return Err(Error::invalid_argument(
                "column",
                format!("expected a string column or lists of token ids, got {other}"),
            ));
        }
    };
    Ok(roots
        .into_iter()
        .map(|root| i64::try_from(root).unwrap_or(i64::MAX))
        .collect())
}

/// Each row's token ids as `i64`s (`None` for a null row).
fn id_lists(array: &dyn Array) -> Result<Vec<Option<Vec<i64>>>> {
    let target = DataType::LargeList(Arc::new(Field::new_list_field(DataType::Int64, true)));
    let lists = cast(array, &target).map_err(|err| {
        Error::invalid_argument("column", format!("token ids must be integers: {err}"))
    })?;
    let lists = lists.as_list::<i64>();
    let mut rows = Vec::with_capacity(lists.len());
    for row in 0..lists.len() {
        if lists.is_null(row) {
            rows.push(None);
            continue;
        }
        let values = lists.value(row);
        let ids = values.as_primitive::<Int64Type>();
        if ids.null_count() > 0 {
            return Err(Error::invalid_argument(
                "column",
                format!("row {row} has a null token id"),
            ));
        }
        rows.push(Some(ids.values().to_vec()));
    }
    Ok(rows)
}
