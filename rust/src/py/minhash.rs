//! Binding for [`crate::minhash`]: `near_duplicates`, behind `axolotl_fast.near_dedupe`, and
//! its three steps for a distributed run (`minhash_signatures`, `minhash_band_edges`,
//! `cluster_roots`), which the Ray stage runs on separate workers.
//!
//! Columns arrive through the Arrow C data interface; shingling, signatures and clusters run
//! with the GIL released. Signatures travel as a `FixedSizeList<UInt32>` column (null for a
//! row without shingles); rows and roots as `int64` arrays.

use std::sync::Arc;

use arrow::array::{
    Array, ArrayData, ArrowPrimitiveType, AsArray, FixedSizeListArray, GenericListArray,
    Int64Array, OffsetSizeTrait, UInt32Array, make_array,
};
use arrow::buffer::NullBuffer;
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, Int32Type, Int64Type, UInt32Type};
use arrow::pyarrow::{PyArrowType, ToPyArrow};
use pyo3::prelude::*;

use crate::error::{Error, Result};
use crate::minhash::{self, Edge, Params, Rows};

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
        seed,
        ..banding(num_perm, bands, rows_per_band, threshold)
    };
    let threads = super::tokenize::threads(num_threads)?;
    let roots = py.detach(|| -> Result<Vec<usize>> {
        let signatures = signatures_of(array.as_ref(), &params, threads)?;
        minhash::clusters(&signatures, &params, threads)
    })?;
    Ok(Int64Array::from(to_i64(roots))
        .into_data()
        .to_pyarrow(py)?
        .unbind())
}

/// Every row's MinHash signature of ``column``, as a ``FixedSizeList<UInt32>`` of
/// ``num_perm`` values (null for a row without shingles). ``bands``, ``rows_per_band`` and
/// ``threshold`` are only checked, so a bad setting fails before any work.
#[pyfunction]
#[pyo3(
    name = "minhash_signatures",
    signature = (column, ngram, num_perm, bands, rows_per_band, threshold, seed, num_threads=None)
)]
#[allow(clippy::too_many_arguments, clippy::needless_pass_by_value)] // pyo3 arguments
pub fn minhash_signatures_py(
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
        seed,
        ..banding(num_perm, bands, rows_per_band, threshold)
    };
    let threads = super::tokenize::threads(num_threads)?;
    let list = py.detach(|| -> Result<FixedSizeListArray> {
        let signatures = signatures_of(array.as_ref(), &params, threads)?;
        signature_column(&signatures, num_perm)
    })?;
    Ok(list.into_data().to_pyarrow(py)?.unbind())
}

/// The edges of one LSH band among some rows: ``rows`` (``int64``, strictly ascending) and
/// their ``signatures`` (as :func:`minhash_signatures` makes them). Returns ``(earlier,
/// later)`` as two ``int64`` arrays; the same edges as on all rows whenever the rows hold
/// every row of each bucket they touch.
#[pyfunction]
#[pyo3(name = "minhash_band_edges")]
#[allow(clippy::needless_pass_by_value)] // pyo3 arguments
pub fn minhash_band_edges_py(
    py: Python<'_>,
    rows: PyArrowType<ArrayData>,
    signatures: PyArrowType<ArrayData>,
    band: usize,
    rows_per_band: usize,
    threshold: f64,
) -> PyResult<(Py<PyAny>, Py<PyAny>)> {
    let rows = make_array(rows.0);
    let signatures = make_array(signatures.0);
    let edges = py.detach(|| -> Result<Vec<Edge>> {
        let rows = ascending_rows(rows.as_ref())?;
        let (width, values, nulls) = signature_values(signatures.as_ref(), rows.len())?;
        let params = banding(width, band.saturating_add(1), rows_per_band, threshold);
        params.check()?;
        let rows: Vec<(usize, &[u32])> = rows
            .iter()
            .enumerate()
            .filter(|&(i, _)| nulls.as_ref().is_none_or(|n| n.is_valid(i)))
            .map(|(i, &row)| (row, &values[i * width..(i + 1) * width]))
            .collect();
        Ok(minhash::band_edges(&rows, band, &params))
    })?;
    let (earlier, later): (Vec<usize>, Vec<usize>) = edges.into_iter().unzip();
    Ok((
        Int64Array::from(to_i64(earlier))
            .into_data()
            .to_pyarrow(py)?
            .unbind(),
        Int64Array::from(to_i64(later))
            .into_data()
            .to_pyarrow(py)?
            .unbind(),
    ))
}

