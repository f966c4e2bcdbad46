"""`FastCollator` against axolotl's own collators, tensor for tensor.

Hypothesis builds random batches (row counts, lengths, padding side, pad_to_multiple_of,
present keys, lists or numpy arrays, packed bins) and each one goes through `FastCollator` and
through the axolotl class it stands for (`DataCollatorForSeq2Seq`,
`BatchSamplerDataCollatorForSeq2Seq`, `V2BatchSamplerDataCollatorForSeq2Seq`). Keys (in order),
dtypes, shapes and values must be equal, and the Rust path must have produced ours.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

pytest.importorskip("axolotl")

import torch
from axolotl.utils.collators.batching import DataCollatorForSeq2Seq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from axolotl_fast.integration.collator import FastCollator, _Fallback
from support.profiles import examples

MODES = [None, "concat", "segments"]


@pytest.fixture(scope="module")
def tokenizer(tiny_kit):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(tiny_kit.model_dir))


def sample(draw, length: int, keys: tuple[str, ...], as_numpy: bool) -> dict:
    ids = draw(st.lists(st.integers(0, 799), min_size=length, max_size=length))
    item: dict = {"input_ids": ids}
    if "attention_mask" in keys:
        item["attention_mask"] = [1] * length
    if "labels" in keys:
        item["labels"] = [(-100 if draw(st.booleans()) else t) for t in ids]
    if "position_ids" in keys:
        item["position_ids"] = list(range(length))
    if as_numpy:
        item = {k: np.asarray(v, dtype=np.int64) for k, v in item.items()}
    return item


@st.composite
def batches(draw, packed: bool):
    keys = draw(
        st.sampled_from(
            [
                ("attention_mask", "labels", "position_ids"),
                ("attention_mask", "labels"),
                ("labels", "position_ids"),
                (),
            ]
        )
    )
    as_numpy = draw(st.booleans())
    lengths = st.integers(0 if not packed else 1, 40)
    if not packed:
        count = draw(st.integers(1, 6))
        items = [sample(draw, draw(lengths), keys, as_numpy) for _ in range(count)]
        if draw(st.booleans()):  # a per-sample int column, stacked into a [rows] tensor
            for item in items:
                item["length"] = len(item["input_ids"])
        return items
    bins = []
    for _ in range(draw(st.integers(1, 4))):
        items = [
            sample(draw, draw(lengths), keys, as_numpy)
            for _ in range(draw(st.integers(1, 4)))
        ]
        if draw(st.booleans()):
            for item in items:
                item["length"] = len(item["input_ids"])
        bins.append(items)
    return bins if len(bins) > 1 or draw(st.booleans()) else bins[0]


def assert_same(ours, theirs) -> None:
    assert list(ours.keys()) == list(theirs.keys())
    for key in theirs:
        left, right = ours[key], theirs[key]
        if isinstance(right, (int, float)):
            assert left == right and type(left) is type(right), key
            continue
        assert type(left) is type(right), key
        assert left.dtype == right.dtype, key
        assert tuple(left.shape) == tuple(right.shape), key
        assert (np.asarray(left) == np.asarray(right)).all(), key


def both(tokenizer, features, packed, **kwargs):
    ours = FastCollator(tokenizer, packed=packed, **kwargs)
    fast = ours._collate(copy.deepcopy(features), ours.return_tensors)
    theirs = ours.reference()(copy.deepcopy(features))
    return fast, theirs


@settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    data=st.data(),
    packed=st.sampled_from(MODES),
    side=st.sampled_from(["right", "left"]),
    multiple=st.sampled_from([None, 1, 8, 64]),
    return_tensors=st.sampled_from(["pt", "np"]),
    fixed=st.sampled_from([None, None, 48]),
)
def test_same_tensors_as_axolotl(
    tokenizer, data, packed, side, multiple, return_tensors, fixed
):
    features = data.draw(batches(packed is not None))
    tokenizer.padding_side = side
    try:
        if not any(len(f["input_ids"]) for f in _samples(features)):
            return  # all-empty rows: axolotl's output is float32; delegated (tested below)
        padding = (
            {"padding": True}
            if fixed is None
            else {
                "padding": "max_length",
                "max_length": fixed if packed is None else 4 * fixed,
            }
        )
        fast, theirs = both(
            tokenizer,
            features,
            packed,
            pad_to_multiple_of=multiple,
            return_tensors=return_tensors,
            **padding,
        )
    finally:
        tokenizer.padding_side = "right"
    assert_same(fast, theirs)


def _samples(features):
    for item in features:
        yield from (item if isinstance(item, list) else [item])


def packed_bins():
    def item(n, base):
        return {
            "input_ids": list(range(base, base + n)),
            "labels": list(range(base, base + n)),
            "position_ids": list(range(n)),
            "length": n,
        }

    return [[item(3, 10), item(2, 20)], [item(4, 30), item(1, 40), item(2, 50)]]


@pytest.mark.parametrize("packed", ["concat", "segments"])
def test_flash_attention_varlen_kwargs_like_axolotl(tokenizer, packed):
    fast, theirs = both(
        tokenizer,
        packed_bins(),
        packed,
        pad_to_multiple_of=None,
        emit_fa_varlen_kwargs=True,
    )
    assert "cu_seq_lens_q" in theirs
    assert_same(fast, theirs)
    # row 0: [0 1 2 0 1 | 0 1]  row 1: [0 1 2 3 0 0 1] (the padding restarts at 0)
    assert fast["cu_seq_lens_q"].tolist() == [0, 3, 5, 7, 11, 12, 14]


def test_varlen_kwargs_skipped_where_axolotl_skips_them(tokenizer):
    bins = packed_bins()
    for samples in bins:
        for item in samples:
            item["attention_mask"] = [1] * len(item["input_ids"])
    fast, theirs = both(
        tokenizer, bins, "segments", pad_to_multiple_of=8, emit_fa_varlen_kwargs=True
    )
    assert "cu_seq_lens_q" not in theirs
    assert_same(fast, theirs)


@pytest.mark.parametrize(
    ("features", "kwargs"),
    [
        ([{"input_ids": [1, 2, 3]}], {"padding": "max_length", "max_length": 2}),
        ([{"input_ids": [1, 2]}], {"padding": "do_not_pad"}),
        ([{"input_ids": [1, 2], "special_tokens_mask": [0, 0]}], {}),
        ([{"input_ids": [1, 2], "attention_mask": [1]}], {}),
        ([{"input_ids": []}, {"input_ids": []}], {}),
        ([{"input_ids": [1.5, 2]}], {}),
    ],
)
def test_other_batches_are_axolotls(tokenizer, features, kwargs):
    ours = FastCollator(tokenizer, **kwargs)
    with pytest.raises(_Fallback):
        ours._collate(copy.deepcopy(features), "pt")
    try:
        expected = ours.reference()(copy.deepcopy(features))
    except Exception as err:  # axolotl's error must be ours too
        with pytest.raises(type(err)):
            ours(copy.deepcopy(features))
        return
    assert_same(ours(copy.deepcopy(features)), expected)


@pytest.mark.parametrize("features", [[], [[]]])
def test_empty_batches_raise_what_axolotl_raises(tokenizer, features):
    ours = FastCollator(tokenizer, packed="segments")
    with pytest.raises(IndexError):
        ours.reference()(copy.deepcopy(features))
    with pytest.raises(IndexError):
        ours(features)


def test_context_parallel_shard_hook_sees_the_padded_batch(tokenizer):
    seen = {}

    def cp_shard(batch):
        seen.update(batch)
        return {"shard": batch["input_ids"][:, :2]}

    collator = FastCollator(tokenizer, pad_to_multiple_of=4)
    collator.cp_shard = (
        cp_shard  # the context-parallel plugin sets it after construction
    )
    out = collator([{"input_ids": [5, 6, 7]}, {"input_ids": [8]}])
    assert out["shard"].tolist() == [[5, 6], [8, tokenizer.pad_token_id]]
    assert seen["input_ids"].shape == (2, 4)


def test_is_an_axolotl_collator_with_its_attributes(tokenizer):
    collator = FastCollator(tokenizer, True, 64, "pt", packed="concat")
    assert isinstance(collator, DataCollatorForSeq2Seq)
    assert collator.tokenizer is tokenizer and collator.pad_to_multiple_of == 64
    with pytest.raises(ValueError, match="packed"):
        FastCollator(tokenizer, packed="bfd")


def test_output_tensors_own_their_memory(tokenizer):
    out = FastCollator(tokenizer)([{"input_ids": [1, 2, 3]}, {"input_ids": [4]}])
    assert out["input_ids"].dtype == torch.int64
    out["input_ids"][0, 0] = 99  # writable, like torch.tensor's output
    assert out["input_ids"][0, 0] == 99
