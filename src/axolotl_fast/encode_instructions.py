"""The instruction half of :class:`axolotl_fast.Encoder`: axolotl's instruction rules in Rust.

:class:`InstructionTemplates` holds an instruction prompter's templates; the mixin
:class:`InstructionEncoding` gives ``Encoder`` :meth:`~InstructionEncoding.tokenize_instructions`
and :meth:`~InstructionEncoding.iter_tokenize_instructions`, which render every row's prompt,
encode prompt and response with axolotl's truncation, EOS and BOS rules, and build the labels,
all in one call into the core per slice of rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from axolotl_fast._text_columns import ROWS_PER_CALL, as_strings
from axolotl_fast.errors import InvalidArgumentError

__all__ = ["InstructionEncoding", "InstructionTemplates"]


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


class InstructionEncoding:
    """Instruction tokenization for ``Encoder`` (which provides ``_core``)."""

    _core: Any

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


_EMPTY_INSTRUCTIONS = pa.table(
    {
        "input_ids": pa.array([], pa.list_(pa.int32())),
        "attention_mask": pa.array([], pa.list_(pa.int8())),
        "labels": pa.array([], pa.list_(pa.int64())),
    }
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
        name: None if column is None else as_strings(column)
        for name, column in columns.items()
    }
    return strings, options


def _aligned_slices(
    columns: dict[str, pa.ChunkedArray | None],
) -> Iterator[dict[str, pa.Array | None]]:
    """Slices of at most ``ROWS_PER_CALL`` rows of every column, aligned (``None`` stays).

    Only a slice that spans chunks is copied, one slice at a time, never a whole column.
    """
    present = {name: column for name, column in columns.items() if column is not None}
    rows = len(next(iter(present.values())))
    for start in range(0, rows, ROWS_PER_CALL):
        piece: dict[str, pa.Array | None] = dict.fromkeys(columns)
        for name, column in present.items():
            piece[name] = column.slice(start, ROWS_PER_CALL).combine_chunks()
        yield piece
