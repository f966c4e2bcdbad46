"""Encoder benchmark: byte-level BPE ids from ours, HF ``tokenizers`` and ``tiktoken``.

Runs in the axolotl venv (``scripts/venv.sh``: ``tokenizers`` and ``tiktoken`` are axolotl's
own) with our release build first on ``PYTHONPATH``.

* **Tokenizers**, trained offline with ``tokenizers``' BPE trainer on Python's standard
  library (code, then its docstrings): a 32k GPT-2-style vocabulary (``ByteLevel`` with its
  regex) and a 128k Llama-3-style one (the Llama-3 ``Split`` regex, then ``ByteLevel``).
  For each, a ``tiktoken`` encoding with the same regex, the same tokens as byte strings and
  the vocabulary ids as merge ranks: the comparable vocabulary the issue asks for.
* **Corpora** (``--mb`` each): ``code`` (standard library source in ~2 KB documents),
  ``prose`` (its docstrings) and ``alpaca`` (generated rows, ``gen_data.py``).
* **Cases**, each in a fresh process, one timed pass over the corpus (caches start cold):
  HF ``encode_batch`` and ``encode_batch_fast`` (rayon threads), ours (``Encoder.encode``)
  and ``tiktoken``'s ``encode_ordinary_batch``, on 1 and 2 threads.
  Every case reports a digest of its ids; ours must equal HF's, tiktoken's is compared.

Writes ``benchmarks-encoder.json``, the ``encoder`` section of ``benchmarks.md`` and
``benchmarks-encoder.png`` (``encoder_report.py``, run with ``--report-python``).

    python benchmarks/encoder_bench.py --mb 10 --out-dir docs
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

import bench_common
import gen_data

HERE = Path(__file__).resolve().parent
GPT2_REGEX = (
    r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"
)
LLAMA3_REGEX = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"
    r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
TOKENIZERS = {"gpt2-32k": (32_000, GPT2_REGEX), "llama3-128k": (128_000, LLAMA3_REGEX)}
CORPORA = ("code", "prose", "alpaca")
IMPLEMENTATIONS = ("hf encode_batch", "hf encode_batch_fast", "ours", "tiktoken")


def stdlib_files() -> list[Path]:
    return sorted(Path(sysconfig.get_paths()["stdlib"]).rglob("*.py"))


def code_documents(limit_bytes: int) -> list[str]:
    """Standard library source cut at line ends into documents of about 2 KB."""
    documents, size, current = [], 0, []
    for path in stdlib_files():
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines(True):
            current.append(line)
            if sum(map(len, current)) >= 2000:
                documents.append("".join(current))
                size += len(documents[-1].encode())
                current = []
                if size >= limit_bytes:
                    return documents
    return documents


def prose_documents(limit_bytes: int) -> list[str]:
    """Docstrings of the standard library's modules, classes and functions."""
    documents, size = [], 0
    for path in stdlib_files():
        try:
            tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
            text = ast.get_docstring(node) if isinstance(node, kinds) else None
            if text and len(text) > 80:
                documents.append(text)
                size += len(text.encode())
                if size >= limit_bytes:
                    return documents
    return documents


def alpaca_documents(limit_bytes: int, data_dir: Path | None) -> list[str]:
    import pyarrow.parquet as pq

    rows = max(1000, int(limit_bytes / 1300))
    files = gen_data.generate(rows, 0, 10_000, data_dir)
    table = pq.read_table(files["parquet-snappy"])
    documents, size = [], 0
    for row in table.to_pylist():
        documents.append("\n".join([row["instruction"], row["input"], row["output"]]))
        size += len(documents[-1].encode())
        if size >= limit_bytes:
            break
    return documents


def train(name: str, work: Path, megabytes: float) -> Path:
    """A byte-level BPE of ``TOKENIZERS[name]`` trained on the standard library; its file."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers

    vocab, pattern = TOKENIZERS[name]
    tokenizer = Tokenizer(models.BPE())
    if pattern == GPT2_REGEX:
        tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    else:
        split = pre_tokenizers.Split(Regex(pattern), behavior="isolated")
        byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
        tokenizer.pre_tokenizer = pre_tokenizers.Sequence([split, byte_level])
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab,
        special_tokens=["<|endoftext|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    limit = int(megabytes * 1e6)
    texts = code_documents(limit * 2 // 3) + prose_documents(limit // 3)
    tokenizer.train_from_iterator(texts, trainer)
    path = work / f"{name}.json"
    tokenizer.save(str(path))
    return path


def byte_decoder() -> dict[str, int]:
    """GPT-2's ``bytes_to_unicode``, inverted: ByteLevel's character → byte."""
    printable = [
        *range(ord("!"), ord("~") + 1),
        *range(0xA1, 0xAD),
        *range(0xAE, 0x100),
    ]
    chars, extra = {}, 0
    for byte in range(256):
        if byte in printable:
            chars[chr(byte)] = byte
        else:
            chars[chr(256 + extra)] = byte
            extra += 1
    return chars


def tiktoken_encoding(path: Path, pattern: str):
    """The tokenizer's vocabulary as a ``tiktoken`` encoding: ids as merge ranks."""
    import tiktoken

    decode = byte_decoder()
    vocab = json.loads(path.read_text())["model"]["vocab"]
    ranks = {bytes(decode[c] for c in token): rank for token, rank in vocab.items()}
    return tiktoken.Encoding(
        name=path.stem, pat_str=pattern, mergeable_ranks=ranks, special_tokens={}
    )


