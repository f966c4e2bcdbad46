"""Tokenization benchmark: the plugin's ``tokenize`` alone, then ``axolotl preprocess`` end to end.

Runs in the axolotl venv (``scripts/venv.sh``) with our release build first on ``PYTHONPATH``.

* **Alone** (``--rows`` generated alpaca rows, ``gen_data.py``): for each tokenizer, the
  same rows through axolotl's ``AlpacaPromptTokenizingStrategy`` as axolotl runs it
  (``TokenizedPromptDataset``, ``TOKENIZERS_PARALLELISM=false`` as under axolotl's CLI; one
  process, then ``dataset_num_proc: 2``), through a raw ``tokenizers`` ``encode_batch`` of
  the same prompt and response strings (rendered beforehand; 1 and 2 rayon threads: the
  limit with HF's encoder), and through ours (``tokenize_table``, 1 and 2 threads). Each case
  runs in its own process and times the tokenization only (start-up and reading excluded).
* **End to end** (``--e2e-rows``): ``axolotl preprocess`` of the generated JSONL with the
  32k byte-level BPE, plugin off vs ``loader`` + ``tokenize``, and with deduplication on
  both sides (axolotl's ``dataset_exact_deduplication`` vs ours), through
  ``e2e_bench.best_of``: wall, CPU, peak RSS and a digest of the prepared dataset; with
  ``--e2e-large-rows``, plugin off vs ``loader`` + ``tokenize`` again at that size, once.

Tokenizers are trained offline with ``tokenizers``' trainers (``tests/support/tokenizer_kit``):
the tiny kit's BPE and a byte-level BPE, a Metaspace byte-fallback BPE and a Unigram, each
with a vocabulary of up to ``--vocab`` entries. Writes ``benchmarks-tokenize.json``, the
``tokenize`` section of ``benchmarks.md`` and ``benchmarks-tokenize.png`` (``tokenize_report.py``,
run with ``--report-python``, a python with matplotlib: the benchmark venv's).

    python benchmarks/tokenize_bench.py --rows 20000 --e2e-rows 100000 --out-dir docs
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bench_common
import e2e_bench
import gen_data

HERE = Path(__file__).resolve().parent
KINDS = ("tiny-bpe", "byte-level-bpe", "metaspace-bpe", "unigram")
CASES = (  # (label, implementation, threads)
    ("axolotl strategy, 1 process", "axolotl", 1),
    ("axolotl strategy, dataset_num_proc 2", "axolotl", 2),
    ("raw encode_batch, 1 thread", "raw", 1),
    ("raw encode_batch, 2 threads", "raw", 2),
    ("ours, 1 thread", "ours", 1),
    ("ours, 2 threads", "ours", 2),
)
SEQUENCE_LEN = 2048


def save_tokenizers(work: Path, vocab: int, kinds: list[str]) -> dict[str, Path]:
    """Each kind trained and saved as a ``transformers`` tokenizer directory."""
    sys.path.insert(0, str(bench_common.REPO_ROOT / "tests" / "support"))
    import tokenizer_kit
    from transformers import PreTrainedTokenizerFast

    makers = {
        "tiny-bpe": tokenizer_kit.tiny_bpe,
        "byte-level-bpe": lambda: tokenizer_kit.byte_level_bpe(vocab),
        "metaspace-bpe": lambda: tokenizer_kit.metaspace_bpe(vocab),
        "unigram": lambda: tokenizer_kit.unigram(vocab),
    }
    folders = {}
    for kind in kinds:
        make = makers[kind]
        hf = PreTrainedTokenizerFast(
            tokenizer_object=make(),
            bos_token="<s>",
            eos_token="</s>",
            unk_token="<unk>",
            pad_token="<pad>",
            model_input_names=["input_ids", "attention_mask"],
        )
        folders[kind] = work / kind
        hf.save_pretrained(folders[kind])
    return folders


def case_env(implementation: str, threads: int) -> dict[str, str]:
    env = {**os.environ, "RAYON_NUM_THREADS": str(threads)}
    env["AXOLOTL_FAST_NUM_THREADS"] = str(threads)
    env["TOKENIZERS_PARALLELISM"] = "true" if implementation == "raw" else "false"
    return env


def run_case(implementation: str, threads: int, tokenizer: Path, data: Path) -> dict:
    """One case in a fresh process; its JSON line."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child"]
    command += [implementation, str(threads), str(tokenizer), str(data)]
    result = subprocess.run(
        command, env=case_env(implementation, threads), capture_output=True, text=True
    )
    if result.returncode != 0:
        return {"error": result.stderr.strip().splitlines()[-1:]}
    return json.loads(result.stdout.strip().splitlines()[-1])


def child(implementation: str, threads: int, tokenizer_dir: str, data: str) -> None:
    """Time one case (the tokenization only) and print its JSON line."""
    import pyarrow.parquet as pq
    from axolotl.prompt_tokenizers import AlpacaPromptTokenizingStrategy
    from axolotl.prompters import AlpacaPrompter
    from datasets import Dataset
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    table = pq.read_table(data)
    strategy = AlpacaPromptTokenizingStrategy(
        AlpacaPrompter(), tokenizer, False, SEQUENCE_LEN
    )
    work = prepare(implementation, threads, strategy, table, Dataset)
    started = time.perf_counter()
    tokens = work()
    seconds = time.perf_counter() - started
    text_bytes = sum(
        table.column(c).combine_chunks().nbytes for c in table.column_names
    )
    print(
        json.dumps(
            {
                "seconds": seconds,
                "rows": table.num_rows,
                "tokens": tokens,
                "mb": text_bytes / 1e6,
            }
        )
    )


