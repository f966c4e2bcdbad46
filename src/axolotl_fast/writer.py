"""Write record batches to one Parquet or JSON Lines file, whole or not at all.

:class:`Writer` picks the format from the output's suffix: ``.parquet`` (pyarrow's streaming
writer, zstd unless another codec is named), or ``.jsonl`` / ``.ndjson``, optionally
compressed as ``.jsonl.zst`` / ``.jsonl.gz`` (the Rust core's JSON Lines writer). Batches are
written as they come, so outputs larger than memory work. The file is written under a
temporary name and renamed when the writer closes without an error; on an error the partial
file is removed, so an interrupted write leaves nothing behind.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from axolotl_fast import _core
from axolotl_fast.errors import InvalidArgumentError

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["JSONL_SUFFIXES", "PARQUET_CODECS", "Writer"]

# The last suffix of a JSON Lines output, and the compression it means.
JSONL_SUFFIXES = {".jsonl": "none", ".ndjson": "none", ".zst": "zstd", ".gz": "gzip"}
PARQUET_CODECS = ("zstd", "snappy", "gzip", "lz4", "none")


class Writer:
    """A streaming Parquet or JSON Lines writer chosen by the output's suffix.

    Args:
        path: The file to write.
        schema: The schema of every batch.
        compression: The Parquet codec (default zstd); JSON Lines takes it from the suffix.

    Raises:
        InvalidArgumentError: ``path`` has no suffix the writer knows, or ``compression`` is
            given for JSON Lines.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        schema: pa.Schema,
        compression: str | None = None,
    ) -> None:
        self.path = os.fspath(path)
        self._parquet: Any = None
        self._jsonl: Any = None
        self._temp = f"{self.path}.tmp-{os.getpid()}"
        if _is_parquet(self.path):
            self._parquet = _parquet_writer(self._temp, schema, compression)
        elif _is_jsonl(self.path):
            if compression is not None:
                raise InvalidArgumentError.for_value(
                    "compression",
                    "JSON Lines compression comes from the suffix (.jsonl.zst, .jsonl.gz)",
                )
            codec = JSONL_SUFFIXES[Path(self.path).suffix.lower()]
            self._jsonl = _core.JsonlWriter(self.path, codec)
        else:
            raise InvalidArgumentError.for_value(
                "path", f"{self.path}: write .parquet, .jsonl, .jsonl.zst or .jsonl.gz"
            )

    def write(self, batch: pa.RecordBatch) -> None:
        """Append a record batch."""
        if self._parquet is not None:
            self._parquet.write_batch(batch)
        else:
            self._jsonl.write(batch)

    def close(self) -> None:
        """Finish the file and move it into place."""
        if self._parquet is not None:
            self._parquet.close()
            os.replace(self._temp, self.path)
        else:
            self._jsonl.close()

    def abort(self) -> None:
        """Drop what was written: no file is left at ``path``."""
        if self._parquet is not None:
            self._parquet.close()
            os.remove(self._temp)
        # an unclosed JsonlWriter removes its temporary file when collected
        self._jsonl = None

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()


def _is_parquet(path: str) -> bool:
    return Path(path).suffix.lower() == ".parquet"


def _is_jsonl(path: str) -> bool:
    name = Path(path).name.lower()
    suffix = Path(path).suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return True
    return suffix in JSONL_SUFFIXES and name.endswith(
        (".jsonl" + suffix, ".ndjson" + suffix)
    )


def _parquet_writer(path: str, schema: pa.Schema, compression: str | None) -> Any:
    import pyarrow.parquet as pq

    return pq.ParquetWriter(path, schema, compression=compression or "zstd")
