"""Run the real ``axolotl`` command on a tiny kit: configs, environment, traces."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from support.paths import OFFLINE_ENV, REPO_ROOT

EXAMPLES = REPO_ROOT / "examples" / "configs"
LOSS_RECORDER = "support.loss_recorder.LossRecorderPlugin"


def write_config(example: str, kit, work: Path, data: dict | None = None) -> Path:
    cfg = yaml.safe_load((EXAMPLES / example).read_text())
    cfg["base_model"] = str(kit.model_dir)
    cfg["datasets"][0].update(data or {"path": str(kit.jsonl)})
    cfg["datasets"][0] = {k: v for k, v in cfg["datasets"][0].items() if v is not None}
    cfg["dataset_prepared_path"] = str(work / "prepared")
    cfg["output_dir"] = str(work / "out")
    cfg["plugins"] = [*cfg.get("plugins", []), LOSS_RECORDER]
    path = work / example
    path.write_text(yaml.safe_dump(cfg))
    return path


def axolotl_env(**extra: str) -> dict[str, str]:
    """Offline env in which the loss recorder plugin (tests/support) is importable."""
    pythonpath = [str(REPO_ROOT / "tests"), os.environ.get("PYTHONPATH", "")]
    return {
        **os.environ,
        **OFFLINE_ENV,
        "PYTHONPATH": os.pathsep.join(pythonpath),
        **extra,
    }


def run_axolotl(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    axolotl = Path(sys.executable).with_name("axolotl")
    return subprocess.run(
        [str(axolotl), *args], env=env, capture_output=True, text=True, timeout=900
    )


def run_axolotl_ok(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    result = run_axolotl(*args, env=env)
    output = f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    assert result.returncode == 0, f"axolotl {args[0]} failed:\n{output}"
    return result


def read_lines(path: Path) -> list:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]
