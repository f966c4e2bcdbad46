"""Read planned dataset entries with the Rust reader into Arrow-backed ``datasets.Dataset``s.

:func:`read_entry` takes an :class:`~axolotl_fast.sources.EntryPlan` and returns what
``load_dataset`` / ``load_from_disk`` would have returned for it: the same rows, columns and
features, in a ``datasets.Dataset`` over the reader's output memory-mapped from the loader's
own Arrow cache file (:mod:`axolotl_fast.mapped`; no Python rows, no HF builder).

HF's builders do a few things beyond reading, and the loader mirrors or refuses them:

* ``parquet``: Parquet files; features from the schema's ``huggingface`` metadata, which the
  reader keeps.
* ``arrow``: Arrow IPC, stream tried first, then file (decided here from the magic bytes).
* ``json``: a file whose first byte (after a BOM) is ``[`` is a JSON array of objects; anything
  else is JSON Lines. HF re-encodes arrays with pandas' ujson, which rounds floats to 10
  decimals, so an array with a float column is left to axolotl. HF stores nested objects
  whose key sets differ within the first 10 MiB as JSON strings, and turns files that look
  like agent traces into another schema: both are checked here, with ``datasets``' own
  functions, and left to axolotl.
* ``text``: one ``text`` row per line; HF also ends a line at a lone CR (universal newlines),
  the reader does not, so such a file is left to axolotl.
* ``saved``: a ``save_to_disk`` dataset's Arrow shards, memory-mapped in place (they are
  already what the loader's cache holds), with its ``dataset_info.json`` features,
  ``state.json`` fingerprint, split and format.

A file the reader rejects (a format or compression this build does not read, a type conflict)
raises :class:`~axolotl_fast.sources.LoaderFallback`, never a half-read dataset.
"""

from __future__ import annotations

import codecs
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from axolotl_fast.errors import AxolotlFastError
from axolotl_fast.mapped import mapped_table
from axolotl_fast.sources import COMPRESSION_SUFFIXES, EntryPlan, LoaderFallback

if TYPE_CHECKING:
    import pyarrow as pa
    from datasets import Dataset, Features

__all__ = ["read_entry", "reader_format", "single_format"]

# HF's Json builder reads, and checks for mixed struct types, in chunks of this size.
_JSON_CHUNK = 10 << 20
_SNIFF_BYTES = 4096


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


def reader_format(entry: str, file: str, builder: str) -> str:
    """The ``axolotl_fast.read`` format for one file of an HF builder.

    Raises:
        LoaderFallback: The builder's reading of this file is not mirrored.
    """
    compressed = file.lower().endswith(COMPRESSION_SUFFIXES)
    if builder in ("parquet", "arrow") and compressed:
        raise LoaderFallback(entry, f"compressed {builder} file {Path(file).name}")
    if builder == "parquet":
        return "parquet"
    if builder == "arrow":
        return (
            "arrow_stream"  # the reader tells IPC file from stream by the first bytes
        )
    if builder == "text":
        return "text"
    if builder == "json":
        return _json_format(entry, file)
    raise LoaderFallback(entry, f"the {builder!r} builder is left to axolotl")


def single_format(plan: EntryPlan) -> str:
    """The one reader format of a ``"files"`` plan.

    Raises:
        LoaderFallback: The files need different formats, or one is not read.
    """
    assert plan.builder is not None
    formats = {reader_format(plan.path, f, plan.builder) for f in plan.files}
    if len(formats) != 1:
        raise LoaderFallback(plan.path, f"files of mixed formats {sorted(formats)}")
    return formats.pop()


def _read_files(plan: EntryPlan) -> Dataset:
    from datasets import Dataset, NamedSplit

    fmt = single_format(plan)
    if plan.builder == "json":
        _check_mixed_structs(plan.path, plan.files[0])
    table = _read_table(plan, fmt)
    _check_table(plan, fmt, table.table)
    split = NamedSplit(plan.split) if plan.split else None
    dataset = Dataset(table, split=split)
    if plan.builder == "json":
        _check_agent_traces(plan.path, dataset.features)
    return dataset


