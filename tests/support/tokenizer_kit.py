"""Realistic tokenizers made offline with `tokenizers`' trainers, on varied text.

The corpus is the docstrings and comments of installed Python modules (prose, code,
punctuation, some non-ASCII), plus a little multilingual text. Four kinds, as the issue
asks: a byte-level BPE (GPT-2 style), a BPE with Metaspace and byte fallback (Llama style),
a Unigram (SentencePiece style), each with `<s>` / `</s>` special tokens and a BOS
post-processor, and the tiny kit's BPE.
"""

from __future__ import annotations

import functools
import inspect
import json

SPECIALS = ["<unk>", "<s>", "</s>", "<pad>"]
MULTILINGUAL = [
    "Le cœur a ses raisons que la raison ne connaît point.",
    "Über den Wolken muss die Freiheit wohl grenzenlos sein.",
    "日本語のテキストもトークン化されます。",
    "Привет, как дела? Всё хорошо.",
    "مرحبا بالعالم",
    "🙂 emoji 🚀 and symbols ∑ ≤ ≥ ∞",
]


@functools.cache
def corpus() -> list[str]:
    """About 2 MB of varied text from the standard library's sources."""
    import argparse
    import collections
    import email
    import json as json_module
    import logging
    import pathlib
    import textwrap
    import unittest

    texts = []
    for module in (argparse, collections, email, json_module, logging, pathlib, textwrap,
                   unittest):  # fmt: skip
        texts.extend(inspect.getsource(module).splitlines())
    return texts + MULTILINGUAL * 20


def _with_bos(tokenizer):
    from tokenizers import processors

    bos = tokenizer.token_to_id("<s>")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A", pair="<s> $A <s> $B", special_tokens=[("<s>", bos)]
    )
    return tokenizer


@functools.cache
def byte_level_bpe(vocab_size: int = 4000):
    """GPT-2 style: byte-level pre-tokenizer and decoder."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIALS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(corpus(), trainer)
    return _with_bos(tokenizer)


@functools.cache
def metaspace_bpe(vocab_size: int = 4000):
    """Llama style: Metaspace, byte fallback for characters outside the vocabulary."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True))
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
    tokenizer.decoder = decoders.Sequence(
        [decoders.Metaspace(), decoders.ByteFallback(), decoders.Fuse()]
    )
    byte_tokens = [f"<0x{i:02X}>" for i in range(256)]
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIALS + byte_tokens,
        show_progress=False,
        limit_alphabet=200,
    )
    tokenizer.train_from_iterator(corpus(), trainer)
    return _with_bos(tokenizer)


@functools.cache
def unigram(vocab_size: int = 3000):
    """SentencePiece style: Unigram over Metaspace."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.Unigram())
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
    tokenizer.decoder = decoders.Metaspace()
    trainer = trainers.UnigramTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIALS,
        unk_token="<unk>",
        show_progress=False,
    )
    tokenizer.train_from_iterator(corpus(), trainer)
    return _with_bos(tokenizer)


@functools.cache
def tiny_bpe():
    """The tiny kit's own byte-level BPE (what the end-to-end tests train with)."""
    from tokenizers import Tokenizer

    from axolotl_fast.tiny import _train_tokenizer

    return Tokenizer.from_str(_train_tokenizer(0, 512).to_str())


KINDS = {
    "tiny-bpe": tiny_bpe,
    "byte-level-bpe": byte_level_bpe,
    "metaspace-bpe": metaspace_bpe,
    "unigram": unigram,
}


def fresh(kind: str):
    """A new copy of a kit tokenizer, safe to reconfigure (truncation, ...)."""
    from tokenizers import Tokenizer

    return Tokenizer.from_str(KINDS[kind]().to_str())


def describe(kind: str) -> dict:
    """Model type and vocabulary size, for test ids and messages."""
    model = json.loads(KINDS[kind]().to_str())["model"]
    return {"type": model["type"], "vocab": KINDS[kind]().get_vocab_size()}


def hf_tokenizer(kind: str, side: str = "right"):
    """A kit tokenizer as a `transformers` fast tokenizer with BOS / EOS (no token types)."""
    from transformers import PreTrainedTokenizerFast

    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=fresh(kind),
        bos_token="<s>", eos_token="</s>", unk_token="<unk>", pad_token="<pad>",
        model_input_names=["input_ids", "attention_mask"],
    )  # fmt: skip
    tokenizer.truncation_side = side
    return tokenizer
