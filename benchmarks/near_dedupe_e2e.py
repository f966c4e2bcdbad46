"""The end-to-end effect of ``near_dedupe``: ``axolotl preprocess`` with the plugin, without
and with its ``near_dedupe:`` block, on the same generated alpaca rows.

Runs from the benchmark venv: the axolotl venv (``--axolotl-venv``, else
``scripts/venv.sh``) runs ``axolotl preprocess`` with our package from the benchmark venv's
install first on ``PYTHONPATH`` (``e2e_bench.setup``), each run in fresh caches. Both runs use
``loader``, ``tokenize`` and ``dedupe``; the second adds ``near_dedupe: {}`` (the defaults,
on ``input_ids``). The report gives both runs and the extra wall and CPU seconds per 1,000
rows.
"""

from __future__ import annotations

import argparse
import re
import shutil
import tempfile
from pathlib import Path

import bench_common
import e2e_bench

PLUGIN = {"loader": True, "tokenize": True, "dedupe": True}


def run(args: argparse.Namespace) -> dict:
    """Both ``axolotl preprocess`` runs, best of ``args.repeat``."""
    work = Path(tempfile.mkdtemp(prefix="near-dedupe-e2e-"))
    try:
        venv, base, source = e2e_bench.setup(args, bench_common.offline_env(), work)
        variants = [
            ("plugin (loader, tokenize, dedupe)", PLUGIN, {}),
            ("plugin + near_dedupe: {}", {**PLUGIN, "near_dedupe": {}}, {}),
        ]
        runs = e2e_bench.best_of(variants, venv, base, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {
        "rows": args.e2e_rows,
        "description": (
            f"`axolotl preprocess` of {args.e2e_rows:,} generated alpaca rows (JSON Lines, "
            "the tiny model's 32k byte-level BPE, sequence_len 2048), fresh caches per run, "
            f"best of {args.repeat}; axolotl_fast from {source}."
        ),
        "runs": runs,
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options :func:`run` reads (``e2e_bench``'s names)."""
    parser.add_argument("--e2e-rows", type=int, default=100_000, help="0: skip")
    parser.add_argument("--axolotl-venv", type=Path, default=None)
    parser.add_argument("--threads", type=int, default=2, help="dataset_num_proc")
    parser.add_argument("--repeat", type=int, default=1, help="best of N")
    parser.add_argument("--row-group-rows", type=int, default=65536)
    parser.add_argument("--case-timeout", type=float, default=1800)
    parser.add_argument("--pythonpath", type=Path, action="append")


def table(e2e: dict) -> list[str]:
    """The Markdown lines of the end-to-end runs, with the cost of near-dedupe."""
    runs = e2e["runs"]
    lines = [
        "**End to end**: " + e2e["description"],
        "",
        "| run | wall s | CPU s | peak RSS MB | prepared rows | plugin log |",
        "|---|---|---|---|---|---|",
    ]
    for run in runs:
        log = "; ".join(
            line.removeprefix("axolotl_fast: ")
            for line in run.get("plugin_log", [])
            if re.match(r"axolotl_fast: \w+: near_dedupe", line)
        )
        lines.append(
            f"| {run['name']} | {run['wall_s']:.1f} | {run['cpu_s']:.1f} | "
            f"{run['maxrss_mb']:.0f} | {run.get('prepared_rows', run['status'])} | "
            f"{log or '-'} |"
        )
    if len(runs) == 2 and all(run["status"] == "ok" for run in runs):
        off, on = runs
        per = 1000 / e2e["rows"]
        lines += [
            "",
            f"- near_dedupe adds {on['wall_s'] - off['wall_s']:.1f} s wall "
            f"({(on['wall_s'] - off['wall_s']) * per * 1000:.0f} ms per 1,000 rows, "
            f"{on['wall_s'] / off['wall_s'] - 1:+.0%}) and "
            f"{on['cpu_s'] - off['cpu_s']:.1f} CPU-s to the preprocess.",
        ]
    return lines