def digest(rows) -> str:
    import numpy as np

    hashed = hashlib.sha256()
    for ids in rows:
        hashed.update(np.asarray(ids, dtype=np.uint32).tobytes() + b"|")
    return hashed.hexdigest()[:16]


def child(implementation: str, threads: int, tokenizer: str, corpus: str) -> None:
    """Time one case (one pass over the corpus) and print its JSON line."""
    documents = json.loads(Path(corpus).read_text())
    megabytes = sum(len(d.encode()) for d in documents) / 1e6
    encode, ids_of = prepare(implementation, threads, Path(tokenizer))
    started = time.perf_counter()
    encoded = encode(documents)
    seconds = time.perf_counter() - started
    rows = ids_of(encoded)
    tokens = sum(len(r) for r in rows)
    result = {"seconds": seconds, "mb": megabytes, "tokens": tokens}
    print(json.dumps({**result, "docs": len(documents), "digest": digest(rows)}))


def prepare(implementation: str, threads: int, tokenizer: Path):
    """The timed call and how to read ids back from what it returns."""
    if implementation.startswith("hf"):
        from tokenizers import Tokenizer

        hf = Tokenizer.from_file(str(tokenizer))
        method = getattr(hf, implementation.split()[1])
        return (
            lambda docs: method(docs, add_special_tokens=False),
            lambda out: [e.ids for e in out],
        )
    if implementation == "ours":
        import pyarrow as pa

        from axolotl_fast import Encoder

        ours = Encoder(tokenizer.read_text())
        if ours.fast_encoder_declined:
            raise SystemExit(f"fast encoder declined: {ours.fast_encoder_declined}")
        return (
            lambda docs: ours.encode(
                pa.array(docs), add_special_tokens=False, num_threads=threads
            ),
            lambda out: out.to_pylist(),
        )
    pattern = TOKENIZERS[tokenizer.stem][1]
    encoding = tiktoken_encoding(tokenizer, pattern)
    return (
        lambda docs: encoding.encode_ordinary_batch(docs, num_threads=threads),
        lambda out: out,
    )


def run_case(implementation: str, threads: int, tokenizer: Path, corpus: Path) -> dict:
    env = {**os.environ, "RAYON_NUM_THREADS": str(threads)}
    env["TOKENIZERS_PARALLELISM"] = "true"
    env["AXOLOTL_FAST_NUM_THREADS"] = str(threads)
    command = [sys.executable, str(Path(__file__).resolve()), "--child"]
    command += [implementation, str(threads), str(tokenizer), str(corpus)]
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        return {"error": (result.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(result.stdout.strip().splitlines()[-1])


def best(runs: list[dict]) -> dict:
    ok = [r for r in runs if "seconds" in r]
    return min(ok, key=lambda r: r["seconds"]) if ok else runs[0]


def measure(args: argparse.Namespace, work: Path) -> tuple[list[dict], dict[str, int]]:
    corpora = {}
    for name in args.corpora:
        make = {
            "code": lambda b: code_documents(b),
            "prose": lambda b: prose_documents(b),
            "alpaca": lambda b: alpaca_documents(b, args.data_dir),
        }[name]
        corpora[name] = work / f"{name}.json"
        corpora[name].write_text(json.dumps(make(int(args.mb * 1e6))))
    results, vocab = [], {}
    for name in args.tokenizers:
        print(f">> encoder: training {name}", file=sys.stderr, flush=True)
        tokenizer = train(name, work, args.train_mb)
        vocab[name] = len(json.loads(tokenizer.read_text())["model"]["vocab"])
        for corpus, path in corpora.items():
            for implementation in IMPLEMENTATIONS:
                for threads in (1, 2):
                    label = f"{name} {corpus} {implementation} {threads}t"
                    print(f">> encoder: {label}", file=sys.stderr, flush=True)
                    runs = [
                        run_case(implementation, threads, tokenizer, path)
                        for _ in range(args.repeat)
                    ]
                    results.append(
                        {
                            "tokenizer": name,
                            "corpus": corpus,
                            "implementation": implementation,
                            "threads": threads,
                            **best(runs),
                        }
                    )
    return results, vocab


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=10.0, help="MB of text per corpus")
    parser.add_argument(
        "--tokenizers", nargs="+", choices=list(TOKENIZERS), default=list(TOKENIZERS)
    )
    parser.add_argument("--corpora", nargs="+", choices=CORPORA, default=list(CORPORA))
    parser.add_argument("--train-mb", type=float, default=45.0, help="training text")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--out-dir", type=Path, default=HERE.parent / "bench-report")
    parser.add_argument("--report-python", default=sys.executable)
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--child":
        child(argv[1], int(argv[2]), argv[3], argv[4])
        return 0
    args = parse_args(argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="encoder-bench-") as tmp:
        results, vocab = measure(args, Path(tmp))
    report = {
        "vocab": vocab,
        "mb": args.mb,
        "train_mb": args.train_mb,
        "repeat": args.repeat,
        "results": results,
        "seconds": time.perf_counter() - started,
    }
    bench_common.save_and_render("encoder", report, args.out_dir, args.report_python)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
