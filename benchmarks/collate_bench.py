"""Collation benchmark: one batch of Python token lists to int64 tensors, per collator.

Plain batches (``B x L``: rows of L/2..L tokens with ``input_ids``, ``attention_mask``,
``labels``; ``pad_to_multiple_of=64`` as axolotl passes it) and packed bins (``B x L``: bins of
samples filling ~99 % of L, with ``position_ids`` and ``length``, ``pad_to_multiple_of=L``).
Each collator gets a deep copy of the same batch (axolotl's collators modify their input) and
only the call is timed, best of ``--repeat``. Ours is also checked (not timed) against
axolotl's output for the same batch.

Two sides, because fast-axolotl's import shim breaks axolotl: ``--side axolotl`` (ours,
axolotl's collators, HF ``DataCollatorForSeq2Seq``; needs axolotl) and ``--side bench``
(fast-axolotl ``pad_sequences``, a plain numpy fill)::

    python benchmarks/collate_bench.py --side axolotl --tokenizer DIR --json a.json
    python benchmarks/collate_bench.py --side bench --json b.json
"""

from __future__ import annotations

import argparse
import copy
import functools
import json
import random
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

CASES = {  # name: (rows, length, packed)
    "plain 8x512": (8, 512, False),
    "plain 16x2048": (16, 2048, False),
    "plain 64x8192": (64, 8192, False),
    "packed 8x4096": (8, 4096, True),
    "packed 1x32768": (1, 32768, True),
}
PAD = 0


def sample(rng: random.Random, length: int, packed: bool) -> dict[str, Any]:
    ids = [rng.randrange(1, 30000) for _ in range(length)]
    item = {"input_ids": ids, "attention_mask": [1] * length, "labels": list(ids)}
    if packed:
        item["position_ids"] = list(range(length))
        item["length"] = length
    return item


def batch_for(rows: int, length: int, packed: bool, seed: int = 0) -> list:
    rng = random.Random(seed)
    if not packed:
        return [
            sample(rng, rng.randint(length // 2, length), False) for _ in range(rows)
        ]
    bins = []
    for _ in range(rows):
        items, used = [], 0
        while True:
            n = max(16, min(length, int(rng.lognormvariate(np.log(300), 1.0))))
            if used + n > length:
                if used >= 0.99 * length or n <= 16:
                    break
                continue
            items.append(sample(rng, n, True))
            used += n
        bins.append(items)
    return bins


def axolotl_side(tokenizer_dir: str) -> dict[str, Callable[[list, bool, int], Any]]:
    from axolotl.utils.collators.batching import (
        DataCollatorForSeq2Seq,
        V2BatchSamplerDataCollatorForSeq2Seq,
    )
    from transformers import AutoTokenizer
    from transformers import DataCollatorForSeq2Seq as HFCollator

    from axolotl_fast.integration.collator import FastCollator

    tok = AutoTokenizer.from_pretrained(tokenizer_dir)

    def ours(batch: list, packed: bool, multiple: int) -> Any:
        kind = "segments" if packed else None
        return FastCollator(tok, True, multiple, "pt", packed=kind)(batch)

    def axolotl(batch: list, packed: bool, multiple: int) -> Any:
        cls = V2BatchSamplerDataCollatorForSeq2Seq if packed else DataCollatorForSeq2Seq
        return cls(tok, padding=True, pad_to_multiple_of=multiple, return_tensors="pt")(
            batch
        )

    def hf(batch: list, packed: bool, multiple: int) -> Any:
        if packed:
            return None  # HF's collator takes samples, not bins
        return HFCollator(tok, padding=True, pad_to_multiple_of=multiple)(batch)

    return {
        "ours FastCollator": ours,
        "axolotl collator": axolotl,
        "HF DataCollatorForSeq2Seq": hf,
    }


def bench_side() -> dict[str, Callable[[list, bool, int], Any]]:
    def numpy_fill(batch: list, packed: bool, multiple: int) -> Any:
        rows = [_row(item, packed) for item in batch]
        width = -(-max(len(r["input_ids"]) for r in rows) // multiple) * multiple
        out = {}
        for key, pad in (("input_ids", PAD), ("attention_mask", 0), ("labels", -100)):
            array = np.full((len(rows), width), pad, dtype=np.int64)
            for i, row in enumerate(rows):
                array[i, : len(row[key])] = row[key]
            out[key] = array
        return out

    def fast_axolotl(batch: list, packed: bool, multiple: int) -> Any:
        from fast_axolotl import pad_sequences

        rows = [_row(item, packed) for item in batch]
        width = -(-max(len(r["input_ids"]) for r in rows) // multiple) * multiple
        return {
            key: pad_sequences([r[key] for r in rows], width, pad, "right", multiple)
            for key, pad in (
                ("input_ids", PAD),
                ("attention_mask", 0),
                ("labels", -100),
            )
        }

    return {"numpy fill": numpy_fill, "fast-axolotl pad_sequences": fast_axolotl}


def _row(item: Any, packed: bool) -> dict[str, list]:
    if not packed:
        return item
    return {
        key: [v for sample in item for v in sample[key]]
        for key in ("input_ids", "attention_mask", "labels")
    }


def timed(call: Callable[[], Any], repeat: int, make: Callable[[], Any]) -> tuple:
    best = cpu_best = float("inf")
    result = None
    for _ in range(repeat):
        batch = make()
        wall, cpu = time.perf_counter(), time.process_time()
        result = call(batch)
        best = min(best, time.perf_counter() - wall)
        cpu_best = min(cpu_best, time.process_time() - cpu)
    return best, cpu_best, result


def same(left: Any, right: Any) -> bool:
    return list(left.keys()) == list(right.keys()) and all(
        left[k].dtype == right[k].dtype and bool((left[k] == right[k]).all())
        for k in right
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--side", choices=["axolotl", "bench"], required=True)
    parser.add_argument("--tokenizer", help="tokenizer directory (axolotl side)")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--json", required=True)
    args = parser.parse_args()
    collators = axolotl_side(args.tokenizer) if args.side == "axolotl" else bench_side()
    results = []
    for case, (rows, length, packed) in CASES.items():
        batch = batch_for(rows, length, packed)
        multiple = length if packed else 64
        outputs = {}
        for name, collate in collators.items():
            repeat = max(3, args.repeat // (8 if length * rows > 100_000 else 1))
            wall, cpu, out = timed(
                functools.partial(collate, packed=packed, multiple=multiple),
                repeat,
                functools.partial(copy.deepcopy, batch),
            )
            if out is None:
                continue
            outputs[name] = out
            row = {
                "case": case,
                "collator": name,
                "wall_ms": wall * 1e3,
                "cpu_ms": cpu * 1e3,
            }
            if name.startswith("ours") and "axolotl collator" in collators:
                reference = collators["axolotl collator"](
                    copy.deepcopy(batch), packed, multiple
                )
                row["equal_to_axolotl"] = same(out, reference)
            results.append(row)
            print(f"{case:<16}{name:<30}{wall * 1e3:>10.3f} ms", flush=True)
    with open(args.json, "w") as handle:
        json.dump(results, handle, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
