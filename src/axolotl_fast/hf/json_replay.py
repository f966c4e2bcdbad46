r"""HF's ujson re-encoding of JSON records, replayed on the columns it changes.

HF's Json builder (``datasets`` 5) re-encodes records with pandas' ujson in two cases:

* a **JSON array**: every record, ``ujson_dumps(x) for x in ujson_loads(file)``;
* **JSON Lines** whose first 10 MiB hold objects with differing key sets at some path
  (:func:`~axolotl_fast.hf.compat.mixed_struct_paths`, e.g. turns of which some carry a
  ``weight`` key): every line of every file of the split is loaded, each such path is turned
  into JSON text (``json_encode_field``) and the record dumped again.

Pyarrow's JSON reader then reads the re-encoded lines, and the mixed paths become
``datasets.Json`` columns. Re-encoding changes two things: every float goes through ujson's
parser and its 10-decimal ``double_precision`` (``2.123456789012345`` becomes
``2.123456789``, ``1e-12`` becomes ``0.0``), and the mixed paths hold ujson's JSON text
(compact, ``\/`` and ``\uXXXX`` escapes, keys in the record's order).

The Rust reader reads the bytes as they are. :func:`read_replayed` replays HF's steps, with
``datasets``' own functions, on just the top-level columns they can change (those holding a
float or a mixed path) and puts HF's columns, in HF's column order, in place of the reader's.
The other columns are the reader's, which are already HF's.
"""

from __future__ import annotations

import codecs
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain
from typing import TYPE_CHECKING, Any

from axolotl_fast.hf.compat import open_decompressed, read_rest_of_line
from axolotl_fast.hf.plan import EntryPlan, LoaderFallback

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["read_replayed", "replayed_names"]

Path_ = list[str | int]
ReadTable = Callable[[Sequence[str] | None], Any]

# HF's Json builder reads 10 MiB chunks (whole lines); pyarrow's blocks are as large here.
_JSON_CHUNK = 10 << 20
_MAX_BLOCK = (1 << 31) - 1


def replayed_names(
    schema: pa.Schema, fmt: str, mixed_paths: Sequence[Path_]
) -> list[str]:
    """The columns of ``schema`` whose floats HF's re-encoding rounds (none if it does not).

    The mixed paths' own columns are not among them: they are re-encoded whatever they hold.
    """
    if fmt != "json" and not mixed_paths:
        return []
    mixed = {str(path[0]) for path in mixed_paths}
    return [
        field.name
        for field in schema
        if field.name not in mixed and _has_float(field.type)
    ]


def read_replayed(
    plan: EntryPlan, fmt: str, mixed_paths: Sequence[Path_], read_table: ReadTable
) -> Any:
    """The entry's table as HF's Json builder makes it: the reader's, HF's columns replayed.

    Args:
        plan: The entry (its files, in order).
        fmt: ``"json"`` (an array) or ``"jsonl"``.
        mixed_paths: :func:`~axolotl_fast.hf.compat.mixed_struct_paths` of the file HF takes
            the features from.
        read_table: Reads the files with the Rust reader, keeping the given columns (all
            for ``None``), into a ``datasets`` table. The mixed columns are left out of its
            output (their structs may differ from file to file, which HF's JSON text
            allows), though the reader still parses them and refuses what it cannot type.

    Raises:
        LoaderFallback: HF's re-encoding would fail (a line ujson cannot load, a BOM on a
            file after the first, a cast to the first chunk's types), or gives a different
            number of rows than the reader read.
    """
    mixed = list(dict.fromkeys(str(path[0]) for path in mixed_paths))
    chunks = _record_chunks(plan, fmt)
    if not mixed:
        table = read_table(None)
        names = replayed_names(table.schema, fmt, mixed_paths)
        if not names:  # JSON Lines as they are, or an array without floats
            return table
        replayed = _replayed(plan, chunks, names, mixed_paths, None)
        return _with_columns(plan, table, replayed, names)
    first = next(chunks, [])
    order = _column_order(first, mixed)  # HF's features: its first chunk's columns
    kept = [name for name in order if name not in mixed]
    if not kept:  # HF's columns are all re-encoded ones
        replayed = _replayed(plan, chain([first], chunks), mixed, mixed_paths, order)
        return replayed.select(order)
    table = read_table(kept)
    names = replayed_names(table.schema, fmt, mixed_paths) + mixed
    replayed = _replayed(plan, chain([first], chunks), names, mixed_paths, order)
    return _with_columns(plan, table, replayed, names).select(order)


def _with_columns(
    plan: EntryPlan, table: Any, replayed: pa.Table, names: list[str]
) -> Any:
    """``table`` with ``replayed``'s ``names`` columns put in (replaced or appended)."""
    if replayed.num_rows != table.num_rows:
        raise LoaderFallback(
            plan.path,
            f"HF's re-encoding gives {replayed.num_rows} rows, the reader "
            f"{table.num_rows}",
        )
    for name in names:
        index = table.schema.get_field_index(name)
        if index < 0:
            table = table.append_column(name, replayed.column(name))
        else:
            table = table.set_column(index, name, replayed.column(name))
    return table


def _has_float(arrow_type: pa.DataType) -> bool:
    import pyarrow as pa

    if pa.types.is_floating(arrow_type):
        return True
    return any(
        _has_float(arrow_type.field(i).type) for i in range(arrow_type.num_fields)
    )


def _record_chunks(plan: EntryPlan, fmt: str) -> Iterator[list[Any]]:
    """The records of each HF chunk as ujson loads them: a file's 10 MiB, or its array."""
    for index, file in enumerate(plan.files):
        try:
            if fmt == "json":
                yield from _array(plan, file, index)
            else:
                yield from _chunks(plan, file, index)
        except ValueError as err:  # HF's load fails on it too: axolotl reports it
            raise LoaderFallback(plan.path, f"ujson cannot load {file}: {err}") from err


