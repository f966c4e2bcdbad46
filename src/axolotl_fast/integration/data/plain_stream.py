"""axolotl 0.21's ``encode_streaming`` (a ``pretraining_dataset`` without packing) in Rust.

Axolotl maps ``encode_streaming`` over every buffer of ``streaming_multipack_buffer_size``
rows: each text tokenized with the special tokens and truncated to ``sequence_len - 2``;
with ``pretraining_sample_concatenation: true``, every text then gets ``[EOS, PAD]`` (labels
``[EOS, -100]``, mask ``[1, 0]``) and the texts are laid greedily into rows of exactly
``sequence_len`` tokens: a text that does not fit closes the row, which is padded (PAD,
-100, 0), and starts the next; without it, every text is a row and ``labels`` are its ids.
:class:`StreamingPretrainEncode` does the same with the Rust encoder (all cores, GIL
released) and numpy, returning the same Python lists.

The guard: the first buffer's first :data:`GUARD_ROWS` rows also go through axolotl's
``encode_streaming``; any difference (or an error of ours) logs a WARNING and axolotl's
function makes every buffer.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
from axolotl.utils.logging import get_logger

from axolotl_fast.encode import Encoder
from axolotl_fast.integration.data.stream_guard import GuardedStreamEncode
from axolotl_fast.integration.tokenize import pretrain
from axolotl_fast.integration.tokenize.columns import Unsupported
from axolotl_fast.integration.tokenize.instruction import check_tokenizer
from axolotl_fast.integration.trace import trace_hook

__all__ = ["GUARD_ROWS", "StreamingPretrainEncode", "plain_encode"]

LOG = get_logger(__name__)

# Rows of the first buffer that axolotl's encode_streaming also encodes, to compare.
GUARD_ROWS = 256
# The token pair after each text when texts are concatenated (EOS, then PAD).
_SEPARATOR = 2


def plain_encode(tokenizer: Any, cfg: Any) -> StreamingPretrainEncode | None:
    """Our ``encode_streaming`` for this config, or ``None`` (the reason logged and traced)."""
    from axolotl.utils.data.streaming import encode_streaming

    try:
        text_column = (
            getattr(cfg.pretraining_dataset[0], "text_column", "text") or "text"
        )
        check_tokenizer(tokenizer)
        if tokenizer.pad_token_id is None:
            raise Unsupported("the tokenizer has no pad token")
    except Exception as reason:  # axolotl's own function then says what is wrong
        note = f"axolotl encodes the stream: {reason}"
        LOG.info("axolotl_fast: tokenize: %s", note)
        trace_hook("tokenize", split="train", note=note)
        return None
    axolotls = functools.partial(
        encode_streaming,
        tokenizer=tokenizer,
        max_tokens=cfg.sequence_len,
        text_column=text_column,
        concatenate=cfg.pretraining_sample_concatenation is True,
    )
    return StreamingPretrainEncode(
        tokenizer,
        axolotls,
        cfg.sequence_len,
        text_column,
        cfg.pretraining_sample_concatenation is True,
    )


class StreamingPretrainEncode(GuardedStreamEncode):
    """``encode_streaming`` with the Rust encoder, with the guard.

    Args:
        tokenizer: The run's tokenizer.
        axolotls: axolotl's ``encode_streaming`` with the same settings (the guard's
            reference and the fallback).
        max_tokens: ``sequence_len``.
        text_column: The column of the texts.
        concatenate: ``pretraining_sample_concatenation``.
    """

    guard_rows = GUARD_ROWS

    def __init__(
        self,
        tokenizer: Any,
        axolotls: Callable[[dict], dict],
        max_tokens: int,
        text_column: str,
        concatenate: bool,
    ) -> None:
        super().__init__(axolotls)
        self.tokenizer = tokenizer
        self.max_tokens = max_tokens
        self.text_column = text_column
        self.concatenate = concatenate
        self.encoder = Encoder.from_tokenizer(tokenizer)

    def ours(self, examples: dict[str, list]) -> dict[str, list]:
        """``input_ids``, ``labels`` and ``attention_mask`` of ``examples``, as lists."""
        return self.encoded(examples)

    def encoded(self, examples: dict[str, list]) -> dict[str, list]:
        """``input_ids``, ``labels`` and ``attention_mask`` of ``examples``, as lists."""
        tokenizer = self.tokenizer
        ids = self.encoder.encode(
            pretrain.string_array(examples[self.text_column]),
            max_length=self.max_tokens - 2,
            truncation_side=tokenizer.truncation_side,
            split_special_tokens=bool(
                getattr(tokenizer, "split_special_tokens", False)
            ),
        )
        if not self.concatenate:
            rows = ids.to_pylist()
            masks = [[1] * len(row) for row in rows]
            return {
                "input_ids": rows,
                "labels": [list(r) for r in rows],
                "attention_mask": masks,
            }
        flat, offsets = pretrain.flat_lists(ids)
        return self._concatenated(flat, offsets)

    def _concatenated(self, flat: np.ndarray, offsets: np.ndarray) -> dict[str, list]:
        """The texts laid into rows of ``max_tokens``, as ``encode_streaming`` lays them."""
        eos, pad = self.tokenizer.eos_token_id, self.tokenizer.pad_token_id
        out: dict[str, list] = {"input_ids": [], "labels": [], "attention_mask": []}
        for first, last in row_spans(np.diff(offsets) + _SEPARATOR, self.max_tokens):
            parts = [flat[offsets[i] : offsets[i + 1]] for i in range(first, last)]
            ids, labels, mask = [], [], []
            for part in parts:
                ids += [part, (eos, pad)]
                labels += [part, (eos, -100)]
                mask += [np.ones(len(part), np.int64), (1, 0)]
            filler = (
                self.max_tokens - sum(len(p) for p in parts) - _SEPARATOR * len(parts)
            )
            ids.append(np.full(filler, pad))
            labels.append(np.full(filler, -100))
            mask.append(np.zeros(filler, np.int64))
            for name, pieces in zip(out, (ids, labels, mask), strict=True):
                out[name].append(np.concatenate(pieces).astype(np.int64).tolist())
        return out

    def difference(self, head: dict[str, list]) -> str | None:
        """Ours against axolotl's on ``head``."""
        return first_difference(self.axolotls(head), self.encoded(head))

    def passed_note(self) -> str:
        """The run report's line when the guard passes."""
        return f"Rust encodes the stream ({self.text_column!r}, not packed)"


def row_spans(sizes: np.ndarray, max_tokens: int) -> list[tuple[int, int]]:
    """``(first, last)`` texts of every row, laid greedily as ``encode_streaming`` lays them."""
    spans, first, fill = [], 0, 0
    for index, size in enumerate(sizes.tolist()):
        if fill == max_tokens or fill + size > max_tokens:
            spans.append((first, index))
            first, fill = index, size
        else:
            fill += size
    if fill > 0:
        spans.append((first, len(sizes)))
    return spans


def first_difference(expected: dict[str, list], ours: dict[str, list]) -> str | None:
    """Where two ``encode_streaming`` results first differ, or ``None``."""
    if list(expected) != list(ours):
        return f"columns {list(ours)} instead of {list(expected)}"
    for name, rows in expected.items():
        if len(rows) != len(ours[name]):
            return f"{len(ours[name])} rows instead of {len(rows)}"
        for index, (want, got) in enumerate(zip(rows, ours[name], strict=True)):
            if list(want) != list(got):
                return f"row {index}, field {name!r}"
    return None
