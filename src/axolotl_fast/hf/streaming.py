"""A planned source as a ``datasets.IterableDataset`` read by the Rust reader.

Streaming configs (``pretraining_dataset``, ``streaming: true``) use it.

:func:`iterable_dataset` turns a planned local source into a ``datasets.IterableDataset`` whose
tables come from :func:`axolotl_fast.read`, one file after another. It has what HF's
``load_dataset(..., streaming=True)`` gives for the same files:

* the same rows in the same order, and the same features (from the first file's schema);
* one shard per file, so ``.shuffle(seed, buffer_size)`` permutes the same sources with the
  same generator, and a run streams the same rows in the same order as with the plugin off;
* ``.reshard()`` splits Parquet files into their row groups, as HF's Parquet builder does;
* text read as HF reads it (universal newlines: a lone CR also ends a line).

Ranks and workers: ``IterableDataset.shard`` / ``split_dataset_by_node`` and DataLoader
workers take whole shards (files, or row groups after ``.reshard()``), so each reads only its
own files. Axolotl streams with ``accelerator_config.dispatch_batches`` on by default: rank 0
reads and sends each rank its slice of every batch, and the other ranks get axolotl's one-row
placeholder, as without the plugin. With ``dispatch_batches: false`` accelerate calls
``dataset.shard(num_processes, rank)`` when there are at least as many shards as ranks, so
each rank reads disjoint files; with fewer files each rank reads everything and keeps its own
batches (accelerate's ``IterableDatasetShard``).

The axolotl side (``_prepare_streaming_dataset``, ``_load_streaming_dataset``: tokenization,
multipack buffers, shuffling) is :mod:`axolotl_fast.integration.data.sft_streaming`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from axolotl_fast.errors import AxolotlFastError
from axolotl_fast.hf.compat import (
    check_agent_traces,
    check_mixed_structs,
    reader_refusal,
    single_format,
)
from axolotl_fast.hf.plan import EntryPlan, LoaderFallback
from axolotl_fast.reader import read

if TYPE_CHECKING:
    import pyarrow as pa
    from datasets import IterableDataset

__all__ = ["iterable_dataset"]


def iterable_dataset(plan: EntryPlan) -> IterableDataset:
    """A ``datasets.IterableDataset`` over a planned source's files, read by the Rust reader.

    Args:
        plan: A ``"files"`` plan (:func:`~axolotl_fast.hf.plan.plan_streaming_source` or
            :func:`~axolotl_fast.hf.plan.plan_entry`).

    Raises:
        LoaderFallback: HF would not stream these files as the reader reads them (a JSON
            array, mixed formats, a builder the loader leaves to axolotl, a split slice).
    """
    from datasets import DatasetInfo, Features, IterableDataset, NamedSplit
    from datasets.iterable_dataset import ArrowExamplesIterable

    if plan.kind != "files" or plan.builder is None:
        raise LoaderFallback(plan.path, f"a {plan.kind} source is not streamed")
    if plan.sliced_split is not None:
        # HF refuses a slice when streaming ("Bad split") or streams `+` parts its own way.
        raise LoaderFallback(plan.path, f"split slicing of a stream ({plan.split!r})")
    fmt = _stream_format(plan)
    schema = _first_schema(plan, fmt)
    features = Features.from_arrow_schema(schema)
    if plan.builder == "json":
        _check_json(plan, features)
    files = list(plan.files)
    examples = ArrowExamplesIterable(
        functools.partial(_generate_tables, format=fmt),
        {"files": files, "row_groups": [None] * len(files)},
        _row_group_kwargs if fmt == "parquet" else None,
    )
    split = NamedSplit(plan.split) if plan.split else None
    return IterableDataset(examples, info=DatasetInfo(features=features), split=split)


def _stream_format(plan: EntryPlan) -> str:
    fmt = single_format(plan)
    if fmt == "json":
        raise LoaderFallback(plan.path, "a JSON array (read whole, not streamed)")
    return fmt


def _first_schema(plan: EntryPlan, fmt: str) -> pa.Schema:
    """The first file's schema (HF's builders take the features from the first file too)."""
    try:
        return read(plan.files[0], format=fmt).schema
    except (AxolotlFastError, OSError) as err:
        raise reader_refusal(plan.path, err) from err


def _check_json(plan: EntryPlan, features: Any) -> None:
    """HF's Json builder JSON-encodes mixed structs and converts agent traces: left to it."""
    check_mixed_structs(plan.path, plan.files[0])
    check_agent_traces(plan.path, features)


def _generate_tables(
    files: Sequence[str],
    row_groups: Sequence[tuple[int, int] | None],
    *,
    format: str,
) -> Iterator[tuple[str, pa.Table]]:
    """Yield ``(key, table)`` per batch, as an HF builder's ``_generate_tables`` does.

    ``row_groups[i]`` is ``None`` for all of ``files[i]``, or ``(index, count)``: its row group
    ``index`` of ``count`` (the reader's Parquet row-group shard).
    """
    import pyarrow as pa

    for file_index, (file, shard) in enumerate(zip(files, row_groups, strict=True)):
        reader = read(file, format=format, shard=shard)
        for batch_index, batch in enumerate(reader):
            table = pa.Table.from_batches([batch])
            if format == "text":
                table = _universal_newlines(table)
            yield f"{file_index}_{batch_index}", table


def _universal_newlines(table: pa.Table) -> pa.Table:
    """Split lines at lone CRs, as HF's text builder (a file opened in text mode) does.

    The reader ends lines at LF and drops the CR of a CRLF; whatever CR is left in a line
    ended a line for Python's universal newlines, so the line splits there.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    text = table.column("text")
    if not pc.any(pc.match_substring(text, "\r")).as_py():
        return table
    lines = pc.list_flatten(pc.split_pattern(text, pattern="\r"))
    return pa.table({"text": lines}, schema=table.schema)


def _row_group_kwargs(
    files: Sequence[str], row_groups: Sequence[tuple[int, int] | None]
) -> Iterator[dict[str, list]]:
    """``reshard``: one shard per Parquet row group (HF's Parquet builder does the same)."""
    import pyarrow.parquet as pq

    for file, shard in zip(files, row_groups, strict=True):
        count = pq.ParquetFile(file).num_row_groups if shard is None else 1
        if shard is not None or count <= 1:
            yield {"files": [file], "row_groups": [shard]}
            continue
        for index in range(count):
            yield {"files": [file], "row_groups": [(index, count)]}
