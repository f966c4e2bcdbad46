"""The prepared-dataset cache across ranks: written once by local rank 0, atomically.

Axolotl prepares data under a file lock (``FileLockLoader``): whichever process takes the
lock first tokenizes and saves, the others wait for its ``datasets_ready.flag`` and load the
saved copy. Two gaps remain, and the loader closes both:

* **Who prepares.** The first process to reach the lock wins, which on a multi-rank start can
  be any rank. :func:`wait_for_local_main` makes the other local ranks wait, before the
  lock, until local rank 0's prepared dataset exists, so rank 0 prepares it, as
  ``zero_first`` promises elsewhere in axolotl. (Waiting for axolotl's ready flag instead
  would race: the last process inside the lock removes it on the way out.)
* **Half-written caches.** ``save_preprocessed_dataset`` writes straight into
  ``<dataset_prepared_path>/<hash>``; a crash mid-write (a killed rank, out of memory,
  Ctrl-C) leaves a directory that the next run finds and loads. :func:`save_prepared`
  writes into a hidden sibling directory and renames it into place, so the directory is
  either whole or absent, and the partial copy is removed on failure.

``AXOLOTL_FAST_TRACE`` records ``prepared_dataset`` events (saved / loaded, with the rank),
which the multi-rank test reads.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

from axolotl_fast.integration.trace import trace_hook

__all__ = ["save_prepared", "trace_loaded", "wait_for_local_main"]

WAIT_TIMEOUT_ENV = "AXOLOTL_NCCL_TIMEOUT"
DEFAULT_WAIT_S = 1800.0


def local_rank() -> int:
    """This process's local rank under torchrun / accelerate (0 when not distributed)."""
    return int(os.environ.get("LOCAL_RANK", "0") or 0)


def wait_for_local_main(prepared: list[Path]) -> None:
    """On local ranks other than 0, wait until rank 0 has saved every one of ``prepared``.

    The directories appear whole, by rename (:func:`save_prepared`), so existing means
    complete. Waits at most ``AXOLOTL_NCCL_TIMEOUT`` seconds (axolotl's own limit for ranks
    waiting on data, default 1800), then lets axolotl's lock decide as it would without us.
    """
    if local_rank() == 0 or int(os.environ.get("LOCAL_WORLD_SIZE", "1") or 1) < 2:
        return
    deadline = time.monotonic() + float(
        os.environ.get(WAIT_TIMEOUT_ENV, DEFAULT_WAIT_S)
    )
    while not all(path.exists() for path in prepared) and time.monotonic() < deadline:
        time.sleep(0.2)


def save_prepared(cfg: Any, dataset: Any, dataset_hash: str, split: str) -> None:
    """``save_preprocessed_dataset``, into a staging directory renamed into place.

    A map-style dataset is saved by this process (``save_to_disk`` without ``num_proc``):
    axolotl passes ``num_proc >= 1``, with which ``datasets`` always starts a ``spawn`` pool
    whose workers import the axolotl CLI again (about 7 s each, more than writing the Arrow
    files takes). The rows and values are the same; only the number of ``.arrow`` shards can
    differ (``num_dataset_shards_to_save`` is still honoured). Iterable datasets and
    ``push_dataset_to_hub`` keep axolotl's function.
    """
    from axolotl.utils.data.shared import (
        get_prepared_dataset_path,
        save_preprocessed_dataset,
    )
    from axolotl.utils.dict import DictDefault
    from datasets import Dataset

    final = Path(get_prepared_dataset_path(cfg, dataset_hash))
    staging_root = final.parent / f".{final.name}.partial-{os.getpid()}"
    staged_cfg = DictDefault({**cfg, "dataset_prepared_path": str(staging_root)})
    try:
        if isinstance(dataset, Dataset) and not cfg.push_dataset_to_hub:
            dataset.save_to_disk(
                str(staging_root / final.name),
                max_shard_size=None,
                num_shards=cfg.num_dataset_shards_to_save,
            )
        else:
            save_preprocessed_dataset(staged_cfg, dataset, dataset_hash, split)
        _move_into_place(staging_root / final.name, final)
    finally:
        shutil.rmtree(staging_root, ignore_errors=True)
    trace_hook(
        "prepared_dataset", action="saved", split=split, path=str(final), rank=rank()
    )


def trace_loaded(path: str | os.PathLike[str], split: str) -> None:
    """Record that this process reused a prepared dataset."""
    trace_hook(
        "prepared_dataset", action="loaded", split=split, path=str(path), rank=rank()
    )


def rank() -> int:
    return int(os.environ.get("RANK", "0") or 0)


def _move_into_place(staged: Path, final: Path) -> None:
    """Rename ``staged`` to ``final``; an empty or leftover ``final`` is replaced."""
    if final.exists() and not any(final.iterdir()):
        final.rmdir()
    elif final.exists():
        # Another process finished the same dataset first: keep its complete copy.
        return
    os.replace(staged, final)
