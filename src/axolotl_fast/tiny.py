"""A tiny Llama, tokenizer and alpaca data, made offline in seconds.

For tests, demos and benchmarks that must run without the Hugging Face hub::

    python -m axolotl_fast.tiny build/tiny

writes ``build/tiny/model`` (a byte-level BPE tokenizer and a ~180k-parameter Llama with
random weights) and ``build/tiny/data`` (``alpaca.jsonl``, ``alpaca.parquet`` and
``alpaca_dup.jsonl``, the same rows with every third one repeated). Everything is a pure
function of ``--seed``. Needs ``tokenizers``, ``transformers`` and ``torch`` (all installed
with axolotl) and ``pyarrow``.
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["TinyKit", "make_alpaca_rows", "make_tiny_kit"]

SPECIAL_TOKENS = ["<unk>", "<s>", "</s>", "<pad>"]
_SUBJECTS = [
    "the cat",
    "a robot",
    "my neighbour",
    "the river",
    "an old map",
    "the team",
]
_VERBS = ["finds", "paints", "explains", "carries", "counts", "remembers", "builds"]
_OBJECTS = ["a red kite", "seven apples", "the answer", "a quiet song", "the bridge"]
_PLACES = ["at dawn", "in the garden", "near the station", "under the rain", "today"]
_TASKS = [
    "Summarize the sentence.",
    "Rewrite the sentence politely.",
    "Translate the idea into a question.",
    "Name the subject of the sentence.",
]


@dataclass(frozen=True)
class TinyKit:
    """Paths of a generated kit."""

    root: Path
    model_dir: Path
    jsonl: Path
    parquet: Path
    jsonl_with_duplicates: Path


def _sentence(rng: random.Random) -> str:
    parts = [
        rng.choice(_SUBJECTS),
        rng.choice(_VERBS),
        rng.choice(_OBJECTS),
        rng.choice(_PLACES),
    ]
    return " ".join(parts).capitalize() + "."


def make_alpaca_rows(num_rows: int, seed: int = 0) -> list[dict[str, str]]:
    """Deterministic alpaca rows (``instruction``, ``input``, ``output``)."""
    rng = random.Random(seed)
    rows = []
    for _ in range(num_rows):
        sentence = _sentence(rng)
        rows.append(
            {
                "instruction": rng.choice(_TASKS),
                "input": sentence if rng.random() < 0.7 else "",
                "output": " ".join(_sentence(rng) for _ in range(rng.randint(1, 3))),
            }
        )
    return rows


def _train_tokenizer(seed: int, vocab_size: int) -> Any:
    from tokenizers import (
        Tokenizer,
        decoders,
        models,
        pre_tokenizers,
        processors,
        trainers,
    )

    rng = random.Random(seed + 1)
    corpus = [_sentence(rng) for _ in range(4000)] + _TASKS
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(corpus, trainer)
    bos_id = tokenizer.token_to_id("<s>")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A", pair="<s> $A <s> $B", special_tokens=[("<s>", bos_id)]
    )
    return tokenizer


def _save_model(model_dir: Path, seed: int, vocab_size: int) -> None:
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    fast = PreTrainedTokenizerFast(
        tokenizer_object=_train_tokenizer(seed, vocab_size),
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
    )
    fast.save_pretrained(model_dir)
    config = LlamaConfig(
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=4,
        vocab_size=len(fast),
        max_position_embeddings=512,
        bos_token_id=fast.bos_token_id,
        eos_token_id=fast.eos_token_id,
        pad_token_id=fast.pad_token_id,
    )
    torch.manual_seed(seed)
    LlamaForCausalLM(config).save_pretrained(model_dir)


def _write_data(data_dir: Path, num_rows: int, seed: int) -> tuple[Path, Path, Path]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = make_alpaca_rows(num_rows, seed)
    data_dir.mkdir(parents=True, exist_ok=True)
    jsonl = data_dir / "alpaca.jsonl"
    jsonl.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    parquet = data_dir / "alpaca.parquet"
    pq.write_table(pa.Table.from_pylist(rows), parquet)
    with_dups = [
        row for i, row in enumerate(rows) for _ in range(2 if i % 3 == 0 else 1)
    ]
    dup = data_dir / "alpaca_dup.jsonl"
    dup.write_text(
        "".join(json.dumps(row) + "\n" for row in with_dups), encoding="utf-8"
    )
    return jsonl, parquet, dup


def make_tiny_kit(
    root: str | Path, *, num_rows: int = 200, seed: int = 0, vocab_size: int = 800
) -> TinyKit:
    """Build the tiny model, tokenizer and data under ``root``.

    Args:
        root: Output directory (created).
        num_rows: Alpaca rows to generate.
        seed: Seed for the data, the tokenizer corpus and the model weights.
        vocab_size: Target vocabulary size of the BPE tokenizer.

    Returns:
        The paths of what was written.
    """
    root = Path(root)
    model_dir = root / "model"
    _save_model(model_dir, seed, vocab_size)
    jsonl, parquet, dup = _write_data(root / "data", num_rows, seed)
    return TinyKit(root, model_dir, jsonl, parquet, dup)


def main(argv: list[str] | None = None) -> None:
    """Command line: ``python -m axolotl_fast.tiny OUT [--rows N] [--seed S]``."""
    parser = argparse.ArgumentParser(
        prog="python -m axolotl_fast.tiny",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("out", type=Path, help="output directory")
    parser.add_argument(
        "--rows", type=int, default=200, help="alpaca rows (default 200)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    args = parser.parse_args(argv)
    kit = make_tiny_kit(args.out, num_rows=args.rows, seed=args.seed)
    print(
        f"model: {kit.model_dir}\ndata:  {kit.jsonl}, {kit.parquet}, "
        f"{kit.jsonl_with_duplicates}"
    )


if __name__ == "__main__":
    main()
