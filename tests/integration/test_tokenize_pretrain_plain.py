"""A `pretraining_dataset` without packing: ours against axolotl's `encode_streaming`.

Hypothesis buffers of texts (unicode, empty, special-token strings, texts longer than
`sequence_len` so that they truncate) with the four kit tokenizers, both truncation sides,
small `sequence_len`s, `pretraining_sample_concatenation` on (texts laid into full rows with
EOS / PAD between them) and off (a row per text): every row of `input_ids`, `labels` and
`attention_mask` must be axolotl's. The guard is checked with deliberately wrong rows.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("axolotl")

from axolotl.utils.dict import DictDefault

from axolotl_fast.integration.data import plain_stream
from support import tokenizer_kit
from support.profiles import examples
from support.tokenizer_kit import hf_tokenizer

PIECES = [
    *("Once upon a time", " données", "日本語", "🙂", "<s>", "</s>", "\n", "  "),
    "word " * 40,
]
text = st.lists(st.sampled_from(PIECES) | st.text(max_size=6), max_size=14).map("".join)
SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large]


def encode_for(tokenizer, sequence_len: int, concatenate: bool):
    cfg = DictDefault(
        sequence_len=sequence_len,
        pretraining_dataset=[{"path": "texts", "type": "pretrain"}],
        pretraining_sample_concatenation=concatenate,
    )
    encode = plain_stream.plain_encode(tokenizer, cfg)
    assert encode is not None
    return encode


@pytest.fixture(scope="module", params=list(tokenizer_kit.KINDS))
def tokenizers(request):
    return {side: hf_tokenizer(request.param, side) for side in ("right", "left")}


@settings(max_examples=examples(40), deadline=None, suppress_health_check=SLOW_OK)
@given(
    texts=st.lists(text, min_size=10, max_size=40),
    sequence_len=st.sampled_from([4, 5, 9, 16, 64]),
    side=st.sampled_from(["right", "left"]),
    concatenate=st.booleans(),
)
def test_same_rows_as_axolotls_encode_streaming(
    tokenizers, texts, sequence_len, side, concatenate
):
    encode = encode_for(tokenizers[side], sequence_len, concatenate)
    rows = {"text": texts}
    expected = encode.axolotls(rows)
    assert plain_stream.first_difference(expected, encode.encoded(rows)) is None


def test_concatenated_rows_are_full_and_end_texts_with_eos_pad(tokenizers):
    tokenizer = tokenizers["right"]
    encode = encode_for(tokenizer, 16, True)
    out = encode.encoded({"text": ["a b c", "d", "word " * 30, ""]})
    assert {len(row) for row in out["input_ids"]} == {16}
    eos, pad = tokenizer.eos_token_id, tokenizer.pad_token_id
    first = out["input_ids"][0]
    assert first[first.index(eos) + 1] == pad
    assert out["labels"][0][first.index(eos) + 1] == -100


def test_row_spans_close_a_row_when_the_next_text_does_not_fit():
    sizes = np.array([4, 4, 9, 10, 2, 10])
    assert plain_stream.row_spans(sizes, 10) == [(0, 2), (2, 3), (3, 4), (4, 5), (5, 6)]
    assert plain_stream.row_spans(np.array([], np.int64), 10) == []


def test_the_guard_names_the_row_and_axolotl_encodes_every_buffer(
    tokenizers, caplog, monkeypatch
):
    def one_text_per_row(sizes, limit):
        return [(index, index + 1) for index in range(len(sizes))]

    monkeypatch.setattr(plain_stream, "row_spans", one_text_per_row)
    encode = encode_for(tokenizers["right"], 64, True)
    rows = {"text": ["a b"] * 20}
    with caplog.at_level(logging.WARNING):
        out = encode(rows)
    assert encode.use_axolotl
    assert (
        "differs from axolotl's encode_streaming at 20 rows instead of" in caplog.text
    )
    assert plain_stream.first_difference(encode.axolotls(rows), out) is None
