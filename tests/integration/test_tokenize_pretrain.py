"""`type: pretrain` in Rust against axolotl's own: the windows, then the packed stream batches.

Windows: axolotl's `PretrainTokenizationStrategy.tokenize_prompt` on hypothesis batches of
texts (unicode, empty, special-token strings, long texts cut into many overlapping windows)
with the four kit tokenizers, both truncation sides and small `sequence_len`s; every column
(`input_ids`, `attention_mask`, `overflow_to_sample_mapping`) must be axolotl's.

Packed batches: `PackedPretrainEncode.packed` against axolotl's `encode_packed_streaming` on
the same buffer from the same torch seed, with and without `pretrain_multipack_attn`, on both
padding sides, for one and several sequences per bin: the same bins, keys, dtypes and values,
and the same torch random state afterwards. The guard is checked with a deliberately wrong
collation and a failing encoder.
"""

from __future__ import annotations

import functools
import logging
import random

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("axolotl")

from axolotl.prompt_strategies.pretrain import load as load_pretrain
from axolotl.utils.data.wrappers import get_dataset_wrapper
from axolotl.utils.dict import DictDefault
from transformers import AutoTokenizer

from axolotl_fast import Encoder
from axolotl_fast.errors import InvalidArgumentError
from axolotl_fast.integration.data import packed_stream
from axolotl_fast.integration.tokenize import pretrain
from support import tokenizer_kit
from support.profiles import examples
from support.tokenizer_kit import hf_tokenizer

PIECES = [
    *("Once upon a time", " données", "日本語", "🙂", "<s>", "</s>", "\n", "  "),
    "word " * 40,
]
text = st.lists(st.sampled_from(PIECES) | st.text(max_size=6), max_size=14).map("".join)
SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large]
WORDS = [
    "the",
    "cat",
    "sat",
    "on",
    "a",
    "mat",
    "while",
    "dogs",
    "run",
    "fast",
    "across",
    "green",
    "fields",
]


def pretrain_cfg(sequence_len: int, **extra) -> DictDefault:
    entry = {"path": "texts", "type": "pretrain", "text_column": "text"}
    return DictDefault(
        sequence_len=sequence_len,
        train_on_inputs=False,
        pretraining_dataset=[entry],
        **extra,
    )


@pytest.fixture(scope="module", params=list(tokenizer_kit.KINDS))
def kind(request):
    return request.param


@pytest.fixture(scope="module")
def tokenizers(kind):
    made = {side: hf_tokenizer(kind, side) for side in ("right", "left")}
    return {side: (t, Encoder.from_tokenizer(t)) for side, t in made.items()}


@settings(max_examples=examples(40), deadline=None, suppress_health_check=SLOW_OK)
@given(
    texts=st.lists(text, min_size=10, max_size=40),
    sequence_len=st.sampled_from([4, 5, 9, 16, 64]),
    side=st.sampled_from(["right", "left"]),
)
def test_same_windows_as_axolotls_pretrain_strategy(
    tokenizers, texts, sequence_len, side
):
    tokenizer, encoder = tokenizers[side]
    strategy = load_pretrain(tokenizer, pretrain_cfg(sequence_len))
    pretrain.check_supported(strategy)
    expected = dict(strategy.tokenize_prompt({"text": texts}))
    ours = pretrain.windows(texts, strategy, encoder).to_pydict()
    assert list(ours) == list(expected)
    assert ours == expected


def test_a_stride_the_windows_cannot_hold_is_refused(tokenizers):
    tokenizer, encoder = tokenizers["right"]
    strategy = load_pretrain(tokenizer, pretrain_cfg(3))  # 2 tokens: BOS + 1, stride 1
    with pytest.raises(InvalidArgumentError, match="stride"):
        pretrain.windows(["a b c d e f"], strategy, encoder)


def test_a_null_text_is_left_to_axolotl(tokenizers):
    tokenizer, encoder = tokenizers["right"]
    strategy = load_pretrain(tokenizer, pretrain_cfg(16))
    with pytest.raises(pretrain.Unsupported, match="null"):
        pretrain.windows(["fine", None], strategy, encoder)


# --- the packed stream ----------------------------------------------------------------


@pytest.fixture(scope="module")
def kit_tokenizer(tiny_kit):
    return AutoTokenizer.from_pretrained(tiny_kit.model_dir)


def buffer(rows: int, seed: int = 0) -> dict[str, list[str]]:
    rng = random.Random(seed)
    lengths = [rng.choice([0, 1, 3, 20, 60, 200]) for _ in range(rows)]
    return {"text": [" ".join(rng.choices(WORDS, k=n)) for n in lengths]}


