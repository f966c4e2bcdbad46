"""``axolotl-fast bench``: run the benchmark harness of a source checkout and write the report.

The harness (``benchmarks/run.py``) compares ours with pyarrow, polars, HF datasets, duckdb,
axolotl's own code and fast-axolotl 0.2.0 side by side. It lives in the repository, not in
the wheel, because it builds its own venvs for the competitors (fast-axolotl's import shim
cannot share a venv with axolotl); this command finds the checkout and runs it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click

from axolotl_fast.cli.app import EXIT_INPUT, emit, json_option, main

HARNESS = Path("benchmarks") / "run.py"
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


def find_checkout(repo: str | None) -> Path | None:
    """The checkout to benchmark: ``repo``, else the one holding the current directory.

    Without ``repo``, the checkout this package was installed from (an editable install)
    is the last resort.
    """
    if repo is not None:
        candidates = [Path(repo).resolve()]
    else:
        here = Path.cwd().resolve()
        candidates = [here, *here.parents, Path(__file__).resolve().parents[3]]
    return next((folder for folder in candidates if is_checkout(folder)), None)


def is_checkout(folder: Path) -> bool:
    """Whether ``folder`` is an axolotl_fast source checkout with the harness."""
    return (folder / HARNESS).is_file() and (folder / "pyproject.toml").is_file()


def harness_command(checkout: Path, options: dict) -> list[str]:
    """``python benchmarks/run.py`` with the options given to ``bench``."""
    command = [sys.executable, str(checkout / HARNESS)]
    if options["quick"]:
        command.append("--quick")
    for flag in ("out_dir", "wheel"):
        if options[flag]:
            command += [
                f"--{flag.replace('_', '-')}",
                str(Path(options[flag]).resolve()),
            ]
    if options["only"]:
        command += ["--only", *options["only"]]
    return command


def summary(checkout: Path, options: dict) -> dict:
    """Where the harness wrote the report and its charts."""
    default = "bench-report" if options["quick"] else "docs"
    out_dir = Path(options["out_dir"] or checkout / default).resolve()
    return {
        "report": str(out_dir / "benchmarks.md"),
        "charts": sorted(str(p) for p in out_dir.glob("benchmarks-*.png")),
        "quick": options["quick"],
    }


@main.command("bench")
@click.option(
    "--quick", is_flag=True, help="Small inputs: every part in a few minutes."
)
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False),
    help="Where benchmarks.md, the PNG charts and raw JSON go "
    "[default: docs/, or bench-report/ with --quick].",
)
@click.option(
    "--wheel",
    type=click.Path(exists=True, dir_okay=False),
    help="Benchmark this wheel of ours [default: build one with maturin --release].",
)
@click.option(
    "--only", type=click.Choice(PARTS), multiple=True, help="Run only this part."
)
@click.option(
    "--repo",
    type=click.Path(exists=True, file_okay=False),
    help="The axolotl_fast checkout [default: the one holding the current directory].",
)
@json_option
def bench(repo: str | None, as_json: bool, **options: object) -> None:
    """Run the benchmark harness and write the report with its charts.

    Start-up cost, reading every format, dedupe, packing and collation, each against
    pyarrow, polars, HF datasets, duckdb, axolotl and fast-axolotl 0.2.0, in one run.
    The first run builds two cached venvs (axolotl's and the competitors') and a release
    wheel, which takes a while; later runs reuse the venvs. A full run takes about an hour
    on 2 CPUs; `--quick` a few minutes. Exit code: 0 done, 1 no checkout found, else the
    harness's own.
    """
    checkout = find_checkout(repo)
    if checkout is None:
        click.echo(
            f"error: no axolotl_fast checkout at {repo or 'the current directory'}: the "
            "benchmark harness (benchmarks/run.py) lives in the source repository; run "
            "this inside a clone or pass --repo",
            err=True,
        )
        sys.exit(EXIT_INPUT)
    # The harness prints its progress; keep stdout for the JSON document.
    result = subprocess.run(
        harness_command(checkout, options),
        cwd=checkout,
        stdout=sys.stderr if as_json else None,
    )
    if result.returncode != 0:
        click.echo(f"error: the harness failed (exit {result.returncode})", err=True)
        sys.exit(result.returncode)
    emit(summary(checkout, options), as_json, _human)


def _human(report: dict) -> str:
    charts = "\n".join(f"  {chart}" for chart in report["charts"])
    return f"report: {report['report']}\ncharts:\n{charts}"
