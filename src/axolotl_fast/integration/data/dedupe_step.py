"""The plugin's ``dedupe`` step: axolotl's dedupe points, done by :func:`axolotl_fast.dedupe`.

Axolotl 0.21 deduplicates a prepared split in ``_load_raw_datasets`` (after tokenization,
long-sequence handling and packing preparation, before the prepared dataset is saved) and
again in ``create_train_validation_split``, on every start, before the validation split. With
``dedupe: true`` the loader runs :func:`dedupe_prepared` at the first point, so the result is
part of the cached prepared dataset, and :func:`split_validation` replaces the second: the
saved rows are already unique, so deduplicating them again would keep every row and only cost
time. ``dataset_exact_deduplication: true`` is then not run as well (one log line says so).
:func:`dedupe_split` runs whichever exact dedupe the config asks for, then ``near_dedupe``
(:mod:`~axolotl_fast.integration.data.near_dedupe_step`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from axolotl.utils.logging import get_logger

from axolotl_fast.dedupe import dedupe
from axolotl_fast.integration.trace import trace_hook

if TYPE_CHECKING:
    from axolotl.utils.dict import DictDefault
    from datasets import Dataset

    from axolotl_fast.integration.args import AxolotlFastConfig

__all__ = ["dedupe_prepared", "dedupe_split", "log_replacement", "split_validation"]

LOG = get_logger(__name__)


def log_replacement(cfg: DictDefault) -> None:
    """Say once that our dedupe replaces ``dataset_exact_deduplication`` when both are on."""
    if cfg.dataset_exact_deduplication:
        LOG.info(
            "axolotl_fast: dedupe replaces axolotl's dataset_exact_deduplication "
            "(same rows kept; it is not run twice)"
        )


def dedupe_split(
    dataset: Dataset, split: str, cfg: DictDefault, settings: AxolotlFastConfig
) -> tuple[Dataset, list[tuple[str, str]]]:
    """The dedupe steps of a prepared split, in order.

    Exact dedupe (ours with ``dedupe``, else axolotl's with ``dataset_exact_deduplication``),
    then ``near_dedupe``.

    Returns:
        The kept rows and ``(step, note)`` pairs for the run report.
    """
    from axolotl.utils.data.utils import deduplicate_and_log_datasets

    from axolotl_fast.integration.data.near_dedupe_step import near_dedupe_prepared

    notes = []
    if settings.dedupe:
        dataset, note = dedupe_prepared(dataset, split)
        notes.append(("dedupe", note))
    elif cfg.dataset_exact_deduplication:
        dataset, _ = deduplicate_and_log_datasets(dataset=dataset)
    if settings.near_dedupe is not None:
        dataset, note = near_dedupe_prepared(dataset, split, settings.near_dedupe)
        notes.append(("near_dedupe", note))
    return dataset, notes


def dedupe_prepared(dataset: Dataset, split: str) -> tuple[Dataset, str]:
    """Drop repeated rows of a tokenized split, keeping the rows axolotl would keep.

    Image datasets are left alone, as axolotl leaves them (its rows hash by ``str()``, in
    which decoded images are memory addresses).

    Returns:
        The kept rows (``dataset.select`` of the first occurrences, as axolotl selects them)
        and a note for the run report.
    """
    from axolotl.utils.data.utils import is_vision_dataset

    if is_vision_dataset(dataset.column_names):
        LOG.warning("Skipping exact deduplication for multimodal (image) datasets.")
        return dataset, f"{split}: dedupe skipped (image dataset)"
    result = dedupe(dataset)
    note = f"{split}: dedupe removed {result.num_duplicates} of {result.num_rows} rows"
    LOG.info(f"axolotl_fast: {note}")
    trace_hook(
        "dedupe", split=split, rows=result.num_rows, removed=result.num_duplicates
    )
    return dataset.select(result.indices), note


def split_validation(
    dataset: Dataset, cfg: DictDefault, val_set_size: float
) -> tuple[Any, Any]:
    """``create_train_validation_split`` on rows already made unique before they were saved.

    The same fingerprints and the same ``train_test_split`` as axolotl's function, without
    its dedupe pass.
    """
    from axolotl.utils.data.shared import generate_split_fingerprints

    train_fingerprint, test_fingerprint = generate_split_fingerprints(
        dataset, val_set_size, cfg.seed
    )
    split = dataset.train_test_split(
        test_size=val_set_size,
        shuffle=False,
        seed=cfg.seed,
        train_new_fingerprint=train_fingerprint,
        test_new_fingerprint=test_fingerprint,
    )
    return split["train"], split["test"]
