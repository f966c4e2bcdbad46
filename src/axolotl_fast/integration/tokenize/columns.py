"""What the fast paths share: the refusal they raise, the class check, string columns.

:class:`Unsupported` says a fast path cannot reproduce an axolotl strategy exactly (the message
is the reason), so axolotl's strategy must run; :func:`check_classes` refuses any strategy or
prompter but the exact axolotl classes a path restates; :func:`string_column` reads a field
column as strings, or refuses it; :func:`python_columns` gives a table's columns as the
Python values ``datasets.map`` hands a strategy.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

__all__ = ["Unsupported", "check_classes", "python_columns", "string_column"]


class Unsupported(Exception):
    """The Rust path cannot reproduce this strategy exactly; axolotl's must run."""


def python_columns(table: pa.Table) -> dict[str, list[Any]]:
    """``table``'s columns as Python lists, as HF's Python formatter decodes them for ``map``.

    ``datasets.Json`` columns (the turns HF stores as JSON text when their keys differ) hold
    strings in Arrow; HF decodes them with ujson before a strategy sees them, and so does this.
    """
    columns = table.to_pydict()
    if any(_holds_json(field.type) for field in table.schema):
        from datasets import Features

        columns = Features.from_arrow_schema(table.schema).decode_batch(columns)
    return columns


def _holds_json(arrow_type: pa.DataType) -> bool:
    if isinstance(arrow_type, pa.BaseExtensionType):
        return arrow_type.extension_name == "arrow.json"
    return any(
        _holds_json(arrow_type.field(i).type) for i in range(arrow_type.num_fields)
    )


def string_column(table: pa.Table, name: str) -> pa.ChunkedArray:
    """``table[name]`` as strings (an all-null column is cast), else :class:`Unsupported`."""
    if name not in table.column_names:
        raise Unsupported(f"no {name!r} column")
    column = table.column(name)
    if pa.types.is_null(column.type):
        return column.cast(pa.string())
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        raise Unsupported(f"column {name!r} is {column.type}, not strings")
    return column


def check_classes(strategy: Any, strategy_class: type, prompter_class: type) -> None:
    """Raise :class:`Unsupported` unless the strategy and its prompter are exactly these."""
    if type(strategy) is not strategy_class:
        raise Unsupported(
            f"strategy {type(strategy).__name__} is not {strategy_class.__name__}"
        )
    if type(strategy.prompter) is not prompter_class:
        raise Unsupported(
            f"prompter {type(strategy.prompter).__name__} is not axolotl's"
        )
