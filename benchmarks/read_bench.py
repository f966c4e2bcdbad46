"""Read benchmark: every dataset format through every reader, side by side in one run.

For each generated file (``gen_data.py``: Parquet snappy/zstd, Arrow IPC, JSONL, .gz, .zst,
CSV) each case of ``read_cases.py`` (ours to Arrow and to dicts, pyarrow, polars, HF
``datasets``, fast-axolotl 0.2.0) reads it fully in a fresh child process, so CPU-seconds and
peak RSS are the case's own. Files are warm in the page cache; every reader gets the same
thread count. Ratios to ours and issue 3's targets go into a marked section of
``docs/benchmarks.md``, with a chart and the raw JSON next to it. Run it with the benchmark
venv's Python (``benchmarks/venv.sh`` builds it)::

    VENV=$(bash benchmarks/venv.sh dist/axolotl_fast-*.whl)   # or use --pythonpath src
    $VENV/bin/python benchmarks/read_bench.py --rows 1000000 [--e2e]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shlex
import shutil
import sys
import tempfile
import time
from pathlib import Path

import bench_common
import gen_data
import read_report
from read_cases import CASES

HERE = Path(__file__).resolve().parent
DOCS = bench_common.REPO_ROOT / "docs"
THREAD_ENV = (
    "AXOLOTL_FAST_NUM_THREADS",
    "POLARS_MAX_THREADS",
    "RAYON_NUM_THREADS",
    "OMP_NUM_THREADS",
)


def child_env(args: argparse.Namespace, tmp: Path | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update({name: str(args.threads) for name in THREAD_ENV})
    env.update(HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", PYTHONHASHSEED="0")
    if args.pythonpath:
        paths = [str(p.resolve()) for p in args.pythonpath]
        env["PYTHONPATH"] = os.pathsep.join([*paths, env.get("PYTHONPATH", "")])
    if tmp is not None:  # HF caches and temp files die with the case
        env.update(TMPDIR=str(tmp), HF_DATASETS_CACHE=str(tmp / "hf"))
    return env


def warm(path: Path) -> None:
    """Read the file once so that every case finds it in the page cache."""
    with open(path, "rb") as f:
        while f.read(16 << 20):
            pass


def run_case(case: str, fmt: str, path: Path, args: argparse.Namespace) -> dict:
    best: dict | None = None
    for _ in range(args.repeat):
        tmp = Path(tempfile.mkdtemp(prefix=f"read-bench-{case}-"))
        try:
            result_file, log = tmp / "result.json", tmp / "log.txt"
            cmd = [sys.executable, str(HERE / "read_cases.py"), case, fmt, str(path)]
            cmd += [str(result_file), f"--batch-size={args.batch_size}"]
            cmd += [f"--threads={args.threads}"]
            proc = bench_common.run_measured(
                cmd, child_env(args, tmp), args.case_timeout, log
            )
            if result_file.exists():
                result = json.loads(result_file.read_text())
            elif proc.timed_out:
                result = {"error": f"timeout after {args.case_timeout:.0f} s"}
            else:
                result = {"error": f"exit {proc.returncode}"}
            if "error" in result:
                result["log_tail"] = proc.output_tail[-1500:]
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        result.update(
            process_wall_s=proc.wall_s,
            process_cpu_s=proc.cpu_s,
            process_maxrss_mb=proc.maxrss_mb,
        )
        if best is None or (
            "error" not in result and result["wall_s"] < best["wall_s"]
        ):
            best = result
        if "error" in result:
            break
    assert best is not None
    spec = CASES[case]
    return {
        "format": fmt,
        "case": case,
        "label": spec.label,
        "output": spec.output,
        **best,
    }


def add_ratios(results: list[dict], expected_rows: int) -> None:
    """Row-count check, and peer / ours for CPU-s and wall (same output kind as ours)."""
    by_key = {(r["format"], r["case"]): r for r in results}
    for r in results:
        if "error" not in r:
            r["rows_ok"] = r["rows"] == expected_rows
            r["rows_per_s"] = r["rows"] / r["wall_s"] if r["wall_s"] else None
        if r["case"].startswith("ours"):
            continue
        ref_case = "ours" if r["output"] == "arrow" else "ours-dicts"
        ref = by_key.get((r["format"], ref_case))
        r["vs"] = ref_case
        if ref and "error" not in ref and "error" not in r:
            r["cpu_ratio"] = r["cpu_s"] / ref["cpu_s"] if ref["cpu_s"] else None
            r["wall_ratio"] = r["wall_s"] / ref["wall_s"] if ref["wall_s"] else None


def _status(value: float | None, ok: bool, error: str | None = None) -> str:
    if error:
        return f"MISSED ({error})"
    return "n/a" if value is None else ("MET" if ok else "MISSED")


def targets(results: list[dict], rows: int) -> list[dict]:
    """Issue 3's and issue 19's targets, one line per file they apply to."""
    get = {(r["format"], r["case"]): r for r in results}
    ok = {k: r for k, r in get.items() if "error" not in r}
    lines = []

    def add(target, fmt, value, required, met, ours_case, note=""):
        ours = get.get((fmt, ours_case))
        error = f"ours: {ours['error']}" if ours and "error" in ours else None
        lines.append(
            {
                "target": target,
                "format": fmt,
                "value": value,
                "required": required,
                "status": _status(value, met, error),
                "note": note,
            }
        )

    def ratio(fmt, peers, ours_case, key):
        vals = [ok[(fmt, p)][key] for p in peers if (fmt, p) in ok]
        ours = ok.get((fmt, ours_case))
        return min(vals) / ours[key] if vals and ours and ours[key] else None

    for fmt in ("parquet-snappy", "parquet-zstd"):
        peers = ("pyarrow", "pyarrow-stream")
        r = ratio(fmt, peers, "ours", "cpu_s")
        add(
            "Parquet → Arrow vs pyarrow, CPU-s",
            fmt,
            r,
            "≥ 1.0x",
            r and r >= 1.0,
            "ours",
        )
        r = ratio(fmt, peers, "ours", "wall_s")
        add(
            "Parquet → Arrow vs pyarrow, wall", fmt, r, "≥ 1.5x", r and r >= 1.5, "ours"
        )
    for fmt in ("jsonl", "jsonl.gz", "jsonl.zst"):
        r = ratio(fmt, ("polars",), "ours", "cpu_s")
        add("JSONL → Arrow vs polars, CPU-s", fmt, r, "≥ 1.2x", r and r >= 1.2, "ours")
    _issue19_targets(ok, add, ratio)
    hf_rows = ok.get(("parquet-snappy", "hf-rows"))
    for fmt in gen_data.FORMATS:
        hf = [r for r in (hf_rows, ok.get((fmt, "hf-stream-rows"))) if r]
        ours = ok.get((fmt, "ours-dicts"))
        r = None
        if hf and ours and ours["cpu_s"]:
            r = min(h["cpu_s"] / h["rows"] for h in hf) / (ours["cpu_s"] / ours["rows"])
        add(
            "dicts vs HF per-row iteration (faster of loaded, streaming), CPU-s",
            fmt,
            r,
            "≥ 20x",
            r and r >= 20,
            "ours-dicts",
        )
    for fmt in gen_data.FORMATS:
        ours = ok.get((fmt, "ours"))
        first = ours["first_batch_s"] * 1000 if ours else None
        add(
            "first batch, ms",
            fmt,
            first,
            "≤ 50",
            first is not None and first <= 50,
            "ours",
        )
        rss = ours["peak_rss_mb"] if ours else None
        add(
            "peak RSS streaming, MB",
            fmt,
            rss,
            "≤ 300",
            rss is not None and rss <= 300,
            "ours",
        )
    return lines


def _issue19_targets(ok: dict, add, ratio) -> None:
    """Issue 19: wall against pyarrow's streaming readers, first batch no later than theirs."""
    stream = ("pyarrow-stream",)
    for fmt, name in (
        ("jsonl", "JSONL"),
        ("jsonl.gz", "JSONL"),
        ("jsonl.zst", "JSONL"),
        ("csv", "CSV"),
        ("arrow", "Arrow IPC"),
    ):
        r = ratio(fmt, stream, "ours", "wall_s")
        add(
            f"{name} → Arrow vs pyarrow streaming, wall",
            fmt,
            r,
            "≥ 1.0x",
            r and r >= 1.0,
            "ours",
        )
    for fmt in gen_data.FORMATS:
        ours, theirs = ok.get((fmt, "ours")), ok.get((fmt, "pyarrow-stream"))
        if not (ours and theirs and theirs.get("first_batch_s")):
            continue
        first = ours["first_batch_s"] * 1000
        required = theirs["first_batch_s"] * 1000
        add(
            "first batch no later than pyarrow streaming's, ms",
            fmt,
            first,
            f"≤ {required:.1f}",
            first <= required,
            "ours",
        )


