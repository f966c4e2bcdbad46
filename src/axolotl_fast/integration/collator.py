"""``FastCollator``: axolotl's Seq2Seq collators with the padding done in Rust.

One class stands for three of axolotl 0.21's (``utils/collators/batching.py``):

* ``packed=None``: ``DataCollatorForSeq2Seq``, a batch of samples (``List[dict]``);
* ``packed="concat"``: ``BatchSamplerDataCollatorForSeq2Seq``, bins of samples
  (``List[List[dict]]``, or one bin as ``List[dict]``), each bin concatenated into one row;
* ``packed="segments"``: ``V2BatchSamplerDataCollatorForSeq2Seq``, the same, with the
  ``attention_mask`` of the ``j``-th sample of a bin set to ``j + 1`` (segment ids).

It returns the tensors axolotl's class returns for the same input: the same keys in the same
order, int64, the same shape and values. ``labels`` are padded with ``label_pad_token_id``,
``position_ids`` with a fresh ``0, 1, 2, ...`` run, ``input_ids`` with the tokenizer's pad
token and ``attention_mask`` with 0, on the tokenizer's ``padding_side``, to the longest row
rounded up to ``pad_to_multiple_of``; with ``emit_fa_varlen_kwargs`` the flash-attention varlen
kwargs are added when axolotl adds them.

The fast path covers what axolotl's trainer sends: ``padding=True`` (or ``"max_length"``
with ``max_length``: the model inputs padded to it, ``labels`` / ``position_ids`` to their
longest row, as axolotl does), pt/np tensors, rows of
``input_ids`` / ``attention_mask`` / ``labels`` / ``position_ids`` / ``token_type_ids``,
per-sample ints such as ``length`` in plain batches (stacked as a ``[rows]`` tensor) and in
bins (dropped, as axolotl drops them). Anything else (another padding strategy, other
keys, a model that prepares decoder inputs, rows whose mask and ids differ in length, values
that are not ints) goes to axolotl's own class, so the result is always axolotl's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
from axolotl.utils.collators.batching import (
    BatchSamplerDataCollatorForSeq2Seq,
    DataCollatorForSeq2Seq,
    V2BatchSamplerDataCollatorForSeq2Seq,
)
from axolotl.utils.logging import get_logger

from axolotl_fast import _core

__all__ = ["FastCollator"]

LOG = get_logger(__name__)

_REFERENCE = {
    None: DataCollatorForSeq2Seq,
    "concat": BatchSamplerDataCollatorForSeq2Seq,
    "segments": V2BatchSamplerDataCollatorForSeq2Seq,
}
_ROW_KEYS = frozenset(
    {"input_ids", "attention_mask", "labels", "position_ids", "token_type_ids"}
)
_LONGEST = (True, "longest")


class _Fallback(Exception):
    """The batch is not one the fast path reproduces; axolotl's class collates it."""


