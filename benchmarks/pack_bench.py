"""Packing planner benchmark: time and efficiency of each packer on 1M sequence lengths.

Three length distributions (lognormal, sigma 1, clipped to [16, L]): median 300 at L=4096,
median 300 at L=2048, median 60 at L=8192; generated with numpy's seeded generator. Every
packer runs on every distribution; a row reports wall and CPU seconds (best of ``--repeat``),
bins, the lower bound ``ceil(sum / L)``, bins over the bound and the efficiency
``sum / (bins * L)``.

Packers are entries of :data:`PACKERS`: a name and a function ``(lengths, L) -> bins`` where
``bins`` is a list of index lists or anything with ``len()`` (an ``axolotl_fast.Bins``). Add a
peer (axolotl's ``pack_parallel``, TRL, fast-axolotl) by adding an entry; ``--packers``
selects some::

    python benchmarks/pack_bench.py                 # all packers, 1M sequences
    python benchmarks/pack_bench.py --n 100000 --packers ours-bfd,ours-ffd --json out.json
"""

from __future__ import annotations

import argparse
import bisect
import json
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

DISTRIBUTIONS = {
    "lognormal-300-L4096": (300.0, 4096),
    "lognormal-300-L2048": (300.0, 2048),
    "lognormal-60-L8192": (60.0, 8192),
}


def lengths_for(median: float, max_length: int, n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    raw = np.rint(median * rng.lognormal(0.0, 1.0, n))
    return np.clip(raw, 16, max_length).astype(np.int64)


def ours(strategy: str, **kwargs: Any) -> Callable[[np.ndarray, int], Any]:
    def run(lengths: np.ndarray, max_length: int) -> Any:
        import axolotl_fast

        return axolotl_fast.pack(lengths, max_length, strategy=strategy, **kwargs)

    return run


def python_bfd(lengths: np.ndarray, max_length: int) -> list[list[int]]:
    """Reference best-fit decreasing without numba: numpy sort, bisect over open capacities."""
    order = np.argsort(-lengths, kind="stable")
    capacities: list[int] = []  # sorted remaining capacities of open bins
    owners: list[int] = []  # the bin of each capacity, same order
    bins: list[list[int]] = []
    for index, length in zip(order.tolist(), lengths[order].tolist(), strict=True):
        at = bisect.bisect_left(capacities, length)
        if at == len(capacities):
            bin_id, room = len(bins), max_length
            bins.append([])
        else:
            bin_id, room = owners.pop(at), capacities.pop(at)
        bins[bin_id].append(index)
        room -= length
        at = bisect.bisect_left(capacities, room)
        capacities.insert(at, room)
        owners.insert(at, bin_id)
    return bins


PACKERS: dict[str, Callable[[np.ndarray, int], Any]] = {
    "ours-bfd": ours("bfd"),
    "ours-ffd": ours("ffd"),
    # axolotl's settings: groups of 100k, at most 200 sequences per bin, shuffled order.
    "ours-first_fit": ours("first_fit", seed=0, max_per_bin=200),
    "ours-sequential": ours("sequential"),
    "python-bfd (numpy+bisect)": python_bfd,
}


def measure(
    packer: Callable[[np.ndarray, int], Any],
    lengths: np.ndarray,
    max_length: int,
    repeat: int,
) -> dict[str, float | int]:
    best_wall = best_cpu = float("inf")
    bins: Any = None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        bins = packer(lengths, max_length)
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    total = int(lengths.sum())
    lower_bound = -(-total // max_length)
    return {
        "wall_s": best_wall,
        "cpu_s": best_cpu,
        "bins": len(bins),
        "lower_bound": lower_bound,
        "bound_ratio": lower_bound / len(bins),
        "efficiency": total / (len(bins) * max_length),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="sequences")
    parser.add_argument("--repeat", type=int, default=3, help="runs per cell (best)")
    parser.add_argument("--packers", default=",".join(PACKERS), help="comma-separated")
    parser.add_argument("--slow-repeat", type=int, default=1, help="runs of python-*")
    parser.add_argument("--json", help="write the results here too")
    args = parser.parse_args()
    names = [name for name in args.packers.split(",") if name]
    unknown = set(names) - set(PACKERS)
    if unknown:
        parser.error(f"unknown packers {sorted(unknown)}; known: {list(PACKERS)}")

    results = []
    header = f"{'distribution':<22}{'packer':<28}{'wall s':>8}{'cpu s':>8}"
    print(f"{header}{'bins':>9}{'bound':>9}{'bound/bins':>12}{'efficiency':>12}")
    for dist, (median, max_length) in DISTRIBUTIONS.items():
        lengths = lengths_for(median, max_length, args.n)
        for name in names:
            repeat = args.slow_repeat if name.startswith("python-") else args.repeat
            row = measure(PACKERS[name], lengths, max_length, repeat)
            results.append({"distribution": dist, "packer": name, "n": args.n, **row})
            print(
                f"{dist:<22}{name:<28}{row['wall_s']:>8.3f}{row['cpu_s']:>8.3f}"
                f"{row['bins']:>9}{row['lower_bound']:>9}{row['bound_ratio']:>12.6f}"
                f"{row['efficiency']:>12.6f}",
                flush=True,
            )
    if args.json:
        with open(args.json, "w") as out:
            json.dump(results, out, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
