"""``axolotl-fast prepare CONFIG.yml --ray [ADDRESS]``: the prepared dataset, made on Ray."""

from __future__ import annotations

import contextlib
import sys
from typing import Any

import click

from axolotl_fast.cli.app import EXIT_INPUT, emit, input_errors, json_option, main


@main.command("prepare")
@click.argument("config", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--ray",
    "address",
    is_flag=False,
    flag_value="local",
    required=True,
    help="Run on Ray: ADDRESS of a cluster ('auto' finds a running one); "
    "without a value, a local Ray on this machine.",
)
@click.option(
    "--key-shards",
    type=click.IntRange(min=1),
    default=64,
    show_default=True,
    help="Dedupe key shards (keep it fixed for a --seen directory).",
)
@click.option(
    "--seen",
    "seen_dir",
    type=click.Path(file_okay=False),
    help="Keep the dedupe keys here, and drop rows already kept by earlier runs.",
)
@click.option(
    "--block-rows",
    type=click.IntRange(min=1),
    default=10_000,
    show_default=True,
    help="Rows per block (one tokenize call).",
)
@click.option(
    "--tokenize-actors",
    type=click.IntRange(min=1),
    help="Actors tokenizing at once (default: the cluster's CPUs).",
)
@click.option(
    "--output-shards",
    type=click.IntRange(min=1),
    help="Arrow files per split (default: num_dataset_shards_to_save, else by rows).",
)
@click.option("--overwrite", is_flag=True, help="Prepare again if already prepared.")
@json_option
@input_errors
def prepare(config: str, address: str, as_json: bool, **options: Any) -> None:
    """Prepare CONFIG's datasets on Ray, where `axolotl train CONFIG` loads them.

    Same rows, order and values as the plugin's `axolotl preprocess`: read, tokenize,
    length and packing passes, dedupe (global, by key shard), then Arrow shards written
    under temporary names and a manifest written last.
    """
    try:
        import ray  # noqa: F401 - the extra's one dependency, checked before anything runs
        from axolotl_fast.ray import prepare as prepare_on_ray
    except ImportError as err:
        click.echo(
            f"error: {err}; prepare needs pip install 'axolotl_fast[ray]'", err=True
        )
        sys.exit(EXIT_INPUT)
    # axolotl's and Ray's logs go to stderr: stdout is the report (one JSON document).
    with contextlib.redirect_stdout(sys.stderr):
        summaries = prepare_on_ray(
            config, address=None if address == "local" else address, **options
        )
    emit([s.as_dict() for s in summaries], as_json, _human)


def _human(report: list[dict]) -> str:
    lines = []
    for split in report:
        if split["skipped"]:
            lines.append(f"{split['split']}: {split['path']}: {split['skipped']}")
            continue
        stages = ", ".join(f"{k} {v:.1f} s" for k, v in split["seconds"].items())
        lines += [
            f"{split['split']}: {split['path']}",
            f"  rows read {split['rows_read']}, tokenized {split['rows_tokenized']}, "
            f"dropped by length/packing passes {split['dropped_by_passes']}, "
            f"duplicates {split['dropped_duplicates']}, "
            f"near-duplicates {split['dropped_near_duplicates']}, "
            f"written {split['rows_written']} "
            f"({split['bytes_written']} bytes in {split['output_shards']} shard(s))",
            f"  {stages}",
        ]
    return "\n".join(lines)