def _check_table(plan: EntryPlan, fmt: str, table: pa.Table) -> None:
    """Refuse tables HF's builder would have made differently from the same bytes."""
    import pyarrow.compute as pc

    if fmt == "json" and any(_has_float(field.type) for field in table.schema):
        # HF turns arrays into JSON Lines with pandas' ujson, which keeps 10 decimals.
        raise LoaderFallback(plan.path, "floats in a JSON array (HF rounds them)")
    if fmt == "text" and pc.any(pc.match_substring(table["text"], "\r")).as_py():
        # HF opens text files with universal newlines: a lone CR ends a line too.
        raise LoaderFallback(
            plan.path, "carriage returns inside lines (HF splits there)"
        )


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


def _read_table(plan: EntryPlan, format: str) -> Any:
    """The entry's files read into the loader's Arrow cache, memory-mapped (see ``mapped``)."""
    try:
        return mapped_table(plan.files, format)
    except (AxolotlFastError, OSError) as err:
        first_line = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise LoaderFallback(
            plan.path, f"the Rust reader refused it: {first_line}"
        ) from err


def _has_float(arrow_type: pa.DataType) -> bool:
    import pyarrow as pa

    if pa.types.is_floating(arrow_type):
        return True
    return any(
        _has_float(arrow_type.field(i).type) for i in range(arrow_type.num_fields)
    )


def _open(entry: str, file: str) -> Any:
    """Open ``file`` for binary reading, decompressed by its extension (as HF extracts it)."""
    import fsspec

    try:
        return fsspec.open(file, "rb", compression="infer").open()
    except Exception as err:  # an unknown or uninstalled codec
        raise LoaderFallback(
            entry, f"cannot decompress {Path(file).name}: {err}"
        ) from err


def _head(entry: str, file: str) -> bytes:
    with _open(entry, file) as stream:
        head = stream.read(_SNIFF_BYTES)
    return head[len(codecs.BOM_UTF8) :] if head.startswith(codecs.BOM_UTF8) else head


def _json_format(entry: str, file: str) -> str:
    """``json`` for a JSON array of objects, ``jsonl`` otherwise, as HF's Json builder decides."""
    head = _head(entry, file)
    if head.startswith(b"["):
        # HF: `b"{" in batch[:100].split(b'"', 1)[0]` means a list of objects.
        if b"{" not in head[:100].split(b'"', 1)[0]:
            raise LoaderFallback(entry, "a JSON array of non-objects (HF wraps them)")
        return "json"
    if head.lstrip().startswith(b"["):
        raise LoaderFallback(
            entry, "a JSON array after whitespace (HF reads it with pandas)"
        )
    return "jsonl"


def _check_mixed_structs(entry: str, file: str) -> None:
    """Refuse what HF's Json builder would store as JSON strings (``on_mixed_types``)."""
    try:
        from datasets.utils.json import find_mixed_struct_types_field_paths, ujson_loads
    except ImportError:  # a datasets without the feature
        return
    with _open(entry, file) as stream:
        batch = stream.read(_JSON_CHUNK)
        if batch.startswith(codecs.BOM_UTF8):
            batch = batch[len(codecs.BOM_UTF8) :]
        if batch.startswith(b"["):
            examples = ujson_loads(batch + stream.read())
        else:
            batch += _readline(stream)
            try:
                examples = [ujson_loads(line) for line in batch.splitlines()]
            except ValueError:  # HF skips the check then, and so do we
                return
    paths = find_mixed_struct_types_field_paths(examples)
    if paths:
        where = ", ".join("/".join(str(p) for p in path) for path in paths)
        raise LoaderFallback(
            entry, f"objects with differing keys at {where} (HF JSON-encodes)"
        )


def _readline(stream: Any) -> bytes:
    """The rest of the current line (zstd streams have no ``readline``; HF copes the same way)."""
    try:
        return stream.readline()
    except (AttributeError, io.UnsupportedOperation):
        from datasets.utils.file_utils import readline

        return readline(stream)


def _check_agent_traces(entry: str, features: Features) -> None:
    """Refuse files HF's Json builder would convert as agent traces."""
    try:
        from datasets.packaged_modules.json.json import has_agent_traces_markers
    except ImportError:
        return
    if has_agent_traces_markers(features):
        raise LoaderFallback(entry, "looks like agent traces, which HF converts")
