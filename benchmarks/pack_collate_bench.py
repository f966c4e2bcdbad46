"""Packing and collation benchmarks (issue 5) in one run, written into docs/benchmarks.md.

Runs ``pack_bench.py`` and ``collate_bench.py`` twice: in the axolotl venv (ours, axolotl's
sampler and collators, TRL, HF) and in the bench venv (fast-axolotl, numba, numpy), because
fast-axolotl's import shim breaks axolotl. Both use the same release build of ours. Then
writes the ``pack`` and ``collate`` sections of docs/benchmarks.md, two PNG charts and the raw
JSON. From the repository root::

    make wheel
    B=$(bash benchmarks/venv.sh dist/<wheel>)
    $B/bin/python benchmarks/pack_collate_bench.py \\
        --axolotl-python $(bash scripts/venv.sh)/bin/python \\
        --ours-src <dir with the release build's axolotl_fast package>
    $B/bin/python benchmarks/pack_collate_bench.py --render-only     # from the JSON
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import bench_common
import pack_report

HERE = Path(__file__).resolve().parent
DOCS = HERE.parent / "docs"
AXOLOTL_PACKERS = "ours-bfd,ours-ffd,ours-first_fit,ours-sequential," + (
    "axolotl MultipackBatchSampler (1 pass),trl-bfd"
)
BENCH_PACKERS = "numba-bfd,fast-axolotl pack_sequences"


def run(python: str, script: str, args: list[str], env: dict[str, str]) -> None:
    command = [python, str(HERE / script), *args]
    print(">>", " ".join(command), flush=True)
    subprocess.run(command, check=True, env=env)


def measure(args: argparse.Namespace) -> dict:
    env = {**os.environ, "AXOLOTL_FAST_NUM_THREADS": "2", "HF_HUB_OFFLINE": "1"}
    axolotl_env = dict(env)
    if args.ours_src:
        axolotl_env["PYTHONPATH"] = args.ours_src
    with tempfile.TemporaryDirectory() as tmp:
        tokenizer = Path(tmp) / "tiny"
        subprocess.run(
            [args.axolotl_python, "-m", "axolotl_fast.tiny", str(tokenizer)],
            check=True, env=axolotl_env, capture_output=True,
        )  # fmt: skip
        paths = {
            name: str(Path(tmp) / f"{name}.json") for name in ("pa", "pb", "ca", "cb")
        }
        common = ["--n", str(args.n), "--repeat", str(args.repeat)]
        axolotl_packers = [*common, "--packers", AXOLOTL_PACKERS, "--json", paths["pa"]]
        run(args.axolotl_python, "pack_bench.py", axolotl_packers, axolotl_env)
        bench_packers = [*common, "--packers", BENCH_PACKERS, "--json", paths["pb"]]
        run(sys.executable, "pack_bench.py", bench_packers, env)
        run(args.axolotl_python, "collate_bench.py",
            ["--side", "axolotl", "--tokenizer", str(tokenizer / "model"), "--json", paths["ca"]],
            axolotl_env)  # fmt: skip
        run(
            sys.executable,
            "collate_bench.py",
            ["--side", "bench", "--json", paths["cb"]],
            env,
        )
        loaded = {k: json.loads(Path(v).read_text()) for k, v in paths.items()}
    return {
        "meta": {
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "machine": bench_common.machine_info(),
            "n": args.n,
            "command": "benchmarks/pack_collate_bench.py (see the module doc)",
        },
        "pack": loaded["pa"] + loaded["pb"],
        "collate": loaded["ca"] + loaded["cb"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--axolotl-python", help="python of the axolotl venv")
    parser.add_argument("--ours-src", help="PYTHONPATH for ours in the axolotl venv")
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--render-only", action="store_true")
    parser.add_argument(
        "--out-dir", type=Path, default=DOCS, help="where benchmarks.md and charts go"
    )
    args = parser.parse_args()
    out_md, raw = (
        args.out_dir / "benchmarks.md",
        args.out_dir / "benchmarks-pack-collate.json",
    )
    if args.render_only:
        report = json.loads(raw.read_text())
    else:
        if not args.axolotl_python:
            parser.error("--axolotl-python is required unless --render-only")
        report = measure(args)
        raw.write_text(json.dumps(report, indent=1))
    pack_report.write(report, out_md, args.out_dir)
    print(f"wrote {out_md}, {raw}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
