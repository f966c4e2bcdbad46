"""`packing: bfd|ffd|sequential`: the sampler our trainer packs with, and when it is used.

The sampler must hand out every sample exactly once per epoch, in bins that fit, in batches
grouped as axolotl groups them; its length must be exact and its bins deterministic for a
seed and epoch. The plugin must only take over the trainer class where axolotl would build a
plain `AxolotlTrainer` with sample packing.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("axolotl")

from axolotl.utils.dict import DictDefault
from torch.utils.data import RandomSampler, SequentialSampler

from axolotl_fast.integration.trainer import (
    FastMultipackBatchSampler,
    FastPackingTrainer,
)
from axolotl_fast.integration.trainer_choice import packing_trainer


def sampler_for(lengths, strategy="bfd", batch_size=1, capacity=512, seed=0, base=None):
    return FastMultipackBatchSampler(
        base or RandomSampler(range(len(lengths))),
        strategy=strategy,
        lengths=lengths,
        batch_size=batch_size,
        batch_max_len=capacity,
        bin_size=200,
        seed=seed,
        drop_last=True,
    )


@pytest.fixture
def lengths():
    rng = np.random.default_rng(0)
    return np.clip(rng.lognormal(np.log(120), 0.8, 3000), 8, 512).astype(np.int64)


@pytest.mark.parametrize("strategy", ["bfd", "ffd", "sequential"])
@pytest.mark.parametrize("batch_size", [1, 3])
def test_every_sample_once_in_bins_that_fit(lengths, strategy, batch_size):
    sampler = sampler_for(lengths, strategy, batch_size)
    batches = list(sampler)
    assert len(batches) == len(sampler)
    assert all(len(batch) == batch_size for batch in batches)  # drop_last
    bins = [row for batch in batches for row in batch]
    assert all(lengths[row].sum() <= 512 and len(row) <= 200 for row in bins)
    seen = [i for row in bins for i in row]
    assert len(seen) == len(set(seen))
    if batch_size == 1:
        assert sorted(seen) == list(range(len(lengths)))
    floor = 0.7 if strategy == "sequential" else 0.95  # next fit is looser
    assert floor < sampler.efficiency() <= 1.0


def test_dense_bins_bfd_beats_axolotls_first_fit_count(lengths):
    from axolotl.utils.samplers.multipack import MultipackBatchSampler

    ours = len(sampler_for(lengths))
    theirs = MultipackBatchSampler(
        RandomSampler(range(len(lengths))),
        batch_size=1,
        batch_max_len=512,
        lengths=lengths,
        bin_size=200,
        num_processes=1,
    )
    assert ours <= len(theirs)
    assert ours >= int(np.ceil(lengths.sum() / 512))


def test_deterministic_for_a_seed_and_new_bins_each_epoch(lengths):
    base = SequentialSampler(range(len(lengths)))
    first = list(sampler_for(lengths, seed=3, base=base))
    assert first == list(sampler_for(lengths, seed=3, base=base))
    sampler = sampler_for(lengths, seed=3, base=base)
    sampler.set_epoch(1)
    second = list(sampler)
    assert second != first and len(second) == len(first)  # same count, another order


def test_bins_are_not_sorted_by_length(lengths):
    batches = list(sampler_for(lengths, base=SequentialSampler(range(len(lengths)))))
    first_items = [lengths[batch[0][0]] for batch in batches]
    assert first_items != sorted(first_items)
    assert first_items != sorted(first_items, reverse=True)


def cfg(**extra) -> DictDefault:
    return DictDefault({"sample_packing": True, "base_model": "x", **extra})


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({"sample_packing": False}, "sample_packing is off"),
        ({"trainer_cls": "my.Trainer"}, "trainer_cls: my.Trainer"),
        ({"reward_model": True}, "reward"),
        ({"pretraining_dataset": "x"}, "streaming"),
    ],
)
def test_declines_when_axolotl_would_build_another_trainer(
    plugin_manager, extra, reason, caplog
):
    with caplog.at_level("WARNING"):
        trainer_cls, note = packing_trainer(cfg(**extra), "bfd")
    assert trainer_cls is None and reason in note
    assert "axolotl's sampler packs" in caplog.text


def test_takes_over_a_plain_packed_config(plugin_manager):
    trainer_cls, note = packing_trainer(cfg(), "ffd")
    assert issubclass(trainer_cls, FastPackingTrainer)
    assert trainer_cls.packing_strategy == "ffd" and "ffd" in note


def test_declines_beside_another_plugin_that_picks_trainers(plugin_manager):
    from axolotl.integrations.base import BasePlugin

    from axolotl_fast.integration.data.load import load_datasets

    class TrainerPicker(BasePlugin):
        def get_trainer_cls(self, cfg):
            return None

        def load_datasets(self, cfg, preprocess=False):
            return None

    plugin_manager.plugins["tests.TrainerPicker"] = TrainerPicker()
    trainer_cls, note = packing_trainer(cfg(), "bfd")
    assert trainer_cls is None
    assert "plugin TrainerPicker can choose the trainer" in note
    from axolotl_fast.integration.args import AxolotlFastConfig

    outcome = load_datasets(cfg(datasets=[{"path": "x"}]), AxolotlFastConfig())
    assert outcome.meta is None
    assert outcome.note == (
        "axolotl loaded the data: plugin TrainerPicker also implements load_datasets"
    )
