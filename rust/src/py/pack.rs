//! Binding for [`crate::pack`]: the `pack` function behind `axolotl_fast.pack`.
//!
//! Lengths (and an order) arrive as Arrow arrays through the C data interface, without a
//! copy; reading them and packing run with the GIL released. The layout goes back as pyarrow
//! `int64` arrays that own the Rust buffers (numpy views them without a copy).

use arrow::array::{Array, ArrayData, ArrayRef, Int64Array, make_array};
use arrow::pyarrow::{PyArrowType, ToPyArrow};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::error::Error;
use crate::pack::{Bins, Oversize, PackOptions, Strategy, input};

/// Pack samples by token length (see ``axolotl_fast.pack``).
///
/// Args:
///     lengths: The token length of every sample, as pyarrow integer arrays (chunks).
///     max_length: Tokens per bin.
///     strategy: ``"bfd"``, ``"ffd"``, ``"first_fit"`` or ``"sequential"``.
///     max_per_bin: At most this many entries per bin (no limit when ``None``).
///     seed: Seeds the bin shuffle of ``"bfd"`` and ``"ffd"``.
///     oversize: ``"raise"``, ``"drop"``, ``"truncate"`` or ``"split"``.
///     order: Optional pyarrow integer arrays: the order samples are fed in, a permutation.
///     group_size: Samples per independent group of ``"first_fit"``.
///
/// Returns:
///     A dict of pyarrow ``int64`` arrays ``offsets``, ``samples``, ``starts``, ``lengths``,
///     ``bin_of`` and the ints ``packed_tokens``, ``lower_bound``, ``dropped``,
///     ``truncated``, ``split``.
#[pyfunction]
#[pyo3(signature = (
    lengths, max_length, strategy="bfd", max_per_bin=None, seed=0, oversize="raise",
    order=None, group_size=100_000,
))]
#[allow(clippy::too_many_arguments, clippy::needless_pass_by_value)] // Python's keywords
pub fn pack<'py>(
    py: Python<'py>,
    lengths: Vec<PyArrowType<ArrayData>>,
    max_length: u64,
    strategy: &str,
    max_per_bin: Option<usize>,
    seed: u64,
    oversize: &str,
    order: Option<Vec<PyArrowType<ArrayData>>>,
    group_size: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let options = PackOptions {
        max_length,
        strategy: strategy.parse::<Strategy>()?,
        max_per_bin,
        seed,
        oversize: oversize.parse::<Oversize>()?,
        group_size,
    };
    let lengths = arrays(lengths);
    let order = order.map(arrays);
    let bins = py.detach(|| -> Result<Bins, Error> {
        let lengths = input::non_negative(&lengths, "lengths")?;
        let order = match order {
            Some(order) => Some(input::indices(
                input::non_negative(&order, "order")?,
                "order",
            )?),
            None => None,
        };
        crate::pack::pack(&lengths, order.as_deref(), &options)
    })?;
    to_dict(py, bins)
}

fn arrays(chunks: Vec<PyArrowType<ArrayData>>) -> Vec<ArrayRef> {
    chunks
        .into_iter()
        .map(|chunk| make_array(chunk.0))
        .collect()
}

fn to_dict(py: Python<'_>, bins: Bins) -> PyResult<Bound<'_, PyDict>> {
    let out = PyDict::new(py);
    out.set_item("packed_tokens", bins.packed_tokens)?;
    out.set_item("lower_bound", bins.lower_bound())?;
    out.set_item("dropped", bins.dropped)?;
    out.set_item("truncated", bins.truncated)?;
    out.set_item("split", bins.split)?;
    let Bins {
        offsets,
        samples,
        starts,
        lengths,
        bin_of,
        ..
    } = bins;
    for (name, values) in [
        ("offsets", offsets),
        ("samples", samples),
        ("starts", starts),
        ("lengths", lengths),
        ("bin_of", bin_of),
    ] {
        let array = Int64Array::from(values).into_data().to_pyarrow(py)?;
        out.set_item(name, array)?;
    }
    Ok(out)
}
