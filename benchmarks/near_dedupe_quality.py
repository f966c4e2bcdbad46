"""Recall per exact-Jaccard bucket and precision of one tool's near-dedupe result.

Every planted pair (a clean original and its copy) has an exact Jaccard similarity ``J``
(``near_dedupe_data``): its bucket is ``exact`` (the same string), ``1.0`` (case,
punctuation and spacing only) or ``0.3``, ..., ``0.9`` (``J`` in ``[b, b + 0.1)``). A tool
*merges* a pair when it puts both rows in one cluster, so that only one of them is kept.

* Per bucket: the share of its pairs merged. At or above the threshold this is the recall;
  below it, pairs the threshold says to keep, it is the false-merge rate.
* Recall: merged pairs with ``J >= threshold`` over all such pairs.
* Precision: of the rows the tool removed, the share that are true positives. A removed row
  is a true positive when some other row of its cluster has an exact Jaccard with it of at
  least the threshold (in practice its planted partner; any row is checked, so an accidental
  match between clean rows that really is that similar counts as right).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from near_dedupe_data import jaccard, shingles, words_of

BUCKETS = ("exact", "1.0", "0.9", "0.8", "0.7", "0.6", "0.5", "0.4", "0.3", "<0.3")
# The most other rows of a cluster a removed row is compared with.
MAX_COMPARED = 64


def bucket_of(similarity: float, kind: str) -> str:
    if kind == "exact":
        return "exact"
    if similarity >= 1.0:
        return "1.0"
    if similarity < 0.3:
        return "<0.3"
    return f"{int(similarity * 10 + 1e-9) / 10:.1f}"


def s_curve(similarity: float, bands: int = 14, rows_per_band: int = 8) -> float:
    """The chance that a pair of this Jaccard similarity shares a band."""
    return 1.0 - (1.0 - similarity**rows_per_band) ** bands


def bucket_counts(truth: list[dict]) -> dict[str, dict]:
    """Per bucket: pairs per kind of edit, and the mean S-curve value of its pairs (the
    share an LSH without a threshold is expected to merge)."""
    kinds: dict[str, dict[str, int]] = {name: {} for name in BUCKETS}
    curve: dict[str, float] = defaultdict(float)
    for pair in truth:
        name = bucket_of(pair["jaccard"], pair["kind"])
        kinds[name][pair["kind"]] = kinds[name].get(pair["kind"], 0) + 1
        curve[name] += s_curve(pair["jaccard"])
    return {
        name: {"kinds": counts, "s_curve": curve[name] / sum(counts.values())}
        for name, counts in kinds.items()
        if counts
    }


class ShingleCache:
    def __init__(self, texts: list[str]) -> None:
        self.texts, self.cache = texts, {}

    def __call__(self, row: int) -> set[str]:
        if row not in self.cache:
            self.cache[row] = shingles(words_of(self.texts[row]))
        return self.cache[row]


def evaluate(
    removed: np.ndarray,
    labels: np.ndarray,
    truth: list[dict],
    texts: list[str],
    threshold: float,
) -> dict:
    """Per-bucket merge rates, recall, precision and counts of one result."""
    merged: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    partner, pair_similarity = {}, {}
    found = positives = below_merged = below = 0
    for pair in truth:
        copy, original, similarity = pair["copy"], pair["original"], pair["jaccard"]
        together = int(labels[copy] == labels[original])
        counts = merged[bucket_of(similarity, pair["kind"])]
        counts[0] += 1
        counts[1] += together
        if similarity >= threshold:
            positives, found = positives + 1, found + together
        else:
            below, below_merged = below + 1, below_merged + together
        partner[copy], partner[original] = original, copy
        pair_similarity[copy] = pair_similarity[original] = similarity
    true_positives = count_true_positives(
        removed, labels, texts, threshold, partner, pair_similarity
    )
    removed_rows = [int(row) for row in np.flatnonzero(removed)]
    return {
        "buckets": {
            name: {"pairs": n, "merged": m, "rate": m / n}
            for name, (n, m) in merged.items()
        },
        "removed": len(removed_rows),
        "true_positives": true_positives,
        "precision": true_positives / len(removed_rows) if removed_rows else 1.0,
        "recall": found / positives if positives else 1.0,
        "below_threshold_merged": below_merged / below if below else 0.0,
        "clean_rows_removed": sum(1 for row in removed_rows if row not in partner),
        # One row kept per cluster: the removals and the cluster labels agree.
        "one_kept_per_cluster": len(removed_rows)
        == len(labels) - len(np.unique(labels)),
    }


def count_true_positives(
    removed: np.ndarray,
    labels: np.ndarray,
    texts: list[str],
    threshold: float,
    partner: dict[int, int],
    pair_similarity: dict[int, float],
) -> int:
    """Removed rows with an exact Jaccard of at least ``threshold`` to a row of their
    cluster: their planted partner first, then (if not) the other rows of the cluster."""
    removed_rows = [int(row) for row in np.flatnonzero(removed)]
    wanted = {int(labels[row]) for row in removed_rows}
    members: dict[int, list[int]] = defaultdict(list)
    for row, label in enumerate(labels.tolist()):
        if label in wanted:
            members[label].append(row)
    shingles_of = ShingleCache(texts)
    true_positives = 0
    for row in removed_rows:
        mate = partner.get(row)
        together = mate is not None and labels[mate] == labels[row]
        if together and pair_similarity[row] >= threshold:
            true_positives += 1
            continue
        others = [m for m in members[int(labels[row])] if m != row][:MAX_COMPARED]
        mine = shingles_of(row)
        if any(jaccard(mine, shingles_of(other)) >= threshold for other in others):
            true_positives += 1
    return true_positives
