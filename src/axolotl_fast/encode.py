"""``axolotl_fast.Encoder``: a Hugging Face tokenizer run by the Rust core on Arrow columns.

The tokenizer's JSON (``tokenizer.json``, ``tokenizers.Tokenizer.to_str()``, or a
``transformers`` fast tokenizer's ``backend_tokenizer``) is restored by the Rust
``tokenizers`` crate of the same release line as the Python package, so the ids are the ones
the Python tokenizer gives. Texts are encoded on every core with the GIL released, and the ids
come back as a pyarrow ``list<int32>`` column (what ``datasets`` stores ``input_ids`` as),
never as Python ints::

    encoder = axolotl_fast.Encoder.from_tokenizer(hf_tokenizer)
    ids = encoder.encode(table["text"], max_length=2048)   # pa.ChunkedArray of list<int32>

Settings a ``transformers`` tokenizer keeps outside its JSON (``truncation_side``,
``split_special_tokens``) are arguments of :meth:`Encoder.encode`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from axolotl_fast import _core
from axolotl_fast.errors import InvalidArgumentError

__all__ = ["TRUNCATION_SIDES", "Encoder", "InstructionTemplates"]

TRUNCATION_SIDES = ("left", "right")
# Rows per call into the core: keeps every output chunk's int32 offsets far from overflow.
_ROWS_PER_CALL = 16_384


class Encoder:
    """A tokenizer restored from its JSON, encoding string columns in Rust.

    Args:
        tokenizer_json: The tokenizer's JSON serialization.

    Raises:
        InvalidArgumentError: The JSON is not a tokenizer's.
    """

    def __init__(self, tokenizer_json: str) -> None:
        self._core = _core.Encoder(tokenizer_json)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Encoder:
        """The tokenizer of a ``tokenizer.json`` file."""
        with open(path, encoding="utf-8") as file:
            return cls(file.read())

    @classmethod
    def from_tokenizer(cls, tokenizer: Any) -> Encoder:
        """The tokenizer of a ``tokenizers.Tokenizer`` or a ``transformers`` fast tokenizer.

        Its current state is copied: added tokens, special tokens and post-processor included.

        Raises:
            TypeError: ``tokenizer`` is neither (a slow ``transformers`` tokenizer has no JSON).
        """
        backend = getattr(tokenizer, "backend_tokenizer", tokenizer)
        if not callable(getattr(backend, "to_str", None)):
            raise TypeError(
                "Encoder.from_tokenizer takes a tokenizers.Tokenizer or a transformers fast "
                f"tokenizer; got {type(tokenizer).__name__}"
            )
        return cls(backend.to_str())

    def token_id(self, token: str) -> int | None:
        """The id of ``token`` in the vocabulary (added tokens included), or ``None``."""
        return self._core.token_id(token)

    def encode(
        self,
        texts: pa.Array | pa.ChunkedArray | Sequence[str],
        *,
        add_special_tokens: bool = True,
        max_length: int | None = None,
        truncation_side: str = "right",
        split_special_tokens: bool = False,
        num_threads: int | None = None,
    ) -> pa.ChunkedArray:
        """Encode every text, in order.

        Args:
            texts: Strings: a pyarrow string array or chunked array, or a Python sequence.
            add_special_tokens: Whether the post-processor adds its special tokens (BOS, ...).
            max_length: Truncate each text to this many tokens, special tokens included, as
                ``tokenizer(text, truncation=True, max_length=...)`` does.
            truncation_side: ``"right"`` keeps the start of a text, ``"left"`` its end.
            split_special_tokens: Encode special-token strings in the text as plain text.
            num_threads: Threads to use (default: ``AXOLOTL_FAST_NUM_THREADS`` or the CPUs).

        Returns:
            A ``list<int32>`` chunked array with one list of ids per text.

        Raises:
            InvalidArgumentError: A null text, a non-string column, a bad ``max_length``,
                ``truncation_side`` or ``num_threads``.
            DataFormatError: The tokenizer rejected a text (the row is named).
        """
        _check_side(truncation_side)
        chunks = [
            self._core.encode(
                piece,
                add_special_tokens=add_special_tokens,
                max_length=max_length,
                truncation_side=truncation_side,
                split_special_tokens=split_special_tokens,
                num_threads=num_threads,
            )
            for piece in _pieces(_as_strings(texts))
        ]
        return pa.chunked_array(chunks, type=pa.list_(pa.int32()))

    def encode_windows(
        self,
        texts: pa.Array | pa.ChunkedArray | Sequence[str],
        *,
        max_length: int,
        stride: int,
        append_id: int | None = None,
        add_special_tokens: bool = True,
        truncation_side: str = "right",
        split_special_tokens: bool = False,
        num_threads: int | None = None,
    ) -> pa.Table:
        """Cut every text into windows of ``max_length`` tokens overlapping by ``stride``.

        What ``tokenizer(texts, truncation=True, max_length=..., stride=...,
        return_overflowing_tokens=True)`` returns: a text's first window, then its
        overflowing ones, each with the post-processor's special tokens; a text that fits is
        one window. ``append_id`` is put after every window (axolotl's pretraining strategy
        appends EOS).

        Returns:
            A table with ``input_ids`` (``list<int32>``), ``attention_mask`` (``list<int8>``,
            ones) and ``overflow_to_sample_mapping`` (``int64``: the index of each window's
            text in ``texts``), one row per window.

        Raises:
            InvalidArgumentError: As :meth:`encode`, or a ``stride`` not below the room a
                window leaves for text.
            DataFormatError: The tokenizer rejected a text (the row is named).
        """
        _check_side(truncation_side)
        tables, first_text = [], 0
        for piece in _pieces(_as_strings(texts)):
            windows = self._core.encode_windows(
                piece,
                max_length=max_length,
                stride=stride,
                append_id=append_id,
                add_special_tokens=add_special_tokens,
                truncation_side=truncation_side,
                split_special_tokens=split_special_tokens,
                num_threads=num_threads,
            )
            ids = windows["input_ids"]
            mask = pa.ListArray.from_arrays(
                ids.offsets, pa.array(np.ones(len(ids.values), np.int8))
            )
            mapping = pc.add(windows["overflow_to_sample_mapping"], first_text)
            names = ["input_ids", "attention_mask", "overflow_to_sample_mapping"]
            tables.append(pa.table([ids, mask, mapping], names=names))
            first_text += len(piece)
        return pa.concat_tables(tables) if tables else _EMPTY_WINDOWS

    def tokenize_instructions(
        self,
        instruction: pa.Array | pa.ChunkedArray,
        response: pa.Array | pa.ChunkedArray,
        *,
        templates: InstructionTemplates,
        max_length: int,
        eos_id: int,
        bos_id: int | None = None,
        input: pa.Array | pa.ChunkedArray | None = None,
        system: pa.Array | pa.ChunkedArray | None = None,
        train_on_inputs: bool = False,
        truncation_side: str = "right",
        split_special_tokens: bool = False,
        num_threads: int | None = None,
    ) -> pa.Table:
        """Tokenize instruction rows by the rules of axolotl's instruction strategy.

        Per row, the prompt is ``templates.with_input`` when ``input`` is a non-empty string,
        else ``templates.without_input`` (a null instruction renders as ``None``), with
        ``templates.system`` first when the row's ``system`` is non-empty. Prompt and
        response are each encoded with the special tokens and truncated to ``max_length``;
        the response gets ``eos_id`` when it ends otherwise and is shorter than
        ``max_length``, then loses one leading ``bos_id``. Labels are ``-100`` for the
        prompt (its ids with ``train_on_inputs``), then the response's ids.

        Args:
            instruction: The instruction of each row (a string column, nulls allowed).
            response: The response of each row (nulls allowed: no response tokens).
            templates: The prompt templates.
            max_length: Each part's limit in tokens (axolotl's ``sequence_len``).
            eos_id: The tokenizer's EOS id.
            bos_id: The tokenizer's BOS id (``None``: nothing is stripped).
            input: The optional ``input`` column, of the same length.
            system: The optional ``system`` column, of the same length.
            train_on_inputs: Train on the prompt's tokens too.
            truncation_side: As in :meth:`encode`.
            split_special_tokens: As in :meth:`encode`.
            num_threads: As in :meth:`encode`.

        Returns:
            A table with ``input_ids`` (``list<int32>``), ``attention_mask``
            (``list<int8>``) and ``labels`` (``list<int64>``), one row per input row.
        """
        pieces = self.iter_tokenize_instructions(
            instruction,
            response,
            templates=templates,
            max_length=max_length,
            eos_id=eos_id,
            bos_id=bos_id,
            input=input,
            system=system,
            train_on_inputs=train_on_inputs,
            truncation_side=truncation_side,
            split_special_tokens=split_special_tokens,
            num_threads=num_threads,
        )
        tables = list(pieces)
        return pa.concat_tables(tables) if tables else _EMPTY_INSTRUCTIONS

    def iter_tokenize_instructions(
        self,
        instruction: pa.Array | pa.ChunkedArray,
        response: pa.Array | pa.ChunkedArray,
        *,
        templates: InstructionTemplates,
        max_length: int,
        eos_id: int,
        bos_id: int | None = None,
        input: pa.Array | pa.ChunkedArray | None = None,
        system: pa.Array | pa.ChunkedArray | None = None,
        train_on_inputs: bool = False,
        truncation_side: str = "right",
        split_special_tokens: bool = False,
        num_threads: int | None = None,
    ) -> Iterator[pa.Table]:
        """:meth:`tokenize_instructions` in consecutive tables of at most 16,384 rows.

        The same arguments and rows; a caller can write each piece out (or stop early)
        instead of holding the whole result in memory. The column lengths are checked up front.
        """
        strings, options = _instruction_args(
            instruction,
            response,
            input=input,
            system=system,
            max_length=max_length,
            train_on_inputs=train_on_inputs,
            eos_id=eos_id,
            bos_id=bos_id,
            truncation_side=truncation_side,
            split_special_tokens=split_special_tokens,
            num_threads=num_threads,
        )
        return self._instruction_pieces(strings, templates, options)

    def _instruction_pieces(
        self,
        strings: dict[str, pa.ChunkedArray | None],
        templates: InstructionTemplates,
        options: dict[str, Any],
    ) -> Iterator[pa.Table]:
        """The rows through the core, one aligned slice per call."""
        for piece in _aligned_slices(strings):
            arrays = self._core.tokenize_instructions(
                piece["instruction"],
                piece["response"],
                piece["input"],
                piece["system"],
                templates.with_input,
                templates.without_input,
                templates.system,
                **options,
            )
            yield pa.table(arrays)


@dataclass(frozen=True)
class InstructionTemplates:
    """The prompt templates of an instruction prompter, in ``str.format`` syntax.

    Attributes:
        with_input: The prompt of a row with a non-empty ``input``; the fields are
            ``{instruction}`` and ``{input}``.
        without_input: The prompt of a row without input (``{instruction}``).
        system: Put first when a row's ``system`` is non-empty (``{system}``), or ``None``.
    """

    with_input: str
    without_input: str
    system: str | None = None


_EMPTY_INSTRUCTIONS = pa.table(
    {
        "input_ids": pa.array([], pa.list_(pa.int32())),
        "attention_mask": pa.array([], pa.list_(pa.int8())),
        "labels": pa.array([], pa.list_(pa.int64())),
    }
)


_EMPTY_WINDOWS = pa.table(
    {
        "input_ids": pa.array([], pa.list_(pa.int32())),
        "attention_mask": pa.array([], pa.list_(pa.int8())),
        "overflow_to_sample_mapping": pa.array([], pa.int64()),
    }
)


def _check_side(truncation_side: str) -> None:
    if truncation_side not in TRUNCATION_SIDES:
        raise InvalidArgumentError.for_value(
            "truncation_side",
            f"unknown value {truncation_side!r}; expected one of left, right",
        )


def _instruction_args(
    instruction: pa.Array | pa.ChunkedArray,
    response: pa.Array | pa.ChunkedArray,
    *,
    input: pa.Array | pa.ChunkedArray | None = None,
    system: pa.Array | pa.ChunkedArray | None = None,
    **options: Any,
) -> tuple[dict[str, pa.ChunkedArray | None], dict[str, Any]]:
    """The string columns by name (same lengths, checked) and the core's keyword options."""
    columns = {"instruction": instruction, "response": response}
    columns.update({"input": input, "system": system})
    lengths = {len(column) for column in columns.values() if column is not None}
    if len(lengths) > 1:
        raise InvalidArgumentError.for_value(
            "response", f"the columns have different lengths {sorted(lengths)}"
        )
    strings = {
        name: None if column is None else _as_strings(column)
        for name, column in columns.items()
    }
    return strings, options


