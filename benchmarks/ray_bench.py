"""Ray benchmark: ``axolotl-fast prepare --ray`` against the plugin's ``axolotl preprocess``.

Runs in the axolotl venv (``scripts/venv.sh``, which has ``ray[data]``) with our release build
first on ``PYTHONPATH``. For each ``--rows`` size, the same config (the tiny model, the 32k
byte-level BPE of ``tokenize_bench.py``, ``sequence_len`` 2048, plugin ``loader`` +
``tokenize`` + ``dedupe``) is prepared twice on the same CPUs:

* **one process**: ``axolotl preprocess`` with the plugin (``e2e_bench.preprocess``: wall,
  CPU-s, peak RSS, a digest of every prepared value);
* **Ray**: ``axolotl-fast prepare --ray`` (a local Ray on this machine's CPUs, started by the
  command), whose summary gives each stage's seconds; CPU-seconds per million rows per stage
  are the stage's wall times the CPUs Ray holds (the cluster is busy or idle as a whole, so
  this is what a stage costs the cluster). The digest of its prepared dataset must equal the
  one-process digest.

The fixed overheads are measured apart: ``prepare --ray`` of 1,000 rows (Ray start, actors
importing axolotl, each stage's scheduling) and ``ray.init`` alone.

The rows are short alpaca rows (``gen_data.py``'s text cut to a fifth, about 300 bytes a
row, every row made unique by its number, then one row in ten repeated), so that 5M
tokenized rows fit in the object store of a 24 GB machine. Writes ``benchmarks-ray.json``,
the ``ray`` section of ``benchmarks.md`` and ``benchmarks-ray.png`` (``ray_report.py``).

    python benchmarks/ray_bench.py --rows 1000000 5000000 --out-dir docs
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bench_common
import e2e_bench
import gen_data
import tokenize_bench

HERE = Path(__file__).resolve().parent
BLOCK = {"loader": True, "tokenize": True, "dedupe": True}
DATA_VERSION = 1


def short_rows(rows: int, data_dir: Path) -> Path:
    """``rows`` short alpaca rows as JSON Lines (cached): unique, one in ten repeated."""
    path = data_dir / f"ray-v{DATA_VERSION}-rows{rows}.jsonl"
    if path.exists():
        return path
    import random

    base = gen_data.make_rows(random.Random(0), 20_000)
    base = {k: [v[: max(8, len(v) // 5)] for v in col] for k, col in base.items()}
    temporary = path.with_name(f".tmp-{path.name}")
    with open(temporary, "w", encoding="utf-8") as out:
        for start in range(0, rows, 100_000):
            lines = []
            for i in range(start, min(rows, start + 100_000)):
                source = i - 5 if i % 10 == 9 else i
                j = source % 20_000
                row = {
                    "instruction": f"{source}. {base['instruction'][j]}",
                    "input": base["input"][j],
                    "output": base["output"][j],
                }
                lines.append(json.dumps(row, ensure_ascii=False))
            out.write("\n".join(lines) + "\n")
    temporary.replace(path)
    return path


def ray_prepare(name: str, base: dict, args: argparse.Namespace) -> dict:
    """``axolotl-fast prepare --ray`` in a fresh work directory: summary, wall, digest."""
    work = base["work"] / name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    cfg = e2e_bench.write_config(work, base, BLOCK, args.threads, {})
    command = [str(Path(sys.executable).with_name("axolotl-fast")), "prepare"]
    command += [str(cfg), "--ray", "--json"]
    # Ray's own temp dir stays /tmp/ray: its socket paths must stay short.
    env = {**base["env"], "HF_DATASETS_CACHE": str(work / "hf")}
    started = time.perf_counter()
    result = subprocess.run(
        command, env=env, cwd=work, capture_output=True, text=True, timeout=args.timeout
    )
    wall = time.perf_counter() - started
    run = {"name": name, "wall_s": wall}
    if result.returncode != 0:
        run["status"] = f"error: exit {result.returncode}"
        run["log_tail"] = result.stderr[-3000:]
        return run
    (summary,) = json.loads(result.stdout)
    rows, digest = e2e_bench.prepared_summary(work / "prepared")
    shutil.rmtree(work, ignore_errors=True)
    return {
        **run,
        "status": "ok",
        "summary": summary,
        "prepared_rows": rows,
        "prepared_digest": digest,
    }


def ray_init_seconds() -> float:
    """``ray.init`` then ``ray.shutdown`` of a local Ray, in a fresh process."""
    code = (
        "import time, ray; t = time.perf_counter(); ray.init(); "
        "print(time.perf_counter() - t); ray.shutdown()"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip().splitlines()[-1])


def one_size(rows: int, base: dict, args: argparse.Namespace) -> dict:
    base = {**base, "data": short_rows(rows, args.data_dir)}
    venv = Path(sys.executable).parent.parent
    args.case_timeout = args.timeout
    single = e2e_bench.preprocess("one process", BLOCK, venv, base, args)
    on_ray = ray_prepare("ray", base, args)
    return {"rows": rows, "one_process": single, "ray": on_ray}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--vocab", type=int, default=32_000)
    parser.add_argument("--threads", type=int, default=2, help="dataset_num_proc")
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--data-dir", type=Path, default=gen_data.default_data_dir())
    parser.add_argument("--out-dir", type=Path, default=HERE.parent / "bench-report")
    parser.add_argument(
        "--report-python", default=sys.executable, help="a python with matplotlib"
    )
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ray-bench-") as tmp:
        work = Path(tmp)
        folders = tokenize_bench.save_tokenizers(work, args.vocab, ["byte-level-bpe"])
        subprocess.run(
            [sys.executable, "-m", "axolotl_fast.tiny", str(work / "tiny")],
            check=True,
            capture_output=True,
        )
        base = {
            "work": work,
            "model": work / "tiny" / "model",
            "tokenizer": folders["byte-level-bpe"],
            "env": bench_common.offline_env(),
        }
        fixed = ray_prepare(
            "fixed", {**base, "data": short_rows(1000, args.data_dir)}, args
        )
        report = {
            "cpus": os.cpu_count(),
            "ray_init_s": ray_init_seconds(),
            "fixed": fixed,
            "sizes": [one_size(rows, base, args) for rows in args.rows],
        }
    report["seconds"] = time.perf_counter() - started
    bench_common.save_and_render("ray", report, args.out_dir, args.report_python)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
