"""Parity of ``axolotl_fast.dedupe`` with axolotl's own ``deduplicate_and_log_datasets``.

Generated tokenized datasets (``input_ids``, ``attention_mask``, ``labels``, and with packing
``position_ids`` and ``length``) with planted duplicates go through axolotl 0.21's function;
the indices it selects are recorded and must equal ours, for train alone and for train + eval
(eval rows already in train are removed).
"""

from __future__ import annotations

import random
from unittest import mock

import pyarrow as pa
import pytest

from axolotl_fast import dedupe

datasets = pytest.importorskip("datasets")
axolotl_utils = pytest.importorskip("axolotl.utils.data.utils")


def tokenized_rows(seed: int, count: int, packing: bool) -> list[dict]:
    """Rows as axolotl's tokenizer wrappers make them, about a fifth of them repeated."""
    rng = random.Random(seed)
    distinct = []
    for _ in range(max(1, count * 4 // 5)):
        n = rng.randint(1, 40)
        ids = [rng.randrange(32000) for _ in range(n)]
        prompt = rng.randint(0, n)
        row = {
            "input_ids": ids,
            "attention_mask": [1] * n,
            "labels": [-100] * prompt + ids[prompt:],
        }
        if packing:
            row["position_ids"] = list(range(n))
            row["length"] = n
        distinct.append(row)
    return [
        rng.choice(distinct) if rng.random() < 0.2 else distinct[i % len(distinct)]
        for i in range(count)
    ]


def axolotl_selections(train, evaluation=None) -> list[list[int]]:
    """The indices axolotl's dedupe selects from each dataset, in call order."""
    calls: list[list[int]] = []
    original = datasets.Dataset.select

    def record(self, indices, *args, **kwargs):
        calls.append(list(indices))
        return original(self, indices, *args, **kwargs)

    with mock.patch.object(
        datasets.Dataset, "select", autospec=True, side_effect=record
    ):
        axolotl_utils.deduplicate_and_log_datasets(train, evaluation)
    return calls


@pytest.mark.parametrize("packing", [False, True], ids=["plain", "packing-columns"])
def test_train_alone_keeps_axolotls_indices(packing) -> None:
    train = datasets.Dataset.from_list(tokenized_rows(1, 600, packing))
    [expected] = axolotl_selections(train)
    ours = dedupe(train)
    assert ours.indices.tolist() == expected
    assert 0 < ours.num_duplicates < len(train)


@pytest.mark.parametrize("packing", [False, True], ids=["plain", "packing-columns"])
def test_eval_against_train_keeps_axolotls_indices(packing) -> None:
    rows = tokenized_rows(2, 500, packing)
    train = datasets.Dataset.from_list(rows[:400])
    evaluation = datasets.Dataset.from_list(rows[350:] + rows[:30])
    expected_train, expected_eval = axolotl_selections(train, evaluation)
    ours_train = dedupe(train)
    ours_eval = dedupe(evaluation, seen=ours_train.seen)
    assert ours_train.indices.tolist() == expected_train
    assert ours_eval.indices.tolist() == expected_eval
    assert len(expected_eval) < len(evaluation) - 30, "eval rows seen in train go"


def test_eval_with_narrower_types_matches_as_python_repr_does() -> None:
    """int32 token ids print like int64 ones, so axolotl and we both call them equal."""
    rows = tokenized_rows(3, 200, packing=False)
    train = datasets.Dataset.from_list(rows[:150])
    narrow = pa.Table.from_pylist(
        rows[100:],
        schema=pa.schema([(name, pa.list_(pa.int32())) for name in rows[0]]),
    )
    evaluation = datasets.Dataset(narrow)
    _, expected_eval = axolotl_selections(train, evaluation)
    ours = dedupe(evaluation, seen=dedupe(train).seen)
    assert ours.indices.tolist() == expected_eval


def test_shuffled_dataset_with_an_indices_mapping() -> None:
    train = datasets.Dataset.from_list(tokenized_rows(4, 300, packing=True))
    shuffled = train.shuffle(seed=7)
    [expected] = axolotl_selections(shuffled)
    assert dedupe(shuffled).indices.tolist() == expected
