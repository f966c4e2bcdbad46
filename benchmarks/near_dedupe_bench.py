"""Near-dedupe benchmark (issue 18): ours against datasketch and datatrove, quality and speed.

The rows (``near_dedupe_data.py``, cached): clean ~1.2 KB rows of Zipf-distributed words,
15 % planted near-copies at known exact Jaccard similarities (0.3 to 1.0, by word
substitutions, reorderings, insertions and deletions, or case and punctuation only), 2 %
exact duplicates. Every tool runs with the same parameters (word 5-grams, 112 permutations,
14 bands of 8, threshold 0.7 where it has one), each case in a fresh process
(``near_dedupe_cases.py``):

* ours (``axolotl_fast.near_dedupe``) on 2 threads (the Parquet read measured apart) and 1,
  and on 2 threads with threshold 0: no candidate confirmed, which is what datasketch's
  plain LSH query and datatrove do;
* datasketch: ``MinHash.bulk`` then ``MinHashLSH`` query-then-insert with its advised
  ``MinHash.jaccard`` re-check (single-threaded);
* datatrove: its four MinHash stages on 2 workers, with its English word tokenizer (spaCy's
  blank ``en``, offline) and with ``str.split`` (the fastest it can be).

Quality (``near_dedupe_quality.py``): per exact-Jaccard bucket the share of planted pairs
merged, recall at the threshold, precision of the removed rows. Speed: wall and CPU seconds,
rows/s and MB/s of text. End to end (``near_dedupe_e2e.py``, ``--e2e-rows``): ``axolotl
preprocess`` with the plugin, without and with ``near_dedupe``. Writes
``benchmarks-near-dedupe.json`` and the ``near-dedupe`` section of ``benchmarks.md`` with
``benchmarks-near-dedupe.png`` (``near_dedupe_report.py``)::

    python benchmarks/near_dedupe_bench.py --rows 100000 --out-dir docs
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bench_common
import gen_data
import near_dedupe_data
import near_dedupe_e2e
import near_dedupe_quality
import numpy as np
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
THRESHOLD = 0.7
# (name, case, options): the tools and settings measured, in report order.
CASES = (
    ("ours, 2 threads", "ours", ["--threads=2", "--read"]),
    ("ours, 1 thread", "ours", ["--threads=1"]),
    ("ours, threshold 0 (LSH only)", "ours", ["--threads=2", "--threshold=0"]),
    ("datasketch", "datasketch", []),
    ("datatrove (spaCy en)", "datatrove", ["--tokenizer=spacy"]),
    ("datatrove (str.split)", "datatrove", ["--tokenizer=split"]),
)


def run_case(
    name: str, case: str, options: list[str], data: Path, work: Path, timeout: float
) -> dict:
    """One case in a fresh process: its stages, and its result file's path."""
    out = work / f"{len(list(work.glob('*.npz')))}.npz"
    command = [sys.executable, str(HERE / "near_dedupe_cases.py"), case]
    command += [f"--data={data}", f"--out={out}", f"--threshold={THRESHOLD}", *options]
    print(f">> [near-dedupe] {name}", file=sys.stderr, flush=True)
    entry = {"name": name, "case": case, "options": " ".join(options)}
    try:
        proc = subprocess.run(
            command, env=bench_common.offline_env(), capture_output=True, text=True,
            timeout=timeout, cwd=HERE,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return {**entry, "error": f"timeout after {timeout:.0f} s"}
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stdout + proc.stderr)[-2000:]
        return {**entry, "error": f"exit {proc.returncode}", "log": tail}
    result = {**entry, **json.loads(lines[-1]), "result_file": str(out)}
    seconds = sum(s["wall_s"] for s in result["stages"].values())
    print(f"   {seconds:.2f} s, removed {result['removed']}", file=sys.stderr)
    return result


def with_quality(result: dict, truth: list[dict], texts: list[str]) -> dict:
    """The case's quality from its result file (which is then dropped from the report)."""
    path = result.pop("result_file", None)
    if path is None:
        return result
    saved = np.load(path)
    result["quality"] = near_dedupe_quality.evaluate(
        saved["removed"], saved["labels"], truth, texts, THRESHOLD
    )
    return result


def dataset_summary(folder: Path) -> tuple[dict, list[dict], list[str]]:
    texts = pq.read_table(folder / "rows.parquet").column("text").to_pylist()
    truth = pq.read_table(folder / "truth.parquet").to_pylist()
    summary = {
        "rows": len(texts),
        "text_bytes": sum(len(text.encode("utf-8")) for text in texts),
        "planted_pairs": len(truth),
        "buckets": near_dedupe_quality.bucket_counts(truth),
    }
    return summary, truth, texts


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows in all")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=1800, help="seconds a case")
    parser.add_argument("--data-dir", type=Path, default=gen_data.default_data_dir())
    parser.add_argument("--out-dir", type=Path, default=HERE.parent / "bench-report")
    parser.add_argument(
        "--report-python", default=sys.executable, help="a python with matplotlib"
    )
    near_dedupe_e2e.add_arguments(parser)
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    folder = near_dedupe_data.dataset(args.rows, args.seed, args.data_dir)
    summary, truth, texts = dataset_summary(folder)
    results = []
    with tempfile.TemporaryDirectory(prefix="near-dedupe-bench-") as tmp:
        for name, case, options in CASES:
            result = run_case(name, case, options, folder, Path(tmp), args.timeout)
            results.append(with_quality(result, truth, texts))
    e2e = near_dedupe_e2e.run(args) if args.e2e_rows else None
    report = {
        "command": "python benchmarks/near_dedupe_bench.py " + " ".join(argv),
        "cpus": os.cpu_count(),
        "seed": args.seed,
        "threshold": THRESHOLD,
        "params": {"ngram": 5, "num_perm": 112, "bands": 14, "rows_per_band": 8},
        "data": summary,
        "cases": results,
        "e2e": e2e,
        "seconds": time.perf_counter() - started,
    }
    bench_common.save_and_render(
        "near-dedupe", report, args.out_dir, args.report_python
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