def prepare(implementation, threads, strategy, table, dataset_cls):
    """The timed work of a case, with everything before it done."""
    if implementation == "axolotl":
        import axolotl.utils.data  # noqa: F401  (axolotl.datasets alone is an import cycle)
        from axolotl.datasets import TokenizedPromptDataset

        dataset = dataset_cls(table)

        def work() -> int:
            done = TokenizedPromptDataset(strategy, dataset, process_count=threads)
            return sum(len(ids) for ids in done.data.column("input_ids").to_pylist())

        return work
    if implementation == "raw":
        backend = strategy.tokenizer.backend_tokenizer
        backend.enable_truncation(SEQUENCE_LEN)
        rows = table.to_pylist()
        prompts = [
            next(strategy.prompter.build_prompt(r["instruction"], r["input"]))
            for r in rows
        ]
        outputs = [r["output"] for r in rows]

        def work() -> int:
            encoded = backend.encode_batch(prompts) + backend.encode_batch(outputs)
            return sum(len(e.ids) for e in encoded)

        return work
    import pyarrow.compute as pc

    from axolotl_fast import Encoder
    from axolotl_fast.integration.tokenize.instruction import tokenize_table

    encoder = Encoder.from_tokenizer(strategy.tokenizer)

    def work() -> int:
        done = tokenize_table(table, strategy, encoder, num_threads=threads)
        return pc.sum(pc.list_value_length(done.column("input_ids"))).as_py()

    return work


def alone(args: argparse.Namespace, folders: dict[str, Path]) -> list[dict]:
    data = gen_data.generate(args.rows, args.seed, 10_000, args.data_dir)[
        "parquet-snappy"
    ]
    results = []
    for kind in args.tokenizers:
        for label, implementation, threads in CASES:
            print(f">> tokenize [{kind}] {label}", file=sys.stderr, flush=True)
            result = run_case(implementation, threads, folders[kind], data)
            results.append({"tokenizer": kind, "case": label, **result})
    return results


def end_to_end(args: argparse.Namespace, folders: dict[str, Path], work: Path) -> dict:
    venv = Path(sys.executable).parent.parent
    data = gen_data.generate(args.e2e_rows, args.seed, 10_000, args.data_dir)["jsonl"]
    subprocess.run(
        [sys.executable, "-m", "axolotl_fast.tiny", str(work / "tiny")],
        check=True,
        capture_output=True,
    )
    env = bench_common.offline_env()
    base = {
        "work": work,
        "model": work / "tiny" / "model",
        "tokenizer": folders["byte-level-bpe"],
        "data": data,
        "env": env,
    }
    fast = {"loader": True, "tokenize": True, "dedupe": False}
    dedupe = {"dataset_exact_deduplication": True}
    variants = [
        ("plugin off", None, {}),
        ("loader + tokenize", fast, {}),
        ("plugin off, dataset_exact_deduplication", None, dedupe),
        ("loader + tokenize + dedupe", {**fast, "dedupe": True}, {}),
    ]
    args.case_timeout = args.e2e_timeout
    return {
        "rows": args.e2e_rows,
        "runs": e2e_bench.best_of(variants, venv, base, args),
    }


def end_to_end_large(args: argparse.Namespace, folders: dict, work: Path) -> dict:
    """``axolotl preprocess`` of ``--e2e-large-rows`` rows, plugin off vs on, once each."""
    data = gen_data.generate(args.e2e_large_rows, args.seed, 10_000, args.data_dir)
    base = {
        "work": work,
        "model": work / "tiny" / "model",
        "tokenizer": folders["byte-level-bpe"],
        "data": data["jsonl"],
        "env": bench_common.offline_env(),
    }
    fast = {"loader": True, "tokenize": True, "dedupe": False}
    variants = [("plugin off", None, {}), ("loader + tokenize", fast, {})]
    args.case_timeout = args.e2e_timeout
    venv = Path(sys.executable).parent.parent
    once = argparse.Namespace(**{**vars(args), "repeat": 1})
    return {
        "rows": args.e2e_large_rows,
        "runs": e2e_bench.best_of(variants, venv, base, once),
    }


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--e2e-rows", type=int, default=100_000, help="0: skip")
    parser.add_argument(
        "--e2e-large-rows", type=int, default=0, help="also off vs on at this size"
    )
    parser.add_argument("--vocab", type=int, default=32_000)
    parser.add_argument("--tokenizers", nargs="+", choices=KINDS, default=list(KINDS))
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
    with tempfile.TemporaryDirectory(prefix="tokenize-bench-") as tmp:
        kinds = list(dict.fromkeys([*args.tokenizers, "byte-level-bpe"]))
        folders = save_tokenizers(Path(tmp), args.vocab, kinds)
        vocab = {kind: vocab_size(folders[kind]) for kind in args.tokenizers}
        report = {"rows": args.rows, "vocab": vocab, "alone": alone(args, folders)}
        if args.e2e_rows:
            report["e2e"] = end_to_end(args, folders, Path(tmp))
        if args.e2e_rows and args.e2e_large_rows:
            report["e2e_large"] = end_to_end_large(args, folders, Path(tmp))
    report["seconds"] = time.perf_counter() - started
    bench_common.save_and_render("tokenize", report, args.out_dir, args.report_python)
    return 0


def vocab_size(folder: Path) -> int:
    from transformers import AutoTokenizer

    return len(AutoTokenizer.from_pretrained(folder))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
