"""Smoke check of an installed axolotl_fast wheel, run by the python of a fresh venv.

scripts/wheel-check.sh installs the wheel into throwaway venvs and runs this file there:

    python scripts/wheel_smoke.py core      # the core library, in a venv without axolotl
    python scripts/wheel_smoke.py plugin    # the plugin, in a venv that also sees axolotl

It imports nothing from the source tree (the script's own directory is not the repository's
``src``), and fails with an ``AssertionError`` naming what did not hold.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

ROWS = [
    {"id": 0, "text": "the quick brown fox"},
    {"id": 1, "text": "jumps over"},
    {"id": 0, "text": "the quick brown fox"},
    {"id": 2, "text": "the lazy dog"},
]
DISTINCT_ROWS = 3


def main(argv: list[str]) -> None:
    """Run the checks of the mode named in ``argv`` (``core`` or ``plugin``)."""
    mode = argv[1] if len(argv) > 1 else ""
    if mode not in {"core", "plugin"}:
        raise SystemExit("usage: wheel_smoke.py core|plugin")
    check_installed_copy()
    if mode == "core":
        check_core()
    else:
        check_plugin()
    print(f"wheel smoke ({mode}) passed on Python {sys.version.split()[0]}")


def site_packages() -> Path:
    """This venv's own site-packages (``purelib``), where pip put the wheel."""
    return Path(sysconfig.get_paths()["purelib"]).resolve()


def check_installed_copy() -> None:
    """axolotl_fast comes from this venv's site-packages, a release abi3 build without hooks."""
    import axolotl_fast
    from axolotl_fast import _core

    package = Path(axolotl_fast.__file__).resolve()
    assert package.is_relative_to(site_packages()), (
        f"axolotl_fast imported from {package}, not from {site_packages()}"
    )
    assert Path(_core.__file__).name.endswith(".abi3.so"), _core.__file__
    build = axolotl_fast.build_info()
    assert build["profile"] == "release", build
    assert build["version"] == axolotl_fast.__version__, build
    # The test-only hooks (cargo feature `test-hooks`) never ship.
    assert "test-hooks" not in build["features"], build
    for hook in ("_raise_core_error", "_mark_pool_used", "_char_offsets"):
        assert not hasattr(_core, hook), f"the release wheel has the test hook {hook}"


def check_core() -> None:
    """The library without axolotl: read, dedupe, pack, and the ``axolotl-fast`` CLI."""
    try:
        import axolotl  # noqa: F401
    except ImportError:
        pass
    else:
        raise AssertionError(
            "axolotl is importable: the core check needs a venv without it"
        )
    with tempfile.TemporaryDirectory() as tmp:
        jsonl, parquet = write_data(Path(tmp))
        check_read_dedupe_pack(jsonl, parquet)
        check_cli(jsonl, parquet)


def write_data(directory: Path) -> tuple[Path, Path]:
    """The same four rows as JSON Lines and as Parquet."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    jsonl = directory / "rows.jsonl"
    jsonl.write_text("".join(json.dumps(row) + "\n" for row in ROWS), encoding="utf-8")
    parquet = directory / "rows.parquet"
    pq.write_table(pa.Table.from_pylist(ROWS), parquet)
    return jsonl, parquet


def check_read_dedupe_pack(jsonl: Path, parquet: Path) -> None:
    """Both files read back the rows; dedupe keeps the first of each; pack fills bins."""
    import axolotl_fast

    for path in (jsonl, parquet):
        table = axolotl_fast.read(path, batch_size=3).to_table()
        assert table.to_pylist() == ROWS, (path, table.to_pylist())
    batches = list(axolotl_fast.read(jsonl, batch_size=3))
    assert [batch.num_rows for batch in batches] == [3, 1]
    result = axolotl_fast.dedupe(axolotl_fast.read(parquet))
    assert result.indices.tolist() == [0, 1, 3], result
    assert (result.num_rows, result.num_duplicates) == (len(ROWS), 1)
    assert len(result.seen) == DISTINCT_ROWS
    bins = axolotl_fast.pack([5, 3, 2, 8, 6], 10)
    assert sorted(int(i) for b in bins for i in b) == [0, 1, 2, 3, 4]
    assert all(int(tokens) <= 10 for tokens in bins.tokens())
    assert len(bins) == bins.lower_bound == 3, bins


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    """Run this venv's ``axolotl-fast`` console script."""
    script = Path(sys.executable).with_name("axolotl-fast")
    assert script.exists(), f"no console script at {script}"
    return subprocess.run(
        [str(script), *args], capture_output=True, text=True, timeout=120, check=False
    )


