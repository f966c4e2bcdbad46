"""One read-benchmark case, run in a fresh process by ``read_bench.py``.

    python benchmarks/read_cases.py CASE FORMAT PATH RESULT_JSON [--batch-size N] [--threads N]

Each case has an untimed set-up (imports, and for ``hf-rows`` the ``load_dataset``) that
returns the timed part: a generator yielding row counts, the first yield marking the first
batch. After the set-up the peak-RSS mark is reset (``/proc/self/clear_refs``), so ``peak_rss_mb``
is the high-water mark of the read itself (imports included, set-up excluded). The result,
or ``{"error": ...}``, is written as JSON to RESULT_JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

Timed = Callable[[], Iterator[int]]


@dataclass(frozen=True)
class Case:
    label: str
    output: str  # "arrow" (columnar) or "dicts" (Python objects)
    streams: bool  # yields before the whole file is read
    formats: tuple[str, ...] | None  # None: every format
    setup: Callable[[str, str, argparse.Namespace], Timed]


def _base(fmt: str) -> str:
    return fmt.split("-")[0].split(".")[0]  # parquet-zstd -> parquet, jsonl.gz -> jsonl


def _compression(fmt: str) -> str | None:
    return {"jsonl.gz": "gzip", "jsonl.zst": "zstd"}.get(fmt)


def _count_dicts(batches: Iterable[dict[str, list[Any]]]) -> Iterator[int]:
    for batch in batches:
        yield len(next(iter(batch.values()))) if batch else 0


def _count_rows(rows: Iterable[object]) -> Iterator[int]:
    """Yield 1 at the first row (first-batch time), then the count of the rest."""
    it = iter(rows)
    if next(it, None) is None:
        return
    yield 1
    n = 0
    for _ in it:
        n += 1
    yield n


def ours(path: str, fmt: str, args: argparse.Namespace) -> Timed:
    import axolotl_fast

    def timed() -> Iterator[int]:
        for batch in axolotl_fast.read(path, batch_size=args.batch_size):
            yield batch.num_rows

    return timed


def ours_dicts(path: str, fmt: str, args: argparse.Namespace) -> Timed:
    import axolotl_fast

    return lambda: _count_dicts(
        axolotl_fast.read(path, batch_size=args.batch_size).iter_pydicts()
    )


def _pa_input(path: str, fmt: str) -> Any:
    import pyarrow as pa

    return pa.input_stream(path, compression=_compression(fmt))


def _pa_streaming(path: str, fmt: str, batch_size: int) -> Iterator[Any]:
    import pyarrow as pa

    base = _base(fmt)
    if base == "parquet":
        import pyarrow.parquet as pq

        yield from pq.ParquetFile(path).iter_batches(batch_size=batch_size)
    elif base == "arrow":
        reader = pa.ipc.open_file(path)
        for i in range(reader.num_record_batches):
            yield reader.get_batch(i)
    elif base == "jsonl":
        import pyarrow.json as pj

        yield from pj.open_json(_pa_input(path, fmt))
    else:
        import pyarrow.csv as pc

        opts = pc.ParseOptions(newlines_in_values=True)
        yield from pc.open_csv(path, parse_options=opts)


def pyarrow_whole(path: str, fmt: str, args: argparse.Namespace) -> Timed:
    import pyarrow as pa
    import pyarrow.csv as pc
    import pyarrow.dataset  # read_table imports it lazily: not part of the read
    import pyarrow.json as pj
    import pyarrow.parquet as pq

    def timed() -> Iterator[int]:
        base = _base(fmt)
        if base == "parquet":
            table = pq.read_table(path)
        elif base == "arrow":
            table = pa.ipc.open_file(path).read_all()
        elif base == "jsonl":
            table = pj.read_json(_pa_input(path, fmt))
        else:
            opts = pc.ParseOptions(newlines_in_values=True)
            table = pc.read_csv(path, parse_options=opts)
        yield table.num_rows

    return timed


def pyarrow_stream(path: str, fmt: str, args: argparse.Namespace) -> Timed:
    return lambda: (b.num_rows for b in _pa_streaming(path, fmt, args.batch_size))


def pyarrow_dicts(path: str, fmt: str, args: argparse.Namespace) -> Timed:
    return lambda: _count_dicts(
        b.to_pydict() for b in _pa_streaming(path, fmt, args.batch_size)
    )


def polars_read(path: str, fmt: str, args: argparse.Namespace) -> Timed:
    import polars as pl

    readers = {
        "parquet": pl.read_parquet,
        "arrow": pl.read_ipc,
        "jsonl": pl.read_ndjson,
        "csv": pl.read_csv,
    }

    def timed() -> Iterator[int]:
        yield readers[_base(fmt)](path).height

    return timed


_HF_BUILDER = {"parquet": "parquet", "arrow": "arrow", "jsonl": "json", "csv": "csv"}


def _hf_load(path: str, fmt: str, cache_dir: str, **kwargs: Any) -> Any:
    import datasets

    datasets.disable_progress_bars()
    return datasets.load_dataset(
        _HF_BUILDER[_base(fmt)],
        data_files=path,
        split="train",
        cache_dir=cache_dir,
        **kwargs,
    )


def hf_load(path: str, fmt: str, args: argparse.Namespace) -> Timed:
    import datasets  # noqa: F401  (imported before the clock starts)

    def timed() -> Iterator[int]:
        yield _hf_load(path, fmt, tempfile.mkdtemp(prefix="hf-cache-")).num_rows

    return timed


def hf_stream_rows(path: str, fmt: str, args: argparse.Namespace) -> Timed:
    import datasets  # noqa: F401

    cache = tempfile.mkdtemp(prefix="hf-cache-")
    return lambda: _count_rows(_hf_load(path, fmt, cache, streaming=True))


def hf_rows(path: str, fmt: str, args: argparse.Namespace) -> Timed:
    dataset = _hf_load(path, fmt, tempfile.mkdtemp(prefix="hf-cache-"))
    return lambda: _count_rows(dataset)


def fast_axolotl_reader(path: str, fmt: str, args: argparse.Namespace) -> Timed:
    import fast_axolotl  # installs its axolotl.* shim here, harmless in this process

    return lambda: _count_dicts(
        fast_axolotl.streaming_dataset_reader(
            path, "auto", batch_size=args.batch_size, num_threads=args.threads
        )
    )


CASES: dict[str, Case] = {
    "ours": Case("ours `read()` → Arrow", "arrow", True, None, ours),
    "ours-dicts": Case("ours `iter_pydicts()`", "dicts", True, None, ours_dicts),
    "pyarrow": Case("pyarrow whole file", "arrow", False, None, pyarrow_whole),
    "pyarrow-stream": Case("pyarrow streaming", "arrow", True, None, pyarrow_stream),
    "pyarrow-dicts": Case(
        "pyarrow streaming `to_pydict()`", "dicts", True, None, pyarrow_dicts
    ),
    "polars": Case("polars `read_*`", "arrow", False, None, polars_read),
    "hf-load": Case("HF `load_dataset` (cold cache)", "arrow", False, None, hf_load),
    "hf-stream-rows": Case(
        "HF `streaming=True`, per row", "dicts", True, None, hf_stream_rows
    ),
    "hf-rows": Case(
        "HF Dataset per-row iteration (loaded)",
        "dicts",
        True,
        ("parquet-snappy",),
        hf_rows,
    ),
    "fast-axolotl": Case(
        "fast-axolotl 0.2.0 `streaming_dataset_reader`",
        "dicts",
        True,
        None,
        fast_axolotl_reader,
    ),
}


def _peak_rss_kb() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            return int(re.search(r"VmHWM:\s+(\d+)", f.read()).group(1))  # type: ignore[union-attr]
    except (OSError, AttributeError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _rss_kb() -> int:
    with open("/proc/self/statm", encoding="ascii") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def _cpu_s() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def measure(case: Case, path: str, fmt: str, args: argparse.Namespace) -> dict:
    import pyarrow as pa

    pa.set_cpu_count(args.threads)
    timed = case.setup(path, fmt, args)
    try:  # restart the peak-RSS mark: set-up (e.g. hf-rows' load) is not the read
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")
    except OSError:
        pass
    baseline_kb = _rss_kb()
    cpu0, t0 = _cpu_s(), time.perf_counter()
    first, rows = None, 0
    for n in timed():
        if first is None:
            first = time.perf_counter() - t0
        rows += n
    wall, cpu = time.perf_counter() - t0, _cpu_s() - cpu0
    return {
        "rows": rows,
        "wall_s": wall,
        "cpu_s": cpu,
        "first_batch_s": first if case.streams else None,
        "peak_rss_mb": _peak_rss_kb() / 1024,
        "baseline_rss_mb": baseline_kb / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", choices=sorted(CASES))
    parser.add_argument("format")
    parser.add_argument("path")
    parser.add_argument("result")
    parser.add_argument("--batch-size", type=int, default=8192)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    try:
        result = measure(CASES[args.case], args.path, args.format, args)
    except ModuleNotFoundError as exc:  # e.g. fast-axolotl failed to install
        result = {"error": f"unavailable ({exc.name} not installed)"}
    except BaseException as exc:  # report, never abort the run (fast-axolotl panics)
        traceback.print_exc(file=sys.stderr)
        result = {"error": type(exc).__name__, "message": str(exc)[:500]}
    with open(args.result, "w", encoding="utf-8") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
