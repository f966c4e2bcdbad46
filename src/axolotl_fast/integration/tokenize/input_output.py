"""axolotl's ``input_output`` strategy, tokenized in Rust.

``RawInputOutputStrategy`` (``type: input_output``) reads each row's ``segments``, a list of
``{"text", "label"}``; every text is tokenized on its own without special tokens, truncation
or stripping, the ids of a row's segments are concatenated, and ``labels`` repeat the ids of
segments whose ``label`` is truthy (all of them with ``train_on_inputs``) and ``-100`` for the
others. Output columns: ``input_ids``, ``labels``, ``attention_mask`` (all ones), in that
order. :func:`iter_tokenized` encodes every segment text of a piece of rows in one Rust call
and builds the rows from the list offsets (numpy), without a Python object per token.

Refused (:class:`Unsupported`, axolotl's strategy runs and raises or decides): a missing,
null or non-list ``segments``, a segment without ``text`` / ``label`` fields, a null text (a
``ValueError`` in axolotl), a ``label`` that is neither boolean nor integer, a slow tokenizer.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from axolotl_fast.encode import Encoder
from axolotl_fast.integration.tokenize.columns import Unsupported, check_classes

__all__ = ["SCHEMA", "check_supported", "iter_tokenized", "settings_of"]

IGNORE_INDEX = -100
# axolotl's column order for this strategy, with the types datasets gives those names.
SCHEMA = pa.schema(
    [
        ("input_ids", pa.list_(pa.int32())),
        ("labels", pa.list_(pa.int64())),
        ("attention_mask", pa.list_(pa.int8())),
    ]
)
# Rows per Rust call (bounds the memory of one piece's ids).
_ROWS_PER_PIECE = 16_384


def check_supported(strategy: Any) -> None:
    """Raise :class:`Unsupported` unless ``strategy`` is axolotl's input_output strategy."""
    from axolotl.prompt_strategies.input_output import (
        RawInputOutputPrompter,
        RawInputOutputStrategy,
    )

    check_classes(strategy, RawInputOutputStrategy, RawInputOutputPrompter)
    if not getattr(strategy.tokenizer, "is_fast", False):
        raise Unsupported(
            f"tokenizer {type(strategy.tokenizer).__name__} is not a fast tokenizer"
        )


def settings_of(strategy: Any) -> dict[str, Any]:
    """What decides the output besides the rows and the tokenizer (for cache keys)."""
    return {
        "strategy": "input_output",
        "train_on_inputs": bool(strategy.train_on_inputs),
    }


def iter_tokenized(
    table: pa.Table, strategy: Any, encoder: Encoder, num_threads: int | None = None
) -> Iterator[pa.Table]:
    """The rows ``strategy.tokenize_prompt`` gives for ``table``, in consecutive tables."""
    check_supported(strategy)
    segments = _segments_column(table)
    options = {
        "add_special_tokens": False,
        "split_special_tokens": bool(
            getattr(strategy.tokenizer, "split_special_tokens", False)
        ),
        "num_threads": num_threads,
    }
    train_all = bool(strategy.train_on_inputs)
    for start in range(0, len(segments), _ROWS_PER_PIECE):
        piece = segments.slice(start, _ROWS_PER_PIECE).combine_chunks()
        texts, trained = _texts_and_flags(piece, train_all)
        ids = encoder.encode(texts, **options).combine_chunks()
        yield _rows(piece, ids, trained)


def _segments_column(table: pa.Table) -> pa.ChunkedArray:
    """``segments`` as a list of structs with ``text`` and ``label``, without null rows."""
    if "segments" not in table.column_names:
        raise Unsupported("no 'segments' column")
    column = table.column("segments")
    kind = column.type
    if not pa.types.is_list(kind) or not pa.types.is_struct(kind.value_type):
        raise Unsupported(f"'segments' is {kind}, not a list of structs")
    names = {kind.value_type.field(i).name for i in range(kind.value_type.num_fields)}
    if not {"text", "label"} <= names:
        raise Unsupported("a segment has no 'text' or no 'label' field")
    if column.null_count:
        raise Unsupported("a row's 'segments' is null")
    return column


def _texts_and_flags(
    piece: pa.ListArray, train_all: bool
) -> tuple[pa.Array, np.ndarray]:
    """Every segment's text, and whether its ids are trained (Python's truthiness)."""
    segments = piece.flatten()
    if segments.null_count:
        raise Unsupported("a segment is null")
    texts = segments.field("text")
    if pa.types.is_null(texts.type) and len(texts):
        raise Unsupported("a segment's text is null")
    if not (pa.types.is_string(texts.type) or pa.types.is_large_string(texts.type)):
        if len(texts):
            raise Unsupported(f"segment texts are {texts.type}, not strings")
        texts = texts.cast(pa.string())
    if texts.null_count:
        raise Unsupported("a segment's text is null (axolotl raises ValueError)")
    labels = segments.field("label")
    if not (
        pa.types.is_boolean(labels.type)
        or pa.types.is_integer(labels.type)
        or pa.types.is_null(labels.type)
    ):
        raise Unsupported(f"segment labels are {labels.type}, not booleans")
    if pa.types.is_null(labels.type):
        trained = np.zeros(len(labels), dtype=bool)
    else:
        truthy = pc.fill_null(pc.not_equal(labels.cast(pa.int64()), 0), False)
        trained = truthy.to_numpy(zero_copy_only=False)
    return texts, trained | train_all


def _rows(piece: pa.ListArray, ids: pa.ListArray, trained: np.ndarray) -> pa.Table:
    """Each row's segment ids concatenated, with its labels and attention mask."""
    segment_lengths = pc.list_value_length(ids).to_numpy(zero_copy_only=False)
    segment_lengths = segment_lengths.astype(np.int64)
    values = pc.list_flatten(ids).to_numpy(zero_copy_only=False)
    first_segment = piece.offsets.to_numpy() - piece.offsets[0].as_py()
    token_ends = np.concatenate([[0], np.cumsum(segment_lengths)])
    row_offsets = token_ends[first_segment]
    if row_offsets[-1] >= 2**31:  # int32 list offsets, as datasets stores input_ids
        raise Unsupported(f"more than 2^31 token ids in {_ROWS_PER_PIECE:,} rows")
    mask = np.repeat(trained, segment_lengths)
    labels = np.where(mask, values, IGNORE_INDEX).astype(np.int64)
    offsets = pa.array(row_offsets.astype(np.int32))
    ones = np.ones(len(values), dtype=np.int8)
    return pa.table(
        {
            "input_ids": pa.ListArray.from_arrays(offsets, pa.array(values)),
            "labels": pa.ListArray.from_arrays(offsets, pa.array(labels)),
            "attention_mask": pa.ListArray.from_arrays(offsets, pa.array(ones)),
        }
    )
