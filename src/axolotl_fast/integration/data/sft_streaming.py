"""axolotl 0.21's streaming data path, step for step, with the Rust reader.

:class:`StreamingSftPipeline` is the standard pipeline
(:class:`~axolotl_fast.integration.data.sft.SftPipeline`) with the streaming methods of
``axolotl/utils/data/sft.py``:

* ``_prepare_streaming_dataset``: ``pretraining_dataset`` (its first entry) and
  ``streaming`` + ``sample_packing`` (``datasets[0]``) stream one source through
  :meth:`StreamingSftPipeline.load_streaming_dataset`; ``streaming`` without packing runs the
  standard methods with ``streaming=True``; ``test_datasets`` are prepared as usual; the step
  count is ``max_steps`` (or -1), as axolotl's.
* ``_load_streaming_dataset``: where axolotl calls ``load_dataset(path, streaming=True, ...)``
  it takes :func:`axolotl_fast.hf.streaming.iterable_dataset` of the planned source. The
  placeholder for non-main ranks, ``skip`` and the torch format are axolotl's own;
  ``wrap_streaming_dataset`` (tokenization, multipack buffers, shuffle) is axolotl's, or with
  ``tokenize`` on :func:`~axolotl_fast.integration.data.packed_stream.wrap_streaming_dataset`,
  which packs a ``pretrain`` stream's buffers in Rust.

:func:`streaming_source` names the source before anything runs, so the plugin can plan it
and decline the config (to axolotl's loader) before reading.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from axolotl.utils.logging import get_logger

from axolotl_fast.hf.plan import EntryPlan, LoaderFallback
from axolotl_fast.hf.streaming import iterable_dataset
from axolotl_fast.integration.data.packed_stream import wrap_streaming_dataset
from axolotl_fast.integration.data.sft import SftPipeline

if TYPE_CHECKING:
    from axolotl.utils.dict import DictDefault
    from datasets import IterableDataset

__all__ = ["StreamingSftPipeline", "streaming_source"]

LOG = get_logger(__name__)


class StreamingSftPipeline(SftPipeline):
    """The pipeline of a ``streaming`` / ``pretraining_dataset`` config."""

    def prepare_datasets(self, tokenizer: Any, processor: Any) -> tuple:
        """``_prepare_streaming_dataset``: the streamed train split, the eval split, -1 steps."""
        cfg = self.cfg
        source = streaming_source(cfg)
        if source is None:
            train, evaluation, prompters = self.load_and_prepare(
                tokenizer, "train", processor, streaming=True
            )
            return train, evaluation, cfg.max_steps or -1, prompters
        train = self.load_streaming_dataset(source, tokenizer)
        evaluation = None
        if cfg.test_datasets:
            _, evaluation, _ = self.load_and_prepare(tokenizer, "test", processor)
        return train, evaluation, cfg.max_steps or -1, []

    def stream_plan(self) -> EntryPlan:
        """The planned source of a ``pretraining_dataset`` / packed ``streaming`` config."""
        if not self.plans or "stream" not in self.plans:
            raise LoaderFallback("streaming", "the streamed source was not planned")
        return self.plans["stream"][0]

    def load_streaming_dataset(
        self, source: DictDefault, tokenizer: Any
    ) -> IterableDataset:
        """``_load_streaming_dataset`` with the planned source read by the Rust reader."""
        from axolotl.utils.data.sft import _create_placeholder_dataset
        from axolotl.utils.data.wrappers import get_dataset_wrapper
        from axolotl.utils.distributed import is_local_main_process

        cfg = self.cfg
        wrapper = functools.partial(
            get_dataset_wrapper,
            dataset_config=source,
            tokenizer=tokenizer,
            cfg=cfg,
            dataset_base_type=source["type"],
        )
        if (
            cfg.accelerator_config
            and cfg.accelerator_config.dispatch_batches
            and not is_local_main_process()
        ):
            dataset = _create_placeholder_dataset()
        else:
            plan = self.stream_plan()
            dataset = iterable_dataset(plan)
            self.note("train", "raw", f"train: streams {len(plan.files)} file(s)")
        if source["skip"]:
            LOG.info(f"Skipping {source['skip']} samples from the dataset")
            dataset = dataset.skip(source["skip"])
        wrapped = wrap_streaming_dataset(
            dataset, tokenizer, cfg, wrapper, source=source, fast=self.settings.tokenize
        )
        return wrapped.with_format("torch")


def streaming_source(cfg: DictDefault) -> DictDefault | None:
    """The one source axolotl streams for this config, or ``None`` for per-entry streaming.

    ``pretraining_dataset``: its first entry, as axolotl's ``_extract_pretraining_config``
    builds it. ``streaming`` with ``sample_packing``: ``datasets[0]`` with ``split`` defaulted
    to ``train``. ``streaming`` alone: ``None`` (every entry streams through the standard
    pipeline).
    """
    from axolotl.utils.dict import DictDefault

    if cfg.pretraining_dataset:
        from axolotl.utils.data.sft import _extract_pretraining_config

        return _extract_pretraining_config(cfg)
    if cfg.sample_packing:
        source = DictDefault(cfg.datasets[0])
        if not source.split:
            source.split = "train"
        return source
    return None
