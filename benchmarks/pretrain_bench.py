"""Packed pretraining streams: one buffer alone, then ``axolotl train`` end to end.

Runs in the axolotl venv (``scripts/venv.sh``) with our release build first on ``PYTHONPATH``.
Documents are generated alpaca rows (``gen_data.py``), four rows' fields joined per document.

* **One buffer** (``--buffer-rows`` documents, ``sequence_len`` 2048, the byte-level BPE of
  ``tests/support/tokenizer_kit`` with up to ``--vocab`` entries): what a
  ``pretraining_dataset`` with ``sample_packing`` does to every buffer of
  ``streaming_multipack_buffer_size`` rows. Axolotl's
  ``encode_packed_streaming`` (one process, then ``dataset_num_proc: 2``), the tokenizer call
  inside it alone (``TOKENIZERS_PARALLELISM=false``, as under axolotl's CLI), and ours
  (``PackedPretrainEncode.packed``, 1 and 2 threads). Each case runs in its own process from
  the same torch seed and prints a digest of every tensor it made, so identical output is
  checked.
* **End to end** (``--e2e-rows`` documents): ``axolotl train`` of the tiny model (its own
  tokenizer, ``sequence_len`` 512: the model's context) on the documents as a streamed
  ``pretraining_dataset``, ``max_steps`` ``--steps``, plugin off vs ``loader`` + ``tokenize``:
  wall, CPU, peak RSS and the losses of every step.

Writes ``benchmarks-pretrain.json``, the ``pretrain`` section of ``benchmarks.md`` and
``benchmarks-pretrain.png`` (``pretrain_report.py``, run with ``--report-python``).

    python benchmarks/pretrain_bench.py --buffer-rows 10000 --e2e-rows 20000 --out-dir docs
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bench_common
import gen_data
import tokenize_bench
import yaml

HERE = Path(__file__).resolve().parent
SEQUENCE_LEN = 2048
CASES = (  # (label, implementation, threads)
    ("axolotl encode_packed_streaming, 1 process", "axolotl", 1),
    ("axolotl encode_packed_streaming, dataset_num_proc 2", "axolotl", 2),
    ("its tokenizer call alone, 1 thread", "tokenizer", 1),
    ("ours, 1 thread", "ours", 1),
    ("ours, 2 threads", "ours", 2),
)


def documents(rows: int, seed: int, data_dir: Path | None, out: Path) -> Path:
    """``rows`` documents in a JSON Lines file, each four alpaca rows' fields joined."""
    import pyarrow.parquet as pq

    alpaca = gen_data.generate(rows * 4, seed, 10_000, data_dir)["parquet-snappy"]
    table = pq.read_table(alpaca).to_pylist()
    with out.open("w", encoding="utf-8") as file:
        for start in range(0, len(table), 4):
            parts = [
                f"{r['instruction']}\n{r['input']}\n{r['output']}"
                for r in table[start : start + 4]
            ]
            file.write(json.dumps({"text": "\n\n".join(parts)}) + "\n")
    return out


def run_case(implementation: str, threads: int, tokenizer: Path, data: Path) -> dict:
    """One case in a fresh process; its JSON line."""
    env = tokenize_bench.case_env("ours" if implementation == "ours" else "x", threads)
    command = [sys.executable, str(Path(__file__).resolve()), "--child"]
    command += [implementation, str(threads), str(tokenizer), str(data)]
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        return {"error": result.stderr.strip().splitlines()[-1:]}
    return json.loads(result.stdout.strip().splitlines()[-1])


def child(implementation: str, threads: int, tokenizer_dir: str, data: str) -> None:
    """Time one case on one buffer and print its JSON line."""
    import functools
    import hashlib

    import torch
    from axolotl.utils.data.wrappers import get_dataset_wrapper
    from axolotl.utils.dict import DictDefault
    from transformers import AutoTokenizer

    from axolotl_fast.integration.data import packed_stream

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    texts = [json.loads(line)["text"] for line in Path(data).read_text().splitlines()]
    examples = {"text": texts}
    cfg = DictDefault(
        sequence_len=SEQUENCE_LEN,
        train_on_inputs=False,
        pretraining_dataset=[{"path": data, "type": "pretrain", "text_column": "text"}],
        sample_packing=True,
        micro_batch_size=1,
        dataset_num_proc=threads if implementation == "axolotl" else None,
    )
    source = DictDefault(path=data, type="pretrain")
    wrapper = functools.partial(
        get_dataset_wrapper,
        dataset_config=source,
        tokenizer=tokenizer,
        cfg=cfg,
        dataset_base_type="pretrain",
    )
    encode = packed_stream._packed_encode(source, tokenizer, cfg, wrapper)
    work = {
        "axolotl": lambda: encode.axolotls(examples),
        "ours": lambda: encode.packed(examples),
        "tokenizer": lambda: encode.strategy.tokenize_prompt(examples),
    }[implementation]
    torch.manual_seed(0)
    started = time.perf_counter()
    out = work()
    seconds = time.perf_counter() - started
    result = {"seconds": seconds, "rows": len(texts)}
    result["mb"] = sum(len(t.encode()) for t in texts) / 1e6
    if implementation != "tokenizer":
        digest = hashlib.sha256(str(list(out)).encode())
        for name in out:
            for tensor in out[name]:
                digest.update(tensor.numpy().tobytes() + b"|")
        result.update(bins=len(out["input_ids"]), digest=digest.hexdigest())
    print(json.dumps(result))


