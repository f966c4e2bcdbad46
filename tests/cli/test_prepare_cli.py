"""`axolotl-fast prepare`: a config it cannot prepare identically is refused before Ray starts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from support.axolotl_run import axolotl_env, write_config

pytest.importorskip("axolotl")
pytest.importorskip("ray", reason="ray[data] is not installed (axolotl_fast[ray])")


def prepare(*args: str) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).with_name("axolotl-fast")), "prepare", *args]
    return subprocess.run(
        command, env=axolotl_env(), capture_output=True, text=True, timeout=600
    )


def test_help_names_the_options():
    result = prepare("--help")
    assert result.returncode == 0, result.stderr
    for option in ("--ray", "--key-shards", "--seen", "--overwrite", "--json"):
        assert option in result.stdout


def test_a_config_with_entry_shards_is_refused_with_one_line(tiny_kit, tmp_path):
    config = write_config(
        "tiny-cpu-fast.yml",
        tiny_kit,
        tmp_path,
        {"path": str(tiny_kit.jsonl), "shards": 2},
    )
    result = prepare(str(config), "--ray", "--json")
    assert result.returncode == 1, result.stderr[-2000:]
    assert "shards (a shuffle of the raw entry) is not supported" in result.stderr
    assert "Traceback" not in result.stderr
    assert "Started a local Ray instance" not in result.stderr
    assert result.stdout == ""
    assert not (tmp_path / "prepared").exists()


def test_ray_is_required():
    result = prepare("--help")
    assert "--ray" in result.stdout
    missing = prepare(__file__)
    assert missing.returncode == 2 and "--ray" in missing.stderr
