"""`alpaca_w_system` (and its OpenOrca loaders) tokenized in Rust against axolotl, row for row.

The four kit tokenizers, each of axolotl's loaders (`load`, `load_instruct`, `load_chat`,
`load_open_orca`, `load_open_orca_chatml`), hypothesis rows whose system, instruction, input
and output are unicode, empty, null, special-token strings, braces or long enough to
truncate, `train_on_inputs` both ways, both truncation sides. Every column must be axolotl's.
"""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("axolotl")

from axolotl.prompt_strategies import alpaca_w_system
from axolotl.utils.dict import DictDefault

from axolotl_fast import Encoder
from axolotl_fast.integration.tokenize import instruction_w_system
from axolotl_fast.integration.tokenize.instruction import Unsupported
from axolotl_fast.integration.tokenize.paths import fast_path
from support import tokenizer_kit
from support.profiles import examples
from support.tokenizer_kit import hf_tokenizer

PIECES = [
    *("Be brief.", " données", "日本語", "🙂", "<s>", "</s>", "\n", "  ", "{system}"),
    *("{", "}", "word " * 30, "SYSTEM:", "None"),
]
field = st.lists(st.sampled_from(PIECES) | st.text(max_size=6), max_size=10).map(
    "".join
)
maybe_field = st.none() | field
LOADERS = [
    "load",
    "load_instruct",
    "load_chat",
    "load_open_orca",
    "load_open_orca_chatml",
]
SLOW_OK = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


def strategy_for(loader: str, tokenizer, sequence_len: int, train_on_inputs: bool):
    cfg = DictDefault(
        {"sequence_len": sequence_len, "train_on_inputs": train_on_inputs}
    )
    return getattr(alpaca_w_system, loader)(tokenizer, cfg)


def table_for(loader: str, rows: list[dict]) -> pa.Table:
    """The rows under the field names the loader's strategy reads."""
    if "open_orca" not in loader:
        return pa.Table.from_pylist(rows)
    renamed = {
        "instruction": "question",
        "output": "response",
        "system": "system_prompt",
    }
    return pa.Table.from_pylist(
        [{renamed[k]: v for k, v in row.items() if k in renamed} for row in rows]
    )


@pytest.fixture(scope="module", params=list(tokenizer_kit.KINDS))
def kind(request):
    return request.param


@pytest.fixture(scope="module")
def encoders(kind):
    return {
        side: Encoder.from_tokenizer(hf_tokenizer(kind, side))
        for side in ("right", "left")
    }


@settings(max_examples=examples(40), deadline=None, suppress_health_check=SLOW_OK)
@given(
    rows=st.lists(
        st.fixed_dictionaries(
            {
                "system": maybe_field,
                "instruction": maybe_field,
                "input": maybe_field,
                "output": maybe_field,
            }
        ),
        min_size=1,
        max_size=20,
    ),
    loader=st.sampled_from(LOADERS),
    sequence_len=st.sampled_from([4, 16, 512]),
    train_on_inputs=st.booleans(),
    side=st.sampled_from(["right", "left"]),
)
def test_same_columns_as_axolotls_strategy(
    kind, encoders, rows, loader, sequence_len, train_on_inputs, side
):
    strategy = strategy_for(
        loader, hf_tokenizer(kind, side), sequence_len, train_on_inputs
    )
    table = table_for(loader, rows)
    ours = pa.concat_tables(
        instruction_w_system.iter_tokenized(table, strategy, encoders[side], 2)
    )
    assert ours.schema == instruction_w_system.SCHEMA
    expected = [dict(strategy.tokenize_prompt(row)) for row in table.to_pylist()]
    assert ours.to_pylist() == expected


def test_each_loader_is_taken_and_a_missing_system_column_refused(kind):
    tokenizer = hf_tokenizer(kind)
    for loader in LOADERS:
        assert (
            fast_path(strategy_for(loader, tokenizer, 16, False))
            is instruction_w_system
        )
    strategy = strategy_for("load_chat", tokenizer, 16, False)
    no_system = pa.table({"instruction": ["a"], "output": ["b"]})
    encoder = Encoder.from_tokenizer(tokenizer)
    with pytest.raises(Unsupported, match="no 'system' column"):
        list(instruction_w_system.iter_tokenized(no_system, strategy, encoder))


def test_a_subclass_or_a_template_with_other_fields_is_refused():
    tokenizer = hf_tokenizer("tiny-bpe")
    strategy = strategy_for("load_chat", tokenizer, 16, False)

    class Subclass(type(strategy)):
        pass

    with pytest.raises(Unsupported, match="strategy Subclass has no fast path"):
        fast_path(Subclass(strategy.prompter, tokenizer, False, 16))
    strategy.prompter.system_format = "{system} about {instruction}\n"
    with pytest.raises(Unsupported, match=r"formats \{instruction\} differently"):
        fast_path(strategy)
    strategy.prompter.system_format = "{system!r}\n"
    with pytest.raises(Unsupported, match=r"formats \{system\} differently"):
        fast_path(strategy)
