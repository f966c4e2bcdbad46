"""One dedupe benchmark case, run in a fresh process by ``dedupe_bench.py``.

    python benchmarks/dedupe_cases.py CASE --rows N [--data PATH] [--threads T]

The data is made (tokenized cases) or opened (text cases) first, unmeasured; then the case's
work is measured from inside: wall clock, CPU-seconds of all threads (``getrusage``), and the
peak RSS above the RSS before the work (a sampling thread reads ``/proc/self/statm`` every
2 ms). One JSON line goes to stdout: the measures, the number of rows kept, and for our cases
the bytes the seen set holds per kept row.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import threading
import time
from collections.abc import Callable

import numpy as np
import pyarrow as pa

VOCAB = 32000
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE


def measure(work: Callable[[], dict]) -> dict:
    """Run ``work`` and return its result with wall, CPU and peak extra RSS."""
    before = rss_bytes()
    peak = [before]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], rss_bytes())
            time.sleep(0.002)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    result = work()
    wall = time.perf_counter() - start
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    done.set()
    sampler.join()
    peak[0] = max(peak[0], rss_bytes())
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    return {
        **result,
        "wall_s": wall,
        "cpu_s": cpu,
        "extra_rss_mb": (peak[0] - before) / 2**20,
        "peak_rss_mb": peak[0] / 2**20,
    }


def tokenized_table(rows: int, seed: int = 0) -> pa.Table:
    """``rows`` tokenized rows (~490 int32 tokens each), 20 % repeats of other rows.

    Row content is a pure function of a "distinct id", so repeats are exact; 80 % of the
    rows get their own id, the rest reuse one at random, in shuffled order.
    """
    rng = np.random.default_rng(seed)
    distinct = max(1, rows * 4 // 5)
    ids = np.concatenate(
        [np.arange(distinct), rng.integers(0, distinct, rows - distinct)]
    )
    ids = rng.permutation(ids)
    batches = [
        _tokenized_batch(ids[start : start + 50_000])
        for start in range(0, rows, 50_000)
    ]
    return pa.Table.from_batches(batches)


def _tokenized_batch(ids: np.ndarray) -> pa.RecordBatch:
    lengths = 200 + (ids * 2654435761 % 581)
    offsets = np.zeros(len(ids) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    row_of_token = np.repeat(ids, lengths)
    position = np.arange(offsets[-1]) - np.repeat(offsets[:-1], lengths)
    tokens = ((row_of_token * 1103515245 + position * 12345) >> 7) % VOCAB
    tokens = tokens.astype(np.int32)
    prompt = np.repeat(ids % 50, lengths)
    labels = np.where(position < prompt, -100, tokens).astype(np.int32)
    mask = np.ones_like(tokens)

    def lists(values: np.ndarray) -> pa.Array:
        return pa.ListArray.from_arrays(pa.array(offsets), pa.array(values))

    return pa.RecordBatch.from_arrays(
        [lists(tokens), lists(mask), lists(labels)],
        ["input_ids", "attention_mask", "labels"],
    )


def axolotl_layout_table(rows: int, seed: int = 0) -> pa.Table:
    """``rows`` rows in the columns and types axolotl 0.21's prepared datasets hold.

    ``input_ids`` ``list<int32>``, ``attention_mask`` ``list<int8>``, ``labels`` and
    ``position_ids`` ``list<int64>``, ``length`` ``int64``; lengths 100-500 tokens (median
    ~300), 20 % repeats, made as :func:`tokenized_table` makes its rows.
    """
    base = tokenized_table(rows, seed)
    batches = [_axolotl_layout(batch) for batch in base.to_batches()]
    return pa.Table.from_batches(batches)


def _axolotl_layout(batch: pa.RecordBatch) -> pa.RecordBatch:
    ids = batch.column("input_ids")
    lengths = ids.value_lengths().to_numpy()
    # 200-780 tokens in tokenized_table: cut to 100-500 (median ~300) at the same offsets.
    keep = 100 + (lengths - 200) * 400 // 580
    offsets = np.zeros(len(keep) + 1, dtype=np.int32)
    np.cumsum(keep, out=offsets[1:])
    starts = ids.offsets.to_numpy()[:-1]
    take = np.concatenate(
        [np.arange(s, s + k) for s, k in zip(starts, keep, strict=True)]
    )
    position = np.arange(offsets[-1]) - np.repeat(offsets[:-1], keep)

    def lists(column: str, values: np.ndarray | None, dtype: pa.DataType) -> pa.Array:
        if values is None:
            values = batch.column(column).values.to_numpy()[take]
        return pa.ListArray.from_arrays(pa.array(offsets), pa.array(values, dtype))

    return pa.RecordBatch.from_arrays(
        [
            lists("input_ids", None, pa.int32()),
            lists("attention_mask", None, pa.int8()),
            lists("labels", None, pa.int64()),
            lists("position_ids", position, pa.int64()),
            pa.array(keep, pa.int64()),
        ],
        ["input_ids", "attention_mask", "labels", "position_ids", "length"],
    )


def ours_axolotl_layout(args: argparse.Namespace) -> Callable[[], dict]:
    from datasets import Dataset

    import axolotl_fast

    dataset = Dataset(axolotl_layout_table(args.rows))

    def work() -> dict:
        result = axolotl_fast.dedupe(dataset, hash=args.hash, num_threads=args.threads)
        return _ours_result(result)

    return work


def axolotl_axolotl_layout(args: argparse.Namespace) -> Callable[[], dict]:
    from axolotl.utils.data.utils import _deduplicate_dataset
    from datasets import Dataset

    dataset = Dataset(axolotl_layout_table(args.rows))

    def work() -> dict:
        kept, _ = _deduplicate_dataset(dataset)
        return {"kept": len(kept)}

    return work


def ours_tokenized(args: argparse.Namespace) -> Callable[[], dict]:
    import axolotl_fast

    table = tokenized_table(args.rows)

    def work() -> dict:
        result = axolotl_fast.dedupe(table, hash=args.hash, num_threads=args.threads)
        return _ours_result(result)

    return work


def _ours_result(result) -> dict:
    kept = len(result.indices)
    return {"kept": kept, "set_bytes_per_row": result.seen.nbytes / max(kept, 1)}


def polars_tokenized(args: argparse.Namespace) -> Callable[[], dict]:
    import polars as pl

    frame = pl.from_arrow(tokenized_table(args.rows))

    def work() -> dict:
        kept = frame.select(pl.struct(pl.all()).hash().is_first_distinct().arg_true())
        return {"kept": kept.height}

    return work


def axolotl_tokenized(args: argparse.Namespace) -> Callable[[], dict]:
    from axolotl.utils.data.utils import _deduplicate_dataset
    from datasets import Dataset

    dataset = Dataset(tokenized_table(args.rows))

    def work() -> dict:
        kept, _ = _deduplicate_dataset(dataset)
        return {"kept": len(kept)}

    return work


def fast_axolotl_tokenized(args: argparse.Namespace) -> Callable[[], dict]:
    import fast_axolotl
    from datasets import Dataset

    dataset = Dataset(tokenized_table(args.rows))

    def work() -> dict:
        rows = [str(row) for row in dataset]
        kept, _ = fast_axolotl.deduplicate_indices(rows)
        return {"kept": len(kept)}

    return work


def ours_text(args: argparse.Namespace) -> Callable[[], dict]:
    import axolotl_fast

    def work() -> dict:
        reader = axolotl_fast.read(args.data, num_threads=args.threads)
        return _ours_result(axolotl_fast.dedupe(reader, num_threads=args.threads))

    return work


def ours_text_in_memory(args: argparse.Namespace) -> Callable[[], dict]:
    import pyarrow.parquet as pq

    import axolotl_fast

    table = pq.read_table(args.data)

    def work() -> dict:
        return _ours_result(axolotl_fast.dedupe(table, num_threads=args.threads))

    return work


def polars_text_in_memory(args: argparse.Namespace) -> Callable[[], dict]:
    import polars as pl

    frame = pl.read_parquet(args.data)

    def work() -> dict:
        kept = frame.select(pl.struct(pl.all()).hash().is_first_distinct().arg_true())
        return {"kept": kept.height}

    return work


def polars_text(args: argparse.Namespace) -> Callable[[], dict]:
    import polars as pl

    def work() -> dict:
        kept = (
            pl.scan_parquet(args.data)
            .select(pl.struct(pl.all()).hash().is_first_distinct().arg_true())
            .collect()
        )
        return {"kept": kept.height}

    return work


def duckdb_text(args: argparse.Namespace) -> Callable[[], dict]:
    import duckdb

    def work() -> dict:
        query = (
            f"SELECT count(*) FROM (SELECT DISTINCT * FROM read_parquet('{args.data}'))"
        )
        (kept,) = duckdb.sql(query).fetchone()
        return {"kept": kept}

    return work


CASES = {
    "ours-tokenized": ours_tokenized,
    "ours-axolotl-layout": ours_axolotl_layout,
    "axolotl-axolotl-layout": axolotl_axolotl_layout,
    "polars-tokenized": polars_tokenized,
    "axolotl-tokenized": axolotl_tokenized,
    "fast-axolotl-tokenized": fast_axolotl_tokenized,
    "ours-text": ours_text,
    "ours-text-in-memory": ours_text_in_memory,
    "polars-text-in-memory": polars_text_in_memory,
    "polars-text": polars_text,
    "duckdb-text": duckdb_text,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", choices=sorted(CASES))
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--data", help="the text case's Parquet file")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--hash", default="xxh3_128")
    args = parser.parse_args()
    work = CASES[args.case](args)
    print(json.dumps({"case": args.case, "rows": args.rows, **measure(work)}))


if __name__ == "__main__":
    main()
