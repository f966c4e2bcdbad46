"""The benchmark harness behind ``axolotl-fast bench`` and ``make bench``: one run, one report.

It takes a release wheel of ours (``--wheel``, or builds one with ``maturin build --release``),
installs it into the benchmark venv (``benchmarks/venv.sh``: pyarrow, polars, HF datasets,
duckdb, numba, fast-axolotl 0.2.0, datasketch, datatrove) and puts the same build in front
of the axolotl venv (``scripts/venv.sh``), then runs every part side by side and writes
``benchmarks.md`` with its tables and PNG charts (and the raw JSON) into ``--out-dir``:

* ``startup``: importing the package and validating a config with our block (axolotl venv);
* ``read``: every format through ours, pyarrow, polars, HF datasets and fast-axolotl;
* ``encoder``: byte-level BPE encoding alone through ours, HF ``tokenizers`` and
  ``tiktoken`` on a 32k and a 128k vocabulary, 1 and 2 threads (axolotl venv);
* ``tokenize``: the alpaca strategy through axolotl, a raw ``encode_batch`` and ours, then
  ``axolotl preprocess`` end to end, plugin off vs on (axolotl venv);
* ``chat``: ``chat_template`` conversations (short and long) through axolotl's strategy and
  ours, then ``axolotl preprocess`` end to end (axolotl venv);
* ``pretrain``: one buffer of a packed ``pretraining_dataset`` stream through axolotl's
  ``encode_packed_streaming`` and ours, then ``axolotl train`` on the stream (axolotl venv);
* ``ray``: ``axolotl-fast prepare --ray`` against the plugin's ``axolotl preprocess`` on the
  same CPUs, per stage (axolotl venv);
* ``dedupe``: ours against axolotl, fast-axolotl, polars and duckdb;
* ``near-dedupe``: near-duplicate removal against datasketch and datatrove, recall and
  precision per similarity bucket on planted near-copies, and speed;
* ``pack-collate``: packing against axolotl's sampler, TRL, numba and fast-axolotl, and
  collation against axolotl's, HF's and fast-axolotl's collators.

``--quick`` runs each part on small inputs (a few minutes in all) and writes to
``bench-report/`` unless ``--out-dir`` says otherwise, so the committed figures in ``docs/``
are only ever replaced by a full run. The harness itself needs only the standard library.

    python benchmarks/run.py [--quick] [--out-dir DIR] [--wheel WHEEL] [--only PART ...]
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import bench_common

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent
PARTS = (
    "startup",
    "read",
    "encoder",
    "tokenize",
    "chat",
    "pretrain",
    "ray",
    "dedupe",
    "near-dedupe",
    "pack-collate",
)
# The report's sections, in order: every part's, with pack-collate's two.
SECTIONS = tuple(
    section
    for part in PARTS
    for section in (("pack", "collate") if part == "pack-collate" else (part,))
)


FULL = {
    "startup": ["--repeat", "5"],
    "read": ["--rows", "1000000", "--e2e"],
    "encoder": ["--mb", "10"],
    "tokenize": [
        *("--rows", "20000", "--e2e-rows", "100000"),
        *("--e2e-large-rows", "1000000"),
    ],
    "chat": ["--rows", "5000", "--e2e-rows", "250000"],
    "pretrain": ["--buffer-rows", "10000", "--e2e-rows", "20000"],
    "ray": ["--rows", "1000000", "5000000"],
    "dedupe": [],
    "near-dedupe": ["--rows", "100000", "--e2e-rows", "100000"],
    "pack-collate": [],
}
QUICK = {
    "startup": ["--repeat", "2"],
    "read": ["--rows", "20000"],
    "encoder": ["--mb", "0.5", "--train-mb", "2", "--corpora", "code", "alpaca"],
    "tokenize": [
        *("--rows", "2000", "--e2e-rows", "1000", "--vocab", "2000"),
        *("--tokenizers", "tiny-bpe", "byte-level-bpe"),
    ],
    "chat": ["--rows", "200", "--e2e-rows", "500", "--vocab", "2000"],
    "pretrain": ["--buffer-rows", "500", "--e2e-rows", "500", "--steps", "3"],
    "ray": ["--rows", "2000", "--vocab", "2000"],
    "dedupe": ["--rows", "50000", "--subset-rows", "5000", "--text-rows", "50000"],
    "near-dedupe": ["--rows", "3000", "--e2e-rows", "1000"],
    "pack-collate": ["--n", "50000", "--repeat", "1"],
}


def part_args(
    part: str, quick: bool, pythons: tuple[str, str], ours_src: Path
) -> list[str]:
    """The command-line arguments of one part: its sizes, then where axolotl is."""
    axolotl_python, bench_python = pythons
    axolotl = {
        "startup": [],
        "read": ["--axolotl-venv", str(Path(axolotl_python).parent.parent)],
        "encoder": ["--report-python", bench_python],
        "tokenize": ["--report-python", bench_python],
        "chat": ["--report-python", bench_python],
        "pretrain": ["--report-python", bench_python],
        "ray": ["--report-python", bench_python],
        "dedupe": ["--axolotl-python", axolotl_python],
        "near-dedupe": [
            "--report-python",
            bench_python,
            "--axolotl-venv",
            str(Path(axolotl_python).parent.parent),
        ],
        "pack-collate": [
            "--axolotl-python",
            axolotl_python,
            "--ours-src",
            str(ours_src),
        ],
    }
    return [*(QUICK if quick else FULL)[part], *axolotl[part]]


def part_python(part: str, bench_python: str, axolotl_python: str) -> str:
    axolotl_parts = ("startup", "encoder", "tokenize", "chat", "pretrain", "ray")
    return axolotl_python if part in axolotl_parts else bench_python


def build_wheel(axolotl_python: str, out: Path) -> Path:
    """``maturin build --release`` with the axolotl venv's maturin; the wheel's path."""
    maturin = Path(axolotl_python).parent / "maturin"
    step(f"building a release wheel into {out} (a few minutes)")
    subprocess.run(
        [str(maturin), "build", "--quiet", "--release", "--out", str(out)],
        cwd=REPO_ROOT,
        check=True,
    )
    return only_wheel(out)


def only_wheel(folder: Path) -> Path:
    wheels = sorted(folder.glob("axolotl_fast-*.whl"))
    if len(wheels) != 1:
        sys.exit(f"error: expected one axolotl_fast wheel in {folder}, found {wheels}")
    return wheels[0]


def unpack(wheel: Path, into: Path) -> Path:
    """The wheel's files in ``into``, to put ahead of the axolotl venv's copy of ours."""
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(into)
    return into


def venv_python(script: str, *args: str) -> str:
    """Run a venv script (it prints the venv's path) and return that venv's python."""
    command = ["bash", str(REPO_ROOT / script), *args]
    result = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
    return str(Path(result.stdout.strip().splitlines()[-1]) / "bin" / "python")


def step(message: str) -> None:
    print(f">> {message}", file=sys.stderr, flush=True)


def run_part(part: str, python: str, args: list[str], env: dict[str, str]) -> float:
    script = f"{part.replace('-', '_')}_bench.py"
    command = [python, str(HERE / script), *args]
    step(f"[{part}] {shlex.join(command)}")
    started = time.perf_counter()
    subprocess.run(command, check=True, env=env, cwd=REPO_ROOT)
    return time.perf_counter() - started


def header(args: argparse.Namespace, wheel: Path, seconds: dict[str, float]) -> str:
    mode = (
        "quick (small inputs: a smoke run, not figures to quote)"
        if args.quick
        else "full"
    )
    took = ", ".join(f"{part} {s:.0f} s" for part, s in seconds.items())
    machine = bench_common.machine_info()
    return "\n".join(
        [
            "# Benchmarks",
            "",
            "Generated by `axolotl-fast bench` (`python benchmarks/run.py`); do not edit by "
            "hand. Every part runs in its own processes, side by side in one run, on the "
            "same release build of ours; ratios above 1 mean ours is faster.",
            "",
            f"- Last run: {datetime.datetime.now(datetime.UTC).isoformat(timespec='seconds')}, "
            f"mode {mode}; parts run: {took}. Each section below says when and how it "
            "was measured (a part left out with `--only` keeps its earlier section).",
            f"- Command: `{shlex.join(['axolotl-fast', 'bench', *args.argv])}`",
            f"- Ours: `{wheel.name}`",
            "- Reproduce, from a clone: `axolotl-fast bench` (the cached venv's, "
            "`$(bash scripts/venv.sh)/bin/axolotl-fast`, or `make bench`): every part, "
            "about an hour on 2 CPUs; `--only PART` redoes one section; `--quick` runs them "
            "all on small inputs into `bench-report/`. See docs/cli.md.",
            f"- Machine: {machine['cpu']}, {machine['cpus']} CPUs, "
            f"{machine['mem_gb'] or 0:.0f} GB, {machine['os']}.",
            "",
        ]
    )


def write_report(out_md: Path, head: str) -> None:
    """``head`` then the parts' marked sections, in a fixed order."""
    text = out_md.read_text(encoding="utf-8") if out_md.exists() else ""
    found = {}
    for name in SECTIONS:
        pattern = rf"<!-- {name}:begin -->.*?<!-- {name}:end -->\n?"
        match = re.search(pattern, text, re.S)
        if match:
            found[name] = match.group(0)
    out_md.write_text(head + "\n" + "\n".join(found.values()), encoding="utf-8")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small inputs, minutes")
    parser.add_argument(
        "--out-dir", type=Path, help="default docs/ (bench-report/ quick)"
    )
    parser.add_argument("--wheel", type=Path, help="our wheel (default: build one)")
    parser.add_argument("--only", nargs="+", choices=PARTS, help="run only these parts")
    parser.add_argument("--axolotl-python", help="default: scripts/venv.sh's python")
    parser.add_argument("--bench-python", help="default: benchmarks/venv.sh's python")
    args = parser.parse_args(argv)
    args.argv = argv
    if args.out_dir is None:
        args.out_dir = REPO_ROOT / ("bench-report" if args.quick else "docs")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    axolotl_python = args.axolotl_python or venv_python("scripts/venv.sh")
    with tempfile.TemporaryDirectory(prefix="axolotl-fast-bench-") as tmp:
        wheel = args.wheel or build_wheel(axolotl_python, Path(tmp) / "dist")
        bench_python = args.bench_python or venv_python(
            "benchmarks/venv.sh", str(wheel)
        )
        ours_src = unpack(wheel, Path(tmp) / "ours")
        env = {**os.environ, "PYTHONPATH": str(ours_src)}
        seconds = {}
        for part in args.only or PARTS:
            pythons = (axolotl_python, bench_python)
            extra = part_args(part, args.quick, pythons, ours_src)
            extra += ["--out-dir", str(args.out_dir)]
            python = part_python(part, bench_python, axolotl_python)
            seconds[part] = run_part(part, python, extra, env)
    out_md = args.out_dir / "benchmarks.md"
    write_report(out_md, header(args, wheel, seconds))
    step(f"report: {out_md} (charts and raw JSON next to it)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
