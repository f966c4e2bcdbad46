"""Read planned dataset entries with the Rust reader into Arrow-backed ``datasets.Dataset``s.

:func:`read_entry` takes an :class:`~axolotl_fast.hf.plan.EntryPlan` and returns what
``load_dataset`` / ``load_from_disk`` would have returned for it: the same rows, columns and
features, in a ``datasets.Dataset`` over the reader's output memory-mapped from the loader's
own Arrow cache file (:mod:`axolotl_fast.hf.arrow_cache`; no Python rows, no HF builder).

Files are read only where :mod:`axolotl_fast.hf.compat` says the table is the one HF's
builder would make (the columns HF's Json builder re-encodes with ujson are replayed by
:mod:`axolotl_fast.hf.json_replay`); a ``saved`` plan (a ``save_to_disk`` dataset) has its
Arrow shards memory-mapped in place (they are already what the loader's cache holds), with its
``dataset_info.json`` features, ``state.json`` fingerprint, split and format.

A file the reader rejects (a format or compression this build does not read, a type conflict)
raises :class:`~axolotl_fast.hf.plan.LoaderFallback`, never a half-read dataset.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from axolotl_fast.errors import AxolotlFastError
from axolotl_fast.hf.arrow_cache import mapped_table
from axolotl_fast.hf.compat import (
    check_agent_traces,
    check_table,
    mixed_struct_paths,
    reader_refusal,
    single_format,
)
from axolotl_fast.hf.json_replay import read_replayed
from axolotl_fast.hf.plan import EntryPlan, LoaderFallback, slice_bounds

if TYPE_CHECKING:
    from datasets import Dataset

__all__ = ["read_entry"]


def read_entry(plan: EntryPlan) -> Dataset:
    """Read one planned entry into a ``datasets.Dataset``.

    Args:
        plan: The entry's plan (``kind`` ``"files"`` or ``"saved"``).

    Returns:
        An Arrow-backed dataset equal to what axolotl's loader returns for the entry.

    Raises:
        LoaderFallback: The reader cannot reproduce the entry exactly.
    """
    if plan.kind == "saved":
        return _read_saved(plan)
    return _read_files(plan)


def _read_files(plan: EntryPlan) -> Dataset:
    from datasets import Dataset, NamedSplit

    fmt = single_format(plan)
    features_file = plan.features_file or plan.files[0]
    mixed_paths = []
    if plan.builder == "json":
        mixed_paths = mixed_struct_paths(plan.path, features_file)
        table = read_replayed(
            plan, fmt, mixed_paths, lambda cols: _read_table(plan, fmt, cols)
        )
    else:
        table = _read_table(plan, fmt)
    check_table(plan, fmt, table.table)
    if features_file not in plan.files:
        _check_first_split_schema(plan, fmt, features_file, table.schema, mixed_paths)
    if plan.sliced_split is not None:
        table = _slice(plan, table)
    split = NamedSplit(plan.split) if plan.split else None
    dataset = Dataset(table, split=split)
    if plan.builder == "json":
        check_agent_traces(plan.path, dataset.features)
    return dataset


def _check_first_split_schema(
    plan: EntryPlan, fmt: str, features_file: str, schema: Any, mixed_paths: list
) -> None:
    """HF casts every split to the features of the source's first split: refuse a change.

    ``load_dataset`` takes the features from the first file of the first split (usually
    ``train``); a ``test`` split read on its own must have the same columns and types.
    """
    from axolotl_fast.reader import read

    mixed = {str(path[0]) for path in mixed_paths}
    try:
        first = read(features_file, format=fmt).schema
    except (AxolotlFastError, OSError) as err:
        raise reader_refusal(plan.path, err) from err
    ours = [(f.name, f.type) for f in schema if f.name not in mixed]
    theirs = [(f.name, f.type) for f in first if f.name not in mixed]
    if ours != theirs:
        raise LoaderFallback(
            plan.path, f"split {plan.split!r} differs from the first split's schema"
        )


def _slice(plan: EntryPlan, table: Any) -> Any:
    """The rows of a split slice (``train[:20%]``), as HF's reader takes them from the split."""
    from datasets.table import concat_tables

    assert plan.split is not None and plan.sliced_split is not None
    try:
        bounds = slice_bounds(plan.split, plan.sliced_split, table.num_rows)
    except ValueError as err:  # pct1_dropremainder on < 100 rows: HF raises it
        raise LoaderFallback(plan.path, f"split {plan.split!r}: {err}") from err
    if all(start >= stop for start, stop in bounds):
        # HF raises "corresponds to no data": let axolotl report it.
        raise LoaderFallback(plan.path, f"split {plan.split!r} selects no rows")
    # A reversed part (`train[50:10]` beside a good one) selects nothing, as in HF.
    parts = [table.slice(start, max(0, stop - start)) for start, stop in bounds]
    return parts[0] if len(parts) == 1 else concat_tables(parts)


def _read_saved(plan: EntryPlan) -> Dataset:
    """Mirror ``Dataset.load_from_disk``.

    Its shards are already Arrow IPC stream files, which is what the loader's cache would
    hold: they are memory-mapped where they are, as ``load_from_disk`` does, not copied.
    """
    import pyarrow as pa
    from datasets import Dataset, DatasetInfo, Split
    from datasets.table import MemoryMappedTable, concat_tables

    assert plan.saved_dir is not None
    directory = Path(plan.saved_dir)
    state = json.loads((directory / "state.json").read_text(encoding="utf-8"))
    info_dict = json.loads(
        (directory / "dataset_info.json").read_text(encoding="utf-8")
    )
    try:
        table = concat_tables([MemoryMappedTable.from_file(f) for f in plan.files])
    except (pa.ArrowInvalid, OSError) as err:
        raise LoaderFallback(plan.path, f"unreadable Arrow shard: {err}") from err
    split = state.get("_split")
    dataset = Dataset(
        table,
        info=DatasetInfo.from_dict(info_dict),
        split=Split(split) if split is not None else None,
        fingerprint=state["_fingerprint"],
    )
    return dataset.with_format(
        type=state.get("_format_type"),
        format_kwargs=state.get("_format_kwargs") or {},
        columns=state.get("_format_columns"),
        output_all_columns=state.get("_output_all_columns", False),
    )


def _read_table(
    plan: EntryPlan, format: str, columns: Sequence[str] | None = None
) -> Any:
    """The entry's files (those columns, or all) read into the loader's Arrow cache, mapped.

    See :mod:`axolotl_fast.hf.arrow_cache`.
    """
    try:
        return mapped_table(plan.files, format, columns)
    except (AxolotlFastError, OSError) as err:
        raise reader_refusal(plan.path, err) from err
