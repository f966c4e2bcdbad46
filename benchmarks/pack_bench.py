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


def numba_bfd(lengths: np.ndarray, max_length: int) -> Any:
    """Reference best-fit decreasing in numba: bins bucketed by remaining capacity, a max
    segment tree over the buckets to find the smallest capacity that fits (O(n log L))."""
    counts = _numba_bfd()(np.ascontiguousarray(lengths, dtype=np.int64), max_length)
    return range(int(counts))


_NUMBA_CACHE: dict[str, Any] = {}


def _numba_bfd() -> Any:
    if "bfd" in _NUMBA_CACHE:
        return _NUMBA_CACHE["bfd"]
    import numba

    @numba.njit(cache=False)
    def bfd(lengths: np.ndarray, capacity: int) -> int:  # pragma: no cover - numba
        size = 1
        while size < capacity + 1:
            size *= 2
        tree = np.zeros(
            2 * size, dtype=np.int64
        )  # max nonempty capacity index in a node
        tree[:] = -1
        buckets = np.zeros(
            capacity + 1, dtype=np.int64
        )  # open bins per remaining capacity
        order = np.argsort(-lengths, kind="mergesort")
        bins = 0
        for index in order:
            length = lengths[index]
            # smallest remaining capacity >= length with an open bin
            found = -1
            if tree[1] >= length:
                node, lo, hi = 1, 0, size - 1
                while lo != hi:
                    mid = (lo + hi) // 2
                    left = 2 * node
                    if mid >= length and tree[left] >= length:
                        node, hi = left, mid
                    else:
                        node, lo = left + 1, mid + 1
                found = lo
            if found < 0:
                bins += 1
                found = capacity
                buckets[found] += 1
            buckets[found] -= 1
            for cap, delta in ((found, 0), (found - length, 1)):
                buckets[cap] += delta
                pos = cap + size
                tree[pos] = cap if buckets[cap] > 0 else -1
                pos //= 2
                while pos >= 1:
                    tree[pos] = max(tree[2 * pos], tree[2 * pos + 1])
                    pos //= 2
        return bins

    bfd(np.array([1, 2], dtype=np.int64), 4)  # compile outside the timed runs
    _NUMBA_CACHE["bfd"] = bfd
    return bfd


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


def axolotl_first_fit(lengths: np.ndarray, max_length: int) -> list[list[int]]:
    """One packing pass of axolotl 0.21's ``MultipackBatchSampler`` (it makes 4-5 at start)."""
    from axolotl.utils.samplers.multipack import pack_parallel

    order = np.random.default_rng(0).permutation(len(lengths))
    return pack_parallel(
        lengths[order], bin_capacity=max_length, group_size=100_000, bin_size=200,
        num_processes=1, safe_mode=True, mp_start_method="fork",
    )  # fmt: skip


def trl_bfd(lengths: np.ndarray, max_length: int) -> Any:
    """TRL's ``pack_dataset(strategy="bfd")`` on a dataset of token lists of these lengths."""
    import pyarrow as pa
    from datasets import Dataset
    from trl.data_utils import pack_dataset

    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    values = pa.array(np.zeros(int(offsets[-1]), dtype=np.int32))
    ids = pa.LargeListArray.from_arrays(pa.array(offsets), values)
    dataset = Dataset(pa.table({"input_ids": ids}))
    start = time.perf_counter()
    packed = pack_dataset(dataset, max_length, strategy="bfd")
    TIMED_INSIDE["trl-bfd"] = (
        time.perf_counter() - start
    )  # the dataset build is not timed
    return range(len(packed))


def fast_axolotl_pack(lengths: np.ndarray, max_length: int) -> Any:
    """fast-axolotl 0.2.0 ``pack_sequences`` (token lists in; it panics above L - 2)."""
    from fast_axolotl import pack_sequences

    sequences = [[1] * int(n) for n in np.minimum(lengths, max_length - 2)]
    start = time.perf_counter()
    packed = pack_sequences(sequences, max_length, 0, 2)
    TIMED_INSIDE["fast-axolotl pack_sequences"] = time.perf_counter() - start
    rows = packed["input_ids"] if isinstance(packed, dict) else packed
    return range(len(rows))


# Peers whose input has to be built first (token lists): only the packing call is timed.
TIMED_INSIDE: dict[str, float] = {}
# Peers too slow or memory-hungry for 1M sequences run on the first N lengths.
MAX_N = {"trl-bfd": 100_000, "fast-axolotl pack_sequences": 20_000}

PACKERS: dict[str, Callable[[np.ndarray, int], Any]] = {
    "ours-bfd": ours("bfd"),
    "ours-ffd": ours("ffd"),
    # axolotl's settings: groups of 100k, at most 200 sequences per bin, shuffled order.
    "ours-first_fit": ours("first_fit", seed=0, max_per_bin=200),
    "ours-sequential": ours("sequential"),
    "python-bfd (numpy+bisect)": python_bfd,
    "numba-bfd": numba_bfd,
    "axolotl MultipackBatchSampler (1 pass)": axolotl_first_fit,
    "trl-bfd": trl_bfd,
    "fast-axolotl pack_sequences": fast_axolotl_pack,
}
# Which packers each venv can run: the axolotl venv has axolotl and TRL, the bench venv
# fast-axolotl and numba (fast-axolotl's import shim breaks axolotl, so never both).
NEEDS = {
    "numba-bfd": "numba",
    "axolotl MultipackBatchSampler (1 pass)": "axolotl",
    "trl-bfd": "trl",
    "fast-axolotl pack_sequences": "fast_axolotl",
}


def available(name: str) -> bool:
    import importlib.util

    module = NEEDS.get(name)
    return module is None or importlib.util.find_spec(module) is not None


def measure(
    packer: Callable[[np.ndarray, int], Any],
    lengths: np.ndarray,
    max_length: int,
    repeat: int,
) -> dict[str, float | int]:
    best_wall = best_cpu = float("inf")
    bins: Any = None
    for _ in range(repeat):
        TIMED_INSIDE.clear()
        wall, cpu = time.perf_counter(), time.process_time()
        bins = packer(lengths, max_length)
        elapsed, cpu_s = time.perf_counter() - wall, time.process_time() - cpu
        if TIMED_INSIDE:  # only the packing call of a peer that needs its input built
            elapsed = cpu_s = next(iter(TIMED_INSIDE.values()))
        best_wall, best_cpu = min(best_wall, elapsed), min(best_cpu, cpu_s)
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
    names = [name for name in names if name not in PACKERS or available(name)]
    unknown = set(names) - set(PACKERS)
    if unknown:
        parser.error(f"unknown packers {sorted(unknown)}; known: {list(PACKERS)}")

    results = []
    header = f"{'distribution':<22}{'packer':<28}{'wall s':>8}{'cpu s':>8}"
    print(f"{header}{'bins':>9}{'bound':>9}{'bound/bins':>12}{'efficiency':>12}")
    for dist, (median, max_length) in DISTRIBUTIONS.items():
        lengths = lengths_for(median, max_length, args.n)
        for name in names:
            slow = name.startswith("python-") or name in MAX_N or "axolotl" in name
            repeat = args.slow_repeat if slow else args.repeat
            n = min(args.n, MAX_N.get(name, args.n))
            row = measure(PACKERS[name], lengths[:n], max_length, repeat)
            results.append({"distribution": dist, "packer": name, "n": n, **row})
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
