"""``chat_template`` benchmark: the strategy alone on short and long conversations, then
``axolotl preprocess`` end to end.

Runs in the axolotl venv (``scripts/venv.sh``) with our release build first on ``PYTHONPATH``.
Conversations are made from generated alpaca rows (``gen_data.py``): each exchange is a row's
instruction (and input) as the user turn and its output as the assistant turn, 1 exchange
per conversation (short) or 10 (long: 20 turns), a system turn on every other one.

* **Alone** (``--rows`` conversations of each length): axolotl's ``ChatTemplateStrategy``
  (ChatML, ``roles_to_train: [assistant]``) as axolotl runs it (``TokenizedPromptDataset``,
  ``TOKENIZERS_PARALLELISM=false``; one process, then ``dataset_num_proc: 2``) against ours
  (``chat_template.iter_tokenized``, 1 and 2 threads), on the byte-level BPE of
  ``tests/support/tokenizer_kit`` with ``<|im_start|>`` / ``<|im_end|>`` as special tokens
  (EOS ``<|im_end|>``). Each case in its own process, tokenization only, with a digest of
  every output value so identical output is checked.
* **End to end** (``--e2e-rows`` short conversations): ``axolotl preprocess``, plugin off vs
  ``loader`` + ``tokenize`` (``e2e_bench.best_of``), on the conversations as they are and
  with a ``weight`` key on every third assistant turn (turns with differing keys, which HF
  stores as ``datasets.Json`` text and the loader replays, ``hf/json_replay.py``).

Writes ``benchmarks-chat.json``, the ``chat`` section of ``benchmarks.md`` and
``benchmarks-chat.png`` (``chat_report.py``, run with ``--report-python``).

    python benchmarks/chat_bench.py --rows 5000 --e2e-rows 250000 --out-dir docs
"""

from __future__ import annotations

import argparse
import json
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
CASES = (  # (label, implementation, threads)
    ("axolotl strategy, 1 process", "axolotl", 1),
    ("axolotl strategy, dataset_num_proc 2", "axolotl", 2),
    ("ours, 1 thread", "ours", 1),
    ("ours, 2 threads", "ours", 2),
)
LENGTHS = {"short (2 turns)": 1, "long (20 turns)": 10}
CHATML = {"eos_token": "<|im_end|>", "additional_special_tokens": ["<|im_start|>"]}


WEIGHTED = " (turns with a weight key)"


def conversations(
    rows: int, exchanges: int, seed: int, data_dir, out: Path, weight_every: int = 0
) -> Path:
    """``rows`` conversations of ``exchanges`` user / assistant pairs, as JSON Lines.

    ``weight_every``: every that many conversations, the assistant turns get ``weight: 1``.
    """
    import pyarrow.parquet as pq

    alpaca = gen_data.generate(rows * exchanges, seed, 10_000, data_dir)[
        "parquet-snappy"
    ]
    table = pq.read_table(alpaca).to_pylist()
    with out.open("w", encoding="utf-8") as file:
        for index in range(rows):
            messages = [{"role": "system", "content": "Be brief."}] if index % 2 else []
            for row in table[index * exchanges : (index + 1) * exchanges]:
                user = f"{row['instruction']}\n{row['input']}".strip()
                reply = {"role": "assistant", "content": row["output"]}
                if weight_every and index % weight_every == 0:
                    reply["weight"] = 1
                messages += [{"role": "user", "content": user}, reply]
            file.write(json.dumps({"messages": messages}) + "\n")
    return out


def chat_tokenizer(work: Path, vocab: int) -> Path:
    from transformers import AutoTokenizer

    kind = "byte-level-bpe"
    folder = tokenize_bench.save_tokenizers(work, vocab, [kind])[kind]
    tokenizer = AutoTokenizer.from_pretrained(folder)
    tokenizer.add_special_tokens(CHATML)
    tokenizer.save_pretrained(work / "chatml")
    return work / "chatml"


def run_case(implementation: str, threads: int, tokenizer: Path, data: Path) -> dict:
    env = tokenize_bench.case_env(implementation, threads)
    command = [sys.executable, str(Path(__file__).resolve()), "--child"]
    command += [implementation, str(threads), str(tokenizer), str(data)]
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        return {"error": result.stderr.strip().splitlines()[-1:]}
    return json.loads(result.stdout.strip().splitlines()[-1])


