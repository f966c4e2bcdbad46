"""``prepare``: an axolotl config's prepared dataset, made on a Ray cluster.

For each split (``datasets``, then ``test_datasets``) the driver runs four Ray Data stages and
times each one:

1. **read + tokenize**: one read task per entry (:func:`~.stages.read_entry_blocks`), then an
   actor pool running the plugin's tokenization (:class:`~.stages.Tokenize`); materialized.
   A small aggregation counts each call's rows, from which the driver computes every row's
   rank in the merged split (:func:`~axolotl_fast.ray.order.merged_ranks`);
2. **passes + keys**: ranks, axolotl's long-sequence and packing passes, 16-byte keys
   (:func:`~.stages.passes_block`); materialized;
3. **dedupe**: only (key, rank) pairs are shuffled, by key shard; each shard keeps the lowest
   rank per key (:func:`~.stages.dedupe_shard`); the dropped ranks come back to the driver;
   With ``near_dedupe`` on, its stage follows (:mod:`axolotl_fast.ray.near`): signatures,
   bucket shuffle, edges, and the driver's union-find add the near-duplicates' ranks;
4. **write**: the kept rows are routed by rank range to output shards, each sorted and
   written (:func:`~.stages.write_group`); the manifest is written last
   (:mod:`axolotl_fast.ray.output`), then the key shards' sets are committed.

The dataset is written where the plugin's ``load_datasets`` looks for the split's prepared
dataset, so ``axolotl train`` with the same config loads it instead of preparing one.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from axolotl_fast.ray.between import (
    call_positions,
    features_of,
    split_name,
    tokenize_calls,
)
from axolotl_fast.ray.job import SplitJob
from axolotl_fast.ray.near import near_duplicate_ranks
from axolotl_fast.ray.order import MergeOrder, merged_ranks
from axolotl_fast.ray.output import OutputDir, ShardWritten
from axolotl_fast.ray.seen import SeenStore
from axolotl_fast.ray.stages import (
    OUT,
    RANK,
    SHARD,
    Tokenize,
    dedupe_shard,
    drop_and_route,
    key_shards,
    passes_block,
    read_entry_blocks,
    write_group,
)

__all__ = ["PrepareOptions", "SplitSummary", "prepare_splits"]

LOG = logging.getLogger(__name__)
# Rows per output shard, about what save_to_disk's 500 MB shards hold for tokenized rows.
DEFAULT_ROWS_PER_OUTPUT = 250_000


@dataclass(frozen=True)
class PrepareOptions:
    """How ``prepare`` runs.

    Attributes:
        key_shards: Dedupe key shards (the reduce tasks of stage 3; fixed for a seen dir).
        seen_dir: Where the key shards' sets are kept between runs, or ``None``.
        block_rows: Rows per block of the read stage (the unit of tokenize calls).
        tokenize_actors: Actors in the tokenize pool (default: the cluster's CPUs).
        output_shards: Arrow files per split (default: ``num_dataset_shards_to_save``, else
            one per :data:`DEFAULT_ROWS_PER_OUTPUT` rows).
        overwrite: Prepare again when the prepared dataset exists.
    """

    key_shards: int = 64
    seen_dir: str | None = None
    block_rows: int = 50_000
    tokenize_actors: int | None = None
    output_shards: int | None = None
    overwrite: bool = False


@dataclass
class SplitSummary:
    """What ``prepare`` did with one split: rows per step, seconds per stage."""

    split: str
    path: str
    rows_read: int = 0
    rows_tokenized: int = 0
    dropped_by_passes: int = 0
    dropped_duplicates: int = 0
    dropped_near_duplicates: int = 0
    rows_written: int = 0
    bytes_written: int = 0
    output_shards: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    skipped: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The summary as JSON-ready data."""
        return dict(self.__dict__)


def prepare_splits(jobs: list[SplitJob], options: PrepareOptions) -> list[SplitSummary]:
    """Prepare the splits of :func:`~axolotl_fast.ray.job.split_jobs` on the connected Ray."""
    import ray

    cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
    return [_prepare_split(job, options, cpus) for job in jobs]


def _prepare_split(job: SplitJob, options: PrepareOptions, cpus: int) -> SplitSummary:
    summary = SplitSummary(job.settings.split, job.final)
    run_id = uuid.uuid4().hex[:12]
    output = OutputDir(job.final, run_id)
    if output.exists() and not options.overwrite:
        summary.skipped = "already prepared (use --overwrite to prepare again)"
        return summary
    # Each split keeps its own sets: a test split is not deduplicated against train.
    seen_dir = (
        str(Path(options.seen_dir) / job.settings.split) if options.seen_dir else None
    )
    store = SeenStore(seen_dir, options.key_shards, run_id)
    store.check()
    output.begin()
    try:
        _run_stages(job, options, cpus, output, store, summary)
    except BaseException:
        output.abandon()
        store.discard()
        raise
    store.commit()
    return summary


def _run_stages(
    job: SplitJob,
    options: PrepareOptions,
    cpus: int,
    output: OutputDir,
    store: SeenStore,
    summary: SplitSummary,
) -> None:
    import ray.data

    import ray

    settings = job.settings
    clock = _Clock(summary.seconds)
    entries = ray.data.from_items(
        [{"entry": i} for i in range(len(settings.entries))],
        override_num_blocks=len(settings.entries),
    )
    # Materialized, so that the read is its own stage: fused into the tokenize actors, the
    # blocks of one entry would all be tokenized by the one actor that read them.
    blocks = entries.map_batches(
        read_entry_blocks,
        batch_format="pyarrow",
        batch_size=1,
        fn_kwargs={"settings": settings},
    ).materialize()
    tokenized = blocks.map_batches(
        Tokenize,
        batch_format="pyarrow",
        batch_size=None,
        fn_constructor_kwargs={"settings": settings},
        concurrency=options.tokenize_actors or cpus,
    ).materialize()
    del blocks
    calls = tokenize_calls(tokenized)
    clock.lap("read+tokenize")
    summary.rows_read = int(sum(c["inputs"] for c in calls))
    positions, entry_rows = call_positions(calls, len(settings.entries))
    summary.rows_tokenized = int(sum(entry_rows))
    ranks = merged_ranks(entry_rows, MergeOrder.of(job.cfg))
    untrainable = output.staging / ".untrainable"
    passed = tokenized.map_batches(
        passes_block,
        batch_format="pyarrow",
        batch_size=None,
        fn_kwargs={
            "settings": settings,
            "positions": positions,
            "ranks": ray.put(ranks),
            "untrainable_mark": str(untrainable),
        },
    ).materialize()
    del tokenized
    kept_rows = passed.count()
    summary.dropped_by_passes = summary.rows_tokenized - kept_rows
    if kept_rows == 0 and untrainable.exists():
        # axolotl's error: rows passed the length filter, and none had a trainable token
        raise ValueError(untrainable.read_text(encoding="utf-8"))
    untrainable.unlink(missing_ok=True)
    clock.lap("passes+keys")
    dropped = np.empty(0, dtype=np.int64)
    if settings.dedupe and kept_rows:
        dropped = _dedupe(passed, options.key_shards, store)
    summary.dropped_duplicates = len(dropped)
    clock.lap("dedupe")
    if settings.near_dedupe is not None and kept_rows > len(dropped):
        near = near_duplicate_ranks(
            passed,
            dropped,
            settings.near_dedupe,
            options.key_shards,
            len(ranks),
            settings.threads,
        )
        summary.dropped_near_duplicates = len(near)
        dropped = np.union1d(dropped, near)
        clock.lap("near_dedupe")
    outputs = _output_count(job, options, kept_rows - len(dropped))
    written = _write(passed, dropped, len(ranks), outputs, output, settings.threads)
    output.finish(written, features_of(passed), split_name(calls))
    clock.lap("write")
    summary.rows_written = sum(w.rows for w in written)
    summary.bytes_written = sum(w.nbytes for w in written)
    summary.output_shards = len(written)


def _dedupe(passed: Any, shards: int, store: SeenStore) -> np.ndarray:
    """Shuffle (key, rank) pairs by key shard; return the ranks to drop, sorted."""
    keys = passed.map_batches(
        key_shards,
        batch_format="pyarrow",
        batch_size=None,
        fn_kwargs={"shards": shards},
    )
    dropped = keys.groupby(SHARD).map_groups(
        dedupe_shard, batch_format="pyarrow", fn_kwargs={"store": store}
    )
    parts = [
        np.asarray(batch[RANK], dtype=np.int64)
        for batch in dropped.iter_batches(batch_format="numpy", batch_size=None)
    ]
    return np.sort(np.concatenate(parts)) if parts else np.empty(0, dtype=np.int64)


def _write(
    passed: Any,
    dropped: np.ndarray,
    ranks: int,
    outputs: int,
    output: OutputDir,
    threads: int,
) -> list[ShardWritten]:
    import ray

    routed = passed.map_batches(
        drop_and_route,
        batch_format="pyarrow",
        batch_size=None,
        fn_kwargs={"dropped": ray.put(dropped), "ranks": ranks, "outputs": outputs},
    )
    written = routed.groupby(OUT).map_groups(
        write_group,
        batch_format="pyarrow",
        fn_kwargs={"output": output, "outputs": outputs, "threads": threads},
    )
    return [
        ShardWritten(
            row["shard"],
            row["filename"],
            row["rows"],
            row["nbytes"],
            json.loads(row["features"]),
        )
        for row in written.take_all()
    ]


def _output_count(job: SplitJob, options: PrepareOptions, rows: int) -> int:
    wanted = options.output_shards or job.cfg.get("num_dataset_shards_to_save")
    if wanted:
        return max(1, int(wanted))
    return max(1, -(-rows // DEFAULT_ROWS_PER_OUTPUT))


class _Clock:
    """Seconds per stage, into a summary's ``seconds``."""

    def __init__(self, seconds: dict[str, float]) -> None:
        self.seconds = seconds
        self.last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = round(now - self.last, 3)
        self.last = now
