"""The Ray ``prepare`` tests' data, configs, single-machine reference and comparison.

The data is a mix the acceptance asks for: JSON Lines with repeats, a Parquet directory of two
files with several row groups each (rows repeated within and across files and entries), and
a second JSON Lines entry overlapping the first. The reference is the plugin's own
``load_datasets`` on one machine, whose saved prepared dataset ``prepare`` must equal.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from axolotl_fast.tiny import make_alpaca_rows
from support.parity import make_cfg, our_plugin

FAST = {"loader": True, "tokenize": True, "dedupe": True}
# Near-dedupe as well, loose enough that the tiny kit's templated rows have near-duplicates.
FAST_NEAR = {**FAST, "near_dedupe": {"threshold": 0.5, "ngram": 3}}


def mixed_entries(kit, work: Path) -> list[dict]:
    """Three entries: JSON Lines, a Parquet directory (2 files, row groups of 30), JSON Lines."""
    rows = [json.loads(line) for line in kit.jsonl.read_text().splitlines()]
    extra = make_alpaca_rows(80, seed=3)
    parquet_dir = work / "parquet"
    parquet_dir.mkdir(parents=True, exist_ok=True)
    first, second = parquet_dir / "part-0.parquet", parquet_dir / "part-1.parquet"
    pq.write_table(
        pa.Table.from_pylist(rows[100:200] + rows[0:20]), first, row_group_size=30
    )
    pq.write_table(
        pa.Table.from_pylist(rows[150:200] + extra[:10]), second, row_group_size=30
    )
    second_jsonl = work / "more.jsonl"
    lines = [json.dumps(r) for r in rows[:50] + extra + extra[:15]]
    second_jsonl.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [
        {"path": str(kit.jsonl_with_duplicates), "type": "alpaca", "ds_type": "json"},
        {
            "path": str(parquet_dir),
            "type": "alpaca",
            "ds_type": "parquet",
            "data_files": [str(first), str(second)],
        },
        {"path": str(second_jsonl), "type": "alpaca", "ds_type": "json"},
    ]


def ray_cfg(
    kit, work: Path, prepared: str, entries: list[dict], fast: dict = FAST, **extra
):
    """The config both sides use, with packing (so the passes add columns)."""
    return make_cfg(
        kit, work, prepared, entries, sample_packing=True, axolotl_fast=fast, **extra
    )


def prepared_dir(root: Path) -> Path:
    """The one complete prepared dataset under a ``dataset_prepared_path``."""
    (found,) = [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")]
    return found


def single_machine(manager, kit, work: Path, entries: list[dict], **extra) -> Path:
    """The plugin's prepared dataset of ``entries`` on one machine; its directory.

    ``manager`` is axolotl's ``PluginManager``, where the config registers the plugin.
    """
    cfg = ray_cfg(kit, work, "reference", entries, **extra)
    meta = our_plugin(manager).load_datasets(cfg, preprocess=False)
    assert meta is not None and len(meta.train_dataset) > 0
    return prepared_dir(work / "reference")


def assert_same_prepared(ours: Path, reference: Path) -> None:
    """Same directory name (the plugin's hash), features, rows, order, values and split."""
    from datasets import load_from_disk

    assert ours.name == reference.name
    mine, theirs = load_from_disk(str(ours)), load_from_disk(str(reference))
    assert mine.features == theirs.features
    assert len(mine) == len(theirs)
    assert mine.to_dict() == theirs.to_dict()
    state = json.loads((ours / "state.json").read_text())
    assert (
        state["_split"] == json.loads((reference / "state.json").read_text())["_split"]
    )
