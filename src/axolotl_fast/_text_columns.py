"""String columns cut for calls into the core: what every ``Encoder`` method shares.

A call takes at most :data:`ROWS_PER_CALL` rows, which keeps every output chunk's ``int32``
list offsets far from overflow; :func:`as_strings` takes a pyarrow array, chunked array or
Python sequence of strings; :func:`check_side` refuses an unknown ``truncation_side``.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from axolotl_fast.errors import InvalidArgumentError

__all__ = ["ROWS_PER_CALL", "TRUNCATION_SIDES", "as_strings", "check_side", "pieces"]

TRUNCATION_SIDES = ("left", "right")
# Rows per call into the core: keeps every output chunk's int32 offsets far from overflow.
ROWS_PER_CALL = 16_384


def check_side(truncation_side: str) -> None:
    """Raise :class:`InvalidArgumentError` unless the side is ``left`` or ``right``."""
    if truncation_side not in TRUNCATION_SIDES:
        raise InvalidArgumentError.for_value(
            "truncation_side",
            f"unknown value {truncation_side!r}; expected one of left, right",
        )


def as_strings(texts: pa.Array | pa.ChunkedArray | Sequence[str]) -> pa.ChunkedArray:
    """``texts`` as a chunked string array (a Python sequence is converted)."""
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


def pieces(texts: pa.ChunkedArray) -> list[pa.Array]:
    """The chunks of ``texts``, cut to at most ``ROWS_PER_CALL`` rows each."""
    pieces = []
    for chunk in texts.chunks:
        for start in range(0, len(chunk), ROWS_PER_CALL):
            pieces.append(chunk.slice(start, ROWS_PER_CALL))
    return pieces
