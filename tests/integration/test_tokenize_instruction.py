"""The alpaca family tokenized in Rust against axolotl's own strategy, row for row.

Four tokenizers (tests/support/tokenizer_kit.py) as `transformers` fast tokenizers with BOS
and EOS, every alpaca prompt style and prompter variant, hypothesis rows with unicode, empty
and null fields, special-token strings, boundary whitespace and texts long enough to truncate,
`train_on_inputs` both ways and both truncation sides. Every column must be equal, with
axolotl's types, for every row.
"""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("axolotl")

from axolotl.prompt_strategies.alpaca_chat import (
    AlpacaConcisePrompter,
    AlpacaQAPromptTokenizingStrategy,
)
from axolotl.prompt_tokenizers import AlpacaPromptTokenizingStrategy
from axolotl.prompters import AlpacaPrompter, UnpromptedPrompter
from transformers import PreTrainedTokenizerFast

from axolotl_fast import Encoder
from axolotl_fast.integration.tokenize.instruction import (
    Unsupported,
    templates_of,
    tokenize_table,
)
from support import tokenizer_kit
from support.profiles import examples
from support.tokenizer_kit import hf_tokenizer

PIECES = [
    *("Summarize", " the text", "données", "日本語", "🙂", "<s>", "</s>", "<pad>"),
    *("\n", "  ", "\t", "{input}", "{", "}", "word " * 30, "### Response:", "USER:"),
    "None",
]
field = st.lists(st.sampled_from(PIECES) | st.text(max_size=8), max_size=12).map(
    "".join
)
maybe_field = st.none() | field


PROMPTERS = {
    "instruct": lambda: AlpacaPrompter("instruct"),
    "chat": lambda: AlpacaPrompter("chat"),
    "chatml": lambda: AlpacaPrompter("chatml"),
    "phi": lambda: AlpacaPrompter("phi"),
    "unprompted": lambda: UnpromptedPrompter("chat"),
    "concise": lambda: AlpacaConcisePrompter("chat"),
}


def axolotl_rows(strategy, rows: list[dict]) -> list[dict]:
    out = []
    for row in rows:
        encoded = dict(strategy.tokenize_prompt(dict(row)))
        out.append(
            {
                key: list(encoded[key])
                for key in ("input_ids", "attention_mask", "labels")
            }
        )
    return out


def assert_same(ours: pa.Table, expected: list[dict]) -> None:
    assert ours.column_names == ["input_ids", "attention_mask", "labels"]
    assert ours.schema.field("input_ids").type == pa.list_(pa.int32())
    assert ours.schema.field("attention_mask").type == pa.list_(pa.int8())
    assert ours.schema.field("labels").type == pa.list_(pa.int64())
    for index, (mine, theirs) in enumerate(
        zip(ours.to_pylist(), expected, strict=True)
    ):
        assert mine == theirs, f"row {index}"


@pytest.fixture(scope="module", params=list(tokenizer_kit.KINDS))
def kind(request):
    return request.param


@pytest.fixture(scope="module")
def encoders(kind):
    return {
        side: Encoder.from_tokenizer(hf_tokenizer(kind, side))
        for side in ("right", "left")
    }


SLOW_OK = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


@settings(max_examples=examples(40), deadline=None, suppress_health_check=SLOW_OK)
@given(
    rows=st.lists(
        st.fixed_dictionaries(
            {"instruction": maybe_field, "input": maybe_field, "output": maybe_field}
        ),
        min_size=1,
        max_size=25,
    ),
    style=st.sampled_from(list(PROMPTERS)),
    sequence_len=st.sampled_from([4, 16, 64, 512]),
    train_on_inputs=st.booleans(),
    side=st.sampled_from(["right", "left"]),
)
def test_same_columns_as_axolotls_alpaca_strategy(
    kind, encoders, rows, style, sequence_len, train_on_inputs, side
):
    tokenizer = hf_tokenizer(kind, side)
    strategy = AlpacaPromptTokenizingStrategy(
        PROMPTERS[style](), tokenizer, train_on_inputs, sequence_len
    )
    ours = tokenize_table(
        pa.Table.from_pylist(rows), strategy, encoders[side], num_threads=2
    )
    assert_same(ours, axolotl_rows(strategy, rows))


