"""What the driver works out between stages, from small aggregates of the workers' output.

* :func:`tokenize_calls`: each tokenize call's entry, first input row, split name, input and
  output rows (a ``groupby`` count over the tokenized blocks, not the rows themselves);
* :func:`call_positions`: from those, each call's first position in the concatenation of
  the entries' tokenized rows, and each entry's row count (the input of
  :func:`~axolotl_fast.ray.order.merged_ranks`);
* :func:`split_name`: the split ``state.json`` records;
* :func:`features_of`: the features of the prepared rows, for a split left with none.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from axolotl_fast.ray.stages import ENTRY, INPUTS, SPLIT, START

__all__ = ["call_positions", "features_of", "split_name", "tokenize_calls"]


def tokenize_calls(tokenized: Any) -> list[dict]:
    """Each tokenize call: its entry, first input row, input rows and output rows."""
    from ray.data.aggregate import Count, Max

    counts = tokenized.groupby([ENTRY, START, SPLIT]).aggregate(Count(), Max(INPUTS))
    return [
        {
            "entry": row[ENTRY],
            "start": row[START],
            "split": row[SPLIT] or None,
            "rows": row["count()"],
            "inputs": row[f"max({INPUTS})"],
        }
        for row in counts.take_all()
    ]


def call_positions(calls: list[dict], entries: int) -> tuple[dict, list[int]]:
    """Each call's first position in the entries' concatenation; each entry's row count."""
    positions = {}
    entry_rows = [0] * entries
    for call in sorted(calls, key=lambda c: (c["entry"], c["start"])):
        entry_rows[call["entry"]] += call["rows"]
    offsets = np.cumsum([0, *entry_rows[:-1]]).tolist()
    running = dict(enumerate(offsets))
    for call in sorted(calls, key=lambda c: (c["entry"], c["start"])):
        positions[(call["entry"], call["start"])] = running[call["entry"]]
        running[call["entry"]] += call["rows"]
    return positions, entry_rows


def split_name(calls: list[dict]) -> str | None:
    """The split ``merge_datasets`` leaves: a single entry's, none for a concatenation."""
    entries = {call["entry"] for call in calls}
    names = {call["split"] for call in calls}
    return names.pop() if len(entries) == 1 and len(names) == 1 else None


def features_of(passed: Any) -> Any:
    """The features of the prepared rows (for a split left with none)."""
    from datasets import Features

    from axolotl_fast.ray.output import hf_features

    schema = passed.schema()
    if schema is None:  # no block left at all
        return Features({})
    table = schema.base_schema.empty_table()
    return hf_features(
        table.drop_columns([c for c in table.column_names if c.startswith("__af_")])
    )