def _aligned_slices(
    columns: dict[str, pa.ChunkedArray | None],
) -> Iterator[dict[str, pa.Array | None]]:
    """Slices of at most ``_ROWS_PER_CALL`` rows of every column, aligned (``None`` stays).

    Only a slice that spans chunks is copied, one slice at a time, never a whole column.
    """
    present = {name: column for name, column in columns.items() if column is not None}
    rows = len(next(iter(present.values())))
    for start in range(0, rows, _ROWS_PER_CALL):
        piece: dict[str, pa.Array | None] = dict.fromkeys(columns)
        for name, column in present.items():
            piece[name] = column.slice(start, _ROWS_PER_CALL).combine_chunks()
        yield piece


def _as_strings(texts: pa.Array | pa.ChunkedArray | Sequence[str]) -> pa.ChunkedArray:
    if isinstance(texts, pa.ChunkedArray):
        return texts
    if isinstance(texts, pa.Array):
        return pa.chunked_array([texts], type=texts.type)
    if isinstance(texts, str):
        raise InvalidArgumentError.for_value(
            "texts", "expected a sequence of strings, got a single string"
        )
    try:
        return pa.chunked_array([pa.array(list(texts), type=pa.string())])
    except (pa.ArrowInvalid, pa.ArrowTypeError) as err:
        raise InvalidArgumentError.for_value("texts", f"not strings: {err}") from None


def _pieces(texts: pa.ChunkedArray) -> list[pa.Array]:
    """The chunks of ``texts``, cut to at most ``_ROWS_PER_CALL`` rows each."""
    pieces = []
    for chunk in texts.chunks:
        for start in range(0, len(chunk), _ROWS_PER_CALL):
            pieces.append(chunk.slice(start, _ROWS_PER_CALL))
    return pieces