/// Each row's cluster root from signatures made by :func:`minhash_signatures` (null: no
/// shingles), as :func:`near_duplicates` finds it from the column; an ``int64`` array.
#[pyfunction]
#[pyo3(
    name = "minhash_clusters",
    signature = (signatures, bands, rows_per_band, threshold, num_threads=None)
)]
#[allow(clippy::needless_pass_by_value)] // pyo3 arguments
pub fn minhash_clusters_py(
    py: Python<'_>,
    signatures: PyArrowType<ArrayData>,
    bands: usize,
    rows_per_band: usize,
    threshold: f64,
    num_threads: Option<usize>,
) -> PyResult<Py<PyAny>> {
    let signatures = make_array(signatures.0);
    let threads = super::tokenize::threads(num_threads)?;
    let roots = py.detach(|| -> Result<Vec<usize>> {
        let len = signatures.len();
        let (width, values, nulls) = signature_values(signatures.as_ref(), len)?;
        let params = banding(width, bands, rows_per_band, threshold);
        params.check()?;
        let rows: Vec<Option<Vec<u32>>> = (0..len)
            .map(|i| {
                let valid = nulls.as_ref().is_none_or(|n| n.is_valid(i));
                valid.then(|| values[i * width..(i + 1) * width].to_vec())
            })
            .collect();
        minhash::clusters(&rows, &params, threads)
    })?;
    Ok(Int64Array::from(to_i64(roots))
        .into_data()
        .to_pyarrow(py)?
        .unbind())
}

/// For rows ``0..num_rows``, the lowest row each is joined to by the edges
/// ``(earlier[i], later[i])`` (itself when none), as an ``int64`` array.
#[pyfunction]
#[pyo3(name = "cluster_roots")]
#[allow(clippy::needless_pass_by_value)] // pyo3 arguments
pub fn cluster_roots_py(
    py: Python<'_>,
    num_rows: usize,
    earlier: PyArrowType<ArrayData>,
    later: PyArrowType<ArrayData>,
) -> PyResult<Py<PyAny>> {
    let (earlier, later) = (make_array(earlier.0), make_array(later.0));
    let roots = py.detach(|| -> Result<Vec<usize>> {
        let earlier = edge_ends(earlier.as_ref(), "earlier", num_rows)?;
        let later = edge_ends(later.as_ref(), "later", num_rows)?;
        if earlier.len() != later.len() {
            return Err(Error::invalid_argument(
                "later",
                format!("{} values for {} in earlier", later.len(), earlier.len()),
            ));
        }
        let edges: Vec<Edge> = earlier.into_iter().zip(later).collect();
        Ok(minhash::roots_of_edges(num_rows, &edges))
    })?;
    Ok(Int64Array::from(to_i64(roots))
        .into_data()
        .to_pyarrow(py)?
        .unbind())
}

/// The parameters of the banding steps, which never shingle (`ngram` 1, `seed` 0).
fn banding(num_perm: usize, bands: usize, rows_per_band: usize, threshold: f64) -> Params {
    Params {
        ngram: 1,
        num_perm,
        bands,
        rows_per_band,
        threshold,
        seed: 0,
    }
}

fn signatures_of(
    array: &dyn Array,
    params: &Params,
    threads: usize,
) -> Result<Vec<Option<Vec<u32>>>> {
    match array.data_type() {
        DataType::Utf8 => {
            let texts: Vec<Option<&str>> = array.as_string::<i32>().iter().collect();
            minhash::signatures(Rows::Texts(&texts), params, threads)
        }
        DataType::LargeUtf8 => {
            let texts: Vec<Option<&str>> = array.as_string::<i64>().iter().collect();
            minhash::signatures(Rows::Texts(&texts), params, threads)
        }
        DataType::List(_) => id_signatures(array.as_list::<i32>(), params, threads),
        DataType::LargeList(_) => id_signatures(array.as_list::<i64>(), params, threads),
        other => Err(Error::invalid_argument(
            "column",
            format!("expected a string column or lists of token ids, got {other}"),
        )),
    }
}

fn signature_column(
    signatures: &[Option<Vec<u32>>],
    num_perm: usize,
) -> Result<FixedSizeListArray> {
    let mut values = Vec::with_capacity(signatures.len() * num_perm);
    for signature in signatures {
        match signature {
            Some(signature) => values.extend_from_slice(signature),
            None => values.extend(std::iter::repeat_n(0, num_perm)),
        }
    }
    let valid: Vec<bool> = signatures.iter().map(Option::is_some).collect();
    let size = i32::try_from(num_perm)
        .map_err(|_| Error::invalid_argument("num_perm", "must fit in an i32"))?;
    let field = Arc::new(Field::new_list_field(DataType::UInt32, true));
    FixedSizeListArray::try_new(
        field,
        size,
        Arc::new(UInt32Array::from(values)),
        Some(NullBuffer::from(valid)),
    )
    .map_err(|err| Error::invalid_argument("signatures", err.to_string()))
}