def packed_encode(tokenizer, **extra) -> packed_stream.PackedPretrainEncode:
    options = {"sequence_len": 64, "sample_packing": True, "micro_batch_size": 2}
    cfg = pretrain_cfg(**{**options, **extra})
    source = DictDefault(path="texts", type="pretrain")
    wrapper = functools.partial(
        get_dataset_wrapper,
        dataset_config=source,
        tokenizer=tokenizer,
        cfg=cfg,
        dataset_base_type="pretrain",
    )
    encode = packed_stream._packed_encode(source, tokenizer, cfg, wrapper)
    assert encode is not None
    return encode


def from_seed(call, examples_: dict) -> tuple[dict, torch.Tensor]:
    torch.manual_seed(7)
    result = call(examples_)
    return result, torch.rand(3)


@pytest.mark.parametrize("multipack_attn", [True, False])
@pytest.mark.parametrize("padding_side", ["right", "left"])
@pytest.mark.parametrize("micro_batch_size", [1, 3])
def test_packed_batches_are_axolotls(
    kit_tokenizer, multipack_attn, padding_side, micro_batch_size
):
    kit_tokenizer.padding_side = padding_side
    try:
        encode = packed_encode(
            kit_tokenizer,
            pretrain_multipack_attn=multipack_attn,
            micro_batch_size=micro_batch_size,
        )
        rows = buffer(150)
        ours, ours_after = from_seed(encode.packed, rows)
        theirs, theirs_after = from_seed(encode.axolotls, rows)
    finally:
        kit_tokenizer.padding_side = "right"
    assert len(theirs["input_ids"]) > 10
    assert packed_stream.first_difference(theirs, ours) is None
    assert torch.equal(ours_after, theirs_after)


def test_the_guard_passes_and_keeps_the_random_state(kit_tokenizer, caplog):
    encode = packed_encode(kit_tokenizer)
    rows = buffer(300)
    caplog.set_level(logging.INFO)
    ours, ours_after = from_seed(encode, rows)
    theirs, theirs_after = from_seed(encode.axolotls, rows)
    assert not encode.use_axolotl
    assert "Rust packs the stream" in caplog.text
    assert packed_stream.first_difference(theirs, ours) is None
    assert torch.equal(ours_after, theirs_after)


def test_the_guard_names_the_bin_and_axolotl_packs_every_buffer(
    kit_tokenizer, caplog, monkeypatch
):
    collate_bin = pretrain.collate_bin

    def wrong_labels(*args, **kwargs):
        out = collate_bin(*args, **kwargs)
        out["labels"] = out["labels"].copy()
        out["labels"][-1] = 5
        return out

    monkeypatch.setattr(pretrain, "collate_bin", wrong_labels)
    encode = packed_encode(kit_tokenizer)
    rows = buffer(200)
    first, _ = from_seed(encode, rows)
    second, _ = from_seed(encode, buffer(200, seed=1))
    assert encode.use_axolotl
    assert (
        "differs from axolotl's encode_packed_streaming at bin 0, field 'labels'"
        in (caplog.text)
    )
    assert (
        packed_stream.first_difference(from_seed(encode.axolotls, rows)[0], first)
        is None
    )
    expected_second = from_seed(encode.axolotls, buffer(200, seed=1))[0]
    assert packed_stream.first_difference(expected_second, second) is None


def test_an_error_in_ours_falls_back_with_a_warning(kit_tokenizer, caplog, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(pretrain, "windows", broken)
    encode = packed_encode(kit_tokenizer)
    rows = buffer(100)
    result, _ = from_seed(encode, rows)
    assert encode.use_axolotl
    assert "tokenize failed on the packed stream (RuntimeError: boom)" in caplog.text
    assert (
        packed_stream.first_difference(from_seed(encode.axolotls, rows)[0], result)
        is None
    )


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({"balance_labels": True}, "balance_labels"),
        ({"skip_prepare_dataset": True}, "skip_prepare_dataset"),
    ],
)
def test_configs_without_a_packed_fast_path_keep_axolotls(
    kit_tokenizer, extra, reason, caplog
):
    caplog.set_level(logging.INFO)
    cfg = pretrain_cfg(64, sample_packing=True, micro_batch_size=2)
    cfg.update(extra)
    source = DictDefault(path="texts", type="pretrain")
    assert packed_stream._packed_encode(source, kit_tokenizer, cfg, None) is None
    assert f"axolotl packs the stream: {reason}" in caplog.text


def test_another_type_keeps_axolotls(kit_tokenizer, caplog):
    caplog.set_level(logging.INFO)
    cfg = pretrain_cfg(64, sample_packing=True, micro_batch_size=2)
    source = DictDefault(path="rows", type="alpaca")
    assert packed_stream._packed_encode(source, kit_tokenizer, cfg, None) is None
    assert "type 'alpaca' has no packed fast path" in caplog.text
