"""Start-up cost of the plugin: importing the package and validating a config with our block.

Each case times our path against the reference path in this process (best of ``--repeat``)
and writes the ``startup`` section of the report. It imports axolotl, so it runs in the
axolotl venv; ``benchmarks/run.py`` (the harness behind ``axolotl-fast bench``) calls it.

    python benchmarks/startup_bench.py [--repeat N] [--out-dir docs]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import bench_common

REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Timing:
    wall_s: float
    cpu_s: float


@dataclass
class Row:
    case: str
    ours: Timing
    reference_name: str
    reference: Timing

    @property
    def ratio(self) -> float:
        return (
            self.reference.wall_s / self.ours.wall_s
            if self.ours.wall_s
            else float("nan")
        )


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (subprocess cases)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def best_of(repeat: int, fn: Callable[[], object]) -> Timing:
    best = None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), cpu_seconds()
        fn()
        timing = Timing(time.perf_counter() - wall, cpu_seconds() - cpu)
        if best is None or timing.wall_s < best.wall_s:
            best = timing
    assert best is not None
    return best


def subprocess_import(module: str) -> Callable[[], object]:
    code = f"import {module}" if module else "pass"
    return lambda: subprocess.run([sys.executable, "-c", code], check=True)


def import_case(repeat: int) -> Row:
    return Row(
        "python start-up + `import axolotl_fast`",
        best_of(repeat, subprocess_import("axolotl_fast")),
        "python start-up alone",
        best_of(repeat, subprocess_import("")),
    )


def validate_case(repeat: int) -> Row:
    from axolotl.integrations.base import PluginManager
    from axolotl.utils.config import prepare_plugins, validate_config
    from axolotl.utils.dict import DictDefault

    def validate(block: bool) -> Callable[[], object]:
        def run() -> object:
            PluginManager().plugins.clear()
            cfg = DictDefault(
                base_model="local/tiny",
                learning_rate=1e-3,
                micro_batch_size=1,
                gradient_accumulation_steps=1,
                datasets=[{"path": "data.jsonl", "type": "alpaca"}],
                **({"axolotl_fast": {"dedupe": True}} if block else {}),
            )
            prepare_plugins(cfg)
            return validate_config(cfg)

        return run

    validate(True)()  # warm imports
    return Row(
        "axolotl prepare_plugins + validate_config, with `axolotl_fast:` block",
        best_of(repeat, validate(True)),
        "same config without the block (plugin inert)",
        best_of(repeat, validate(False)),
    )


def render(rows: list[Row], repeat: int) -> str:
    lines = [
        "## Start-up",
        "",
        f"What the plugin adds to an axolotl start-up; best of {repeat} runs.",
        "",
        "| case | ours (wall s) | ours (CPU s) | reference | reference (wall s) "
        "| reference / ours |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row.case} | {row.ours.wall_s:.4f} | {row.ours.cpu_s:.4f} | "
            f"{row.reference_name} | {row.reference.wall_s:.4f} | {row.ratio:.2f}x |"
        )
    lines += ["", "Ratios above 1 mean ours is faster."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=REPO_ROOT / "docs",
        help="where benchmarks.md is",
    )
    args = parser.parse_args()
    rows = [import_case(args.repeat), validate_case(args.repeat)]
    section = render(rows, args.repeat)
    bench_common.write_section(args.out_dir / "benchmarks.md", "startup", section)
    print(section)


if __name__ == "__main__":
    main()
