"""Tests of axolotl_fast.pack: invariants (hypothesis), policies, edge cases, the Bins API and
parity of ``first_fit`` / ``sequential`` with axolotl 0.21's own packing functions."""

from __future__ import annotations

import sys
import threading

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from axolotl_fast import (
    Bins,
    InvalidArgumentError,
    SequenceTooLongError,
    pack,
)
from support.profiles import examples

STRATEGIES = ["bfd", "ffd", "first_fit", "sequential"]


def lognormal(n: int, median: float, high: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(np.rint(median * rng.lognormal(0.0, 1.0, n)), 16, high).astype(
        np.int64
    )


def check(bins: Bins, lengths: list[int], max_length: int, **kw) -> None:
    """Every invariant of a packing of ``lengths``."""
    oversize = kw.get("oversize", "raise")
    limit = kw.get("max_per_bin") or len(lengths) + 1
    pieces: dict[int, list[tuple[int, int]]] = {}
    for i in range(len(bins)):
        samples, starts, spans = bins.spans(i)
        assert 0 < len(samples) <= limit
        assert spans.sum() <= max_length
        assert np.array_equal(samples, bins[i])
        for s, start, n in zip(samples, starts, spans, strict=True):
            pieces.setdefault(int(s), []).append((int(start), int(n)))
            assert bins.bin_of[s] >= 0
    covered = np.zeros(len(lengths), dtype=np.int64)
    for s, spans_of in pieces.items():
        # The pieces of a sample tile it from token 0, without gaps or overlaps.
        for start, n in sorted(spans_of):
            assert start == covered[s]
            covered[s] += n
    expected = [
        n if n <= max_length else {"drop": 0, "truncate": max_length}.get(oversize, n)
        for n in lengths
    ]
    assert covered.tolist() == expected
    dropped = [
        i for i, n in enumerate(lengths) if n > max_length and oversize == "drop"
    ]
    assert bins.dropped == len(dropped)
    assert all(bins.bin_of[i] == -1 for i in dropped)
    assert bins.packed_tokens == sum(expected)
    assert bins.lower_bound == -(-sum(expected) // max_length)
    assert bins.lower_bound <= len(bins)
    if len(bins):
        assert bins.efficiency == pytest.approx(
            sum(expected) / (len(bins) * max_length)
        )
        assert bins.tokens().tolist() == [
            bins.spans(i)[2].sum() for i in range(len(bins))
        ]


@settings(max_examples=examples(200), deadline=None)
@given(
    lengths=st.lists(st.integers(0, 300), max_size=300),
    max_length=st.integers(1, 200),
    strategy=st.sampled_from(STRATEGIES),
    max_per_bin=st.none() | st.integers(1, 6),
    oversize=st.sampled_from(["drop", "truncate", "split"]),
    seed=st.none() | st.integers(0, 2**64 - 1),
    data=st.data(),
)
def test_every_sample_is_packed_once_within_limits(
    lengths, max_length, strategy, max_per_bin, oversize, seed, data
):
    kw = {"strategy": strategy, "max_per_bin": max_per_bin, "oversize": oversize}
    order = data.draw(st.none() | st.permutations(range(len(lengths))))
    bins = pack(lengths, max_length, seed=seed, order=order, **kw)
    check(bins, lengths, max_length, **kw)
    assert len(bins.bin_of) == len(lengths)


@settings(max_examples=examples(100), deadline=None)
@given(
    lengths=st.lists(st.integers(0, 100), max_size=300),
    max_length=st.integers(100, 150),
    max_per_bin=st.none() | st.integers(1, 6),
    data=st.data(),
)
def test_sequential_keeps_the_feed_order(lengths, max_length, max_per_bin, data):
    order = data.draw(st.permutations(range(len(lengths))))
    bins = pack(
        lengths, max_length, strategy="sequential", max_per_bin=max_per_bin, order=order
    )
    flat = [int(s) for b in bins for s in b]
    assert flat == list(order)
    assert pack(lengths, max_length, strategy="sequential").bin_of.tolist() == sorted(
        pack(lengths, max_length, strategy="sequential").bin_of.tolist()
    )


@settings(max_examples=examples(50), deadline=None)
@given(lengths=st.lists(st.integers(1, 100), max_size=300), seed=st.integers(0, 99))
def test_decreasing_bins_are_shuffled_and_keep_index_order(lengths, seed):
    for strategy in ("bfd", "ffd"):
        a = pack(lengths, 100, strategy=strategy, seed=seed)
        b = pack(lengths, 100, strategy=strategy, seed=seed)
        assert [x.tolist() for x in a] == [x.tolist() for x in b]
        assert all(np.all(np.diff(x) > 0) for x in a)


@pytest.mark.parametrize(
    ("median", "max_length"), [(300, 4096), (300, 2048), (60, 8192)]
)
@pytest.mark.parametrize("strategy", ["bfd", "ffd"])
def test_decreasing_reaches_the_lower_bound(median, max_length, strategy):
    lengths = lognormal(1_000_000, median, max_length)
    bins = pack(lengths, max_length, strategy=strategy)
    assert bins.lower_bound / len(bins) >= 0.9998


def test_sorted_bins_are_not_what_comes_out():
    lengths = lognormal(20_000, 300, 4096)
    bins = pack(lengths, 4096, seed=1)
    longest = np.array([lengths[b].max() for b in bins])
    # Decreasing packing opens bins longest first; the shuffle breaks that order.
    assert not np.all(np.diff(longest) <= 0)
    assert abs(np.corrcoef(np.arange(len(longest)), longest)[0, 1]) < 0.1
    other = pack(lengths, 4096, seed=2)
    assert [b.tolist() for b in bins] != [b.tolist() for b in other]


def test_input_forms_agree_and_results_are_read_only():
    lengths = lognormal(5000, 300, 4096)
    expected = pack(lengths, 4096).bin_of.tolist()
    forms = [
        lengths.tolist(),
        lengths.astype(np.int32),
        lengths.astype(np.uint16),
        pa.array(lengths),
        pa.chunked_array([lengths[:100], lengths[100:2000], lengths[2000:]]),
        lengths[::-1][::-1],
        pa.concat_arrays([pa.array([7], pa.int64()), pa.array(lengths)]).slice(1),
    ]
    for form in forms:
        assert pack(form, 4096).bin_of.tolist() == expected
    bins = pack(lengths, 4096)
    with pytest.raises(ValueError, match="read-only"):
        bins[0][0] = 1
    with pytest.raises(ValueError, match="read-only"):
        bins.bin_of[0] = 1


def test_oversize_policies():
    lengths = [5, 25, 3, 10, 40]
    with pytest.raises(SequenceTooLongError) as err:
        pack(lengths, 10)
    assert (err.value.index, err.value.length, err.value.max_length) == (1, 25, 10)
    assert isinstance(err.value, ValueError)
    dropped = pack(lengths, 10, oversize="drop")
    assert (dropped.dropped, dropped.truncated, dropped.split) == (2, 0, 0)
    assert dropped.bin_of[[1, 4]].tolist() == [-1, -1]
    truncated = pack(lengths, 10, oversize="truncate")
    assert truncated.truncated == 2
    assert truncated.spans(truncated.bin_of[1])[2].tolist() == [10]
    split = pack(lengths, 10, oversize="split", strategy="sequential")
    assert split.split == 2
    pieces = [
        (int(st), int(n))
        for i in range(len(split))
        for s, st, n in zip(*split.spans(i), strict=True)
        if s == 1
    ]
    assert pieces == [(0, 10), (10, 10), (20, 5)]
    assert "dropped=2" in repr(dropped)


def test_edge_cases():
    for strategy in STRATEGIES:
        empty = pack([], 8, strategy=strategy)
        assert len(empty) == 0 and empty.efficiency == 0.0 and empty.lower_bound == 0
        assert list(empty) == [] and empty.num_batches(4) == 0
        zeros = pack([0, 0, 0], 1, strategy=strategy)
        assert len(zeros) == 1 and zeros.efficiency == 0.0
        ones = pack([1, 1, 1], 1, strategy=strategy, max_per_bin=1)
        assert len(ones) == 3 and ones.efficiency == 1.0
        huge = [2**62, 1, 2**63 - 1]
        assert pack(huge, 1, strategy=strategy, oversize="drop").dropped == 2
        assert pack(huge, 1, strategy=strategy, oversize="truncate").truncated == 2
        with pytest.raises(InvalidArgumentError, match="pieces"):
            pack(huge, 1, strategy=strategy, oversize="split")
        assert len(pack([2**62], 2**63 - 1, strategy=strategy)) == 1
    unsigned = pack(np.array([2**64 - 1, 3], dtype=np.uint64), 4, oversize="drop")
    assert unsigned.dropped == 1


@pytest.mark.parametrize(
    ("args", "kwargs", "name"),
    [
        (([1, 2], 0), {}, "max_length"),
        (([1, 2], -5), {}, "max_length"),
        (([1, 2], 2**63), {}, "max_length"),
        (([1, 2], 4), {"max_per_bin": 0}, "max_per_bin"),
        (([1, 2], 4), {"group_size": 0}, "group_size"),
        (([1, 2], 4), {"seed": -1}, "seed"),
        (([1, 2], 4), {"strategy": "worst_fit"}, "strategy"),
        (([1, 2], 4), {"oversize": "wrap"}, "oversize"),
        (([1, -2], 4), {}, "lengths"),
        (([1.5, 2], 4), {}, "lengths"),
        ((pa.array([1, None]), 4), {}, "lengths"),
        ((pa.array(["a"]), 4), {}, "lengths"),
        (([[1, 2]], 4), {}, "lengths"),
        (([1, 2], 4), {"order": [0, 0]}, "order"),
        (([1, 2], 4), {"order": [0]}, "order"),
        (([1, 2], 4), {"order": [0, 5]}, "order"),
        (([1, 2], 4), {"order": [1, -1]}, "order"),
    ],
)
def test_bad_arguments_raise_typed_errors(args, kwargs, name):
    with pytest.raises(InvalidArgumentError) as err:
        pack(*args, **kwargs)
    assert err.value.name == name


def test_bins_behave_like_a_list():
    bins = pack([3, 3, 3, 3, 3], 6, strategy="sequential")
    as_list = [b.tolist() for b in bins]
    assert as_list == [[0, 1], [2, 3], [4]]
    assert bins[-1].tolist() == [4] and bins[-3].tolist() == [0, 1]
    assert [b.tolist() for b in bins[1:]] == as_list[1:]
    for bad in (3, -4):
        with pytest.raises(IndexError):
            bins[bad]
    assert bins[np.int64(1)].tolist() == [2, 3]
    assert bins.bin_of.dtype == np.int64 and bins[0].dtype == np.int64
    assert bins.bin_of.tolist() == [0, 0, 1, 1, 2]
    assert (bins.num_batches(1), bins.num_batches(2), bins.num_batches(3)) == (3, 2, 1)
    with pytest.raises(InvalidArgumentError):
        bins.num_batches(0)
    assert bins.efficiency == pytest.approx(15 / 18)
    assert bins.lower_bound == 3
    assert repr(bins).startswith("Bins(3 bins of 6 tokens, strategy='sequential'")


def test_first_fit_seed_shuffles_the_feed_order():
    lengths = lognormal(1000, 300, 4096)
    order = np.random.default_rng(7).permutation(len(lengths))
    seeded = pack(lengths, 4096, strategy="first_fit", seed=7)
    given_order = pack(lengths, 4096, strategy="first_fit", order=order)
    assert [b.tolist() for b in seeded] == [b.tolist() for b in given_order]


# Parity with axolotl 0.21. The same input: the lengths in the order axolotl's sampler yields
# them (our ``order``), ``max_length`` = ``batch_max_len``, ``max_per_bin`` = ``bin_size``
# (``sample_packing_bin_size``) and ``group_size`` (``sample_packing_group_size``). The same
# output: the same bins, in the same order, each listing the same sample indices in the same
# order.


@settings(max_examples=examples(60), deadline=None)
@given(
    lengths=st.lists(st.integers(0, 512), max_size=400),
    max_length=st.integers(512, 2048),
    bin_size=st.integers(1, 20),
    group_size=st.integers(1, 150),
)
def test_first_fit_matches_axolotls_pack_parallel(
    lengths, max_length, bin_size, group_size
):
    multipack = pytest.importorskip("axolotl.utils.samplers.multipack")
    expected = multipack.pack_parallel(
        np.array(lengths, dtype=np.int32),
        bin_capacity=max_length,
        group_size=group_size,
        bin_size=bin_size,
        num_processes=1,
    )
    bins = pack(
        lengths,
        max_length,
        strategy="first_fit",
        max_per_bin=bin_size,
        group_size=group_size,
    )
    assert [b.tolist() for b in bins] == expected


@pytest.mark.parametrize(("n", "seed"), [(3000, 0), (25_000, 1)])
def test_first_fit_matches_axolotls_multipack_sampler(n, seed):
    """The bins of ``MultipackBatchSampler`` (one bin per batch), given its sampler order."""
    pytest.importorskip("axolotl")
    import torch
    from axolotl.utils.samplers.multipack import MultipackBatchSampler
    from torch.utils.data import RandomSampler

    lengths = lognormal(n, 300, 4096, seed=seed)
    generator = torch.Generator().manual_seed(seed)
    sampler = RandomSampler(range(n), generator=generator)
    multipack = MultipackBatchSampler(
        sampler,
        batch_size=1,
        batch_max_len=4096,
        lengths=lengths,
        bin_size=200,
        group_size=10_000,
        num_processes=1,
        drop_last=False,
    )
    expected = [batch[0] for batch in multipack.generate_batches()]
    order = list(RandomSampler(range(n), generator=torch.Generator().manual_seed(seed)))
    bins = pack(
        lengths,
        4096,
        strategy="first_fit",
        order=order,
        max_per_bin=200,
        group_size=10_000,
    )
    assert [b.tolist() for b in bins] == expected


@settings(max_examples=examples(40), deadline=None)
@given(lengths=st.lists(st.integers(0, 512), max_size=300))
def test_sequential_matches_axolotls_allocate_sequentially(lengths):
    multipack = pytest.importorskip("axolotl.utils.samplers.multipack")
    expected, used, _ = multipack.allocate_sequentially(
        np.array(lengths, dtype=np.int64), rank=0, bin_capacity=512, num_ranks=1
    )
    bins = pack(lengths, 512, strategy="sequential")
    assert [b.tolist() for b in bins] == [list(b) for b in expected]
    assert bins.packed_tokens == used


def test_numpy_lengths_cross_without_a_copy():
    from axolotl_fast.packing import _int_chunks

    lengths = np.arange(100, dtype=np.int32)
    (chunk,) = _int_chunks(lengths, "lengths")
    assert chunk.buffers()[1].address == lengths.ctypes.data


def test_the_gil_is_released_while_packing():
    """With a 10 s switch interval the packing thread gives the GIL away only voluntarily:
    the main thread can run its rounds during the call only if the call released it."""
    lengths = lognormal(4_000_000, 300, 4096)
    entered, left = threading.Event(), threading.Event()

    def pack_once() -> None:
        entered.set()
        pack(lengths, 4096)
        left.set()

    previous = sys.getswitchinterval()
    sys.setswitchinterval(10.0)
    rounds = 0
    try:
        worker = threading.Thread(target=pack_once)
        worker.start()
        entered.wait()
        while not left.is_set():
            rounds += 1
            left.wait(0.001)  # lets the worker take the GIL back once Rust is done
        worker.join()
    finally:
        sys.setswitchinterval(previous)
    # Released: one round per ms of packing (hundreds). Held: a round or two at most.
    assert rounds >= 10


def test_split_rejects_a_length_beyond_int64_instead_of_clamping():
    """Found by fuzzing: uint64 lengths past int64 used to give clamped piece offsets."""
    lengths = np.array([5, 2**63 + 1], dtype=np.uint64)
    with pytest.raises(
        InvalidArgumentError, match="sample 1 has 9223372036854775809 tokens"
    ):
        pack(lengths, 2**62, oversize="split")
    assert pack(lengths, 2**62, oversize="drop").dropped == 1
