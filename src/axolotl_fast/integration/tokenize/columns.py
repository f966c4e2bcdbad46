"""What the fast paths share: the refusal they raise and their string columns.

:class:`Unsupported` says a fast path cannot reproduce an axolotl strategy exactly (the message
is the reason), so axolotl's strategy must run; :func:`string_column` reads a field column as
strings, or refuses it.
"""

from __future__ import annotations

import pyarrow as pa

__all__ = ["Unsupported", "string_column"]


class Unsupported(Exception):
    """The Rust path cannot reproduce this strategy exactly; axolotl's must run."""


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