def _replayed(
    plan: EntryPlan,
    chunks: Iterable[list[Any]],
    names: list[str],
    mixed_paths: Sequence[Path_],
    columns: list[str] | None,
) -> Any:
    """The ``names`` columns as HF makes them, memory-mapped from the loader's cache.

    Made chunk by chunk, as HF does: one chunk's records in memory at a time, each chunk
    written to the cache file before the next is loaded.
    """
    from axolotl_fast.hf.arrow_cache import files_key, mapped_tables

    tables = _replayed_chunks(plan, chunks, names, mixed_paths, columns)
    first = next(tables, None)
    if first is None:
        raise LoaderFallback(plan.path, "no JSON records")
    key = files_key(plan.files, "json-replay", [*names, json.dumps(mixed_paths)])
    return mapped_tables("json_replay", key, first.schema, chain([first], tables))


def _replayed_chunks(
    plan: EntryPlan,
    chunks: Iterable[list[Any]],
    names: list[str],
    mixed_paths: Sequence[Path_],
    columns: list[str] | None,
) -> Iterator[pa.Table]:
    """Each chunk's ``names`` columns: pyarrow's read of HF's re-encoded lines, cast.

    HF casts every chunk to the first chunk's features; ``columns``: HF's columns (its
    first chunk's), which no record may go beyond.
    """
    from datasets.table import table_cast

    allowed = set(columns) if columns is not None else None
    schema = None
    for records in chunks:
        if allowed is not None and not all(_within(r, allowed) for r in records):
            raise LoaderFallback(
                plan.path, "a column after HF's first chunk (HF fails)"
            )
        lines = _reencoded_lines(records, names, mixed_paths)
        table = _hf_table(plan, lines, mixed_paths)
        if schema is None:
            schema = table.schema
        else:
            try:
                table = table_cast(table, schema)
            except (ValueError, TypeError, ArithmeticError) as err:
                raise LoaderFallback(plan.path, f"HF's cast fails: {err}") from err
        yield table


def _within(record: Any, columns: set[str]) -> bool:
    return isinstance(record, dict) and columns.issuperset(record)


def _array(plan: EntryPlan, file: str, index: int) -> Iterator[list[Any]]:
    from datasets.utils.json import ujson_loads

    with open_decompressed(plan.path, file) as stream:
        data = stream.read()
    yield ujson_loads(_without_bom(plan, data, index))


def _chunks(plan: EntryPlan, file: str, index: int) -> Iterator[list[Any]]:
    """The file's records per HF chunk: 10 MiB finished at a newline, ``splitlines``."""
    from datasets.utils.json import ujson_loads

    with open_decompressed(plan.path, file) as stream:
        first = True
        while chunk := stream.read(_JSON_CHUNK):
            if first:
                chunk, first = _without_bom(plan, chunk, index), False
            chunk += read_rest_of_line(stream)
            yield [ujson_loads(line) for line in chunk.splitlines()]


def _without_bom(plan: EntryPlan, data: bytes, index: int) -> bytes:
    """HF strips a BOM from its first file only; ujson fails on one anywhere else."""
    if not data.startswith(codecs.BOM_UTF8):
        return data
    if index > 0:
        raise LoaderFallback(plan.path, "a BOM on a file after the first (HF fails)")
    return data[len(codecs.BOM_UTF8) :]


def _reencoded_lines(
    records: list[Any], names: list[str], mixed_paths: Sequence[Path_]
) -> list[bytes]:
    """Each record's ``names`` as HF re-encodes them: mixed paths as JSON text, ujson-dumped."""
    from datasets.utils.json import json_encode_field, ujson_dumps

    by_column: dict[str, list[list[str | int]]] = {name: [] for name in names}
    for path in mixed_paths:
        by_column[str(path[0])].append(list(path[1:]))

    def encoded(record: Any) -> dict[str, Any]:
        part = {}
        for name, subpaths in by_column.items():
            value = record.get(name) if isinstance(record, dict) else None
            for subpath in subpaths:
                value = json_encode_field(value, subpath)
            part[name] = value
        return part

    return [ujson_dumps(encoded(r)).encode() for r in records]


def _hf_table(
    plan: EntryPlan, lines: list[bytes], mixed_paths: Sequence[Path_]
) -> pa.Table:
    """Pyarrow's read of re-encoded lines, cast with the mixed paths as ``datasets.Json``."""
    import pyarrow as pa
    import pyarrow.json as paj
    from datasets import Features
    from datasets.table import table_cast
    from datasets.utils.json import set_json_types_in_feature

    longest = max((len(line) for line in lines), default=0)
    block = min(_MAX_BLOCK, max(_JSON_CHUNK, longest + 1))  # no line straddles two
    options = paj.ReadOptions(block_size=block)
    try:
        replayed = paj.read_json(io.BytesIO(b"\n".join(lines)), read_options=options)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as err:
        raise LoaderFallback(plan.path, f"HF's re-encoded lines: {err}") from err
    features = Features.from_arrow_schema(replayed.schema)
    if mixed_paths:
        features = set_json_types_in_feature(features, [list(p) for p in mixed_paths])
    return table_cast(replayed, features.arrow_schema)


def _column_order(records: list[Any], mixed: list[str]) -> list[str]:
    """HF's column order: keys in order of first appearance in the re-encoded records.

    ``json_encode_field`` adds a mixed column that a record lacks at the record's end.
    """
    order: dict[str, None] = {}
    for record in records:
        if isinstance(record, dict):
            order.update(dict.fromkeys(record))
            order.update(dict.fromkeys(mixed))
    return list(order)
