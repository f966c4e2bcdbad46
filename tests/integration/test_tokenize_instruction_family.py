"""The other instruction types (`gpteacher`, `oasst`, `jeopardy`, `summarizetldr`,
`explainchoice`, `concisechoice`) tokenized in Rust against axolotl's own strategies.

The strategies are built as `get_dataset_wrapper`'s handlers build them
(`paths.INSTRUCTION_HANDLERS`, itself checked against the handlers' output); hypothesis rows
fill each type's own fields (unicode, empty and null values, special-token strings, braces,
lists of choices with null and empty entries), on the four kit tokenizers, `train_on_inputs`
both ways, several prompt styles. Every column must be axolotl's, row for row.
"""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("axolotl")

from axolotl.utils.data.wrappers import DATASET_HANDLERS
from axolotl.utils.dict import DictDefault
from datasets import Dataset

from axolotl_fast import Encoder
from axolotl_fast.integration.tokenize import instruction
from axolotl_fast.integration.tokenize.instruction import Unsupported
from axolotl_fast.integration.tokenize.paths import INSTRUCTION_HANDLERS, fast_path
from support import tokenizer_kit
from support.profiles import examples
from support.tokenizer_kit import hf_tokenizer

PIECES = [
    "Pick one",
    " données",
    "日本語",
    "🙂",
    "<s>",
    "</s>",
    "\n",
    "  ",
    "{input}",
    "None",
]
text = st.lists(st.sampled_from(PIECES) | st.text(max_size=6), max_size=8).map("".join)
maybe = st.none() | text
choices = st.lists(st.none() | text, max_size=4)
# Each type's fields, as its parse_instruction_fields reads them.
ROWS = {
    "gpteacher": {"instruction": maybe, "input": maybe, "response": maybe},
    "oasst": {"INSTRUCTION": maybe, "RESPONSE": maybe},
    "jeopardy": {"question": maybe, "category": maybe, "answer": text},
    "summarizetldr": {"article": maybe, "summary": maybe},
    "explainchoice": {"question": maybe, "choices": choices, "explanation": maybe},
    "concisechoice": {"question": maybe, "choices": choices, "solution": maybe},
}
SLOW_OK = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


def strategy_for(base_type: str, style: str | None, tokenizer, sequence_len, train):
    prompter_class, strategy_class = INSTRUCTION_HANDLERS[base_type]
    return strategy_class(prompter_class(style), tokenizer, train, sequence_len)


def table_of(rows: list[dict]) -> pa.Table:
    types = {name: pa.string() for name in rows[0]}
    if "choices" in types:
        types["choices"] = pa.list_(pa.string())
    return pa.table({n: pa.array([r[n] for r in rows], t) for n, t in types.items()})


@pytest.fixture(scope="module", params=list(tokenizer_kit.KINDS))
def kind(request):
    return request.param


@pytest.fixture(scope="module")
def encoder(kind):
    return Encoder.from_tokenizer(hf_tokenizer(kind))


@settings(max_examples=examples(60), deadline=None, suppress_health_check=SLOW_OK)
@given(
    data=st.data(),
    base_type=st.sampled_from(list(ROWS)),
    style=st.sampled_from([None, "chat", "instruct", "chatml"]),
    sequence_len=st.sampled_from([8, 64, 512]),
    train_on_inputs=st.booleans(),
)
def test_same_columns_as_axolotls_strategy(
    kind, encoder, data, base_type, style, sequence_len, train_on_inputs
):
    rows = data.draw(
        st.lists(st.fixed_dictionaries(ROWS[base_type]), min_size=1, max_size=12)
    )
    strategy = strategy_for(
        base_type, style, hf_tokenizer(kind), sequence_len, train_on_inputs
    )
    assert fast_path(strategy) is instruction
    table = table_of(rows)
    ours = pa.concat_tables(instruction.iter_tokenized(table, strategy, encoder, 2))
    expected = [dict(strategy.tokenize_prompt(row)) for row in table.to_pylist()]
    assert ours.to_pylist() == expected


@pytest.mark.parametrize("base_type", list(INSTRUCTION_HANDLERS))
def test_the_strategy_is_the_one_axolotls_handler_builds(base_type):
    tokenizer = hf_tokenizer("tiny-bpe")
    cfg = DictDefault({"sequence_len": 64, "train_on_inputs": False})
    fields = {"instruction": "a", "output": "b", "input": "c", "response": "d"}
    fields |= {"INSTRUCTION": "e", "RESPONSE": "f", "question": "g", "category": "h"}
    fields |= {"answer": "i", "article": "j", "summary": "k", "explanation": "l"}
    dataset = Dataset.from_list([{**fields, "choices": ["x", "y"]}])
    kwargs = {"process_count": None, "keep_in_memory": False}
    wrapped, prompter = DATASET_HANDLERS[base_type](
        "chat", tokenizer, cfg, dataset, kwargs
    )
    strategy = strategy_for(base_type, "chat", tokenizer, 64, False)
    assert type(strategy.prompter) is type(prompter)
    assert instruction.templates_of(strategy.prompter) == instruction.templates_of(
        prompter
    )
    ours = pa.concat_tables(
        instruction.iter_tokenized(
            dataset.data.table, strategy, Encoder.from_tokenizer(tokenizer)
        )
    )
    assert ours.to_pylist() == wrapped.to_list()


def test_rows_python_would_fail_on_are_refused(encoder, kind):
    jeopardy = strategy_for("jeopardy", None, hf_tokenizer(kind), 64, False)
    table = pa.table(
        {"question": ["q"], "category": ["c"], "answer": pa.array([None], pa.string())}
    )
    with pytest.raises(Unsupported, match="null 'answer'"):
        list(instruction.iter_tokenized(table, jeopardy, encoder))
    choice = strategy_for("explainchoice", None, hf_tokenizer(kind), 64, False)
    table = pa.table(
        {
            "question": ["q"],
            "choices": pa.array([None], pa.list_(pa.string())),
            "explanation": ["e"],
        }
    )
    with pytest.raises(Unsupported, match="'choices' is null"):
        list(instruction.iter_tokenized(table, choice, encoder))
