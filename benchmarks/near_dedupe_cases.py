"""One near-dedupe case in a fresh process, run by ``near_dedupe_bench.py``.

    python benchmarks/near_dedupe_cases.py CASE --data FOLDER --out RESULT.npz [options]

The same parameters everywhere: word 5-grams, 112 permutations, 14 bands of 8, threshold
0.7 where the tool has one. Each stage is measured from inside (wall clock; CPU-seconds of
this process and of its waited-for children, ``getrusage``); loading the rows into memory
is not measured. One JSON line goes to stdout (the stages); ``--out`` gets, for every row,
whether it was removed and a cluster label (rows with the same label are one cluster).

* ``ours``: ``axolotl_fast.near_dedupe`` on the Parquet rows already in memory, on
  ``--threads``; with ``--read``, reading the Parquet file with ``axolotl_fast.read`` is
  measured first, as a stage of its own.
* ``datasketch``: the documented recipe, single-threaded: ``MinHash.bulk`` over the same
  shingles (encoded to UTF-8, datasketch's default SHA-1 hash), then for each row in order
  ``MinHashLSH.query``; a candidate whose ``MinHash.jaccard`` is at least the threshold
  (datasketch's advised re-check) makes the row a duplicate of it, else the row is inserted.
* ``datatrove``: its four MinHash stages with ``LocalPipelineExecutor`` (2 workers, ``fork``)
  from the two JSON Lines halves: signatures (2 tasks), buckets (14 tasks, one a band),
  clusters (1 task), filter (2 tasks, reading the rows again; nothing is written, as ours
  writes nothing). Word tokenizer ``--tokenizer``: ``spacy`` (datatrove's English default,
  spaCy's blank ``en`` pipeline: no model to download) or ``split`` (``str.split`` on the
  already normalized text: the least datatrove can spend on tokenizing).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

NGRAM, BANDS, ROWS_PER_BAND, SEED = 5, 14, 8, 1
NUM_PERM = BANDS * ROWS_PER_BAND


def cpu_seconds() -> float:
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def measured(stages: dict, name: str, work: Callable[[], object]) -> object:
    """Run ``work``, record its wall and CPU seconds as stage ``name``, return its result."""
    cpu0, start = cpu_seconds(), time.perf_counter()
    result = work()
    stages[name] = {
        "wall_s": time.perf_counter() - start,
        "cpu_s": cpu_seconds() - cpu0,
    }
    return result


def texts_of(folder: Path) -> list[str]:
    return pq.read_table(folder / "rows.parquet").column("text").to_pylist()


def ours(args: argparse.Namespace, stages: dict) -> tuple[np.ndarray, np.ndarray]:
    import axolotl_fast

    path = args.data / "rows.parquet"
    if args.read:
        table = measured(stages, "read", lambda: axolotl_fast.read(path).to_table())
    else:
        table = pq.read_table(path)
    result = measured(
        stages,
        "near_dedupe",
        lambda: axolotl_fast.near_dedupe(
            table,
            column="text",
            ngram=NGRAM,
            bands=BANDS,
            rows_per_band=ROWS_PER_BAND,
            threshold=args.threshold,
            seed=SEED,
            num_threads=args.threads,
        ),
    )
    labels = result.clusters
    return labels != np.arange(len(labels)), labels


def datasketch_shingles(text: str) -> list[bytes]:
    from near_dedupe_data import shingles, words_of

    return [s.encode("utf-8") for s in shingles(words_of(text))]


def datasketch(args: argparse.Namespace, stages: dict) -> tuple[np.ndarray, np.ndarray]:
    from datasketch import MinHash, MinHashLSH

    texts = texts_of(args.data)

    def signatures() -> list:
        lists = (datasketch_shingles(text) for text in texts)
        return MinHash.bulk(lists, num_perm=NUM_PERM, seed=SEED)

    minhashes = measured(stages, "signatures", signatures)
    labels = np.arange(len(texts), dtype=np.int64)

    def lsh_pass() -> None:
        lsh = MinHashLSH(
            threshold=args.threshold, num_perm=NUM_PERM, params=(BANDS, ROWS_PER_BAND)
        )
        for row, minhash in enumerate(minhashes):
            matches = [
                key
                for key in lsh.query(minhash)
                if minhash.jaccard(minhashes[key]) >= args.threshold
            ]
            if matches:
                labels[row] = min(matches)
            else:
                lsh.insert(row, minhash)

    measured(stages, "lsh", lsh_pass)
    return labels != np.arange(len(labels)), labels


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", choices=("ours", "datasketch", "datatrove"))
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--threshold", type=float, default=0.7)
    parser.add_argument("--read", action="store_true", help="ours: measure the read")
    parser.add_argument("--tokenizer", choices=("spacy", "split"), default="spacy")
    args = parser.parse_args(argv)
    stages: dict = {}
    if args.case == "datatrove":
        import near_dedupe_datatrove

        with tempfile.TemporaryDirectory(prefix="near-dedupe-datatrove-") as work:
            removed, labels = near_dedupe_datatrove.run(args, stages, Path(work))
    else:
        removed, labels = {"ours": ours, "datasketch": datasketch}[args.case](
            args, stages
        )
    np.savez(args.out, removed=removed, labels=labels)
    print(json.dumps({"stages": stages, "removed": int(removed.sum())}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
