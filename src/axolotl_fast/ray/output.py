"""The prepared dataset on disk, as ``Dataset.save_to_disk`` lays it out, written by many tasks.

Axolotl loads a prepared dataset with ``load_from_disk(<dataset_prepared_path>/<hash>)``:
Arrow IPC stream shards, ``dataset_info.json`` (the features) and ``state.json``, whose
``_data_files`` lists the shards in order. ``state.json`` is the manifest, and it is written
last:

1. every write task writes its shard under a temporary name in a staging directory
   (``<prepared>/.<hash>.ray-<run>/``) and renames it to its final name, so a retried task
   replaces its own shard whole;
2. the driver writes ``dataset_info.json`` then ``state.json``;
3. the staging directory is renamed to ``<prepared>/<hash>``.

A job killed before step 3 leaves no ``<prepared>/<hash>``: ``axolotl train`` does not find a
prepared dataset, and the next ``prepare`` writes it again (removing the old staging).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

__all__ = ["OutputDir", "ShardWritten", "hf_features"]


@dataclass(frozen=True)
class ShardWritten:
    """One written shard: its number, file name, rows, bytes and features (as a dict)."""

    shard: int
    filename: str
    rows: int
    nbytes: int
    features: dict


def hf_features(table: pa.Table) -> Any:
    """The ``datasets.Features`` of ``table``'s columns (from its HF metadata where present)."""
    from datasets import Features

    known = Features.from_arrow_schema(table.schema)
    return Features({name: known[name] for name in table.column_names})


@dataclass(frozen=True)
class OutputDir:
    """The prepared dataset of one split, and where it is staged while it is written.

    Attributes:
        final: ``<dataset_prepared_path>/<hash>``, where axolotl loads it.
        run_id: This run's name (the staging directory's suffix).
    """

    final: str
    run_id: str

    @property
    def staging(self) -> Path:
        """This run's staging directory, next to the final one."""
        final = Path(self.final)
        return final.parent / f".{final.name}.ray-{self.run_id}"

    def exists(self) -> bool:
        """Whether a complete prepared dataset is already there (its manifest exists)."""
        return (Path(self.final) / "state.json").exists()

    def begin(self) -> None:
        """Remove staging left by killed runs of this dataset; make this run's."""
        final = Path(self.final)
        final.parent.mkdir(parents=True, exist_ok=True)
        for old in final.parent.glob(f".{final.name}.ray-*"):
            shutil.rmtree(old, ignore_errors=True)
        self.staging.mkdir()

    def write_shard(self, shard: int, shards: int, table: pa.Table) -> ShardWritten:
        """Write ``table`` as shard ``shard`` (temporary name, then rename)."""
        from datasets.arrow_writer import ArrowWriter

        features = hf_features(table)
        name = f"data-{shard:05d}-of-{shards:05d}.arrow"
        temporary = self.staging / f".{name}.{uuid.uuid4().hex}.tmp"
        writer = ArrowWriter(features=features, path=str(temporary))
        try:
            writer.write_table(table)
            rows, nbytes = writer.finalize()
        finally:
            writer.close()
        os.replace(temporary, self.staging / name)
        return ShardWritten(shard, name, rows, nbytes, features.to_dict())

    def finish(
        self, shards: list[ShardWritten], empty_features: Any, split: str | None
    ) -> None:
        """Write the manifest for ``shards`` (in shard order) and move the dataset into place.

        Args:
            shards: The written shards; none when every row was dropped.
            empty_features: The features to record when there are no shards.
            split: The split name ``state.json`` records (``None`` for none).
        """
        from datasets import DatasetInfo, Features

        shards = sorted(shards, key=lambda s: s.shard)
        features = Features.from_dict(shards[0].features) if shards else empty_features
        if not shards:
            self._write_empty(features)
        files = [{"filename": s.filename} for s in shards] or [
            {"filename": "data-00000-of-00001.arrow"}
        ]
        info = asdict(DatasetInfo(features=features))
        info_text = json.dumps({key: info[key] for key in sorted(info)}, indent=2)
        (self.staging / "dataset_info.json").write_text(info_text, encoding="utf-8")
        state = {
            "_data_files": files,
            "_fingerprint": _fingerprint(self.final, files, info_text),
            "_format_columns": None,
            "_format_kwargs": {},
            "_format_type": None,
            "_output_all_columns": False,
            "_split": split,
        }
        manifest = json.dumps(state, indent=2, sort_keys=True)
        (self.staging / "state.json").write_text(manifest, encoding="utf-8")
        final = Path(self.final)
        if final.exists() and not any(final.iterdir()):
            final.rmdir()
        os.replace(self.staging, final)

    def abandon(self) -> None:
        """Remove this run's staging (the run failed before its manifest)."""
        shutil.rmtree(self.staging, ignore_errors=True)

    def _write_empty(self, features: Any) -> None:
        from datasets.arrow_writer import ArrowWriter

        path = self.staging / "data-00000-of-00001.arrow"
        writer = ArrowWriter(features=features, path=str(path))
        try:
            writer.write_table(features.arrow_schema.empty_table())
            writer.finalize()
        finally:
            writer.close()


def _fingerprint(final: str, files: list[dict], info_text: str) -> str:
    """A fingerprint for ``state.json``: the dataset's name, its shard list and features."""
    payload = json.dumps([Path(final).name, files, info_text])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]
