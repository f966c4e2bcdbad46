"""The passes after tokenization in Arrow against axolotl's own functions, row for row.

`PreparePasses(cfg, fast=True)` (ours) and `PreparePasses(cfg, fast=False)` (axolotl's
`handle_long_seq_in_dataset` and `process_datasets_for_packing`, called as axolotl calls them)
run on the same generated tokenized splits: lengths around `sequence_len` and `min_sample_len`,
rows without trainable labels, empty rows, shuffled (an indices mapping) and memory-mapped
splits, each `excess_length_strategy`, packing, `group_by_length`, the gemma3 / mistral column
drops, the test split's `eval_sequence_len` and `eval_sample_packing`. The rows, their order,
the features and every value, or the error raised, must be axolotl's.
"""

from __future__ import annotations

import logging

import datasets
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("axolotl")

from axolotl.utils.dict import DictDefault
from datasets import Dataset

from axolotl_fast.hf.arrow_cache import cache_root
from axolotl_fast.integration.data import prepare_passes
from axolotl_fast.integration.data.prepare_passes import PreparePasses
from support.profiles import examples

SCHEMA = pa.schema(
    [
        ("input_ids", pa.list_(pa.int32())),
        ("attention_mask", pa.list_(pa.int8())),
        ("labels", pa.list_(pa.int64())),
    ]
)
SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large]

row = st.tuples(st.integers(0, 14), st.integers(0, 3), st.booleans())
configs = st.fixed_dictionaries(
    {
        "sequence_len": st.sampled_from([4, 8, 12]),
        "eval_sequence_len": st.sampled_from([None, 6]),
        "min_sample_len": st.sampled_from([None, 0, 1, 3]),
        "excess_length_strategy": st.sampled_from([None, "drop", "truncate", "raise"]),
        "sample_packing": st.booleans(),
        "eval_sample_packing": st.sampled_from([None, True, False]),
        "group_by_length": st.booleans(),
        "model_config_type": st.sampled_from([None, "llama", "gemma3", "mistral"]),
    }
)


def tokenized(rows: list[tuple[int, int, bool]], extra: bool = False) -> pa.Table:
    """Rows of `length` ids, the first `prompt` labels masked (all of them if `masked`)."""
    ids, masks, labels = [], [], []
    for length, prompt, masked in rows:
        values = [(7 * i + length) % 50 for i in range(length)]
        ids.append(values)
        masks.append([1] * length)
        labels.append(
            [-100 if masked or i < prompt else v for i, v in enumerate(values)]
        )
    table = pa.table([ids, masks, labels], schema=SCHEMA)
    if extra:
        table = table.append_column(
            "token_type_ids", pa.array(masks, pa.list_(pa.int8()))
        )
    return table


def both(cfg: dict, dataset: Dataset, split: str) -> tuple:
    """(ours, axolotl's) outcome: a dataset's features and rows, or the error's message."""
    outcomes = []
    for fast in (True, False):
        passes = PreparePasses(DictDefault(cfg), fast=fast)
        try:
            result = passes.run(dataset, split)
            outcomes.append(
                (str(result.features), result.column_names, result.to_list())
            )
        except ValueError as error:
            outcomes.append(("error", str(error)))
        if fast:
            fast_notes = passes.notes
    return outcomes[0], outcomes[1], fast_notes


@settings(max_examples=examples(120), deadline=None, suppress_health_check=SLOW_OK)
@given(
    rows=st.lists(row, max_size=30),
    cfg=configs,
    split=st.sampled_from(["train", "test"]),
    shuffled=st.booleans(),
    extra=st.booleans(),
)
def test_passes_match_axolotls(rows, cfg, split, shuffled, extra):
    dataset = Dataset(tokenized(rows, extra))
    if shuffled:
        dataset = dataset.shuffle(seed=len(rows))
    ours, theirs, notes = both({**cfg, "dataset_num_proc": None}, dataset, split)
    assert ours == theirs
    assert notes and all("in Arrow" in note for note in notes), notes


def test_memory_mapped_split_with_workers_matches_and_is_written_to_the_cache(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", str(tmp_path / "hf"))
    rows = [(n % 17, n % 4, n % 9 == 0) for n in range(3000)]
    path = tmp_path / "rows.arrow"
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_stream(sink, SCHEMA) as writer:
        writer.write_table(tokenized(rows), max_chunksize=700)
    dataset = Dataset.from_file(str(path)).shuffle(seed=3)
    cfg = {"sequence_len": 12, "sample_packing": True, "dataset_num_proc": 2}
    ours, theirs, notes = both(cfg, dataset, "train")
    assert ours == theirs
    assert [note.split(" (")[0] for note in notes] == [
        "train: length filter in Arrow",
        "train: packing columns in Arrow",
    ]
    written = list((cache_root() / "passes").glob("position-ids-*/data.arrow"))
    assert len(written) == 1


def test_raise_names_the_first_long_row_as_axolotl_does():
    dataset = Dataset(tokenized([(3, 0, False), (9, 0, False), (20, 0, False)]))
    cfg = {"sequence_len": 8, "excess_length_strategy": "raise"}
    ours, theirs, _ = both(cfg, dataset, "train")
    assert (
        ours
        == theirs
        == (
            "error",
            "Sequence encountered with 9 tokens, which exceeds the maximum 8.",
        )
    )


def test_no_trainable_row_left_raises_axolotls_error():
    dataset = Dataset(tokenized([(4, 0, True), (5, 0, True)]))
    ours, theirs, _ = both(
        {"sequence_len": 8, "sample_packing": True}, dataset, "train"
    )
    assert ours == theirs
    assert ours[0] == "error" and "no samples left" in ours[1]


def test_a_different_pass_is_caught_by_the_guard_and_axolotl_runs(monkeypatch, caplog):
    dataset = Dataset(tokenized([(n % 11, 1, False) for n in range(40)]))
    cfg = DictDefault({"sequence_len": 8, "dataset_num_proc": None})
    expected = PreparePasses(cfg, fast=False).run(dataset, "train").to_list()
    monkeypatch.setattr(prepare_passes, "keep_rows", lambda ds, keep: ds)
    passes = PreparePasses(cfg, fast=True)
    with caplog.at_level(logging.WARNING):
        result = passes.run(dataset, "train")
    assert result.to_list() == expected
    assert "length filter guard: ours differs from axolotl's at row 0" in caplog.text
    assert passes.notes == ["train: length filter by axolotl: guard, row 0"]


def test_null_rows_and_pose_are_left_to_axolotl():
    ids = pa.array([[1, 2, 3], None], pa.list_(pa.int32()))
    dataset = Dataset(pa.table({"input_ids": ids, "labels": ids}))
    passes = PreparePasses(DictDefault({"sequence_len": 8}), fast=True)
    with pytest.raises(TypeError):  # axolotl's own len(None)
        passes.run(dataset, "train")
    assert passes.notes == [
        "train: length filter by axolotl: 'input_ids' has 1 null row(s)"
    ]
    pose = PreparePasses(DictDefault({"sequence_len": 8, "use_pose": True}), fast=True)
    pose.run(Dataset(tokenized([(3, 0, False)])), "train")
    assert pose.notes == ["train: length filter by axolotl: use_pose"]
