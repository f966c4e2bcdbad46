"""`axolotl_fast.Encoder` against the Python `tokenizers` and `transformers` on the same text.

Four tokenizers (tests/support/tokenizer_kit.py), hypothesis texts with unicode, special-token
strings, boundary whitespace, empty and very long texts; every option combination the strategies
use. The ids must be equal, list for list.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import axolotl_fast
from axolotl_fast import DataFormatError, Encoder, InvalidArgumentError
from support import tokenizer_kit
from support.profiles import examples

tokenizers = pytest.importorskip("tokenizers")

KINDS = list(tokenizer_kit.KINDS)
REPO = Path(__file__).resolve().parents[2]
WORDS = ["the", " The", "tokenizer", "données", "日本", "🙂", "<s>", "</s>", "<pad>", "\n",
         "  ", "\t", "x" * 40, "def f(x):", "{braces}", "...", "ß", "İ"]  # fmt: skip
text = st.lists(st.sampled_from(WORDS) | st.text(max_size=12), max_size=30).map("".join)


def reference(kind, texts, *, add_special_tokens, max_length, side, split):
    tok = tokenizer_kit.fresh(kind)
    if max_length is not None:
        tok.enable_truncation(max_length, direction=side)
    tok.encode_special_tokens = split
    return [
        e.ids for e in tok.encode_batch(texts, add_special_tokens=add_special_tokens)
    ]


@pytest.fixture(scope="module", params=KINDS)
def kind(request):
    return request.param


@pytest.fixture(scope="module")
def encoder(kind):
    return Encoder.from_tokenizer(tokenizer_kit.KINDS[kind]())


@settings(max_examples=examples(60), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(
    texts=st.lists(text, min_size=1, max_size=40),
    add_special_tokens=st.booleans(),
    max_length=st.none() | st.integers(1, 64),
    side=st.sampled_from(["right", "left"]),
    split=st.booleans(),
)
def test_same_ids_as_python_tokenizers(
    kind, encoder, texts, add_special_tokens, max_length, side, split
):
    ours = encoder.encode(
        texts, add_special_tokens=add_special_tokens, max_length=max_length,
        truncation_side=side, split_special_tokens=split,
    ).to_pylist()  # fmt: skip
    expected = reference(
        kind, texts, add_special_tokens=add_special_tokens, max_length=max_length,
        side=side, split=split,
    )  # fmt: skip
    assert ours == expected


def test_same_ids_as_transformers_call_with_truncation(kind, encoder):
    transformers = pytest.importorskip("transformers")
    hf = transformers.PreTrainedTokenizerFast(
        tokenizer_object=tokenizer_kit.fresh(kind), bos_token="<s>", eos_token="</s>"
    )
    texts = [" ".join(tokenizer_kit.corpus()[i : i + 30]) for i in range(0, 3000, 30)]
    for side in ("right", "left"):
        hf.truncation_side = side
        expected = [hf(t, truncation=True, max_length=48)["input_ids"] for t in texts]
        ours = encoder.encode(texts, max_length=48, truncation_side=side)
        assert ours.to_pylist() == expected, side


def test_many_rows_in_chunks_and_threads_keep_row_order(encoder, kind):
    texts = [line for line in tokenizer_kit.corpus()[:20_000]]
    chunked = pa.chunked_array([texts[:7_000], texts[7_000:]], type=pa.large_string())
    one = encoder.encode(chunked, num_threads=1)
    two = encoder.encode(chunked, num_threads=2)
    assert one.type == pa.list_(pa.int32())
    assert one.equals(two)
    assert one.to_pylist() == reference(
        kind, texts, add_special_tokens=True, max_length=None, side="right", split=False
    )


def test_string_view_and_list_inputs(encoder):
    texts = ["hello world", "", "again"]
    view = pa.array(texts, type=pa.string_view())
    assert encoder.encode(view).to_pylist() == encoder.encode(texts).to_pylist()


def test_nulls_and_non_strings_are_argument_errors(encoder):
    with pytest.raises(InvalidArgumentError, match="row 1 is null"):
        encoder.encode(pa.array(["a", None]))
    with pytest.raises(InvalidArgumentError, match="expected a string array"):
        encoder.encode(pa.array([1, 2]))
    with pytest.raises(InvalidArgumentError, match="a single string"):
        encoder.encode("abc")
    with pytest.raises(
        InvalidArgumentError, match="invalid value for `truncation_side`"
    ):
        encoder.encode(["a"], truncation_side="middle")
    with pytest.raises(InvalidArgumentError, match="invalid value for `num_threads`"):
        encoder.encode(["a"], num_threads=0)


def test_max_length_below_the_special_tokens_is_an_argument_error(encoder):
    with pytest.raises(InvalidArgumentError, match="max_length"):
        encoder.encode(["a b c"], max_length=0)


def test_from_file_and_bad_json(tmp_path):
    path = tmp_path / "tokenizer.json"
    tokenizer_kit.tiny_bpe().save(str(path))
    encoder = Encoder.from_file(path)
    assert encoder.token_id("<s>") == tokenizer_kit.tiny_bpe().token_to_id("<s>")
    assert encoder.token_id("no such token") is None
    with pytest.raises(InvalidArgumentError, match="not a tokenizer's JSON"):
        Encoder('{"model": 1}')
    with pytest.raises(TypeError, match="fast tokenizer"):
        Encoder.from_tokenizer(object())


def test_a_tokenizer_that_rejects_a_text_names_the_row():
    # WordLevel without an unknown token cannot encode a word outside its vocabulary.
    json_text = (
        '{"version": "1.0", "truncation": null, "padding": null, "added_tokens": [],'
        ' "normalizer": null, "pre_tokenizer": {"type": "Whitespace"},'
        ' "post_processor": null, "decoder": null,'
        ' "model": {"type": "WordLevel", "vocab": {"a": 0}, "unk_token": "<unk>"}}'
    )
    encoder = Encoder(json_text)
    with pytest.raises(DataFormatError, match="row 2") as caught:
        encoder.encode(["a", "a a", "b"])
    assert caught.value.row == 2


def test_the_rust_crate_is_on_the_python_tokenizers_release_line():
    cargo = (REPO / "rust" / "Cargo.toml").read_text(encoding="utf-8")
    (pinned,) = re.findall(
        r'^tokenizers = \{ version = "=(\d+\.\d+)\.\d+"', cargo, re.M
    )
    installed = ".".join(tokenizers.__version__.split(".")[:2])
    assert pinned == installed, (
        f"crate {pinned}.x, Python tokenizers {tokenizers.__version__}"
    )


def test_encoder_is_part_of_the_library():
    assert axolotl_fast.Encoder is Encoder
    assert "Encoder" in axolotl_fast.__all__
