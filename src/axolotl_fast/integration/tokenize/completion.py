"""axolotl's ``completion`` strategy, tokenized in Rust.

``CompletionPromptTokenizingStrategy`` (``type: completion``) tokenizes each row's ``field``
column (``text`` by default) with the special tokens, truncated to its ``max_length``
(``64 x sequence_len``); appends EOS when the last id is not EOS and the row is shorter than
``max_length``; then cuts the ids into pieces of ``sequence_len`` tokens, one output row each
(the last piece may be a single token). ``labels`` are the ids (``train_on_inputs`` is not
used); an empty or null text gives no row at all. :func:`iter_tokenized` does the same:
the Rust encoder gives the ids, and the EOS rule and the cutting are offset arithmetic on the
Arrow list column (numpy), so no Python object is made per token.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from axolotl_fast.encode import Encoder
from axolotl_fast.integration.tokenize.columns import check_classes
from axolotl_fast.integration.tokenize.instruction import (
    SCHEMA,
    Unsupported,
    check_tokenizer,
    string_column,
)

__all__ = ["SCHEMA", "check_supported", "iter_tokenized", "settings_of"]

# Rows encoded per piece (bounds the memory of one piece's ids).
_ROWS_PER_PIECE = 16_384


def check_supported(strategy: Any) -> None:
    """Raise :class:`Unsupported` unless ``strategy`` is axolotl's completion strategy."""
    from axolotl.prompt_strategies.completion import (
        CompletionPrompter,
        CompletionPromptTokenizingStrategy,
    )

    check_classes(strategy, CompletionPromptTokenizingStrategy, CompletionPrompter)
    check_tokenizer(strategy.tokenizer)


def settings_of(strategy: Any) -> dict[str, Any]:
    """What decides the output besides the rows and the tokenizer (for cache keys)."""
    return {
        "strategy": "completion",
        "field": strategy.field,
        "max_length": strategy.max_length,
        "sequence_len": strategy.sequence_len,
    }


def iter_tokenized(
    table: pa.Table, strategy: Any, encoder: Encoder, num_threads: int | None = None
) -> Iterator[pa.Table]:
    """The rows ``strategy.tokenize_prompt`` gives for ``table``, in consecutive tables."""
    check_supported(strategy)
    texts = string_column(table, strategy.field)
    tokenizer = strategy.tokenizer
    options = {
        "max_length": strategy.max_length,
        "truncation_side": tokenizer.truncation_side,
        "split_special_tokens": bool(getattr(tokenizer, "split_special_tokens", False)),
        "num_threads": num_threads,
    }
    for start in range(0, len(texts), _ROWS_PER_PIECE):
        piece = texts.slice(start, _ROWS_PER_PIECE).combine_chunks()
        ids = encoder.encode(piece.fill_null(""), **options).combine_chunks()
        yield _cut(ids, _has_text(piece), tokenizer.eos_token_id, strategy)


def _has_text(texts: pa.Array) -> np.ndarray:
    """Rows axolotl tokenizes at all (``if not text`` skips ``None`` and ``""``)."""
    lengths = pc.fill_null(pc.binary_length(texts), 0)
    return lengths.to_numpy(zero_copy_only=False) > 0


def _cut(ids: pa.ListArray, has_text: np.ndarray, eos: int, strategy: Any) -> pa.Table:
    """EOS where axolotl appends it, then pieces of ``sequence_len`` ids, as a table."""
    offsets = ids.offsets.to_numpy()
    values = ids.values.to_numpy()
    lengths = np.where(has_text, np.diff(offsets), 0)
    last = values[np.maximum(offsets[1:] - 1, 0)] if len(values) else lengths * 0
    with_eos = (lengths > 0) & (last != eos) & (lengths < strategy.max_length)
    new_lengths = lengths + with_eos
    if new_lengths.sum() >= 2**31:  # int32 list offsets, as datasets stores input_ids
        raise Unsupported(f"more than 2^31 token ids in {_ROWS_PER_PIECE:,} rows")
    row = np.repeat(np.arange(len(lengths)), new_lengths)
    new_offsets = np.concatenate([[0], np.cumsum(new_lengths)])
    position = np.arange(new_offsets[-1]) - new_offsets[:-1][row]
    is_eos = position >= lengths[row]
    source = offsets[:-1][row] + np.where(is_eos, 0, position)
    flat = np.where(is_eos, eos, values[source] if len(values) else 0).astype(np.int32)
    return _pieces(flat, new_lengths, new_offsets, strategy.sequence_len)


def _pieces(
    flat: np.ndarray, lengths: np.ndarray, offsets: np.ndarray, size: int
) -> pa.Table:
    """Each row's ids cut into lists of at most ``size`` (the values stay where they are)."""
    counts = -(-lengths // size)
    row = np.repeat(np.arange(len(lengths)), counts)
    first = np.concatenate([[0], np.cumsum(counts)])[:-1]
    index = np.arange(counts.sum()) - first[row]
    starts = offsets[:-1][row] + index * size
    piece_offsets = pa.array(np.append(starts, offsets[-1]).astype(np.int32))
    ones = np.ones(len(flat), dtype=np.int8)
    return pa.table(
        {
            "input_ids": pa.ListArray.from_arrays(piece_offsets, pa.array(flat)),
            "attention_mask": pa.ListArray.from_arrays(piece_offsets, pa.array(ones)),
            "labels": pa.ListArray.from_arrays(
                piece_offsets, pa.array(flat.astype(np.int64))
            ),
        }
    )
