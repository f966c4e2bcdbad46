"""``axolotl-fast pack-stats``: what each packing strategy makes of a dataset."""

from __future__ import annotations

import time
from typing import Any

import click
import numpy as np

from axolotl_fast.cli.app import emit, input_errors, json_option, main
from axolotl_fast.cli.progress import rows_bar
from axolotl_fast.reader import read

STRATEGIES = ("bfd", "ffd", "first_fit", "sequential")


@main.command("pack-stats")
@click.argument("data", nargs=-1, required=True)
@click.option("--sequence-len", type=click.IntRange(min=1), required=True)
@click.option(
    "--micro-batch-size", type=click.IntRange(min=1), default=1, show_default=True
)
@click.option(
    "--tokenizer",
    type=click.Path(exists=True, file_okay=False),
    help="A local tokenizer directory, to tokenize DATA when it has no lengths.",
)
@click.option("--text-column", default="text", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@json_option
@input_errors
def pack_stats(
    data: tuple[str, ...],
    sequence_len: int,
    micro_batch_size: int,
    tokenizer: str | None,
    text_column: str,
    seed: int,
    as_json: bool,
) -> None:
    """Bins, efficiency and steps per epoch of each packing strategy for DATA.

    Lengths come from a `length` column, else from `input_ids`, else by tokenizing
    `--text-column` with `--tokenizer`. Samples longer than `--sequence-len` are left out, as
    axolotl drops them by default. Steps per epoch: bins of `--sequence-len` tokens,
    `--micro-batch-size` bins per step (`first_fit` is axolotl's packer, in a shuffled order).
    """
    from axolotl_fast.packing import pack

    lengths = _lengths(list(data), tokenizer, text_column)
    fits = lengths[lengths <= sequence_len]
    report: dict[str, Any] = {
        "samples": len(lengths),
        "too_long": int(len(lengths) - len(fits)),
        "tokens": int(fits.sum()),
        "lower_bound_bins": int(-(-int(fits.sum()) // sequence_len)),
        "strategies": {},
    }
    for strategy in STRATEGIES:
        start = time.perf_counter()
        bins = pack(fits, sequence_len, strategy=strategy, seed=seed)
        report["strategies"][strategy] = {
            "bins": len(bins),
            "efficiency": round(bins.efficiency, 6),
            "steps_per_epoch": bins.num_batches(micro_batch_size),
            "seconds": round(time.perf_counter() - start, 4),
        }
    emit(report, as_json, _human)


def _lengths(data: list[str], tokenizer: str | None, text_column: str) -> np.ndarray:
    import pyarrow.compute as pc

    names = read(data).schema.names
    if "length" in names or "input_ids" in names:
        column = "length" if "length" in names else "input_ids"
        parts = []
        for batch in read(data, columns=[column], batch_size=65536):
            values = batch.column(0)
            if column == "input_ids":
                values = pc.list_value_length(values)
            parts.append(values.to_numpy(zero_copy_only=False).astype(np.int64))
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    if tokenizer is None:
        raise click.UsageError(
            "DATA has no `length` or `input_ids` column: pass --tokenizer to tokenize "
            f"`{text_column}`"
        )
    return _tokenized_lengths(data, tokenizer, text_column)


def _tokenized_lengths(data: list[str], tokenizer: str, text_column: str) -> np.ndarray:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tokenizer)
    lengths: list[int] = []
    with rows_bar("tokenizing") as bar:
        for batch in read(data, columns=[text_column], batch_size=4096):
            texts = [t or "" for t in batch.column(0).to_pylist()]
            lengths += [len(ids) for ids in tok(texts)["input_ids"]]
            bar.update(batch.num_rows)
    return np.asarray(lengths, dtype=np.int64)


def _human(report: dict[str, Any]) -> str:
    lines = [
        f"{report['samples']:,} samples, {report['tokens']:,} tokens "
        f"({report['too_long']:,} longer than the sequence length, left out); "
        f"lower bound {report['lower_bound_bins']:,} bins",
        "",
        f"{'strategy':<12}{'bins':>12}{'efficiency':>12}{'steps/epoch':>13}{'seconds':>10}",
    ]
    for name, row in report["strategies"].items():
        lines.append(
            f"{name:<12}{row['bins']:>12,}{row['efficiency']:>12.4%}"
            f"{row['steps_per_epoch']:>13,}{row['seconds']:>10.3f}"
        )
    return "\n".join(lines)
