"""The plugin's ``near_dedupe`` step: near-duplicates of a tokenized split dropped.

It runs where the exact dedupe runs (``_load_raw_datasets``, after the long-sequence and
packing passes, after ``dedupe`` / ``dataset_exact_deduplication``, before the prepared
dataset is saved), so its result is part of the cached prepared dataset. It is never on by
default: it changes the data. Each split is searched on its own (a test split is not
compared with train), with :func:`axolotl_fast.near_dedupe` on ``column``; the first row of
each cluster, in dataset order, is kept. One log line gives the counts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from axolotl.utils.logging import get_logger

from axolotl_fast.errors import InvalidArgumentError
from axolotl_fast.integration.trace import trace_hook
from axolotl_fast.near_dedupe import near_dedupe

if TYPE_CHECKING:
    from datasets import Dataset

    from axolotl_fast.integration.args import NearDedupeConfig

__all__ = ["near_dedupe_prepared"]

LOG = get_logger(__name__)


def near_dedupe_prepared(
    dataset: Dataset, split: str, config: NearDedupeConfig
) -> tuple[Dataset, str]:
    """Drop the rows of a tokenized split that are near-duplicates of an earlier row.

    Image datasets are left alone, as exact dedupe leaves them (their token ids say nothing
    of the images).

    Returns:
        The kept rows (``dataset.select``, in order) and a note for the run report.

    Raises:
        InvalidArgumentError: ``column`` is not a text or token-id column of the split.
    """
    from axolotl.utils.data.utils import is_vision_dataset

    if is_vision_dataset(dataset.column_names):
        LOG.warning(
            "axolotl_fast: near_dedupe skipped for a multimodal (image) dataset"
        )
        return dataset, f"{split}: near_dedupe skipped (image dataset)"
    if config.column not in dataset.column_names:
        raise InvalidArgumentError.for_value(
            "axolotl_fast.near_dedupe.column",
            f"{config.column!r} is not a column of the prepared {split} split "
            f"({dataset.column_names})",
        )
    params = config.minhash_params()
    result = near_dedupe(dataset, column=config.column, **vars(params))
    note = (
        f"{split}: near_dedupe removed {result.num_removed} of {result.num_rows} rows "
        f"(threshold {params.threshold}, {params.ngram}-grams of {config.column})"
    )
    LOG.info(f"axolotl_fast: {note}")
    trace_hook(
        "near_dedupe", split=split, rows=result.num_rows, removed=result.num_removed
    )
    if result.num_removed == 0:
        return dataset, note
    return dataset.select(result.indices), note