def child(implementation: str, threads: int, tokenizer_dir: str, data: str) -> None:
    """Time one case (the tokenization only) and print its JSON line."""
    import hashlib

    import pyarrow as pa
    import pyarrow.json as pj
    from axolotl.prompt_strategies import load
    from axolotl.utils.dict import DictDefault
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    table = pj.read_json(data)
    cfg = DictDefault(sequence_len=2048, train_on_inputs=False, chat_template="chatml")
    ds_cfg = DictDefault(type="chat_template", chat_template="chatml")
    strategy = load("chat_template", tokenizer, cfg, ds_cfg)
    work = prepare(implementation, threads, strategy, table)
    started = time.perf_counter()
    done: pa.Table = work()
    seconds = time.perf_counter() - started
    digest = hashlib.sha256()
    for column in done.column_names:
        digest.update(column.encode())
        for values in done.column(column).to_pylist():
            digest.update(repr(values).encode())
    mb = sum(len(line) for line in Path(data).read_bytes().splitlines()) / 1e6
    print(
        json.dumps(
            {
                "seconds": seconds,
                "rows": table.num_rows,
                "mb": mb,
                "digest": digest.hexdigest(),
            }
        )
    )


def prepare(implementation, threads, strategy, table):
    """The timed work of a case, with everything before it done."""
    import pyarrow as pa

    if implementation == "axolotl":
        import axolotl.utils.data  # noqa: F401  (axolotl.datasets alone is an import cycle)
        from axolotl.datasets import TokenizedPromptDataset
        from datasets import Dataset

        dataset = Dataset(table)

        def work() -> pa.Table:
            done = TokenizedPromptDataset(strategy, dataset, process_count=threads)
            return done.data.table

        return work
    from axolotl_fast import Encoder
    from axolotl_fast.integration.tokenize import chat_template

    encoder = Encoder.from_tokenizer(strategy.tokenizer)

    def work() -> pa.Table:
        pieces = chat_template.iter_tokenized(
            table, strategy, encoder, num_threads=threads
        )
        return pa.concat_tables(list(pieces))

    return work


def alone(args: argparse.Namespace, tokenizer: Path, work: Path) -> list[dict]:
    results = []
    for length, exchanges in LENGTHS.items():
        data = conversations(
            args.rows, exchanges, args.seed, args.data_dir, work / f"{exchanges}.jsonl"
        )
        for label, implementation, threads in CASES:
            print(f">> chat [{length}] {label}", file=sys.stderr, flush=True)
            result = run_case(implementation, threads, tokenizer, data)
            results.append({"length": length, "case": label, **result})
    return results


def end_to_end(args: argparse.Namespace, tokenizer: Path, work: Path) -> dict:
    venv = Path(sys.executable).parent.parent
    data = conversations(args.e2e_rows, 1, args.seed, args.data_dir, work / "e2e.jsonl")
    weighted = conversations(
        args.e2e_rows, 1, args.seed, args.data_dir, work / "e2e-weight.jsonl", 3
    )
    subprocess.run(
        [sys.executable, "-m", "axolotl_fast.tiny", str(work / "tiny")],
        check=True,
        capture_output=True,
    )
    env = bench_common.offline_env()
    base = {
        "work": work,
        "model": work / "tiny" / "model",
        "tokenizer": tokenizer,
        "data": data,
        "env": env,
    }
    fast = {"loader": True, "tokenize": True, "dedupe": False}
    variants = []
    for path, suffix in ((data, ""), (weighted, WEIGHTED)):
        chat = {
            "datasets": [
                {
                    "path": str(path),
                    "ds_type": "json",
                    "type": "chat_template",
                    "chat_template": "chatml",
                }
            ]
        }
        variants += [
            ("plugin off" + suffix, None, chat),
            ("loader + tokenize" + suffix, fast, chat),
        ]
    args.case_timeout = args.e2e_timeout
    return {
        "rows": args.e2e_rows,
        "runs": e2e_bench.best_of(variants, venv, base, args),
    }


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000)
    parser.add_argument("--e2e-rows", type=int, default=250_000, help="0: skip")
    parser.add_argument("--vocab", type=int, default=32_000)
    parser.add_argument("--threads", type=int, default=2, help="dataset_num_proc")
    parser.add_argument("--repeat", type=int, default=1)
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
    with tempfile.TemporaryDirectory(prefix="chat-bench-") as tmp:
        work = Path(tmp)
        tokenizer = chat_tokenizer(work, args.vocab)
        report = {"rows": args.rows, "vocab": tokenize_bench.vocab_size(tokenizer)}
        report["alone"] = alone(args, tokenizer, work)
        if args.e2e_rows:
            report["e2e"] = end_to_end(args, tokenizer, work)
    report["seconds"] = time.perf_counter() - started
    bench_common.save_and_render("chat", report, args.out_dir, args.report_python)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
