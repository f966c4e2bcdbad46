"""axolotl's ``pretrain`` strategy and its packed-streaming batches, computed in Rust and numpy.

``PretrainTokenizationStrategy`` (``pretraining_dataset`` entries, ``type: pretrain``) calls
``tokenizer(texts, truncation=True, max_length=L - 1, add_special_tokens=True,
return_overflowing_tokens=True, stride=min(256, (L - 1) // 2))`` and appends EOS (mask 1) to
every window. :func:`windows` gives the same table from the Rust encoder
(:meth:`axolotl_fast.Encoder.encode_windows`).

With ``sample_packing``, axolotl's ``encode_packed_streaming`` then keeps the windows of
``[2, sequence_len]`` tokens, packs them with its ``MultipackBatchSampler`` and collates every
bin with ``PretrainingBatchSamplerDataCollatorForSeq2Seq``, one bin at a time through Python
lists. :func:`collate_bin` is that collation on numpy slices of the ids: the bin's windows
concatenated, ``labels`` a copy of the ids, ``position_ids`` counting from 0 in every window
(``multipack_attn``) or an all-ones ``attention_mask`` (without), each padded on the
tokenizer's padding side to a multiple of ``sequence_len`` (ids with the pad token, labels
with -100, positions with ``0, 1, ...``, the mask with 0).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from axolotl_fast.encode import Encoder
from axolotl_fast.integration.tokenize.columns import Unsupported
from axolotl_fast.integration.tokenize.instruction import check_tokenizer

__all__ = [
    "check_supported",
    "collate_bin",
    "flat_ids",
    "flat_lists",
    "kept_windows",
    "stride_of",
    "string_array",
    "windows",
]

# axolotl's filter_sequences_by_length keeps windows of at least this many tokens.
MIN_WINDOW = 2


def check_supported(strategy: Any) -> None:
    """Raise :class:`Unsupported` unless ``strategy`` is axolotl's pretraining strategy."""
    from axolotl.prompt_strategies.pretrain import (
        PretrainTokenizationStrategy,
        PretrainTokenizer,
    )

    if type(strategy) is not PretrainTokenizationStrategy:
        raise Unsupported(f"strategy {type(strategy).__name__} has no packed fast path")
    if type(strategy.prompter) is not PretrainTokenizer:
        raise Unsupported(
            f"prompter {type(strategy.prompter).__name__} is not axolotl's"
        )
    check_tokenizer(strategy.tokenizer)
    if strategy.tokenizer.pad_token_id is None:
        raise Unsupported("the tokenizer has no pad token")


def stride_of(strategy: Any) -> int:
    """The overlap of the strategy's windows (``min(256, (max_length - 1) // 2)``)."""
    return min(256, (strategy.max_length - 1) // 2)


def windows(texts: Sequence[Any], strategy: Any, encoder: Encoder) -> pa.Table:
    """``strategy.tokenize_prompt({text_column: texts})`` as a table, one row per window.

    Raises:
        Unsupported: A text is not a string (axolotl's tokenizer call decides what happens).
    """
    strings = string_array(texts)
    tokenizer = strategy.tokenizer
    return encoder.encode_windows(
        strings,
        max_length=strategy.max_length - 1,
        stride=stride_of(strategy),
        append_id=tokenizer.eos_token_id,
        truncation_side=tokenizer.truncation_side,
        split_special_tokens=bool(getattr(tokenizer, "split_special_tokens", False)),
    )


def string_array(texts: Sequence[Any]) -> pa.Array:
    """``texts`` as a string array, or :class:`Unsupported` for a null or non-string."""
    try:
        strings = pa.array(texts, type=pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError) as err:
        raise Unsupported(f"a text is not a string: {err}") from None
    if strings.null_count:
        raise Unsupported("a text is null")
    return strings


def kept_windows(
    offsets: np.ndarray, sequence_len: int
) -> tuple[np.ndarray, np.ndarray]:
    """The windows ``filter_sequences_by_length`` keeps: their indices and lengths."""
    lengths = np.diff(offsets)
    keep = np.flatnonzero((lengths >= MIN_WINDOW) & (lengths <= sequence_len))
    return keep, lengths[keep]


def flat_ids(table: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """All windows' ids as one int64 array, and every window's start (one more entry)."""
    return flat_lists(table.column("input_ids"))


def flat_lists(lists: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """A list column's values as one int64 array, and every list's start (one more entry)."""
    column = lists.combine_chunks()
    values = column.values.to_numpy(zero_copy_only=False).astype(np.int64)
    offsets = column.offsets.to_numpy().astype(np.int64)
    return values[offsets[0] : offsets[-1]], offsets - offsets[0]


def collate_bin(
    ids: np.ndarray,
    offsets: np.ndarray,
    rows: np.ndarray,
    *,
    multiple: int,
    pad_id: int,
    left: bool,
    multipack_attn: bool,
) -> dict[str, np.ndarray]:
    """One bin as the pretraining collator gives it (before the tensors are made).

    Args:
        ids: All windows' ids (:func:`flat_ids`).
        offsets: Every window's start in ``ids``, and the end.
        rows: The bin's windows, in the sampler's order.
        multiple: The collator's ``pad_to_multiple_of`` (``sequence_len``).
        pad_id: The tokenizer's pad token id.
        left: Whether the tokenizer pads on the left.
        multipack_attn: ``position_ids`` (true) or an ``attention_mask`` (false).

    Returns:
        ``input_ids`` and ``position_ids`` / ``attention_mask`` and ``labels``, in the
        order axolotl's batches have them, as int64 arrays.
    """
    parts = [ids[offsets[row] : offsets[row + 1]] for row in rows]
    tokens = np.concatenate(parts)
    size = len(tokens)
    padded = -(-size // multiple) * multiple if multiple else size
    pad = padded - size

    def padded_with(values: np.ndarray, filler: np.ndarray) -> np.ndarray:
        return np.concatenate([filler, values] if left else [values, filler])

    out = {"input_ids": padded_with(tokens, np.full(pad, pad_id, np.int64))}
    if multipack_attn:
        positions = np.concatenate([np.arange(len(part)) for part in parts])
        out["position_ids"] = padded_with(positions, np.arange(pad))
    else:
        out["attention_mask"] = padded_with(
            np.ones(size, np.int64), np.zeros(pad, np.int64)
        )
    out["labels"] = padded_with(tokens, np.full(pad, -100, np.int64))
    return out
