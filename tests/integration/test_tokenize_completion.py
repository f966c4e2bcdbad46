"""`type: completion` tokenized in Rust against axolotl's own strategy, row for row.

The four kit tokenizers, hypothesis texts (unicode, empty and null, special-token strings,
texts past `64 x sequence_len` so that they truncate, texts ending in EOS), small
`sequence_len`s so that every text is cut into several rows, both truncation sides, another
`field`. The rows, their order, every column and its type must be axolotl's.
"""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("axolotl")

from axolotl.prompt_strategies.completion import load as load_completion
from axolotl.utils.dict import DictDefault

from axolotl_fast import Encoder
from axolotl_fast.integration.tokenize import completion
from axolotl_fast.integration.tokenize.instruction import Unsupported
from axolotl_fast.integration.tokenize.paths import fast_path
from support import tokenizer_kit
from support.profiles import examples
from support.tokenizer_kit import hf_tokenizer

PIECES = [
    *("Once upon a time", " données", "日本語", "🙂", "<s>", "</s>", "\n", "  "),
    "word " * 40,
]
text = st.lists(st.sampled_from(PIECES) | st.text(max_size=6), max_size=14).map("".join)
SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large]


def strategy_for(tokenizer, sequence_len: int, field: str | None = None):
    ds_cfg = {"field": field} if field else {}
    cfg = DictDefault({"sequence_len": sequence_len, "train_on_inputs": False})
    return load_completion(tokenizer, cfg, ds_cfg)


def axolotl_rows(strategy, texts: list[str | None]) -> list[dict]:
    columns = strategy.tokenize_prompt({strategy.field: texts, "other": texts})
    names = list(columns)
    assert names in ([], ["input_ids", "attention_mask", "labels"])
    return [
        dict(zip(names, values, strict=True))
        for values in zip(*columns.values(), strict=True)
    ]


def ours(strategy, encoder, texts: list[str | None]) -> pa.Table:
    table = pa.table({strategy.field: pa.array(texts, pa.string()), "other": texts})
    pieces = list(completion.iter_tokenized(table, strategy, encoder))
    return pa.concat_tables(pieces)


@pytest.fixture(scope="module", params=list(tokenizer_kit.KINDS))
def kind(request):
    return request.param


@pytest.fixture(scope="module")
def tokenizers(kind):
    made = {side: hf_tokenizer(kind, side) for side in ("right", "left")}
    return {side: (t, Encoder.from_tokenizer(t)) for side, t in made.items()}


@settings(max_examples=examples(40), deadline=None, suppress_health_check=SLOW_OK)
@given(
    texts=st.lists(st.none() | text, min_size=1, max_size=12),
    sequence_len=st.sampled_from([1, 2, 3, 7, 64]),
    side=st.sampled_from(["right", "left"]),
)
def test_same_rows_as_axolotls_completion_strategy(
    tokenizers, texts, sequence_len, side
):
    tokenizer, encoder = tokenizers[side]
    strategy = strategy_for(tokenizer, sequence_len)
    expected = axolotl_rows(strategy, texts)
    table = ours(strategy, encoder, texts)
    assert table.schema.types == [
        pa.list_(pa.int32()),
        pa.list_(pa.int8()),
        pa.list_(pa.int64()),
    ]
    assert table.to_pylist() == expected


def test_another_field_and_many_rows(kind, tokenizers):
    tokenizer, encoder = tokenizers["right"]
    strategy = strategy_for(tokenizer, 16, field="story")
    texts = [f"{'once ' * (i % 50)}the end {i}" if i % 7 else "" for i in range(20_000)]
    assert strategy.field == "story"
    assert ours(strategy, encoder, texts).to_pylist() == axolotl_rows(strategy, texts)


def test_a_text_past_64_sequence_lens_is_truncated_without_eos(tokenizers):
    tokenizer, encoder = tokenizers["right"]
    strategy = strategy_for(tokenizer, 2)
    (row_ids,) = [ours(strategy, encoder, ["word " * 400]).column("input_ids")]
    flat = [i for ids in row_ids.to_pylist() for i in ids]
    assert len(flat) == 128 and flat[-1] != tokenizer.eos_token_id


def test_only_axolotls_completion_strategy_and_prompter_are_taken(tokenizers):
    tokenizer, _ = tokenizers["right"]
    strategy = strategy_for(tokenizer, 8)
    assert fast_path(strategy) is completion

    class Subclass(type(strategy)):
        pass

    with pytest.raises(Unsupported, match="strategy Subclass has no fast path"):
        fast_path(Subclass(strategy.prompter, tokenizer, False, 8))
    strategy.prompter = object()
    with pytest.raises(Unsupported, match="prompter object is not axolotl's"):
        fast_path(strategy)
