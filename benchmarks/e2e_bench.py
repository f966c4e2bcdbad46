"""``axolotl preprocess`` end to end, plugin settings side by side (read and tokenize parts).

It runs in the axolotl venv (``scripts/venv.sh``; fast-axolotl is never there), on a generated
alpaca JSONL (``gen_data.py``, ``--e2e-rows`` rows) and the tiny model of
``python -m axolotl_fast.tiny``, with the config of ``examples/configs/tiny-cpu-fast.yml``.
:func:`best_of` runs named variants (an ``axolotl_fast`` block, or none for the plugin off,
plus config keys); each run gets a fresh HF datasets cache and a fresh prepared-dataset
directory, so none reuses another's work, and records wall, CPU-s, peak RSS and a digest of
every value of the prepared dataset (:func:`prepared_summary`), so identical output is checked
on every run. :func:`run` is the read part's case (``read_bench.py --e2e``: the runs differ
only in ``loader``); ``tokenize_bench.py`` has its own variants. Our package comes from
``--pythonpath`` or else from the benchmark venv (its installed wheel), put first on
``PYTHONPATH``.
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
    work: Path, base: dict, block: dict | None, threads: int, extra: dict
) -> Path:
    """The example config on ``base``'s data and model; ``block=None``: no plugin at all."""
    cfg = yaml.safe_load(EXAMPLE.read_text())
    cfg["base_model"] = str(base["model"])
    if base.get("tokenizer"):
        cfg["tokenizer_config"] = str(base["tokenizer"])
    cfg["datasets"][0]["path"] = str(base["data"])
    cfg["dataset_prepared_path"] = str(work / "prepared")
    cfg["output_dir"] = str(work / "out")
    cfg["sequence_len"] = 2048
    cfg["dataset_num_proc"] = threads
    if block is None:
        cfg.pop("plugins", None)
        cfg.pop("axolotl_fast", None)
    else:
        cfg["axolotl_fast"] = {"collator": False, "packing": "axolotl", **block}
    cfg.update(extra)
    path = work / "cfg.yml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def prepared_summary(prepared: Path) -> tuple[int | None, str | None]:
    """Rows and a sha256 of every value (columns in order) of the one prepared dataset."""
    import hashlib

    import datasets

    dirs = [p for p in prepared.iterdir() if p.is_dir()] if prepared.exists() else []
    if len(dirs) != 1:
        return None, None
    dataset = datasets.load_from_disk(str(dirs[0]))
    digest = hashlib.sha256(str(dataset.features).encode())
    for batch in dataset.with_format("arrow").iter(batch_size=10_000):
        for column in batch.columns:
            for values in _canonical(column):
                digest.update(values.tobytes())
    return dataset.num_rows, digest.hexdigest()


def _canonical(column) -> list:
    """A column's values as numpy arrays, whatever its chunks, offsets or slicing."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
        lengths = pc.list_value_length(column).to_numpy(zero_copy_only=False)
        return [lengths, pc.list_flatten(column).to_numpy(zero_copy_only=False)]
    return [column.to_numpy(zero_copy_only=False)]


def preprocess(
    name: str,
    block: dict | None,
    venv: Path,
    base: dict,
    args: argparse.Namespace,
    extra: dict | None = None,
) -> dict:
    """One ``axolotl preprocess`` in fresh HF and prepared caches: wall, CPU, peak RSS."""
    work = base["work"] / re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    cfg = write_config(work, base, block, args.threads, extra or {})
    env = {**base["env"], "HF_DATASETS_CACHE": str(work / "hf"), "TMPDIR": str(work)}
    proc = bench_common.run_measured(
        [str(venv / "bin" / "axolotl"), "preprocess", str(cfg)],
        env,
        args.case_timeout,
        work / "log.txt",
        cwd=work,
    )
    log = (work / "log.txt").read_text(encoding="utf-8", errors="replace")
    plugin_lines = sorted(
        set(
            re.findall(r"axolotl_fast: (?:loader|tokenize|\w+: near_dedupe)[^\n]*", log)
        )
    )
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
        run["prepared_rows"], run["prepared_digest"] = prepared_summary(
            work / "prepared"
        )
    else:
        run["log_tail"] = proc.output_tail
    shutil.rmtree(work / "hf", ignore_errors=True)
    return run


def best_of(
    variants: list[tuple[str, dict | None, dict]],
    venv: Path,
    base: dict,
    args: argparse.Namespace,
) -> list[dict]:
    """Each variant ``args.repeat`` times, alternating; each variant's fastest run."""
    best: dict[str, dict] = {}
    for _ in range(args.repeat):
        for name, block, extra in variants:
            run = preprocess(name, block, venv, base, args, extra)
            if name not in best or run["wall_s"] < best[name]["wall_s"]:
                best[name] = run
    return list(best.values())


def setup(args: argparse.Namespace, env: dict[str, str], work: Path) -> tuple:
    """The axolotl venv, the ``base`` of :func:`preprocess` (generated data, tiny model,
    environment) in ``work``, and where our package comes from."""
    venv = axolotl_venv(args)
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
        [str(venv / "bin" / "python"), "-m", "axolotl_fast.tiny", str(work / "tiny")],
        env=env,
        check=True,
        capture_output=True,
    )
    base = {"work": work, "model": work / "tiny" / "model", "data": data, "env": env}
    return venv, base, source


def run(args: argparse.Namespace, env: dict[str, str]) -> dict:
    work = Path(tempfile.mkdtemp(prefix="e2e-bench-"))
    try:
        venv, base, source = setup(args, env, work)
        only_loader = {"tokenize": False, "dedupe": False}
        variants = [
            ("loader off", {"loader": False, **only_loader}, {}),
            ("loader on", {"loader": True, **only_loader}, {}),
        ]
        runs = best_of(variants, venv, base, args)
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
        if off.get("prepared_digest") != on.get("prepared_digest"):
            notes.append("**The prepared datasets differ.**")
        notes += [f"Plugin log (loader on): {line}." for line in on["plugin_log"]]
        result["note"] = " ".join(notes)
    return result
