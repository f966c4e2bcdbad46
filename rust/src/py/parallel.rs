//! Binding for [`crate::parallel`]: the fork hook.

use pyo3::prelude::*;

/// Tell the core it now runs in a forked child (registered with ``os.register_at_fork``).
///
/// If the parent had started the thread pool, the child runs every kernel on its calling
/// thread instead of waiting on pool threads that did not survive the fork.
#[pyfunction]
pub fn _after_fork_in_child() {
    crate::parallel::mark_forked();
}
