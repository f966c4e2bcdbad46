"""Whether the Rust reader's table is the one HF's builder would make from the same bytes.

HF's builders do a few things beyond reading; the loader mirrors or refuses them, and every
refusal is a :class:`~axolotl_fast.hf.plan.LoaderFallback` naming the entry and the reason:

* ``parquet``: Parquet files; features from the schema's ``huggingface`` metadata, which the
  reader keeps. Compressed Parquet and Arrow files are refused (HF does not read them either).
* ``arrow``: Arrow IPC, stream or file (the reader tells them apart by their first bytes).
* ``json``: a file whose first byte (after a BOM) is ``[`` is a JSON array of objects
  (:func:`json_format`); anything else is JSON Lines. HF re-encodes arrays, and JSON Lines
  whose first 10 MiB hold objects with differing key sets (:func:`mixed_struct_paths`), with
  pandas' ujson: :mod:`axolotl_fast.hf.json_replay` replays that on the columns it changes.
  A stream refuses such files (:func:`check_mixed_structs`). Files that look like agent
  traces, which HF turns into another schema (:func:`check_agent_traces`), are refused.
* ``text``: one ``text`` row per line; HF also ends a line at a lone CR (universal newlines),
  the reader does not, so a whole-file read with such a line is refused (:func:`check_table`);
  the streaming path splits those lines itself.
"""

from __future__ import annotations

import codecs
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from axolotl_fast.errors import AxolotlFastError
from axolotl_fast.hf.plan import COMPRESSION_SUFFIXES, EntryPlan, LoaderFallback

if TYPE_CHECKING:
    import pyarrow as pa
    from datasets import Features

__all__ = [
    "check_agent_traces",
    "check_mixed_structs",
    "check_table",
    "json_format",
    "mixed_struct_paths",
    "open_decompressed",
    "read_rest_of_line",
    "reader_format",
    "reader_refusal",
    "single_format",
]

# HF's Json builder reads, and checks for mixed struct types, in chunks of this size.
_JSON_CHUNK = 10 << 20
_SNIFF_BYTES = 4096


def reader_refusal(entry: str, err: AxolotlFastError | OSError) -> LoaderFallback:
    """The fallback for a file the Rust reader refused, with the first line of its reason."""
    reason = str(err).splitlines()[0] if str(err) else type(err).__name__
    return LoaderFallback(entry, f"the Rust reader refused it: {reason}")


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
        return json_format(entry, file)
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


def check_table(plan: EntryPlan, fmt: str, table: pa.Table) -> None:
    """Refuse tables HF's builder would have made differently from the same bytes."""
    import pyarrow.compute as pc

    if fmt == "text" and pc.any(pc.match_substring(table["text"], "\r")).as_py():
        # HF opens text files with universal newlines: a lone CR ends a line too.
        raise LoaderFallback(
            plan.path, "carriage returns inside lines (HF splits there)"
        )


# HF's extractor tells compressed files by their first bytes, not by their names.
_MAGIC = (
    (b"\x1f\x8b", "gzip"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"BZh", "bz2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x04\x22\x4d\x18", "lz4"),
)


def open_decompressed(entry: str, file: str) -> Any:
    """Open ``file`` for binary reading, decompressed as HF's extractor would (magic bytes)."""
    import fsspec

    with open(file, "rb") as raw:
        head = raw.read(8)
    codec = next((name for magic, name in _MAGIC if head.startswith(magic)), None)
    try:
        return fsspec.open(file, "rb", compression=codec).open()
    except Exception as err:  # an unknown or uninstalled codec
        raise LoaderFallback(
            entry, f"cannot decompress {Path(file).name}: {err}"
        ) from err


def _head(entry: str, file: str) -> bytes:
    with open_decompressed(entry, file) as stream:
        head = stream.read(_SNIFF_BYTES)
    return head[len(codecs.BOM_UTF8) :] if head.startswith(codecs.BOM_UTF8) else head


def json_format(entry: str, file: str) -> str:
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


def check_mixed_structs(entry: str, file: str) -> None:
    """Refuse what HF's Json builder would store as JSON strings (``on_mixed_types``)."""
    paths = mixed_struct_paths(entry, file)
    if paths:
        where = ", ".join("/".join(str(p) for p in path) for path in paths)
        raise LoaderFallback(
            entry, f"objects with differing keys at {where} (HF JSON-encodes)"
        )


def mixed_struct_paths(entry: str, file: str) -> list[list[str | int]]:
    """The paths HF's Json builder would store as JSON text, found as it finds them.

    HF looks at the first 10 MiB (whole lines) of the split's first file, or at the whole
    array, with ``datasets``' ``find_mixed_struct_types_field_paths``; a line that is not
    JSON makes it skip the check. A list element is ``0`` in a path.
    """
    try:
        from datasets.utils.json import find_mixed_struct_types_field_paths, ujson_loads
    except ImportError:  # a datasets without the feature
        return []
    with open_decompressed(entry, file) as stream:
        batch = stream.read(_JSON_CHUNK)
        if batch.startswith(codecs.BOM_UTF8):
            batch = batch[len(codecs.BOM_UTF8) :]
        if batch.startswith(b"["):
            try:
                examples = ujson_loads(batch + stream.read())
            except ValueError as err:  # HF's load fails on it: axolotl reports it
                raise LoaderFallback(entry, f"ujson cannot load {file}: {err}") from err
        else:
            batch += read_rest_of_line(stream)
            try:
                examples = [ujson_loads(line) for line in batch.splitlines()]
            except ValueError:  # HF skips the check then, and so do we
                return []
    paths = find_mixed_struct_types_field_paths(examples)
    if any(not path for path in paths):  # records that are not all objects
        raise LoaderFallback(entry, "JSON records that are not all objects")
    return paths


def read_rest_of_line(stream: Any) -> bytes:
    """The rest of the current line (zstd streams have no ``readline``; HF copes the same way)."""
    try:
        return stream.readline()
    except (AttributeError, io.UnsupportedOperation):
        from datasets.utils.file_utils import readline

        return readline(stream)


def check_agent_traces(entry: str, features: Features) -> None:
    """Refuse files HF's Json builder would convert as agent traces."""
    try:
        from datasets.packaged_modules.json.json import has_agent_traces_markers
    except ImportError:
        return
    if has_agent_traces_markers(features):
        raise LoaderFallback(entry, "looks like agent traces, which HF converts")
