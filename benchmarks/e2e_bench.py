"""End-to-end case of the read benchmark: ``axolotl preprocess`` with the plugin's loader on/off.

It runs in the axolotl venv (``scripts/venv.sh``; fast-axolotl is never there), on a generated
alpaca JSONL (``gen_data.py``, ``--e2e-rows`` rows) and the tiny model of
``python -m axolotl_fast.tiny``, with the config of ``examples/configs/tiny-cpu-fast.yml``.
The two runs differ only in ``axolotl_fast.loader``; each gets a fresh HF datasets cache and a
fresh prepared-dataset directory, so neither reuses the other's work. Our package comes from
``--pythonpath`` or else from the benchmark venv (its installed wheel), put first on
``PYTHONPATH``. Called by ``read_bench.py --e2e``.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import bench_common
import gen_data
import yaml

EXAMPLE = bench_common.REPO_ROOT / "examples" / "configs" / "tiny-cpu-fast.yml"


def axolotl_venv(args: argparse.Namespace) -> Path:
    if args.axolotl_venv:
        return args.axolotl_venv
    script = bench_common.REPO_ROOT / "scripts" / "venv.sh"
    return Path(subprocess.check_output(["bash", str(script)], text=True).strip())


def ours_pythonpath(args: argparse.Namespace, work: Path) -> tuple[list[str], str]:
    """Directories that put the axolotl_fast under test first, and where it came from."""
    if args.pythonpath:
        paths = [str(p.resolve()) for p in args.pythonpath]
        return paths, f"--pythonpath {' '.join(paths)}"
    spec = importlib.util.find_spec("axolotl_fast")
    if spec is None or not spec.submodule_search_locations:
        return [], "the axolotl venv's own install (none in the benchmark venv)"
    package = Path(next(iter(spec.submodule_search_locations)))
    link_dir = work / "ours"
    link_dir.mkdir()
    (link_dir / "axolotl_fast").symlink_to(package, target_is_directory=True)
    return [str(link_dir)], f"the benchmark venv's install ({package})"


def write_config(
    work: Path, model: Path, data: Path, loader: bool, threads: int
) -> Path:
    cfg = yaml.safe_load(EXAMPLE.read_text())
    cfg["base_model"] = str(model)
    cfg["datasets"][0]["path"] = str(data)
    cfg["dataset_prepared_path"] = str(work / "prepared")
    cfg["output_dir"] = str(work / "out")
    cfg["sequence_len"] = 2048
    cfg["dataset_num_proc"] = threads
    cfg["axolotl_fast"] = {
        "loader": loader,
        "dedupe": False,
        "collator": False,
        "packing": "axolotl",
    }
    path = work / "cfg.yml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def prepared_rows(prepared: Path) -> int | None:
    import datasets

    dirs = [p for p in prepared.iterdir() if p.is_dir()] if prepared.exists() else []
    if len(dirs) != 1:
        return None
    return datasets.load_from_disk(str(dirs[0])).num_rows


def preprocess(
    name: str, loader: bool, venv: Path, base: dict, args: argparse.Namespace, tag: str
) -> dict:
    work = base["work"] / f"{name.replace(' ', '-')}-{tag}"
    work.mkdir()
    cfg = write_config(work, base["model"], base["data"], loader, args.threads)
    env = {**base["env"], "HF_DATASETS_CACHE": str(work / "hf"), "TMPDIR": str(work)}
    proc = bench_common.run_measured(
        [str(venv / "bin" / "axolotl"), "preprocess", str(cfg)],
        env,
        args.case_timeout,
        work / "log.txt",
        cwd=work,
    )
    log = (work / "log.txt").read_text(encoding="utf-8", errors="replace")
    plugin_lines = sorted(set(re.findall(r"axolotl_fast: loader[^\n]*", log)))
    ok = proc.returncode == 0
    run = {
        "name": name,
        "wall_s": proc.wall_s,
        "cpu_s": proc.cpu_s,
        "maxrss_mb": proc.maxrss_mb,
        "status": "ok" if ok else f"error: exit {proc.returncode}",
        "plugin_log": plugin_lines,
    }
    if ok:
        run["prepared_rows"] = prepared_rows(work / "prepared")
    else:
        run["log_tail"] = proc.output_tail
    return run


def run(args: argparse.Namespace, env: dict[str, str]) -> dict:
    venv = axolotl_venv(args)
    work = Path(tempfile.mkdtemp(prefix="e2e-bench-"))
    try:
        paths, source = ours_pythonpath(args, work)
        env = {
            **env,
            "PYTHONPATH": ":".join([*paths, env.get("PYTHONPATH", "")]),
            "TRANSFORMERS_OFFLINE": "1",
            "AXOLOTL_DO_NOT_TRACK": "1",
            "WANDB_MODE": "disabled",
        }
        data = gen_data.generate(
            args.e2e_rows, args.seed, args.row_group_rows, args.data_dir
        )["jsonl"]
        subprocess.run(
            [
                str(venv / "bin" / "python"),
                "-m",
                "axolotl_fast.tiny",
                str(work / "tiny"),
            ],
            env=env,
            check=True,
            capture_output=True,
        )
        base = {
            "work": work,
            "model": work / "tiny" / "model",
            "data": data,
            "env": env,
        }
        best: dict[str, dict] = {}
        for i in range(args.repeat):  # alternate off/on; keep each side's best wall
            for name, loader in (("loader off", False), ("loader on", True)):
                run = preprocess(name, loader, venv, base, args, f"{i}")
                if name not in best or run["wall_s"] < best[name]["wall_s"]:
                    best[name] = run
        runs = list(best.values())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    off, on = runs
    result = {
        "description": (
            f"`axolotl preprocess` of {args.e2e_rows:,} generated alpaca rows (JSONL, "
            f"sequence_len 2048, dataset_num_proc {args.threads}) with the tiny model; "
            f"fresh HF and prepared caches per run, best of {args.repeat}; "
            f"axolotl venv `{venv}`; axolotl_fast "
            f"from {source}. Wall, CPU-s and peak RSS of the whole command (start-up and "
            "tokenization included)."
        ),
        "runs": runs,
    }
    if off["status"] == on["status"] == "ok":
        result["speedup"] = off["wall_s"] / on["wall_s"]
        notes = []
        if off.get("prepared_rows") != on.get("prepared_rows"):
            notes.append("**Prepared row counts differ.**")
        notes += [f"Plugin log (loader on): {line}." for line in on["plugin_log"]]
        result["note"] = " ".join(notes)
    return result
