"""``axolotl-fast inspect``: what a dataset file is and what it holds."""

from __future__ import annotations

import os
from typing import Any

import click

from axolotl_fast.cli.app import emit, input_errors, json_option, main
from axolotl_fast.cli.progress import rows_bar
from axolotl_fast.reader import detect_format, read, source_files

__all__ = ["describe"]


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--head", default=3, show_default=True, help="How many sample rows to show."
)
@json_option
@input_errors
def inspect(paths: tuple[str, ...], head: int, as_json: bool) -> None:
    """Describe dataset files: format, compression, schema, rows, size, sample rows.

    PATHS are files, directories (every data file below them) or glob patterns, read in the
    order `axolotl_fast.read` reads them. Parquet row groups and Arrow IPC batches are
    counted from the file's metadata; text formats are read through once to count rows.
    """
    if head < 0:
        raise click.BadParameter("must be 0 or more", param_hint="--head")
    reports = [describe(path, head) for path in source_files(list(paths))]
    emit(reports, as_json, _human)


def describe(path: str, head: int = 3) -> dict[str, Any]:
    """The facts about one file, as ``inspect --json`` prints them."""
    fmt, compression = detect_format(path)
    schema = read(path, format=fmt).schema
    report: dict[str, Any] = {
        "path": path,
        "format": fmt,
        "compression": compression,
        "size_bytes": os.path.getsize(path),
        "columns": {field.name: str(field.type) for field in schema},
    }
    report.update(_counts(path, fmt))
    report["sample"] = _sample(path, fmt, head)
    return report


def _counts(path: str, fmt: str) -> dict[str, int]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if fmt == "parquet":
        meta = pq.ParquetFile(path).metadata
        return {"rows": meta.num_rows, "row_groups": meta.num_row_groups}
    if fmt == "arrow_file":
        with pa.memory_map(path) as source:
            ipc = pa.ipc.open_file(source)
            rows = sum(ipc.get_batch(i).num_rows for i in range(ipc.num_record_batches))
            return {"rows": rows, "record_batches": ipc.num_record_batches}
    rows = 0
    with rows_bar(f"counting {os.path.basename(path)}") as bar:
        for batch in read(path, format=fmt, batch_size=65536):
            rows += batch.num_rows
            bar.update(batch.num_rows)
    return {"rows": rows}


def _sample(path: str, fmt: str, head: int) -> list[dict[str, Any]]:
    if head == 0:
        return []
    for batch in read(path, format=fmt, batch_size=head):
        return batch.to_pylist()
    return []


def _count(number: int, plural: str) -> str:
    """``1 row group``, ``3 row groups``."""
    return f"{number:,} {plural if number != 1 else plural.removesuffix('s')}"


def _human(reports: list[dict[str, Any]]) -> str:
    blocks = []
    for report in reports:
        counts = ", ".join(
            _count(report[key], key.replace("_", " "))
            for key in ("rows", "row_groups", "record_batches")
            if key in report
        )
        lines = [
            report["path"],
            f"  format       {report['format']}"
            + (
                f" ({report['compression']})" if report["compression"] != "none" else ""
            ),
            f"  size         {_size(report['size_bytes'])}",
            f"  contents     {counts}",
            "  columns",
            *(f"    {name}: {kind}" for name, kind in report["columns"].items()),
        ]
        if report["sample"]:
            lines.append("  sample rows")
            lines += [f"    {_short(row)}" for row in report["sample"]]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _size(count: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count:,.0f} {unit}" if unit == "B" else f"{count:,.1f} {unit}"
        count /= 1024
    return f"{count:,.1f} TB"


def _short(row: dict[str, Any], width: int = 160) -> str:
    text = repr(row)
    return text if len(text) <= width else text[: width - 3] + "..."
