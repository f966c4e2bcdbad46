"""Where each tokenized row lands in the merged split: axolotl's ``merge_datasets`` as ranks.

Axolotl 0.21 tokenizes each entry, then ``merge_datasets`` concatenates the entries (each
shuffled first with ``shuffle_before_merging_datasets``) and shuffles the result unless
``shuffle_merged_datasets`` is off or (for a single entry) ``curriculum_sampling`` is on. A
shuffle is ``Dataset.shuffle(seed=cfg.seed)``: row ``i`` of the result is row
``permutation[i]`` of its input, with ``numpy.random.default_rng(seed).permutation(len)``.

On a cluster no process holds the rows in order, so the order is carried as a number: the
rank of every tokenized row in the merged split. Filters and dedupe later drop rows but keep
the ranks of the others, and the written dataset is sorted by rank. Ranks depend only on the
row counts, never on blocks, workers or retries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["MergeOrder", "merged_ranks"]


@dataclass(frozen=True)
class MergeOrder:
    """What ``merge_datasets`` does with the order, from the config.

    Attributes:
        seed: ``cfg.seed`` (the shuffles' seed).
        shuffle_merged: ``cfg.shuffle_merged_datasets``.
        shuffle_each: ``cfg.shuffle_before_merging_datasets`` (only with several entries).
        curriculum: ``cfg.curriculum_sampling`` (keeps a single entry's order).
    """

    seed: int | None
    shuffle_merged: bool
    shuffle_each: bool = False
    curriculum: bool = False

    @classmethod
    def of(cls, cfg: object) -> MergeOrder:
        """The merge settings of an axolotl config (``DictDefault``: absent keys are None)."""
        get = getattr(cfg, "get", None)
        assert get is not None
        return cls(
            seed=get("seed"),
            shuffle_merged=bool(get("shuffle_merged_datasets")),
            shuffle_each=bool(get("shuffle_before_merging_datasets")),
            curriculum=bool(get("curriculum_sampling")),
        )


def merged_ranks(entry_rows: Sequence[int], order: MergeOrder) -> np.ndarray:
    """The rank in the merged split of every row of the entries' concatenation.

    Args:
        entry_rows: The number of tokenized rows of each entry, in entry order.
        order: The merge settings.

    Returns:
        An ``int64`` array, one rank per row of the concatenation (entry 0's rows first):
        row ``p`` of the concatenation is row ``ranks[p]`` of ``merge_datasets``' result.
    """
    total = int(sum(entry_rows))
    if len(entry_rows) == 1:
        if order.curriculum or not order.shuffle_merged:
            return np.arange(total, dtype=np.int64)
        return _shuffle_ranks(total, order.seed)
    if order.shuffle_each:
        parts = [_shuffle_ranks(n, order.seed) for n in entry_rows]
        offsets = np.cumsum([0, *entry_rows[:-1]], dtype=np.int64)
        ranks = np.concatenate(
            [part + base for part, base in zip(parts, offsets, strict=True)]
            or [np.empty(0, np.int64)]
        )
    else:
        ranks = np.arange(total, dtype=np.int64)
    if order.shuffle_merged:
        ranks = _shuffle_ranks(total, order.seed)[ranks]
    return ranks


def _shuffle_ranks(rows: int, seed: int | None) -> np.ndarray:
    """Rank of each row after ``Dataset.shuffle(seed=seed)`` (the permutation's inverse)."""
    permutation = np.random.default_rng(seed).permutation(rows)
    ranks = np.empty(rows, dtype=np.int64)
    ranks[permutation] = np.arange(rows, dtype=np.int64)
    return ranks
