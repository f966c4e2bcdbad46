"""The tokenize guard: the fast path's rows for an entry's head against axolotl's, whole.

Axolotl's alpaca strategy on 300 kit rows gives the reference; the fast path's result is
stood in for by tables made from it and then changed: one value in the last compared row, a
missing row, an extra row, a column out of order. A head that gives axolotl no tokens at all
is never a pass.
"""

from __future__ import annotations

import pyarrow as pa
import pytest

pytest.importorskip("axolotl")

from axolotl.prompt_strategies.completion import load as load_completion
from axolotl.prompt_tokenizers import AlpacaPromptTokenizingStrategy
from axolotl.prompters import AlpacaPrompter
from axolotl.utils.dict import DictDefault
from datasets import Dataset
from transformers import AutoTokenizer

from axolotl_fast.integration.data.tokenize_guard import (
    GUARD_ROWS,
    axolotl_rows,
    first_difference,
)
from axolotl_fast.tiny import make_alpaca_rows

SCHEMA = pa.schema(
    [
        ("input_ids", pa.list_(pa.int32())),
        ("attention_mask", pa.list_(pa.int8())),
        ("labels", pa.list_(pa.int64())),
    ]
)


@pytest.fixture(scope="module")
def case(tiny_kit):
    tokenizer = AutoTokenizer.from_pretrained(tiny_kit.model_dir)
    strategy = AlpacaPromptTokenizingStrategy(AlpacaPrompter(), tokenizer, False, 64)
    rows = Dataset.from_list(make_alpaca_rows(300))
    head = rows.select(range(GUARD_ROWS))
    expected = pa.Table.from_pylist(axolotl_rows(strategy, head), schema=SCHEMA)
    return strategy, head, expected


def test_equal_rows_pass(case):
    strategy, head, expected = case
    assert len(expected) == GUARD_ROWS == 256
    assert first_difference(strategy, head, expected) is None


def test_the_last_compared_row_counts(case):
    strategy, head, expected = case
    rows = expected.to_pylist()
    rows[255]["labels"][-1] += 1
    changed = pa.Table.from_pylist(rows, schema=SCHEMA)
    assert first_difference(strategy, head, changed) == "row 255, field 'labels'"


def test_missing_and_extra_rows_and_column_order_count(case):
    strategy, head, expected = case
    missing = expected.slice(0, 255)
    assert first_difference(strategy, head, missing) == "row 255, missing"
    extra = pa.concat_tables([expected, expected.slice(0, 1)])
    assert first_difference(strategy, head, extra) == "row 256, extra"
    reordered = expected.select(["input_ids", "labels", "attention_mask"])
    difference = first_difference(strategy, head, reordered)
    assert difference == "row 0, columns ['input_ids', 'attention_mask', 'labels']"


def test_a_head_without_tokens_is_not_a_pass(tiny_kit):
    tokenizer = AutoTokenizer.from_pretrained(tiny_kit.model_dir)
    cfg = DictDefault({"sequence_len": 8, "train_on_inputs": False})
    strategy = load_completion(tokenizer, cfg, {})
    head = Dataset.from_dict({"text": ["", None, ""]})
    difference = first_difference(strategy, head, SCHEMA.empty_table())
    assert difference == "none of the first 3 rows gives axolotl any tokens to compare"
