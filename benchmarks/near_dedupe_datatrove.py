"""datatrove 0.10.1's four MinHash stages on the benchmark rows, for ``near_dedupe_cases.py``.

``MinhashConfig(n_grams=5, num_buckets=14, hashes_per_bucket=8, seed=1)`` with its default
hash (xxhash, 64 bits) and text normalization (lowercase, punctuation to spaces, whitespace
collapsed, digits to 0, diacritics removed); datatrove confirms no candidate pair (no
threshold): a pair sharing a band is a duplicate. Each stage is one ``LocalPipelineExecutor``
run, measured apart; the rows it removed are read back from the cluster stage's ``.remove``
files and its clusters from the bucket stage's ``.dups`` pairs, after the timing.
"""

from __future__ import annotations

import argparse
import struct
from pathlib import Path

import numpy as np
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.dedup.minhash import (
    MinhashConfig,
    MinhashDedupBuckets,
    MinhashDedupCluster,
    MinhashDedupFilter,
    MinhashDedupSignature,
)
from datatrove.pipeline.readers import JsonlReader
from datatrove.utils.typeshelper import Languages
from datatrove.utils.word_tokenizers import WordTokenizer
from near_dedupe_cases import BANDS, NGRAM, ROWS_PER_BAND, SEED, measured

TASKS, WORKERS = 2, 2


class SplitTokenizer(WordTokenizer):
    """Words by ``str.split``: datatrove has already lowercased the text and turned its
    punctuation into spaces, so this gives the words ours and datasketch shingle."""

    def word_tokenize(self, text: str) -> list[str]:
        return text.split()

    def sent_tokenize(self, text: str) -> list[str]:
        return [text]

    def span_tokenize(self, text: str) -> list[tuple[int, int]]:
        return [(0, len(text))]


def executor(pipeline: list, tasks: int, logs: Path) -> LocalPipelineExecutor:
    return LocalPipelineExecutor(
        pipeline,
        tasks=tasks,
        workers=min(WORKERS, tasks),
        logging_dir=str(logs),
        start_method="fork",
    )


def run(
    args: argparse.Namespace, stages: dict, work: Path
) -> tuple[np.ndarray, np.ndarray]:
    config = MinhashConfig(
        n_grams=NGRAM, num_buckets=BANDS, hashes_per_bucket=ROWS_PER_BAND, seed=SEED
    )
    language = SplitTokenizer() if args.tokenizer == "split" else Languages.english
    rows = str(args.data / "jsonl")
    sigs, dups, remove = work / "signatures", work / "buckets", work / "remove"
    plan = {
        "signatures": executor(
            [
                JsonlReader(rows),
                MinhashDedupSignature(str(sigs), config=config, language=language),
            ],
            TASKS,
            work / "logs-1",
        ),
        "buckets": executor(
            [MinhashDedupBuckets(str(sigs), str(dups), config=config)],
            BANDS,
            work / "logs-2",
        ),
        "clusters": executor(
            [MinhashDedupCluster(str(dups), str(remove), config=config)],
            1,
            work / "logs-3",
        ),
        "filter": executor(
            [JsonlReader(rows), MinhashDedupFilter(str(remove))],
            TASKS,
            work / "logs-4",
        ),
    }
    for name, stage in plan.items():
        measured(stages, name, stage.run)
    offsets = rank_offsets(args.data / "jsonl")
    return removed_rows(remove, offsets), cluster_labels(dups, offsets)


def rank_offsets(folder: Path) -> list[int]:
    """The first row of each task's file (task ``r`` reads the ``r``-th file)."""
    offsets, row = [], 0
    for path in sorted(folder.glob("*.jsonl")):
        offsets.append(row)
        with open(path, encoding="utf-8") as lines:
            row += sum(1 for _ in lines)
    offsets.append(row)
    return offsets


def removed_rows(folder: Path, offsets: list[int]) -> np.ndarray:
    removed = np.zeros(offsets[-1], dtype=bool)
    for rank in range(len(offsets) - 1):
        path = folder / f"{rank:06d}.remove"
        if path.exists():
            docs = np.frombuffer(path.read_bytes(), dtype="<u4")
            removed[offsets[rank] + docs.astype(np.int64)] = True
    return removed


def cluster_labels(folder: Path, offsets: list[int]) -> np.ndarray:
    """Each row's cluster (its lowest row) from the duplicate pairs of every band."""
    parent = np.arange(offsets[-1], dtype=np.int64)

    def find(row: int) -> int:
        while parent[row] != row:
            parent[row] = parent[parent[row]]
            row = parent[row]
        return row

    for path in sorted(folder.glob("*.dups")):
        for f1, d1, f2, d2 in struct.iter_unpack("<4I", path.read_bytes()):
            a, b = find(offsets[f1] + d1), find(offsets[f2] + d2)
            parent[max(a, b)] = min(a, b)
    return np.array([find(row) for row in range(len(parent))], dtype=np.int64)
