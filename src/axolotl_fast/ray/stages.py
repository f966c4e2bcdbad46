"""The functions Ray Data runs on the workers: Arrow tables in, Arrow tables out.

Each stage's columns are the data's own plus bookkeeping columns named ``__af_*``, dropped
before the dataset is written:

* ``read_entry``: one task per entry, its rows in blocks, each row with its entry and row
  number (``__af_entry``, ``__af_row``);
* :class:`Tokenize`: an actor (the tokenizer and prompt strategies loaded once) running the
  plugin's tokenization of a block; its rows carry the entry, the first input row of the call
  (``__af_start``), the call's input rows, the split name the tokenized rows carry, and
  their index in the call's output (``__af_index``): the tokenized
  entry, in axolotl's order, is the calls sorted by start, each in index order;
* :func:`passes_block`: the merged-split rank of each row (``__af_rank``, from
  :func:`~axolotl_fast.ray.order.merged_ranks`), axolotl's long-sequence and packing passes,
  and the dedupe key (``__af_key``);
* :func:`dedupe_shard`: one key shard's rows in rank order against the shard's kept set;
* :func:`write_group`: one output shard's rows sorted by rank, written.

Every function sets the core's thread count to the CPUs Ray gave its task, so Ray's and
rayon's parallelism never multiply.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "ENTRY",
    "INDEX",
    "KEY",
    "RANK",
    "SPLIT",
    "START",
    "StageSettings",
    "Tokenize",
    "dedupe_shard",
    "passes_block",
    "read_entry_blocks",
    "write_group",
]

ENTRY, ROW, START, INDEX = "__af_entry", "__af_row", "__af_start", "__af_index"
INPUTS, SPLIT = "__af_inputs", "__af_split"
RANK, KEY, SHARD, OUT = "__af_rank", "__af_key", "__af_shard", "__af_out"
FAIL_ONCE_ENV = "AXOLOTL_FAST_RAY_FAIL_ONCE"


@dataclass(frozen=True)
class StageSettings:
    """What every stage of one split needs, sent to the workers once.

    Attributes:
        cfg: The validated axolotl config (a plain dict).
        split: ``"train"`` or ``"test"``.
        entries: The expanded entries of the split (plain dicts), in axolotl's order.
        plans: Their read plans.
        block_rows: Rows per block of the read stage.
        threads: The core's threads per task (the CPUs Ray gives each task).
        dedupe: Whether rows are deduplicated.
        near_dedupe: The ``near_dedupe:`` settings (a plain dict), or ``None``.
        worker_env: Variables the workers set (the driver's ``HF_*``, ``AXOLOTL_*``...).
    """

    cfg: dict
    split: str
    entries: list
    plans: list
    block_rows: int
    threads: int = 1
    dedupe: bool = True
    near_dedupe: dict | None = None
    worker_env: dict = field(default_factory=dict)

    def enter(self) -> None:
        """Set this worker's environment: core threads, the run's variables."""
        os.environ["AXOLOTL_FAST_NUM_THREADS"] = str(self.threads)
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        for name, value in self.worker_env.items():
            os.environ.setdefault(name, value)

    def axolotl_cfg(self) -> Any:
        """The config for a worker: axolotl's functions run in this process only."""
        from axolotl.utils.dict import DictDefault

        return DictDefault({**self.cfg, "dataset_num_proc": 1})


def read_entry_blocks(batch: pa.Table, settings: StageSettings) -> Iterator[pa.Table]:
    """Read the entries named in ``batch`` (column ``entry``) and yield their rows in blocks."""
    from axolotl_fast.hf.dataset import read_entry

    settings.enter()
    for entry in batch.column("entry").to_pylist():
        dataset = read_entry(settings.plans[entry])
        if dataset._indices is not None:  # only a saved dataset's mapping costs a copy
            dataset = dataset.flatten_indices()
        table = dataset.data.table
        for start in range(0, len(table), settings.block_rows):
            block = table.slice(start, settings.block_rows)
            rows = pa.array(np.arange(start, start + len(block), dtype=np.int64))
            block = block.append_column(
                ENTRY, pa.array([entry] * len(block), pa.int32())
            )
            yield block.append_column(ROW, rows)


class Tokenize:
    """The plugin's tokenization of one split's blocks (an actor: set up once per worker)."""

    def __init__(self, settings: StageSettings) -> None:
        from axolotl.loaders import load_processor, load_tokenizer

        from axolotl_fast.integration.data.load import prepared_dataset_hash
        from axolotl_fast.integration.data.sft import SftPipeline
        from axolotl_fast.integration.data.tokenize_step import TokenizeStep
        from axolotl_fast.integration.status import fast_config

        settings.enter()
        self.settings = settings
        self.scratch = _private_tokenized_cache()
        self.cfg = settings.axolotl_cfg()
        fast = fast_config(self.cfg)
        self.tokenizer = load_tokenizer(self.cfg)
        self.processor = (
            load_processor(self.cfg, tokenizer=self.tokenizer)
            if self.cfg.processor_type
            else None
        )
        self.pipeline = SftPipeline(self.cfg, None, fast, prepared_dataset_hash)
        if fast.tokenize:
            self.pipeline.tokenizing = TokenizeStep(self.cfg, self.tokenizer)

    def __call__(self, block: pa.Table) -> pa.Table:
        """Tokenize one block of one entry, as the plugin tokenizes the whole entry."""
        from axolotl.utils.dict import DictDefault
        from datasets import Dataset, NamedSplit
        from datasets.table import InMemoryTable

        self.settings.enter()
        # The previous call's rows are in the object store by now: free the local disk.
        shutil.rmtree(self.scratch / "axolotl_fast" / "tokenized", ignore_errors=True)
        entry = block.column(ENTRY)[0].as_py()
        start = block.column(ROW)[0].as_py()
        raw = block.drop_columns([ENTRY, ROW])
        plan = self.settings.plans[entry]
        split = NamedSplit(plan.split) if plan.split else None
        dataset = Dataset(InMemoryTable(raw), split=split)
        ds_cfg = DictDefault(self.settings.entries[entry])
        tokenized, _ = self.pipeline.tokenize_entry(
            ds_cfg, dataset, self.tokenizer, self.processor, self.settings.split
        )
        out = tokenized.with_format("arrow")[:]
        rows = len(out)
        out = out.append_column(ENTRY, pa.array([entry] * rows, pa.int32()))
        out = out.append_column(START, pa.array([start] * rows, pa.int64()))
        out = out.append_column(INPUTS, pa.array([len(raw)] * rows, pa.int64()))
        split_name = "" if tokenized.split is None else str(tokenized.split)
        out = out.append_column(SPLIT, pa.array([split_name] * rows, pa.string()))
        return out.append_column(INDEX, pa.array(np.arange(rows, dtype=np.int64)))


def _private_tokenized_cache() -> Path:
    """Point this actor's HF datasets cache at a directory of its own, removed at exit.

    The plugin's tokenization writes each result to an Arrow file under the datasets cache
    and memory-maps it; on a worker those files are only a step on the way to the object
    store, so they go to a private directory that each call empties.
    """
    import atexit

    import datasets

    scratch = Path(tempfile.mkdtemp(prefix="axolotl-fast-tokenize-"))
    datasets.config.HF_DATASETS_CACHE = str(scratch)
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    return scratch


def passes_block(
    block: pa.Table,
    settings: StageSettings,
    positions: dict,
    ranks: np.ndarray,
    untrainable_mark: str,
) -> pa.Table:
    """Ranks, axolotl's long-sequence and packing passes, and dedupe keys of one block.

    Args:
        block: Tokenized rows (with their entry, start and index).
        settings: The split's settings.
        positions: ``{(entry, start): first position}`` of each tokenize call's rows in the
            entries' concatenation.
        ranks: The merged-split rank of every position.
        untrainable_mark: A file to write axolotl's error to when every row of the block
            that passed the length filter has no trainable token: axolotl raises that error
            only if no block keeps a row, which the driver decides.
    """
    from datasets import Dataset
    from datasets.table import InMemoryTable

    from axolotl_fast.dedupe import row_keys
    from axolotl_fast.integration.data.prepare_passes import PreparePasses

    settings.enter()
    _fail_once_if_asked()
    key = (block.column(ENTRY)[0].as_py(), block.column(START)[0].as_py())
    rank = resolved(ranks)[positions[key] + block.column(INDEX).to_numpy()]
    data = block.drop_columns([ENTRY, START, INDEX, INPUTS, SPLIT])
    data = data.append_column(RANK, pa.array(rank, pa.int64()))
    passes = PreparePasses(settings.axolotl_cfg(), fast=True)
    try:
        passed = passes.run(Dataset(InMemoryTable(data)), settings.split)
    except ValueError as error:
        if not str(error).startswith(NO_TRAINABLE_START):
            raise
        Path(untrainable_mark).write_text(str(error), encoding="utf-8")
        return data.slice(0, 0)
    out = passed.with_format("arrow")[:]
    if settings.dedupe:
        out = out.append_column(KEY, row_keys(out.drop_columns([RANK])))
    return out


# The start of the error axolotl raises when no row has a trainable token.
NO_TRAINABLE_START = "The dataset has no samples left after dropping samples"


def key_shards(block: pa.Table, shards: int) -> pa.Table:
    """``block``'s keys and ranks, with each key's shard."""
    from axolotl_fast.ray.seen import shard_of_keys

    if KEY not in block.column_names:  # a block whose rows were all dropped
        keys = pa.table(
            {KEY: pa.array([], pa.binary(16)), RANK: pa.array([], pa.int64())}
        )
    else:
        keys = block.select([KEY, RANK])
    return keys.append_column(SHARD, pa.array(shard_of_keys(keys.column(KEY), shards)))


def dedupe_shard(group: pa.Table, store: Any) -> pa.Table:
    """One key shard: keep each key's lowest rank (and none already kept); return the rest.

    The shard's kept set is loaded, updated and staged (see :mod:`axolotl_fast.ray.seen`).

    Returns:
        The ranks of the rows to drop (column ``__af_rank``).
    """
    shard = group.column(SHARD)[0].as_py()
    ordered = group.sort_by(RANK)
    seen = store.load(shard)
    new = seen.insert_keys(ordered.column(KEY))
    store.stage(shard, seen)
    keep = np.zeros(len(ordered), dtype=bool)
    keep[new] = True
    ranks = ordered.column(RANK).to_numpy()
    return pa.table({RANK: pa.array(ranks[~keep], pa.int64())})


def drop_and_route(
    block: pa.Table, dropped: np.ndarray, ranks: int, outputs: int
) -> pa.Table:
    """``block`` without the ``dropped`` ranks (sorted), each row with its output shard.

    Output shard ``k`` holds the ranks in ``[k * ranks / outputs, (k + 1) * ranks / outputs)``.
    """
    rank = block.column(RANK).to_numpy()
    dropped = resolved(dropped)
    if len(dropped):
        block = block.filter(pa.array(~np.isin(rank, dropped, assume_unique=True)))
        rank = block.column(RANK).to_numpy()
    out = (rank * outputs) // max(ranks, 1)
    if KEY in block.column_names:
        block = block.drop_columns([KEY])
    return block.append_column(OUT, pa.array(out, pa.int64()))


def write_group(group: pa.Table, output: Any, outputs: int, threads: int) -> pa.Table:
    """Write one output shard's rows, sorted by rank, into the staging directory.

    Returns:
        One row: the shard's number, file name, rows, bytes and features (JSON).
    """
    import json

    os.environ["AXOLOTL_FAST_NUM_THREADS"] = str(threads)
    shard = group.column(OUT)[0].as_py()
    table = group.sort_by(RANK).drop_columns([RANK, OUT])
    written = output.write_shard(shard, outputs, table)
    return pa.table(
        {
            "shard": [written.shard],
            "filename": [written.filename],
            "rows": [written.rows],
            "nbytes": [written.nbytes],
            "features": [json.dumps(written.features)],
        }
    )


def _fail_once_if_asked() -> None:
    """Test hook: with ``AXOLOTL_FAST_RAY_FAIL_ONCE=<path>``, the first call kills its worker.

    The first call to find no file at the path creates it and exits the worker process
    (as a preempted node or an out-of-memory kill would), so what the test sees succeed is
    Ray's retry of the task.
    """
    marker = os.environ.get(FAIL_ONCE_ENV)
    if not marker:
        return
    try:
        with open(marker, "x", encoding="utf-8") as handle:
            handle.write(str(os.getpid()))
    except FileExistsError:
        return
    os._exit(17)


def resolved(value: Any) -> Any:
    """``value``, fetched from the object store if it is a reference (shared, no copy)."""
    import ray

    return ray.get(value) if isinstance(value, ray.ObjectRef) else value


def count_column(table: pa.Table, column: str) -> int:
    """The sum of an integer column (0 for none)."""
    total = pc.sum(table.column(column)).as_py() if len(table) else 0
    return int(total or 0)