def test_rows_without_an_input_column(kind, encoders):
    rows = [
        {"instruction": "Name a colour.", "output": "Blue."},
        {"instruction": None, "output": ""},
    ]
    strategy = AlpacaPromptTokenizingStrategy(
        AlpacaPrompter("chat"), hf_tokenizer(kind), False, 32
    )
    ours = tokenize_table(pa.Table.from_pylist(rows), strategy, encoders["right"])
    assert_same(ours, axolotl_rows(strategy, rows))


def test_many_rows_over_several_core_calls(kind, encoders):
    from axolotl_fast.tiny import make_alpaca_rows

    rows = make_alpaca_rows(20_000, seed=3)
    strategy = AlpacaPromptTokenizingStrategy(
        AlpacaPrompter("instruct"), hf_tokenizer(kind), False, 64
    )
    # Two chunks whose boundary falls inside the first core call's slice.
    table = pa.concat_tables(
        [pa.Table.from_pylist(rows[:7_001]), pa.Table.from_pylist(rows[7_001:])]
    )
    assert table.column("instruction").num_chunks == 2
    ours = tokenize_table(table, strategy, encoders["right"])
    sample = [*range(0, 20_000, 97), 7_000, 7_001, 16_383, 16_384]
    expected = axolotl_rows(strategy, [rows[i] for i in sample])
    assert_same(ours.take(sample), expected)


def test_templates_come_from_axolotls_prompter():
    templates = templates_of(AlpacaPrompter("instruct"))
    assert templates.with_input.startswith(
        "Below is an instruction that describes a task, paired"
    )
    assert templates.with_input.endswith("### Response:\n")
    assert (
        templates_of(UnpromptedPrompter("chat")).without_input
        == "USER: {instruction}\nASSISTANT:"
    )


@pytest.mark.parametrize(
    "make, reason",
    [
        (lambda tok: AlpacaQAPromptTokenizingStrategy(AlpacaPrompter("chat"), tok, False, 16),
         "is not one of axolotl's instruction ones"),
        (lambda tok: AlpacaPromptTokenizingStrategy(AlpacaPrompter("nonsense"), tok, False, 16),
         "has no templates"),
    ],
)  # fmt: skip
def test_what_it_cannot_reproduce_is_refused_with_the_reason(make, reason):
    strategy = make(hf_tokenizer("tiny-bpe"))
    table = pa.table({"instruction": ["a"], "output": ["b"]})
    with pytest.raises(Unsupported, match=reason):
        tokenize_table(table, strategy)


def test_a_tokenizer_with_token_type_ids_or_non_string_columns_is_refused():
    with_types = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer_kit.fresh("tiny-bpe"),
        bos_token="<s>",
        eos_token="</s>",
        model_input_names=["input_ids", "token_type_ids", "attention_mask"],
    )
    strategy = AlpacaPromptTokenizingStrategy(
        AlpacaPrompter("chat"), with_types, False, 16
    )
    with pytest.raises(Unsupported, match="token_type_ids"):
        tokenize_table(pa.table({"instruction": ["a"], "output": ["b"]}), strategy)
    strategy = AlpacaPromptTokenizingStrategy(
        AlpacaPrompter("chat"), hf_tokenizer("tiny-bpe"), False, 16
    )
    with pytest.raises(Unsupported, match="not strings"):
        tokenize_table(pa.table({"instruction": [1], "output": ["b"]}), strategy)
    with pytest.raises(Unsupported, match="no 'output' column"):
        tokenize_table(pa.table({"instruction": ["a"]}), strategy)