def one_buffer(args: argparse.Namespace, tokenizer: Path, work: Path) -> list[dict]:
    data = documents(args.buffer_rows, args.seed, args.data_dir, work / "buffer.jsonl")
    results = []
    for label, implementation, threads in CASES:
        print(f">> pretrain [one buffer] {label}", file=sys.stderr, flush=True)
        results.append(
            {"case": label, **run_case(implementation, threads, tokenizer, data)}
        )
    return results


def train(name: str, fast: bool, base: dict, args: argparse.Namespace) -> dict:
    """One ``axolotl train`` of the streamed documents: wall, CPU, RSS, the losses."""
    work = base["work"] / name.replace(" ", "-").replace("+", "and")
    work.mkdir()
    cfg = yaml.safe_load(tokenize_bench.e2e_bench.EXAMPLE.read_text())
    del cfg["datasets"]
    cfg.update(
        base_model=str(base["model"]),
        pretraining_dataset=[{"path": str(base["data"]), "type": "pretrain"}],
        streaming=True,
        sample_packing=True,
        sequence_len=512,
        micro_batch_size=1,
        max_steps=args.steps,
        logging_steps=1,
        dataset_prepared_path=str(work / "prepared"),
        output_dir=str(work / "out"),
        save_strategy="no",
    )
    if fast:
        cfg["axolotl_fast"] = {"loader": True, "tokenize": True, "collator": False}
    else:
        cfg.pop("plugins", None)
        cfg.pop("axolotl_fast", None)
    path = work / "cfg.yml"
    path.write_text(yaml.safe_dump(cfg))
    venv = Path(sys.executable).parent.parent
    command = [
        str(venv / "bin" / "axolotl"),
        "train",
        str(path),
        "--launcher",
        "python",
    ]
    env = {**base["env"], "HF_DATASETS_CACHE": str(work / "hf"), "TMPDIR": str(work)}
    proc = bench_common.run_measured(
        command, env, args.e2e_timeout, work / "log.txt", cwd=work
    )
    log = (work / "log.txt").read_text(encoding="utf-8", errors="replace")
    return {
        "name": name,
        "wall_s": proc.wall_s,
        "cpu_s": proc.cpu_s,
        "maxrss_mb": proc.maxrss_mb,
        "status": "ok" if proc.returncode == 0 else f"error: exit {proc.returncode}",
        "losses": re.findall(r"'loss': '?([0-9.]+)", log),
        "plugin_log": sorted(set(re.findall(r"axolotl_fast: tokenize[^\n]*", log))),
    }


def end_to_end(args: argparse.Namespace, work: Path) -> dict:
    (work / "docs").mkdir()  # axolotl streams a directory (a file path is not found)
    documents(args.e2e_rows, args.seed, args.data_dir, work / "docs" / "docs.jsonl")
    data = work / "docs"
    subprocess.run(
        [sys.executable, "-m", "axolotl_fast.tiny", str(work / "tiny")],
        check=True,
        capture_output=True,
    )
    env = bench_common.offline_env()
    base = {"work": work, "model": work / "tiny" / "model", "data": data, "env": env}
    runs = [
        train("plugin off", False, base, args),
        train("loader + tokenize", True, base, args),
    ]
    return {"rows": args.e2e_rows, "steps": args.steps, "runs": runs}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buffer-rows", type=int, default=10_000)
    parser.add_argument("--e2e-rows", type=int, default=20_000, help="0: skip")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--vocab", type=int, default=32_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--e2e-timeout", type=float, default=3600)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--out-dir", type=Path, default=HERE.parent / "bench-report")
    parser.add_argument(
        "--report-python", default=sys.executable, help="a python with matplotlib"
    )
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--child":
        child(argv[1], int(argv[2]), argv[3], argv[4])
        return 0
    args = parse_args(argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="pretrain-bench-") as tmp:
        work = Path(tmp)
        kind = "byte-level-bpe"
        tokenizer = tokenize_bench.save_tokenizers(work, args.vocab, [kind])[kind]
        report = {
            "buffer_rows": args.buffer_rows,
            "sequence_len": SEQUENCE_LEN,
            "vocab": tokenize_bench.vocab_size(tokenizer),
            "one_buffer": one_buffer(args, tokenizer, work),
        }
        if args.e2e_rows:
            report["e2e"] = end_to_end(args, work)
    report["seconds"] = time.perf_counter() - started
    bench_common.save_and_render("pretrain", report, args.out_dir, args.report_python)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
