"""The ``(instruction, input, response)`` columns of each instruction strategy, in Arrow.

Axolotl's ``InstructionPromptTokenizingStrategy`` subclasses differ only in
``parse_instruction_fields`` (and the prompter they are built with): which columns hold the
instruction, the input and the response, and for some a little Python on the values.
:data:`FIELDS` restates each of those methods as Arrow column operations on an entry's
table, by strategy class name; everything after it (the prompt, ``_tokenize``, the labels) is
the shared path of :mod:`~axolotl_fast.integration.tokenize.instruction`.

Where Python would raise on a row (``"what is " + None``, iterating a ``None`` list of
choices) or format a value in a way these do not restate (non-string choices), the entry is
refused with :class:`~axolotl_fast.integration.tokenize.columns.Unsupported`, so that
axolotl's strategy runs and decides.
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc

from axolotl_fast.integration.tokenize.columns import Unsupported, string_column

__all__ = ["FIELDS", "Fields"]

# (instruction, input or None, response), each a string column of the entry's rows.
Fields = tuple[pa.ChunkedArray, pa.ChunkedArray | None, pa.ChunkedArray]


def _alpaca(table: pa.Table) -> Fields:
    return (
        string_column(table, "instruction"),
        _optional(table, "input"),
        string_column(table, "output"),
    )


def _gpteacher(table: pa.Table) -> Fields:
    return (
        string_column(table, "instruction"),
        _optional(table, "input"),
        string_column(table, "response"),
    )


def _oasst(table: pa.Table) -> Fields:
    return string_column(table, "INSTRUCTION"), None, string_column(table, "RESPONSE")


def _summarize_tldr(table: pa.Table) -> Fields:
    return string_column(table, "article"), None, string_column(table, "summary")


def _jeopardy(table: pa.Table) -> Fields:
    """``question``, ``category``, ``"what is " + answer`` (a null answer raises in Python)."""
    answer = string_column(table, "answer")
    if answer.null_count:
        raise Unsupported("a null 'answer' ('what is ' + None raises in axolotl)")
    return (
        string_column(table, "question"),
        string_column(table, "category"),
        pc.binary_join_element_wise("what is ", answer, ""),
    )


def _multiple_choice(table: pa.Table) -> Fields:
    """``question``, the choices as ``- "choice"`` lines, ``solution`` else ``explanation``."""
    response = "solution" if "solution" in table.column_names else "explanation"
    return (
        string_column(table, "question"),
        _choice_lines(table),
        string_column(table, response),
    )


def _choice_lines(table: pa.Table) -> pa.ChunkedArray:
    """The choices of every row as ``- "choice"`` lines, joined as axolotl joins them."""
    if "choices" not in table.column_names:
        raise Unsupported("no 'choices' column")
    choices = table.column("choices")
    kind = choices.type
    if not pa.types.is_list(kind) or not (
        pa.types.is_string(kind.value_type) or pa.types.is_null(kind.value_type)
    ):
        raise Unsupported(f"'choices' is {kind}, not lists of strings")
    if choices.null_count:
        raise Unsupported("a row's 'choices' is null (axolotl cannot iterate it)")
    lines = []
    for chunk in choices.chunks:
        values = pc.fill_null(pc.list_flatten(chunk).cast(pa.string()), "None")
        quoted = pc.binary_join_element_wise('- "', values, '"', "")
        offsets = pc.subtract(chunk.offsets, chunk.offsets[0])
        lists = pa.ListArray.from_arrays(offsets, quoted)
        lines.append(pc.binary_join(lists, "\n"))
    return pa.chunked_array(lines, type=pa.string())


FIELDS: dict[str, Callable[[pa.Table], Fields]] = {
    "AlpacaPromptTokenizingStrategy": _alpaca,
    "GPTeacherPromptTokenizingStrategy": _gpteacher,
    "OpenAssistantPromptTokenizingStrategy": _oasst,
    "SummarizeTLDRPromptTokenizingStrategy": _summarize_tldr,
    "JeopardyPromptTokenizingStrategy": _jeopardy,
    "AlpacaMultipleChoicePromptTokenizingStrategy": _multiple_choice,
}


def _optional(table: pa.Table, name: str) -> pa.ChunkedArray | None:
    """``prompt[name] if name in prompt else ""``: the column when the entry has it."""
    return string_column(table, name) if name in table.column_names else None
