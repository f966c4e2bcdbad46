"""The loader's Arrow cache: what the Rust reader read, in a file that datasets memory-maps.

A ``datasets.Dataset`` over an in-memory table is pickled whole into every worker of
``map(num_proc=...)`` and of ``save_to_disk``'s pool, and ``map`` cannot write its results
next to it. HF's own builders avoid both by writing an Arrow cache file and memory-mapping
it. :func:`mapped_table` does the same with the reader's output: the batches stream into an
Arrow IPC stream file under ``<HF_DATASETS_CACHE>/axolotl_fast/<key>/data.arrow`` (never all
in memory), written to a temporary name and renamed, then memory-mapped as a
``datasets.table.MemoryMappedTable``, which pickles as its path.

The key is a sha256 of the reader format, :data:`CACHE_VERSION` and each file's absolute
path, size and modification time, as HF keys its own cache of local files; a later read of
unchanged files reuses the file without reading them again.

:func:`mapped_tables` writes any other result the same way (the plugin's tokenized rows,
under ``axolotl_fast/tokenized/<key>/``), so it too is memory-mapped rather than held in RAM.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from axolotl_fast.reader import read

if TYPE_CHECKING:
    from datasets.table import MemoryMappedTable

__all__ = [
    "CACHE_VERSION",
    "cache_root",
    "mapped_table",
    "mapped_tables",
    "write_stream",
]

# Bump when the reader could give different rows for the same files.
CACHE_VERSION = "axolotl_fast-arrow-v1"


def cache_root() -> Path:
    """``<HF_DATASETS_CACHE>/axolotl_fast``."""
    import datasets

    return Path(datasets.config.HF_DATASETS_CACHE) / "axolotl_fast"


def mapped_table(
    files: Sequence[str], format: str, columns: Sequence[str] | None = None
) -> MemoryMappedTable:
    """The files read with ``axolotl_fast.read(files, format=, columns=)``, memory-mapped.

    Raises:
        AxolotlFastError, OSError: The reader refused a file (nothing is left in the cache).
    """
    from datasets.table import MemoryMappedTable

    path = cache_root() / files_key(files, format, columns) / "data.arrow"
    if not path.exists():
        _write(files, format, columns, path)
    return MemoryMappedTable.from_file(str(path))


def files_key(files: Sequence[str], format: str, columns: Sequence[str] | None) -> str:
    """A cache key of the files (path, size, mtime), what reads them and which columns."""
    identity = []
    for file in files:
        stat = os.stat(file)
        identity.append([os.path.abspath(file), stat.st_size, stat.st_mtime_ns])
    key: list[Any] = [CACHE_VERSION, format, identity]
    if columns is not None:  # the key of a whole read stays what it was
        key.append(list(columns))
    payload = json.dumps(key)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


def _write(
    files: Sequence[str], format: str, columns: Sequence[str] | None, path: Path
) -> None:
    reader = read(list(files), format=format, columns=columns)
    write_stream(path, reader.schema, reader)


def mapped_tables(
    kind: str, key: str, schema: pa.Schema, tables: Iterable[pa.Table]
) -> MemoryMappedTable:
    """``tables`` written one after another to a cache file and memory-mapped.

    The file is ``<cache_root>/<kind>/<key>/data.arrow``: a file already there is replaced.

    Args:
        kind: The cache's sub-directory (what produced the tables).
        key: The name of this result (the caller's hash of everything that decides it).
        schema: The tables' schema (also the schema of an empty result).
        tables: The rows, in order.
    """
    from datasets.table import MemoryMappedTable

    path = cache_root() / kind / key / "data.arrow"
    batches = (batch for table in tables for batch in table.to_batches())
    write_stream(path, schema, batches)
    return MemoryMappedTable.from_file(str(path))


def write_stream(
    path: Path, schema: pa.Schema, batches: Iterable[pa.RecordBatch]
) -> None:
    """An Arrow IPC stream file of ``batches``: a temporary name, renamed when complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with (
            pa.OSFile(str(temporary), "wb") as sink,
            pa.ipc.new_stream(sink, schema) as writer,
        ):
            for batch in batches:
                writer.write_batch(batch)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
