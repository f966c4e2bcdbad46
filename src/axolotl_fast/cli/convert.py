"""``axolotl-fast convert`` and ``axolotl-fast dedupe``: read, (dedupe,) write Parquet / JSONL.

Both stream: batches are read, (deduplicated against every row seen so far,) and written one
after another, so inputs larger than memory work. The output is written under a temporary
name and renamed when complete, so an interrupted run leaves no half-written file behind.
"""

from __future__ import annotations

import os
from typing import Any

import click

from axolotl_fast.cli.app import emit, input_errors, json_option, main
from axolotl_fast.cli.progress import rows_bar
from axolotl_fast.errors import InvalidArgumentError
from axolotl_fast.reader import read
from axolotl_fast.writer import PARQUET_CODECS, Writer

__all__ = ["convert", "dedupe"]

output_option = click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, writable=True),
    help="The file to write: .parquet, or .jsonl / .jsonl.zst / .jsonl.gz.",
)
compression_option = click.option(
    "--compression",
    type=click.Choice(PARQUET_CODECS),
    default=None,
    help="Parquet codec (default zstd). JSON Lines takes it from the suffix.",
)


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@output_option
@compression_option
@json_option
@input_errors
def convert(
    inputs: tuple[str, ...], output: str, compression: str | None, as_json: bool
) -> None:
    """Convert dataset files (any format the reader takes) to Parquet or JSON Lines.

    INPUTS are files, directories or globs, read in order into one output.
    """
    reader = read(list(inputs), batch_size=65536)
    rows = 0
    with (
        _writer(output, reader.schema, compression) as out,
        rows_bar("converting") as bar,
    ):
        for batch in reader:
            out.write(batch)
            rows += batch.num_rows
            bar.update(batch.num_rows)
    report = {"output": output, "rows": rows, "size_bytes": os.path.getsize(output)}
    emit(report, as_json, lambda r: f"wrote {r['rows']:,} rows to {r['output']}")


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@output_option
@click.option(
    "--columns",
    default=None,
    help="Comma-separated columns that make a row (default all).",
)
@click.option(
    "--seen",
    type=click.Path(exists=True, dir_okay=False),
    help="A seen-set file: rows in it count as duplicates.",
)
@click.option(
    "--save-seen",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the seen set (input rows included) to this file.",
)
@click.option(
    "--hash",
    "hash_name",
    type=click.Choice(["xxh3_128", "sha256"]),
    default="xxh3_128",
    show_default=True,
    help="Row key hash of a new seen set.",
)
@click.option(
    "--near",
    "near_column",
    default=None,
    metavar="COLUMN",
    help="Drop near-duplicates of COLUMN (text, or token ids) instead: MinHash + LSH.",
)
@click.option(
    "--threshold",
    type=click.FloatRange(0, 1),
    default=0.7,
    show_default=True,
    help="With --near: the Jaccard estimate that makes two rows near-duplicates.",
)
@compression_option
@json_option
@input_errors
def dedupe(
    inputs: tuple[str, ...],
    output: str,
    columns: str | None,
    seen: str | None,
    save_seen: str | None,
    hash_name: str,
    near_column: str | None,
    threshold: float,
    compression: str | None,
    as_json: bool,
) -> None:
    """Drop exact duplicate rows, keeping the first occurrence, and write the rest.

    Rows are equal when their values are (whatever the Arrow types: ints of any width, string
    or large string, ...); the same rule as `axolotl_fast.dedupe` and the plugin's
    `dedupe: true`. INPUTS are read in order, so "first" is in that order. With `--near
    COLUMN`, rows whose COLUMN is a near-duplicate of an earlier row's are dropped instead
    (`axolotl_fast.near_dedupe`, its defaults; the inputs are held in memory).
    """
    if near_column is not None:
        if seen or save_seen or columns:
            raise click.UsageError(
                "--near does not take --columns, --seen or --save-seen"
            )
        _near(inputs, output, near_column, threshold, compression, as_json)
        return
    from axolotl_fast.dedupe import HashSet
    from axolotl_fast.dedupe import dedupe as dedupe_rows

    keys = [c.strip() for c in columns.split(",")] if columns else None
    seen_set = HashSet.load(seen) if seen else HashSet(hash=hash_name)
    reader = read(list(inputs), batch_size=65536)
    read_rows = kept = 0
    with (
        _writer(output, reader.schema, compression) as out,
        rows_bar("deduplicating") as bar,
    ):
        for batch in reader:
            result = dedupe_rows(batch, columns=keys, seen=seen_set)
            out.write(batch.take(result.indices))
            read_rows += batch.num_rows
            kept += len(result.indices)
            bar.update(batch.num_rows)
    if save_seen:
        seen_set.save(save_seen)
    report = {
        "output": output,
        "rows_read": read_rows,
        "rows_kept": kept,
        "duplicates_dropped": read_rows - kept,
        "seen_set_size": len(seen_set),
    }
    emit(report, as_json, _dedupe_human)


def _near(
    inputs: tuple[str, ...],
    output: str,
    column: str,
    threshold: float,
    compression: str | None,
    as_json: bool,
) -> None:
    """``dedupe --near``: the inputs in memory, near-deduplicated on one column."""
    from axolotl_fast.near_dedupe import near_dedupe

    table = read(list(inputs), batch_size=65536).to_table()
    result = near_dedupe(table, column=column, threshold=threshold)
    with _writer(output, table.schema, compression) as out:
        for batch in table.take(result.indices).to_batches():
            out.write(batch)
    report = {
        "output": output,
        "rows_read": result.num_rows,
        "rows_kept": len(result.indices),
        "duplicates_dropped": result.num_removed,
        "near_column": column,
    }
    emit(report, as_json, _dedupe_human)


def _dedupe_human(report: dict[str, Any]) -> str:
    return (
        f"read {report['rows_read']:,} rows, kept {report['rows_kept']:,}, dropped "
        f"{report['duplicates_dropped']:,} "
        f"{'near-' if report.get('near_column') else ''}duplicates; wrote {report['output']}"
    )


def _writer(output: str, schema: Any, compression: str | None) -> Writer:
    """The output's writer; a suffix or codec it cannot write is a usage error (exit 2)."""
    try:
        return Writer(output, schema, compression)
    except InvalidArgumentError as err:
        hint = "--compression" if err.name == "compression" else "--output"
        reason = str(err).split(": ", 1)[-1]
        raise click.BadParameter(reason, param_hint=hint) from None