@dataclasses.dataclass(init=False)
class FastCollator(DataCollatorForSeq2Seq):
    """Axolotl's ``DataCollatorForSeq2Seq`` family with Rust padding (see the module doc).

    Args:
        tokenizer: The tokenizer (pad token, padding side).
        padding: ``True`` / ``"longest"`` (the fast path) or another strategy.
        pad_to_multiple_of: Round the padded width up to a multiple of this.
        return_tensors: ``"pt"`` or ``"np"``.
        label_pad_token_id: The ``labels`` padding.
        position_pad_token_id: Kept for axolotl's signature (``position_ids`` are padded
            with ``0, 1, 2, ...`` as axolotl does).
        packed: ``None`` (plain batches), ``"concat"`` or ``"segments"`` (packed bins).
        model, max_length, emit_fa_varlen_kwargs, cp_shard: as in axolotl's class.
        squash_position_ids: ``V2BatchSamplerDataCollatorForSeq2Seq``'s option (handled
            by axolotl's class).
    """

    packed: str | None = None
    squash_position_ids: bool = False

    def __init__(
        self,
        tokenizer: Any,
        padding: Any = True,
        pad_to_multiple_of: int | None = None,
        return_tensors: str = "pt",
        label_pad_token_id: int = -100,
        position_pad_token_id: int = 0,
        packed: str | None = None,
        *,
        model: Any = None,
        max_length: int | None = None,
        emit_fa_varlen_kwargs: bool = False,
        cp_shard: Any = None,
        squash_position_ids: bool = False,
    ) -> None:
        if packed not in _REFERENCE:
            raise ValueError(
                f"packed must be None, 'concat' or 'segments', not {packed!r}"
            )
        self.tokenizer = tokenizer
        self.model = model
        self.padding = padding
        self.max_length = max_length
        self.pad_to_multiple_of = pad_to_multiple_of
        self.label_pad_token_id = label_pad_token_id
        self.position_pad_token_id = position_pad_token_id
        self.return_tensors = return_tensors
        self.emit_fa_varlen_kwargs = emit_fa_varlen_kwargs
        self.cp_shard = cp_shard
        self.packed = packed
        self.squash_position_ids = squash_position_ids
        self._told = False

    def __call__(self, features: Any, return_tensors: str | None = None) -> Any:
        """Collate ``features`` as axolotl's class would (``BatchEncoding`` of tensors)."""
        return_tensors = return_tensors or self.return_tensors
        try:
            return self._collate(features, return_tensors)
        except _Fallback as fallback:
            if not self._told:
                self._told = True
                LOG.info(
                    "axolotl_fast: FastCollator hands batches like this one to axolotl's "
                    "collator (%s)",
                    fallback,
                )
            return self.reference()(features, return_tensors=return_tensors)

    def reference(self) -> DataCollatorForSeq2Seq:
        """Axolotl's collator with this one's settings (what the fast path must equal)."""
        cls = _REFERENCE[self.packed]
        names = {field.name for field in dataclasses.fields(cls)}
        return cls(**{name: getattr(self, name) for name in names})

    def _collate(self, features: Any, return_tensors: str) -> Any:
        from transformers import BatchEncoding

        self._check_settings(return_tensors)
        rows, keys = self._rows(features)
        pad_id = self.tokenizer.pad_token_id
        fixed = self._fixed_width()
        ids, ids_lengths, width = self._pad(
            rows["input_ids"], pad_id, return_tensors, width=fixed
        )
        if fixed is not None and max(ids_lengths) > fixed:
            raise _Fallback("rows longer than max_length")  # tokenizer.pad: ragged
        out: dict[str, Any] = {}
        for key in keys:
            if key == "input_ids":
                out[key] = ids
            elif key in ("attention_mask", "token_type_ids"):
                fill = (
                    0 if key == "attention_mask" else self.tokenizer.pad_token_type_id
                )
                tensor, lengths, _ = self._pad(
                    rows[key], fill, return_tensors, width=width, segments=key
                )
                if lengths != ids_lengths:
                    raise _Fallback(f"{key} and input_ids differ in length")
                out[key] = tensor
            elif key == "labels":
                out[key] = self._pad(
                    rows[key], self.label_pad_token_id, return_tensors
                )[0]
            elif key == "position_ids":
                out[key] = self._pad(rows[key], None, return_tensors)[0]
            else:  # a per-sample int (plain batches), e.g. ``length``
                out[key] = _scalars([row[0] for row in rows[key]], return_tensors)
        features_out = BatchEncoding(out)
        if self.cp_shard is not None:
            return self.cp_shard(dict(features_out))
        if self.emit_fa_varlen_kwargs:
            _add_varlen_kwargs(features_out)
        return features_out

    def _check_settings(self, return_tensors: str) -> None:
        tokenizer = self.tokenizer
        checks = {
            f"return_tensors={return_tensors!r}": return_tensors in ("pt", "np"),
            f"padding={self.padding!r}": self.padding in _LONGEST
            or (self.padding == "max_length" and self.max_length is not None),
            f"pad_to_multiple_of={self.pad_to_multiple_of!r}": (
                self.pad_to_multiple_of is None or self.pad_to_multiple_of > 0
            ),
            "no pad token": tokenizer.pad_token_id is not None,
            f"padding_side={tokenizer.padding_side!r}": tokenizer.padding_side
            in ("right", "left"),
            "model inputs do not start with input_ids": (
                tokenizer.model_input_names[:1] == ["input_ids"]
            ),
            "squash_position_ids": not (
                self.packed == "segments" and self.squash_position_ids
            ),
            "the model prepares decoder inputs": not (
                self.model is not None
                and hasattr(self.model, "prepare_decoder_input_ids_from_labels")
            ),
            "varlen kwargs with numpy output": not (
                self.emit_fa_varlen_kwargs and return_tensors != "pt"
            ),
        }
        failed = [reason for reason, ok in checks.items() if not ok]
        if failed:
            raise _Fallback(", ".join(failed))

    def _rows(self, features: Any) -> tuple[dict[str, list], list[str]]:
        """Per key, the pieces of each output row, and the output keys in axolotl's order."""
        if not isinstance(features, Sequence) or not features:
            raise _Fallback("an empty batch")
        if self.packed is None:
            bins = [[item] for item in features]
            skip: frozenset[str] = frozenset()
        else:
            bins = features if isinstance(features[0], list) else [features]
            skip = frozenset({"length"})
        first = bins[0][0] if bins[0] else None
        if not isinstance(first, dict):
            raise _Fallback("not a batch of dicts")
        keys = [key for key in first if key not in skip]
        scalar_keys = {k for k in keys if k not in _ROW_KEYS and _is_int(first[k])}
        if (
            "input_ids" not in keys
            or not _ROW_KEYS.issuperset(set(keys) - scalar_keys)
            or (scalar_keys and self.packed is not None)
        ):
            raise _Fallback(f"keys {keys}")
        wanted = set(keys) | skip
        rows: dict[str, list] = {key: [] for key in keys}
        for samples in bins:
            if not samples or not all(
                isinstance(s, dict) and s.keys() <= wanted and all(k in s for k in keys)
                for s in samples
            ):
                raise _Fallback("samples with differing keys")
            for key in keys:
                rows[key].append([sample[key] for sample in samples])
        if "attention_mask" in keys and (
            "attention_mask" not in self.tokenizer.model_input_names
        ):
            raise _Fallback("the tokenizer does not pad attention_mask")
        return rows, keys

    def _fixed_width(self) -> int | None:
        """``padding="max_length"``: ``tokenizer.pad`` pads the model inputs to it."""
        return self.max_length if self.padding == "max_length" else None

    def _pad(
        self,
        rows: list,
        fill: int | None,
        return_tensors: str,
        *,
        width: int | None = None,
        segments: str | None = None,
    ) -> tuple[Any, list[int], int]:
        """One feature padded; ``fill=None`` pads with ``0, 1, 2, ...``."""
        try:
            data, count, padded, lengths = _core.pad_feature(
                rows,
                pad_to_multiple_of=self.pad_to_multiple_of,
                width=width,
                left=self.tokenizer.padding_side == "left",
                fill=0 if fill is None else fill,
                arange=fill is None,
                segments=segments == "attention_mask" and self.packed == "segments",
            )
        except (TypeError, ValueError, OverflowError) as err:
            raise _Fallback(f"values that are not int64: {err}") from err
        if padded == 0 or count == 0:
            raise _Fallback("empty rows")  # axolotl's output is float32 then
        return _tensor(data, count, padded, return_tensors), lengths, padded


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _scalars(values: list, return_tensors: str) -> Any:
    """A ``[rows]`` int64 tensor of per-sample ints, as ``BatchEncoding`` converts them."""
    if not all(_is_int(value) for value in values):
        raise _Fallback("per-sample values that are not all ints")
    try:
        array = np.array(values, dtype=np.int64)
    except OverflowError as err:
        raise _Fallback("per-sample ints beyond int64") from err
    if return_tensors == "np":
        return array
    import torch

    return torch.from_numpy(array)


def _tensor(data: bytearray, rows: int, width: int, return_tensors: str) -> Any:
    """View the bytes as a ``[rows, width]`` int64 tensor or array, without a copy."""
    array = np.frombuffer(data, dtype=np.int64).reshape(rows, width)
    if return_tensors == "np":
        return array
    import torch

    return torch.from_numpy(array)


def _add_varlen_kwargs(features: Any) -> None:
    """Axolotl's flash-attention varlen kwargs, from Rust (as transformers computes them)."""
    import torch

    if "position_ids" not in features:
        return
    mask = features.get("attention_mask")
    if mask is not None and not (mask.ndim == 2 and bool(mask.all())):
        return
    position_ids = features["position_ids"]
    if position_ids.numel() == 0:
        return  # transformers fails on it and axolotl then leaves the kwargs out
    data, longest = _core.varlen_boundaries(position_ids.numpy().tobytes())
    cu_q = torch.from_numpy(np.frombuffer(data, dtype=np.int32).copy())
    features["cu_seq_lens_q"] = cu_q
    features["cu_seq_lens_k"] = cu_q.clone()
    features["max_length_q"] = int(longest)
    features["max_length_k"] = int(longest)
