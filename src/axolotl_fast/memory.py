"""Giving freed heap memory back to the system after a pass that allocated a lot of it.

Tokenizing a dataset allocates and frees hundreds of megabytes of Rust and Arrow buffers in
batches; glibc's allocator keeps much of what was freed in its arenas (one per thread that
allocated), so the process stays that much larger for the rest of the run, through the save
of the prepared dataset, where its peak is. :func:`trim_heap` asks the C library to return
it (``malloc_trim(0)``; measured on 100,000 alpaca rows: about 230 MB of the anonymous
resident set). Where the C library has no ``malloc_trim`` it does nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util

__all__ = ["trim_heap"]


def trim_heap() -> None:
    """Return freed heap memory to the system where the C library can (glibc)."""
    name = ctypes.util.find_library("c")
    if not name:
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(name).malloc_trim(0)
