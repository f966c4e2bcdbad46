"""Helpers shared by the read and end-to-end benchmarks.

A command run with :func:`run_measured` is timed from outside: wall clock, CPU-seconds and
peak RSS come from ``os.wait4`` (the child and its waited-for descendants). A marked section
of ``docs/benchmarks.md`` is replaced in place by :func:`write_section`, leaving the rest of
the file (``benchmarks/run.py``'s tables) alone.
"""

from __future__ import annotations

import json
import os
import platform
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def offline_env() -> dict[str, str]:
    """This process's environment, with Hugging Face, axolotl telemetry and wandb offline."""
    return {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "AXOLOTL_DO_NOT_TRACK": "1",
        "WANDB_MODE": "disabled",
    }


@dataclass
class Measured:
    returncode: int  # negative: killed by that signal (a timeout is -9)
    timed_out: bool
    wall_s: float
    cpu_s: float
    maxrss_mb: float
    output_tail: str


def run_measured(
    cmd: list[str],
    env: dict[str, str],
    timeout_s: float,
    log: Path,
    cwd: Path | None = None,
) -> Measured:
    """Run ``cmd``, its output going to ``log``; kill its process group after the timeout."""
    with open(log, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd,
            env=env,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        timed_out = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - start > timeout_s and not timed_out:
                timed_out = True
                os.killpg(proc.pid, signal.SIGKILL)
            time.sleep(0.02)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    tail = log.read_bytes()[-3000:].decode("utf-8", "replace")
    return Measured(
        proc.returncode,
        timed_out,
        wall,
        usage.ru_utime + usage.ru_stime,
        usage.ru_maxrss / 1024,
        tail,
    )


def _cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or platform.machine()
    match = re.search(r"model name\s*:\s*(.+)", text)
    return match.group(1).strip() if match else platform.machine()


def _mem_gb() -> float | None:
    try:
        text = Path("/proc/meminfo").read_text()
    except OSError:
        return None
    match = re.search(r"MemTotal:\s+(\d+) kB", text)
    return int(match.group(1)) / 1024**2 if match else None


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine_info() -> dict[str, object]:
    return {
        "cpu": _cpu_model(),
        "cpus": os.cpu_count(),
        "mem_gb": _mem_gb(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "versions": {
            name: _version(name)
            for name in ("pyarrow", "polars", "datasets", "fast-axolotl")
        },
    }


def ours_info(env: dict[str, str]) -> dict[str, object]:
    """Version, build profile and location of the axolotl_fast the children import."""
    code = (
        "import json, axolotl_fast as a; i = a.build_info(); "
        "i['file'] = a.__file__; print(json.dumps(i))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        return {"error": result.stderr.strip().splitlines()[-1:]}
    import json

    return json.loads(result.stdout)


def write_section(doc: Path, name: str, body: str) -> None:
    """Put ``body`` between ``<!-- name:begin -->`` and ``<!-- name:end -->`` in ``doc``."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    block = f"{begin}\n{body.rstrip()}\n{end}\n"
    text = doc.read_text(encoding="utf-8") if doc.exists() else "# Benchmarks\n"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end) + r"\n?", re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        text = text.rstrip("\n") + "\n\n" + block
    doc.write_text(text, encoding="utf-8")


def save_and_render(part: str, report: dict, out_dir: Path, report_python: str) -> None:
    """Write ``benchmarks-PART.json`` (with the machine and our build) into ``out_dir``,
    then render its section and chart with ``PART_report.py`` (dashes as underscores:
    ``near-dedupe`` -> ``near_dedupe_report.py``) under ``report_python`` (a python with
    matplotlib: the benchmark venv's)."""
    report["machine"] = machine_info()
    report["ours"] = ours_info(dict(os.environ))
    out_dir.mkdir(parents=True, exist_ok=True)
    raw = out_dir / f"benchmarks-{part}.json"
    raw.write_text(json.dumps(report, indent=2) + "\n")
    renderer = Path(__file__).resolve().parent / f"{part.replace('-', '_')}_report.py"
    subprocess.run([report_python, str(renderer), str(raw)], check=True)
