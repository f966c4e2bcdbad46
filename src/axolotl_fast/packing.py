"""The packing planner: :func:`pack` decides which samples share a row of ``max_length`` tokens.

It takes token lengths only and returns :class:`Bins`; building the packed rows is the
collator's job. The work runs in Rust with the GIL released, in ``O(n log L)``.

Strategies:

- ``"bfd"`` (default) and ``"ffd"``: best-fit / first-fit decreasing, 99.99 % of the lower bound
  ``ceil(sum(lengths) / max_length)`` on realistic length distributions. They visit samples
  longest first, but what training sees is not sorted: axolotl removed sorted packing (PR
  #2657) because sorted bins changed the loss. So the bins are shuffled with ``seed``
  (deterministic: the same seed gives the same bins everywhere), and the samples inside a bin
  keep their input order (the ``order`` given, else index order).
- ``"first_fit"``: axolotl 0.21's ``MultipackBatchSampler`` packing (``pack_parallel``): first
  fit in feed order, in independent groups of ``group_size`` samples, bins in opening order.
  Axolotl feeds the samples in the order its ``RandomSampler`` yields, drawn from torch's
  global generator, which no seed here can reproduce. Pass that order as ``order`` (for
  example ``list(sampler.sampler)``) together with ``max_per_bin=cfg.sample_packing_bin_size``
  (axolotl's default 200) and ``group_size=cfg.sample_packing_group_size`` (100 000) to get
  exactly axolotl's bins (axolotl uses ``max_length`` as the limit when the bin size is unset;
  it drops over-long samples before packing, so parity is for lengths up to ``max_length``).
  Without ``order``, ``seed`` shuffles the feed order with
  ``numpy.random.default_rng(seed).permutation``; with neither, samples are fed in index order.
- ``"sequential"``: next fit in feed order (axolotl's ``allocate_sequentially``): samples keep
  their order across and inside bins.

Samples longer than ``max_length`` follow ``oversize``: ``"raise"`` a
:class:`~axolotl_fast.SequenceTooLongError` naming the first one; ``"drop"`` them (``bin_of``
is -1, counted in :attr:`Bins.dropped`); ``"truncate"`` them to their first ``max_length``
tokens, alone in a bin (:attr:`Bins.truncated`); ``"split"`` them into ``ceil(len /
max_length)`` pieces of ``max_length`` tokens but the last (:attr:`Bins.split`). A split sample's
index appears in the bin of each piece; :meth:`Bins.spans` gives each entry's token range.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator, Sequence
from typing import Any, overload

import numpy as np
import pyarrow as pa

from axolotl_fast import _core
from axolotl_fast.errors import InvalidArgumentError

__all__ = ["OVERSIZE", "STRATEGIES", "Bins", "pack"]

STRATEGIES = ("bfd", "ffd", "first_fit", "sequential")
OVERSIZE = ("raise", "drop", "truncate", "split")
DEFAULT_GROUP_SIZE = 100_000
_MAX_INT64 = (1 << 63) - 1


class Bins(Sequence[np.ndarray]):
    """The bins :func:`pack` made: ``bins[i]`` is an ``int64`` array of sample indices.

    A sequence of bins: ``len(bins)``, ``bins[i]`` (negative indices count from the end),
    slices and iteration. The arrays are read-only views of one buffer.

    Attributes:
        bin_of: ``int64`` array, the bin of every sample (of its first piece when split),
            -1 when dropped.
        max_length: Tokens per bin.
        strategy: The strategy that made the bins.
        packed_tokens: Tokens in all bins (truncated samples count ``max_length``).
        lower_bound: ``ceil(packed_tokens / max_length)``: no packing of these tokens needs
            fewer bins.
        dropped: Over-long samples left out.
        truncated: Over-long samples cut to ``max_length``.
        split: Over-long samples packed in several pieces.
    """

    __slots__ = (
        "_lengths",
        "_offsets",
        "_samples",
        "_starts",
        "bin_of",
        "dropped",
        "lower_bound",
        "max_length",
        "packed_tokens",
        "split",
        "strategy",
        "truncated",
    )

    def __init__(self, raw: dict[str, Any], max_length: int, strategy: str) -> None:
        self._offsets: np.ndarray = _numpy(raw["offsets"])
        self._samples: np.ndarray = _numpy(raw["samples"])
        self._starts: np.ndarray = _numpy(raw["starts"])
        self._lengths: np.ndarray = _numpy(raw["lengths"])
        self.bin_of: np.ndarray = _numpy(raw["bin_of"])
        self.max_length = max_length
        self.strategy = strategy
        self.packed_tokens: int = raw["packed_tokens"]
        self.lower_bound: int = raw["lower_bound"]
        self.dropped: int = raw["dropped"]
        self.truncated: int = raw["truncated"]
        self.split: int = raw["split"]

    def __len__(self) -> int:
        return len(self._offsets) - 1

    @overload
    def __getitem__(self, index: int) -> np.ndarray: ...
    @overload
    def __getitem__(self, index: slice) -> list[np.ndarray]: ...
    def __getitem__(self, index: int | slice) -> np.ndarray | list[np.ndarray]:
        if isinstance(index, slice):
            return [self._bin(i) for i in range(*index.indices(len(self)))]
        return self._bin(self._position(index))

    def __iter__(self) -> Iterator[np.ndarray]:
        for i in range(len(self)):
            yield self._bin(i)

    def _position(self, index: int) -> int:
        i = operator.index(index)
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"bin index {index} out of range for {n} bins")
        return i

    def _bin(self, i: int) -> np.ndarray:
        return self._samples[self._offsets[i] : self._offsets[i + 1]]

    def spans(self, index: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The entries of bin ``index`` with their token ranges.

        Returns:
            ``(samples, starts, lengths)``, ``int64`` arrays: entry ``j`` is tokens
            ``starts[j]:starts[j] + lengths[j]`` of sample ``samples[j]`` (the whole sample
            unless it was truncated or split).
        """
        i = self._position(index)
        a, b = self._offsets[i], self._offsets[i + 1]
        return self._samples[a:b], self._starts[a:b], self._lengths[a:b]

    def tokens(self) -> np.ndarray:
        """Tokens in every bin, as an ``int64`` array."""
        if len(self) == 0:
            return np.zeros(0, dtype=np.int64)
        return np.add.reduceat(self._lengths, self._offsets[:-1])

    @property
    def efficiency(self) -> float:
        """Packed tokens over bin capacity, ``len(bins) * max_length`` (0.0 without bins)."""
        slots = len(self) * self.max_length
        return self.packed_tokens / slots if slots else 0.0

    def num_batches(self, micro_batch_size: int) -> int:
        """Batches of ``micro_batch_size`` bins: ``ceil(len(bins) / micro_batch_size)``.

        Raises:
            InvalidArgumentError: ``micro_batch_size`` is below 1.
        """
        size = operator.index(micro_batch_size)
        if size < 1:
            raise InvalidArgumentError.for_value(
                "micro_batch_size", "must be at least 1"
            )
        return -(-len(self) // size)

    def __repr__(self) -> str:
        policy = "".join(
            f", {name}={count}"
            for name, count in (
                ("dropped", self.dropped),
                ("truncated", self.truncated),
                ("split", self.split),
            )
            if count
        )
        return (
            f"Bins({len(self)} bins of {self.max_length} tokens, "
            f"strategy={self.strategy!r}, samples={len(self.bin_of)}, "
            f"efficiency={self.efficiency:.4%}, lower_bound={self.lower_bound}{policy})"
        )


def pack(
    lengths: Any,
    max_length: int,
    *,
    strategy: str = "bfd",
    max_per_bin: int | None = None,
    seed: int | None = None,
    oversize: str = "raise",
    order: Any = None,
    group_size: int = DEFAULT_GROUP_SIZE,
) -> Bins:
    """Pack samples of the given token lengths into bins of ``max_length`` tokens.

    Args:
        lengths: The token length of every sample: a numpy integer array, a list of ints, or a
            pyarrow integer ``Array`` / ``ChunkedArray`` (read without a copy).
        max_length: Tokens per bin (at least 1).
        strategy: ``"bfd"``, ``"ffd"``, ``"first_fit"`` or ``"sequential"`` (see the module
            documentation).
        max_per_bin: At most this many samples (or pieces) per bin; ``None`` for no limit.
        seed: ``"bfd"``/``"ffd"``: seeds the bin shuffle (``None`` means 0, so packing is
            always deterministic). ``"first_fit"`` without ``order``: shuffles the feed
            order. ``"sequential"``: unused.
        oversize: What to do with samples longer than ``max_length``: ``"raise"``,
            ``"drop"``, ``"truncate"`` or ``"split"``.
        order: The order samples are fed to the packer, a permutation of
            ``range(len(lengths))`` in any of the forms ``lengths`` takes; for
            ``"first_fit"``, axolotl's sampler indices.
        group_size: Samples per independent group of ``"first_fit"`` (axolotl's
            ``sample_packing_group_size``).

    Returns:
        The :class:`Bins`.

    Raises:
        SequenceTooLongError: A sample is longer than ``max_length`` and ``oversize`` is
            ``"raise"`` (the lowest such index).
        InvalidArgumentError: A bad argument: negative or null lengths, a non-integer type,
            ``max_length`` or ``max_per_bin`` below 1, an unknown strategy or policy, an
            ``order`` that is not a permutation.
    """
    max_length = _int_in_range("max_length", max_length, 1, _MAX_INT64)
    if max_per_bin is not None:
        max_per_bin = _int_in_range("max_per_bin", max_per_bin, 1, _MAX_INT64)
    group_size = _int_in_range("group_size", group_size, 1, _MAX_INT64)
    seed_value = 0 if seed is None else _int_in_range("seed", seed, 0, (1 << 64) - 1)
    chunks = _int_chunks(lengths, "lengths")
    if order is not None:
        order_chunks: list[pa.Array] | None = _int_chunks(order, "order")
    elif strategy == "first_fit" and seed is not None:
        total = sum(len(chunk) for chunk in chunks)
        order_chunks = [pa.array(np.random.default_rng(seed).permutation(total))]
    else:
        order_chunks = None
    raw = _core.pack(
        chunks,
        max_length,
        strategy=strategy,
        max_per_bin=max_per_bin,
        seed=seed_value,
        oversize=oversize,
        order=order_chunks,
        group_size=group_size,
    )
    return Bins(raw, max_length, strategy)


def _int_in_range(name: str, value: Any, low: int, high: int) -> int:
    try:
        number = operator.index(value)
    except TypeError:
        raise InvalidArgumentError.for_value(
            name, f"expected an int, got {type(value).__name__}"
        ) from None
    if not low <= number <= high:
        raise InvalidArgumentError.for_value(
            name, f"must be from {low} to {high}, got {number}"
        )
    return number


def _int_chunks(values: Any, name: str) -> list[pa.Array]:
    """``values`` as pyarrow arrays, without a copy for numpy and pyarrow integer input."""
    if isinstance(values, pa.ChunkedArray):
        return list(values.chunks)
    if isinstance(values, pa.Array):
        return [values]
    array = np.asarray(values)
    if array.ndim != 1:
        raise InvalidArgumentError.for_value(
            name, f"expected one dimension, got shape {array.shape}"
        )
    if array.size == 0:
        array = array.astype(np.int64)
    if array.dtype.kind not in "iu":
        raise InvalidArgumentError.for_value(
            name, f"expected integers, got {array.dtype}"
        )
    return [pa.array(np.ascontiguousarray(array))]


def _numpy(array: pa.Array) -> np.ndarray:
    return array.to_numpy(zero_copy_only=True)
