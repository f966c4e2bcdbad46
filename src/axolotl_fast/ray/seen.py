"""The keys of earlier corpora, one :class:`~axolotl_fast.dedupe.HashSet` per key shard.

A row's 16-byte key decides its shard: the key's first 8 bytes, little-endian, modulo the
shard count. The routing is ours, not Ray's hash, so it is the same in every run and a shard's
set can be kept between runs: ``<dir>/shard-00003-of-00064.afs`` holds every key of shard 3
seen so far, and ``<dir>/seen.json`` the shard count and hash (a later run with another
count would route keys elsewhere, so it is refused).

A run never changes the kept sets while it runs: the reducers write the updated sets into
``<dir>/.staging-<run>/``, and :meth:`SeenStore.commit` moves them into place only after the
prepared dataset is complete. A failed or killed run leaves the sets as they were, so the
next run deduplicates against the same keys.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from axolotl_fast.dedupe import DEFAULT_HASH, HashSet
from axolotl_fast.errors import InvalidArgumentError

__all__ = ["SeenStore", "shard_of_keys"]

_META = "seen.json"


def shard_of_keys(keys: pa.Array | pa.ChunkedArray, shards: int) -> np.ndarray:
    """The shard of each 16-byte key: its first 8 bytes (little-endian u64) mod ``shards``."""
    if isinstance(keys, pa.ChunkedArray):
        keys = keys.combine_chunks() if keys.num_chunks else pa.array([], pa.binary(16))
    if len(keys) == 0:
        return np.empty(0, dtype=np.int64)
    buffer = keys.buffers()[1]
    assert buffer is not None
    raw = np.frombuffer(
        buffer, dtype=np.uint8, count=16 * len(keys), offset=16 * keys.offset
    )
    low = raw.reshape(-1, 16)[:, :8].copy().view("<u8").ravel()
    return (low % np.uint64(shards)).astype(np.int64)


@dataclass(frozen=True)
class SeenStore:
    """Where the shard sets of a run are read from and written to.

    Attributes:
        root: The kept sets' directory, or ``None`` for a run that keeps none (every shard
            starts empty and nothing is saved).
        shards: The number of key shards.
        run_id: This run's name, for its staging directory.
    """

    root: str | None
    shards: int
    run_id: str

    def check(self) -> None:
        """Refuse a directory made with another shard count; record the count in a new one.

        Raises:
            InvalidArgumentError: ``seen.json`` names another shard count or hash.
        """
        if self.root is None:
            return
        root = Path(self.root)
        root.mkdir(parents=True, exist_ok=True)
        meta = root / _META
        wanted = {"shards": self.shards, "hash": DEFAULT_HASH}
        if meta.exists():
            found = json.loads(meta.read_text(encoding="utf-8"))
            if found != wanted:
                raise InvalidArgumentError.for_value(
                    "key_shards",
                    f"{self.shards}, but {meta} was made with {found['shards']} shards "
                    f"({found['hash']}); use the same count to dedupe against it",
                )
            return
        meta.write_text(json.dumps(wanted), encoding="utf-8")

    def load(self, shard: int) -> HashSet:
        """The set of ``shard`` as the last complete run left it (empty if none)."""
        if self.root is not None:
            path = Path(self.root) / self._name(shard)
            if path.exists():
                return HashSet.load(path)
        return HashSet(DEFAULT_HASH)

    def stage(self, shard: int, seen: HashSet) -> None:
        """Write ``shard``'s updated set into this run's staging directory."""
        if self.root is None:
            return
        staging = self._staging()
        staging.mkdir(parents=True, exist_ok=True)
        seen.save(staging / self._name(shard))

    def commit(self) -> int:
        """Move this run's staged sets into place; return how many."""
        if self.root is None:
            return 0
        staging = self._staging()
        if not staging.exists():
            return 0
        names = sorted(p.name for p in staging.iterdir())
        for name in names:
            os.replace(staging / name, Path(self.root) / name)
        shutil.rmtree(staging, ignore_errors=True)
        return len(names)

    def discard(self) -> None:
        """Drop this run's staged sets (the run failed)."""
        if self.root is not None:
            shutil.rmtree(self._staging(), ignore_errors=True)

    def _staging(self) -> Path:
        assert self.root is not None
        return Path(self.root) / f".staging-{self.run_id}"

    def _name(self, shard: int) -> str:
        return f"shard-{shard:05d}-of-{self.shards:05d}.afs"