def check_cli(jsonl: Path, parquet: Path) -> None:
    """``--help``, ``inspect --json`` and ``doctor`` through the console script."""
    result = cli("--help")
    assert result.returncode == 0, result.stderr
    for command in ("inspect", "convert", "doctor", "prepare"):
        assert command in result.stdout, result.stdout
    result = cli("inspect", str(jsonl), str(parquet), "--json")
    assert result.returncode == 0, result.stderr
    reports = json.loads(result.stdout)
    assert [r["format"] for r in reports] == ["jsonl", "parquet"], reports
    assert all(r["rows"] == len(ROWS) for r in reports), reports
    assert reports[1]["columns"] == {"id": "int64", "text": "string"}, reports
    check_doctor_without_axolotl()
    check_prepare_without_ray(jsonl)


def check_prepare_without_ray(any_file: Path) -> None:
    """Without the ``ray`` extra, ``prepare --ray`` exits 1 saying how to install it."""
    result = cli("prepare", str(any_file), "--ray")
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "pip install 'axolotl_fast[ray]'" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr, result.stderr


def check_doctor_without_axolotl() -> None:
    """Without axolotl, ``doctor`` exits 1 with exactly that problem.

    The core library works, but ``doctor`` checks the plugin installation, and the plugin
    cannot load without axolotl: that is a problem (exit 1, with a fix), not a note.
    """
    result = cli("doctor", "--json")
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    report = json.loads(result.stdout)
    assert report["versions"]["axolotl"] is None, report
    assert report["plugin_entry_point"] is True, report
    problems = [problem["what"] for problem in report["problems"]]
    assert len(problems) == 1 and "axolotl is not installed" in problems[0], problems
    result = cli("doctor")
    assert result.returncode == 1 and "axolotl is not installed" in result.stdout


def check_plugin() -> None:
    """The plugin, with axolotl: entry points, PluginManager, ``axolotl fast``."""
    import axolotl

    assert not Path(axolotl.__file__).resolve().is_relative_to(site_packages()), (
        "axolotl should come from the layered venv, not be installed here"
    )
    check_entry_points()
    check_plugin_manager()
    check_axolotl_cli()


def check_entry_points() -> None:
    """Both entry points resolve, from this venv's dist-info."""
    from importlib.metadata import entry_points

    import axolotl_fast
    from axolotl_fast.cli import main as cli_main

    plugin = only(entry_points(group="axolotl.plugins", name="axolotl_fast"))
    assert plugin.value == "axolotl_fast:FastPlugin", plugin
    assert plugin.load() is axolotl_fast.FastPlugin
    assert Path(plugin.dist.locate_file("")).resolve() == site_packages(), plugin.dist
    command = only(entry_points(group="axolotl.cli_commands", name="fast"))
    assert command.load() is cli_main


def only(found):
    """The single entry point in ``found``."""
    found = list(found)
    assert len(found) == 1, found
    return found[0]


def check_plugin_manager() -> None:
    """Axolotl's PluginManager registers the plugin under the name users write."""
    from axolotl.integrations.base import PluginManager

    import axolotl_fast

    manager = PluginManager.get_instance()
    manager.register("axolotl_fast.FastPlugin")
    plugins = [
        p for p in manager.plugins.values() if isinstance(p, axolotl_fast.FastPlugin)
    ]
    assert len(plugins) == 1, manager.plugins


def axolotl_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """Run axolotl's CLI (the venv has no `axolotl` script: axolotl is borrowed)."""
    env = {**os.environ, "AXOLOTL_DO_NOT_TRACK": "1", "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "axolotl.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )


def check_axolotl_cli() -> None:
    """``axolotl fast --help`` lists our commands; ``axolotl fast doctor`` finds no problem."""
    result = axolotl_cli("fast", "--help")
    assert result.returncode == 0, result.stderr[-2000:]
    for command in ("inspect", "convert", "doctor"):
        assert command in result.stdout, result.stdout[-2000:]
    result = axolotl_cli("fast", "doctor", "--json")
    assert result.returncode == 0, (result.stdout + result.stderr)[-2000:]
    report = json.loads(result.stdout[result.stdout.index("{\n") :])
    assert report["problems"] == [] and report["plugin_entry_point"], report
    assert report["versions"]["axolotl"], report


if __name__ == "__main__":
    main(sys.argv)
