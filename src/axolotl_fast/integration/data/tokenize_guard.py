"""The guard of the plugin's ``tokenize``: axolotl's own strategy on an entry's first rows.

Before an entry is tokenized in Rust, its first :data:`GUARD_ROWS` rows go through both
axolotl's ``strategy.tokenize_prompt`` (one call per row, or one batch for a batched strategy,
as axolotl calls it) and the fast path; :func:`first_difference` compares the two results
whole: the number of rows, the columns (names and order) and every value. Any difference
means axolotl tokenizes the entry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pyarrow as pa

if TYPE_CHECKING:
    from datasets import Dataset

__all__ = ["GUARD_ROWS", "axolotl_rows", "first_difference"]

# Rows of every entry that axolotl's own strategy also tokenizes, to compare.
GUARD_ROWS = 256


def first_difference(strategy: Any, head: Dataset, ours: pa.Table) -> str | None:
    """Where the fast path's rows for ``head`` (``ours``) first differ from axolotl's.

    Returns ``"row N, field 'name'"`` (``N`` counts output rows), ``"row N, columns
    [...]"``, ``"row N, missing"`` / ``"row N, extra"``, or ``None`` when they are equal.
    Rows that give axolotl no output at all leave nothing to compare: that is a difference
    too (the guard never passes on no evidence).
    """
    expected = axolotl_rows(strategy, head)
    if not expected:
        return f"none of the first {len(head)} rows gives axolotl any tokens to compare"
    mine = ours.to_pylist()
    for index, row in enumerate(expected):
        if list(row) != ours.column_names:
            return f"row {index}, columns {list(row)}"
        if index >= len(mine):
            return f"row {index}, missing"
        for field, values in row.items():
            if list(values) != mine[index][field]:
                return f"row {index}, field {field!r}"
    if len(mine) > len(expected):
        return f"row {len(expected)}, extra"
    return None


def axolotl_rows(strategy: Any, head: Dataset) -> list[dict[str, Any]]:
    """What axolotl's strategy makes of ``head``, as rows (dicts in its key order)."""
    if not strategy.supports_batched:
        return [dict(strategy.tokenize_prompt(row)) for row in head]
    columns = strategy.tokenize_prompt(head.to_dict())
    names = list(columns)
    return [
        dict(zip(names, values, strict=True))
        for values in zip(*columns.values(), strict=True)
    ]
