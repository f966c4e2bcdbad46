"""axolotl_fast: a Rust-backed data pipeline for Axolotl.

The package has three layers, and imports run one way, from the top down:

* :mod:`axolotl_fast.integration`: the Axolotl plugin, :class:`axolotl_fast.FastPlugin`, and
  everything else that imports axolotl (its hooks, config block, data pipeline, collator and
  trainer);
* :mod:`axolotl_fast.hf`: adapters between the library and Hugging Face ``datasets`` (plans of
  dataset entries, ``Dataset`` and ``IterableDataset`` over the reader); never imports axolotl;
* the library, at the top of this package: :func:`read` / :class:`Reader`, :func:`dedupe` /
  :class:`HashSet`, :func:`near_dedupe` (MinHash + LSH), :class:`Encoder` (a tokenizer run
  in Rust), :func:`pack` / :class:`Bins` and the typed errors, on pyarrow and numpy only.

``from axolotl_fast import *`` gives the library. The plugin classes (``FastPlugin``,
``FastCollator``, ``AxolotlFastArgs``, ``AxolotlFastConfig``) are imported lazily on first
use, so the library works where axolotl is not installed.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from axolotl_fast import _core
from axolotl_fast.dedupe import DedupeResult, HashSet, dedupe
from axolotl_fast.encode import Encoder
from axolotl_fast.errors import (
    AxolotlFastError,
    ConfigError,
    CorruptFileError,
    DataFormatError,
    InternalError,
    InvalidArgumentError,
    SequenceTooLongError,
)
from axolotl_fast.near_dedupe import NearDedupeResult, near_dedupe
from axolotl_fast.packing import Bins, pack
from axolotl_fast.reader import Reader, read

if TYPE_CHECKING:
    from axolotl_fast.integration.args import AxolotlFastArgs, AxolotlFastConfig
    from axolotl_fast.integration.collator import FastCollator  # noqa: F401
    from axolotl_fast.integration.plugin import FastPlugin  # noqa: F401

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
    "Encoder",
    "HashSet",
    "InternalError",
    "InvalidArgumentError",
    "NearDedupeResult",
    "Reader",
    "SequenceTooLongError",
    "__version__",
    "build_info",
    "dedupe",
    "near_dedupe",
    "pack",
    "read",
]

# Names of the integration layer, imported on first use. ``FastPlugin`` and ``FastCollator``
# need axolotl, so they stay out of ``__all__``: ``from axolotl_fast import *`` must work
# without it.
_LAZY = {
    "AxolotlFastArgs": "axolotl_fast.integration.args",
    "AxolotlFastConfig": "axolotl_fast.integration.args",
    "FastCollator": "axolotl_fast.integration.collator",
    "FastPlugin": "axolotl_fast.integration.plugin",
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
    return sorted(set(globals()) | set(__all__) | set(_LAZY))