def render_saved(args: argparse.Namespace) -> None:
    """Redo the section from the saved JSON, with the targets worked out again."""
    report = json.loads(args.out_json.read_text(encoding="utf-8"))
    report["targets"] = targets(report["results"], report["meta"]["rows"])
    args.out_json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    read_report.chart(report, args.out_png)
    section = read_report.render(report, args.out_png, args.out_md)
    bench_common.write_section(args.out_md, "read", section)
    print(section)


def command(args: argparse.Namespace) -> str:
    """The command line that reproduces this run, from the repository root."""
    venv = "bash benchmarks/venv.sh" + ("" if args.pythonpath else " dist/<wheel>")
    run = shlex.join(["benchmarks/read_bench.py", *sys.argv[1:]])
    return f"VENV=$({venv}) && $VENV/bin/python {run}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--row-group-rows", type=int, default=65536)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=8192)
    parser.add_argument("--repeat", type=int, default=1, help="best of N (default 1)")
    parser.add_argument("--formats", nargs="+", choices=list(gen_data.FORMATS))
    parser.add_argument("--cases", nargs="+", choices=list(CASES))
    parser.add_argument(
        "--pythonpath",
        type=Path,
        action="append",
        help="put this before PYTHONPATH in every child (e.g. src, for a dev build)",
    )
    parser.add_argument("--case-timeout", type=float, default=1800)
    parser.add_argument(
        "--e2e", action="store_true", help="also time axolotl preprocess"
    )
    parser.add_argument(
        "--e2e-rows", type=int, default=None, help="default: --rows, at most 100000"
    )
    parser.add_argument("--axolotl-venv", type=Path, default=None)
    parser.add_argument(
        "--render-only", action="store_true", help="redo the docs from the saved JSON"
    )
    parser.add_argument(
        "--out-dir", type=Path, default=DOCS, help="where benchmarks.md and charts go"
    )
    args = parser.parse_args()
    args.out_md = args.out_dir / "benchmarks.md"
    args.out_json = args.out_dir / "benchmarks-read.json"
    args.out_png = args.out_dir / "benchmarks-read.png"
    if args.e2e_rows is None:
        args.e2e_rows = min(args.rows, 100_000)
    if args.render_only:
        render_saved(args)
        return

    started = time.perf_counter()
    print(f">> data: {args.rows} rows (generated once, then cached)", file=sys.stderr)
    paths = gen_data.generate(args.rows, args.seed, args.row_group_rows, args.data_dir)
    formats = args.formats or list(paths)
    cases = args.cases or list(CASES)
    todo = [
        (fmt, case)
        for fmt in formats
        for case in cases
        if CASES[case].formats is None or fmt in CASES[case].formats
    ]
    results = []
    for i, (fmt, case) in enumerate(todo, 1):
        if i == 1 or todo[i - 2][0] != fmt:
            warm(paths[fmt])
        r = run_case(case, fmt, paths[fmt], args)
        results.append(r)
        what = r.get("error") or f"{r['wall_s']:.3f} s wall, {r['cpu_s']:.3f} CPU-s"
        print(f"[{i}/{len(todo)}] {fmt:14} {case:15} {what}", file=sys.stderr)
    add_ratios(results, args.rows)

    e2e = None
    if args.e2e:
        import e2e_bench

        e2e = e2e_bench.run(args, child_env(args))

    meta = {
        "command": command(args),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"
        ),
        "machine": bench_common.machine_info(),
        "ours": bench_common.ours_info(child_env(args)),
        "rows": args.rows,
        "seed": args.seed,
        "row_group_rows": args.row_group_rows,
        "threads": args.threads,
        "batch_size": args.batch_size,
        "repeat": args.repeat,
        "files": {
            f: {"path": str(p), "mb": p.stat().st_size / 1e6} for f, p in paths.items()
        },
        "text_mb": paths["jsonl"].stat().st_size / 1e6,
        "total_s": time.perf_counter() - started,
    }
    report = {
        "meta": meta,
        "results": results,
        "targets": targets(results, args.rows),
        "e2e": e2e,
    }
    args.out_json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    read_report.chart(report, args.out_png)
    section = read_report.render(report, args.out_png, args.out_md)
    bench_common.write_section(args.out_md, "read", section)
    print(section)
    print(f">> done in {time.perf_counter() - started:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
