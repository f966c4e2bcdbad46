"""Type stubs for the Rust extension ``axolotl_fast._core``.

Kept in sync with ``rust/src/py/`` and checked by ``mypy.stubtest`` in the lint step.
"""

from typing import Any, NoReturn

__all__ = [
    "__version__",
    "_after_fork_in_child",
    "_mark_pool_used",
    "_raise_core_error",
    "build_info",
]

__version__: str

def build_info() -> dict[str, Any]:
    """Describe this build of the Rust core."""

def _mark_pool_used() -> None:
    """Record that the thread pool has run, as a parallel kernel does (a test hook)."""

def _after_fork_in_child() -> None:
    """Tell the core it now runs in a forked child."""

def _raise_core_error(kind: str) -> NoReturn:
    """Raise the Python exception that a core error of ``kind`` maps to (a test hook)."""
