"""axolotl_fast: a Rust-backed data pipeline for Axolotl.

The core library (this package without axolotl) reads, deduplicates, packs and collates
training data. The Axolotl plugin, :class:`axolotl_fast.FastPlugin`, wires it into
``axolotl train`` through Axolotl's official plugin hooks; it is imported lazily, so the core
works where axolotl is not installed.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from axolotl_fast import _core
from axolotl_fast.dedupe import DedupeResult, HashSet, dedupe
from axolotl_fast.errors import (
    AxolotlFastError,
    ConfigError,
    CorruptFileError,
    DataFormatError,
    InternalError,
    InvalidArgumentError,
    SequenceTooLongError,
)
from axolotl_fast.packing import Bins, pack
from axolotl_fast.reader import Reader, read

if TYPE_CHECKING:
    from axolotl_fast.args import AxolotlFastArgs, AxolotlFastConfig
    from axolotl_fast.collator import FastCollator
    from axolotl_fast.plugin import FastPlugin

__version__: str = _core.__version__

__all__ = [
    "AxolotlFastArgs",
    "AxolotlFastConfig",
    "AxolotlFastError",
    "Bins",
    "ConfigError",
    "CorruptFileError",
    "DataFormatError",
    "DedupeResult",
    "FastCollator",
    "FastPlugin",
    "HashSet",
    "InternalError",
    "InvalidArgumentError",
    "Reader",
    "SequenceTooLongError",
    "__version__",
    "build_info",
    "dedupe",
    "pack",
    "read",
]

_LAZY = {
    "AxolotlFastArgs": "axolotl_fast.args",
    "AxolotlFastConfig": "axolotl_fast.args",
    "FastCollator": "axolotl_fast.collator",
    "FastPlugin": "axolotl_fast.plugin",
}

# A child forked (by datasets.map(num_proc>1), a DataLoader worker, ...) must not wait on
# Rust pool threads that did not survive the fork.
os.register_at_fork(after_in_child=_core._after_fork_in_child)


def build_info() -> dict[str, Any]:
    """Describe the Rust core this package runs on.

    Returns:
        A dict with ``version``, ``features``, ``num_threads``, ``parallelism_enabled``,
        ``profile`` and ``target``; see ``axolotl_fast._core.build_info``.
    """
    return _core.build_info()


def __getattr__(name: str) -> Any:
    """Import the plugin classes on first use, so the core works without axolotl."""
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'axolotl_fast' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
