"""``packing: bfd | ffd | sequential``: axolotl's trainer with axolotl_fast's packer.

With ``sample_packing: true``, axolotl's ``AxolotlTrainer._create_multipack_sampler`` builds a
``MultipackBatchSampler`` that packs shuffled first-fit (and packs 4-5 times at start-up to
estimate its length). :class:`FastPackingTrainer` is that trainer with one method changed: the
training sampler is a :class:`FastMultipackBatchSampler`, which asks
:func:`axolotl_fast.pack` for the bins. Everything else (eval sampler, collators, label
balancing, which it leaves to axolotl's sampler) stays axolotl's.

* ``bfd`` / ``ffd``: best/first-fit decreasing. Denser bins, so fewer steps per epoch. The bins
  are shuffled with ``seed + epoch`` and keep their samples in sampler order, so training does
  not see length-sorted batches (axolotl removed sorted packing, PR #2657, because it changed
  the loss).
* ``sequential``: next fit in the sampler's order.

The packing is deterministic for a seed and its bin count does not depend on the sampler's
order (``bfd``/``ffd``), so ``len()`` is exact and computed once: the plugin sets the step count
from it (``post_trainer_create``) instead of axolotl's estimate.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from axolotl.core.trainers.base import AxolotlTrainer
from axolotl.utils.logging import get_logger
from axolotl.utils.samplers.multipack import MultipackBatchSampler
from axolotl.utils.samplers.utils import get_dataset_lengths

from axolotl_fast.packing import pack

__all__ = ["FastMultipackBatchSampler", "FastPackingTrainer", "exact_max_steps"]

LOG = get_logger(__name__)


class FastMultipackBatchSampler(MultipackBatchSampler):
    """``MultipackBatchSampler`` whose bins come from :func:`axolotl_fast.pack`."""

    def __init__(self, *args: Any, strategy: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.strategy = strategy

    def generate_batches(self, set_stats: bool = False) -> list[list[list[int]]]:
        """Bins of the sampler's indices, grouped into batches as axolotl groups them."""
        if self.label_counts is not None:
            return super().generate_batches(set_stats)
        if self._batches is not None:
            return self._batches
        indices = np.fromiter(self.sampler, dtype=np.int64)
        lengths = self.lengths[indices]
        bins = pack(
            lengths,
            self.batch_max_len,
            strategy=self.strategy,
            max_per_bin=self.bin_size or None,
            seed=self.seed + self.epoch,
        )
        packed = [indices[b].tolist() for b in bins]
        batches = [
            packed[i : i + self.batch_size]
            for i in range(0, len(packed), self.batch_size)
        ]
        if self.drop_last and batches and len(batches[-1]) < self.batch_size:
            batches = batches[:-1]
        if set_stats:
            kept = [i for batch in batches for row in batch for i in row]
            self.total_tokens_used += int(self.lengths[kept].sum())
            self.total_token_slots += sum(len(b) for b in batches) * self.batch_max_len
        self._batches = batches
        return batches

    def __len__(self) -> int:
        """The exact number of batches (one packing pass; no estimate)."""
        if self.label_counts is not None:
            return super().__len__()
        if self._len_across_ranks is None:
            count = len(self.generate_batches(set_stats=True))
            self._len_across_ranks = self.gather_len_batches(count)
        return self._len_across_ranks


class FastPackingTrainer(AxolotlTrainer):
    """``AxolotlTrainer`` whose training sampler packs with :data:`packing_strategy`."""

    packing_strategy = "bfd"
    packing_stats: dict[str, Any] | None = None

    def _create_multipack_sampler(
        self, base_sampler: Any, dataset: Any, *, is_training: bool = True
    ) -> MultipackBatchSampler:
        """Axolotl's sampler for eval and label balancing; ours for training."""
        balancing = is_training and getattr(self.args, "balance_labels", False)
        if not is_training or balancing:
            return super()._create_multipack_sampler(
                base_sampler, dataset, is_training=is_training
            )
        if self.args.multipack_real_batches:
            batch_size, batch_max_len = self._train_batch_size, self.args.max_seq_length
        else:
            batch_size = 1
            batch_max_len = self._train_batch_size * self.args.max_seq_length
        # the arguments of AxolotlTrainer._create_multipack_sampler, axolotl 0.21
        sampler = FastMultipackBatchSampler(
            base_sampler,
            strategy=self.packing_strategy,
            lengths=get_dataset_lengths(dataset),
            seed=self.args.data_seed
            if getattr(self.args, "data_seed", None) is not None
            else self.args.seed,
            dp_count=self._data_parallel_size(),
            batches_per_optimizer_step=self._batches_per_optimizer_step(),
            padding_multiple=getattr(
                getattr(self, "data_collator", None), "pad_to_multiple_of", None
            )
            or 1,
            packing_efficiency_estimate=self.args.sample_packing_efficiency,
            batch_max_len=batch_max_len,
            batch_size=batch_size,
            group_size=self.args.sample_packing_group_size,
            bin_size=self.args.sample_packing_bin_size,
            sequential=False,
            drop_last=True,
        )
        self.packing_stats = {
            "strategy": self.packing_strategy,
            "batches": len(sampler),
            "efficiency": sampler.efficiency(),
        }
        LOG.info(
            "axolotl_fast: packing %s: %d batches, efficiency %.4f",
            self.packing_strategy,
            self.packing_stats["batches"],
            self.packing_stats["efficiency"],
        )
        return sampler


def exact_max_steps(trainer: Any, num_epochs: float) -> int:
    """The optimizer steps of ``num_epochs`` over the trainer's packed training dataloader.

    ``len(dataloader)`` is the packed batch count on this rank; HF's Trainer takes
    ``ceil(num_epochs * max(len // grad_accum, 1))`` steps for it.
    """
    dataloader = trainer.get_train_dataloader()
    per_epoch = max(len(dataloader) // trainer.args.gradient_accumulation_steps, 1)
    return math.ceil(num_epochs * per_epoch)
