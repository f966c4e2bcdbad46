"""`type: input_output` tokenized in Rust against axolotl's own strategy, row for row.

The four kit tokenizers, both truncation sides (input_output never truncates), hypothesis
segments (unicode, empty texts, special-token strings, whitespace at the edges, labels true,
false and null), rows with no segments, `train_on_inputs` both ways. The rows, every column,
its type and the column order (`input_ids`, `labels`, `attention_mask`) must be axolotl's.
"""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("axolotl")

from axolotl.prompt_strategies.input_output import load as load_input_output
from axolotl.utils.dict import DictDefault

from axolotl_fast import Encoder
from axolotl_fast.integration.tokenize import input_output
from axolotl_fast.integration.tokenize.instruction import Unsupported
from axolotl_fast.integration.tokenize.paths import fast_path
from support import tokenizer_kit
from support.profiles import examples
from support.tokenizer_kit import hf_tokenizer

PIECES = ["Hello", " données", "日本語", "🙂", "<s>", "</s>", "\n", "  ", "word " * 30]
text = st.lists(st.sampled_from(PIECES) | st.text(max_size=6), max_size=8).map("".join)
segment = st.fixed_dictionaries(
    {"text": text, "label": st.sampled_from([True, False, None])}
)
SEGMENTS = pa.list_(pa.struct([("label", pa.bool_()), ("text", pa.string())]))
SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large]


def strategy_for(tokenizer, train_on_inputs: bool):
    cfg = DictDefault({"sequence_len": 64, "train_on_inputs": train_on_inputs})
    return load_input_output(tokenizer, cfg)


def ours(strategy, encoder, rows: list[list[dict]]) -> pa.Table:
    table = pa.table({"segments": pa.array(rows, SEGMENTS), "id": range(len(rows))})
    return pa.concat_tables(input_output.iter_tokenized(table, strategy, encoder))


def axolotl_rows(strategy, rows: list[list[dict]]) -> list[dict]:
    return [dict(strategy.tokenize_prompt({"segments": row})) for row in rows]


@pytest.fixture(scope="module", params=list(tokenizer_kit.KINDS))
def kind(request):
    return request.param


@pytest.fixture(scope="module")
def tokenizers(kind):
    made = {side: hf_tokenizer(kind, side) for side in ("right", "left")}
    return {side: (t, Encoder.from_tokenizer(t)) for side, t in made.items()}


@settings(max_examples=examples(40), deadline=None, suppress_health_check=SLOW_OK)
@given(
    rows=st.lists(st.lists(segment, max_size=5), min_size=1, max_size=10),
    train_on_inputs=st.booleans(),
    side=st.sampled_from(["right", "left"]),
)
def test_same_rows_as_axolotls_input_output_strategy(
    tokenizers, rows, train_on_inputs, side
):
    tokenizer, encoder = tokenizers[side]
    strategy = strategy_for(tokenizer, train_on_inputs)
    table = ours(strategy, encoder, rows)
    assert table.schema == input_output.SCHEMA
    assert table.to_pylist() == axolotl_rows(strategy, rows)


def test_many_rows_across_pieces(tokenizers):
    tokenizer, encoder = tokenizers["right"]
    strategy = strategy_for(tokenizer, False)
    rows = [
        [
            {"text": f"Q{i}: ", "label": False},
            {"text": f"answer {i} " * (i % 9), "label": True},
        ]
        for i in range(20_000)
    ]
    assert ours(strategy, encoder, rows).to_pylist() == axolotl_rows(strategy, rows)


def test_rows_axolotl_would_fail_on_or_decide_itself_are_refused(tokenizers):
    tokenizer, encoder = tokenizers["right"]
    strategy = strategy_for(tokenizer, False)
    null_text = [[{"text": None, "label": True}]]
    with pytest.raises(Unsupported, match="text is null"):
        ours(strategy, encoder, null_text)
    with pytest.raises(ValueError):  # what axolotl does with it
        axolotl_rows(strategy, null_text)
    table = pa.table({"segments": pa.array([[{"text": "a", "label": "yes"}]])})
    with pytest.raises(Unsupported, match="labels are string"):
        list(input_output.iter_tokenized(table, strategy, encoder))
    with pytest.raises(Unsupported, match="no 'segments' column"):
        list(input_output.iter_tokenized(pa.table({"x": [1]}), strategy, encoder))


def test_only_axolotls_input_output_strategy_is_taken(tokenizers):
    tokenizer, _ = tokenizers["right"]
    strategy = strategy_for(tokenizer, False)
    assert fast_path(strategy) is input_output

    class Subclass(type(strategy)):
        pass

    with pytest.raises(Unsupported, match="strategy Subclass has no fast path"):
        fast_path(Subclass(strategy.prompter, tokenizer, False, 64))