/// The width, the flat values and the row validity of a signature column of `len` rows.
fn signature_values(
    array: &dyn Array,
    len: usize,
) -> Result<(usize, Vec<u32>, Option<NullBuffer>)> {
    let bad = |reason: String| Error::invalid_argument("signatures", reason);
    let Some(list) = array.as_fixed_size_list_opt() else {
        return Err(bad(format!(
            "expected FixedSizeList<UInt32>, got {}",
            array.data_type()
        )));
    };
    if list.len() != len {
        return Err(bad(format!("{} signatures for {len} rows", list.len())));
    }
    let width = usize::try_from(list.value_length()).unwrap_or(0);
    let (start, count) = (list.offset() * width, len * width);
    if list.values().len() < start + count {
        return Err(bad(format!(
            "{} values for {len} rows of {width}",
            list.values().len()
        )));
    }
    let values = list.values().slice(start, count);
    let Some(values) = values.as_primitive_opt::<UInt32Type>() else {
        return Err(bad(format!(
            "values must be UInt32, got {}",
            values.data_type()
        )));
    };
    Ok((width, values.values().to_vec(), list.nulls().cloned()))
}

/// Row numbers, non-negative and strictly ascending.
fn ascending_rows(array: &dyn Array) -> Result<Vec<usize>> {
    let rows = edge_ends(array, "rows", usize::MAX)?;
    if let Some(at) = rows.windows(2).position(|pair| pair[0] >= pair[1]) {
        return Err(Error::invalid_argument(
            "rows",
            format!(
                "must be strictly ascending; {} follows {}",
                rows[at + 1],
                rows[at]
            ),
        ));
    }
    Ok(rows)
}

/// Row numbers of an `int64` array, each in `0..limit`.
fn edge_ends(array: &dyn Array, name: &str, limit: usize) -> Result<Vec<usize>> {
    let Some(values) = array.as_primitive_opt::<Int64Type>() else {
        return Err(Error::invalid_argument(
            name,
            format!("expected int64, got {}", array.data_type()),
        ));
    };
    if values.null_count() > 0 {
        return Err(Error::invalid_argument(name, "has nulls"));
    }
    values
        .values()
        .iter()
        .map(|&row| {
            usize::try_from(row)
                .ok()
                .filter(|&row| row < limit)
                .ok_or_else(|| Error::invalid_argument(name, format!("row {row} is out of range")))
        })
        .collect()
}

fn to_i64(rows: Vec<usize>) -> Vec<i64> {
    rows.into_iter()
        .map(|row| i64::try_from(row).unwrap_or(i64::MAX))
        .collect()
}

/// The signatures of lists of token ids: 32- and 64-bit ids are read in place, other
/// integer widths are cast to 64 bits first.
fn id_signatures<O: OffsetSizeTrait>(
    lists: &GenericListArray<O>,
    params: &Params,
    threads: usize,
) -> Result<Vec<Option<Vec<u32>>>> {
    match lists.values().data_type() {
        DataType::Int32 => {
            let ids = row_slices::<O, Int32Type>(lists)?;
            minhash::signatures(Rows::Ids32(&ids), params, threads)
        }
        DataType::Int64 => {
            let ids = row_slices::<O, Int64Type>(lists)?;
            minhash::signatures(Rows::Ids64(&ids), params, threads)
        }
        _ => {
            let target =
                DataType::LargeList(Arc::new(Field::new_list_field(DataType::Int64, true)));
            let wide = cast(lists, &target).map_err(|err| {
                Error::invalid_argument("column", format!("token ids must be integers: {err}"))
            })?;
            let ids = row_slices::<i64, Int64Type>(wide.as_list::<i64>())?;
            minhash::signatures(Rows::Ids64(&ids), params, threads)
        }
    }
}

/// Each row's ids, borrowed from the list's values (`None` for a null row).
fn row_slices<O: OffsetSizeTrait, T: ArrowPrimitiveType>(
    lists: &GenericListArray<O>,
) -> Result<Vec<Option<&[T::Native]>>> {
    let Some(values) = lists.values().as_primitive_opt::<T>() else {
        return Err(Error::invalid_argument(
            "column",
            "token ids must be integers",
        ));
    };
    let offsets = lists.value_offsets();
    let mut rows = Vec::with_capacity(lists.len());
    for row in 0..lists.len() {
        if lists.is_null(row) {
            rows.push(None);
            continue;
        }
        let (start, end) = (offsets[row].as_usize(), offsets[row + 1].as_usize());
        if values.null_count() > 0 && (start..end).any(|i| values.is_null(i)) {
            return Err(Error::invalid_argument(
                "column",
                format!("row {row} has a null token id"),
            ));
        }
        let ids = values.values().get(start..end).ok_or_else(|| {
            Error::invalid_argument("column", format!("row {row}'s offsets are out of range"))
        })?;
        rows.push(Some(ids));
    }
    Ok(rows)
}
