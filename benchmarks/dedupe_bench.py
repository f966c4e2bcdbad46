"""Dedupe benchmark: ours vs axolotl, fast-axolotl 0.2.0, polars and duckdb, in one run.

(a) Tokenized rows (``input_ids``, ``attention_mask``, ``labels`` as ``list<int32>``, ~490
tokens, 20 % repeats), made in memory: ours (xxh3_128 on 1 and 2 threads, sha256) and polars'
struct hash on all rows; axolotl's ``_deduplicate_dataset`` and fast-axolotl's
``deduplicate_indices`` (fed ``str(row)`` as axolotl would) on a subset, said so in the table.
Then the same rows in the layout axolotl 0.21's prepared datasets have (``input_ids`` int32,
``attention_mask`` int8, ``labels`` and ``position_ids`` int64 lists, ``length``; median ~300
tokens) as an HF ``Dataset``: ours on 2 and 1 threads, axolotl on the same rows.
(b) ~1 KB alpaca-like text rows with 20 % repeats from a zstd Parquet file, read included:
ours (``dedupe(read(path))``), polars lazy struct hash, duckdb ``SELECT DISTINCT``; and both
hash-only, on the table already in memory, to show how much of the time is the read.

Each case runs in a fresh process (``dedupe_cases.py``) and measures itself after its data is
in place; the axolotl case runs in the axolotl venv's Python. The report goes into the
``dedupe`` section of ``docs/benchmarks.md`` with a chart and the raw JSON::

    VENV=$(bash benchmarks/venv.sh dist/axolotl_fast-*.whl)
    $VENV/bin/python benchmarks/dedupe_bench.py --axolotl-python $(bash scripts/venv.sh)/bin/python
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import bench_common
import dedupe_report

HERE = Path(__file__).resolve().parent
DOCS = bench_common.REPO_ROOT / "docs"
DATA_DIR = Path(
    os.environ.get("AXOLOTL_FAST_BENCH_DATA", "~/.cache/axolotl_fast/bench-data")
)
TEXT_VERSION = 1


def text_parquet(rows: int, data_dir: Path) -> Path:
    """~1 KB rows of three text columns, 20 % repeats; cached by row count."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = data_dir.expanduser() / f"dedupe-text-v{TEXT_VERSION}-rows{rows}.parquet"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(0)
    words = [
        "".join(
            rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9))
        )
        for _ in range(5000)
    ]
    corpus = " ".join(rng.choice(words) for _ in range(2_000_000))
    distinct = rows * 4 // 5
    ids = list(range(distinct)) + [
        rng.randrange(distinct) for _ in range(rows - distinct)
    ]
    rng.shuffle(ids)
    lengths = {"instruction": 100, "input": 200, "output": 700}
    schema = pa.schema([(name, pa.string()) for name in lengths])
    tmp = path.with_suffix(".tmp")
    with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
        for start in range(0, rows, 100_000):
            columns = {name: [] for name in lengths}
            for row_id in ids[start : start + 100_000]:
                for k, (name, mean) in enumerate(lengths.items()):
                    offset = (row_id * 7919 + k * 104729) % (len(corpus) - 2 * mean)
                    size = mean // 2 + (row_id * 31 + k) % mean
                    columns[name].append(corpus[offset : offset + size])
            writer.write_table(pa.table(columns, schema=schema), row_group_size=100_000)
    tmp.rename(path)
    return path


def run_case(
    case: str, rows: int, python: str, extra: list[str], timeout: float
) -> dict:
    cmd = [python, str(HERE / "dedupe_cases.py"), case, f"--rows={rows}", *extra]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    print(f">> {case} rows={rows} {' '.join(extra)}", file=sys.stderr, flush=True)
    try:
        proc = subprocess.run(
            cmd, env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return {"case": case, "rows": rows, "error": f"timeout after {timeout:.0f} s"}
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stdout + proc.stderr)[-1500:]
        return {
            "case": case,
            "rows": rows,
            "error": f"exit {proc.returncode}",
            "log": tail,
        }
    result = json.loads(lines[-1])
    result["options"] = " ".join(extra)
    print(
        f"   {result['wall_s']:.2f} s wall, {result['cpu_s']:.2f} CPU-s",
        file=sys.stderr,
    )
    return result


def run_all(args: argparse.Namespace) -> dict:
    me, axolotl_python = sys.executable, args.axolotl_python
    tok, sub = args.rows, args.subset_rows
    results = []
    add = results.append
    for threads in (2, 1):
        add(run_case("ours-tokenized", tok, me, [f"--threads={threads}"], args.timeout))
    add(
        run_case(
            "ours-tokenized", tok, me, ["--threads=2", "--hash=sha256"], args.timeout
        )
    )
    add(run_case("polars-tokenized", tok, me, [], args.timeout))
    add(run_case("ours-tokenized", sub, me, ["--threads=2"], args.timeout))
    if axolotl_python:
        add(run_case("axolotl-tokenized", sub, axolotl_python, [], args.timeout))
    add(run_case("fast-axolotl-tokenized", sub, me, [], args.timeout))
    layout = args.layout_rows
    for threads in (2, 1):
        extra = [f"--threads={threads}"]
        add(run_case("ours-axolotl-layout", layout, me, extra, args.timeout))
    if axolotl_python:
        add(
            run_case("axolotl-axolotl-layout", layout, axolotl_python, [], args.timeout)
        )
    for rows in args.text_rows:
        data = text_parquet(rows, DATA_DIR)
        extra = [f"--data={data}", "--threads=2"]
        cases = ("ours-text", "polars-text", "duckdb-text")
        cases += ("ours-text-in-memory", "polars-text-in-memory")
        for case in cases:
            add(run_case(case, rows, me, extra, args.timeout))
    return {
        "date": datetime.date.today().isoformat(),
        "command": args.command,
        "machine": bench_common.machine_info(),
        "ours": bench_common.ours_info(dict(os.environ)),
        "results": results,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="tokenized rows")
    parser.add_argument(
        "--subset-rows",
        type=int,
        default=100_000,
        help="tokenized rows for axolotl and fast-axolotl",
    )
    parser.add_argument(
        "--layout-rows",
        type=int,
        default=200_000,
        help="rows in axolotl's prepared layout (int32 / int8 / int64 lists, ~300 tokens)",
    )
    parser.add_argument(
        "--text-rows", type=int, nargs="*", default=[1_000_000, 5_000_000]
    )
    parser.add_argument("--axolotl-python", help="python of a venv with axolotl 0.21")
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument(
        "--no-docs", action="store_true", help="print, do not write docs"
    )
    parser.add_argument(
        "--render-only", action="store_true", help="redo the docs from the saved JSON"
    )
    parser.add_argument(
        "--out-dir", type=Path, default=DOCS, help="where benchmarks.md and charts go"
    )
    args = parser.parse_args()
    args.command = "python benchmarks/dedupe_bench.py " + " ".join(sys.argv[1:])
    out = args.out_dir
    json_path, png = out / "benchmarks-dedupe.json", out / "benchmarks-dedupe.png"
    report = json.loads(json_path.read_text()) if args.render_only else run_all(args)
    if args.no_docs:
        print(json.dumps(report, indent=1))
        return
    json_path.write_text(json.dumps(report, indent=1) + "\n")
    body = dedupe_report.render(report, png)
    bench_common.write_section(out / "benchmarks.md", "dedupe", body)
    print(body)


if __name__ == "__main__":
    main()
