//! Binding for [`crate::build_info`].

use pyo3::prelude::*;
use pyo3::types::PyDict;

/// Describe this build of the Rust core.
///
/// Returns:
///     A dict with ``version`` (str), ``features`` (list of compiled-in capabilities),
///     ``num_threads`` (worker threads in this process), ``parallelism_enabled`` (False in a
///     child forked after the thread pool ran), ``profile`` ("release" or "debug") and
///     ``target`` ("arch-os").
///
/// Raises:
///     InvalidArgumentError: ``AXOLOTL_FAST_NUM_THREADS`` is not a positive integer.
#[pyfunction]
pub fn build_info(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let info = py.detach(crate::build_info::build_info)?;
    let dict = PyDict::new(py);
    dict.set_item("version", info.version)?;
    dict.set_item("features", info.features)?;
    dict.set_item("num_threads", info.num_threads)?;
    dict.set_item("parallelism_enabled", info.parallelism_enabled)?;
    dict.set_item("profile", info.profile)?;
    dict.set_item("target", info.target)?;
    Ok(dict)
}
