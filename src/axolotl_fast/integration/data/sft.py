"""axolotl 0.21's standard SFT dataset pipeline, step for step, with the Rust reader.

Each method names the function of ``axolotl/utils/data/sft.py`` it mirrors; the bodies call
axolotl's public functions in the same order with the same arguments. The differences:

* ``loader``: :func:`axolotl_fast.hf.dataset.read_entry` reads the entry's plan (the split
  axolotl would pick) where axolotl calls ``load_dataset_with_config``;
* ``tokenize``: :class:`~axolotl_fast.integration.data.tokenize_step.TokenizeStep` tokenizes
  an entry whose strategy has a fast path where axolotl calls ``get_dataset_wrapper``, and
  :class:`~axolotl_fast.integration.data.prepare_passes.PreparePasses` computes the
  long-sequence and packing passes after the merge on the Arrow columns;
* ``dedupe``: :mod:`~axolotl_fast.integration.data.dedupe_step` deduplicates where axolotl's
  ``dataset_exact_deduplication`` would;
* ``near_dedupe``: :mod:`~axolotl_fast.integration.data.near_dedupe_step` drops
  near-duplicates right after;
* the prepared-dataset directory is named by the hash function given (the plugin's own key).

Streaming configs run the subclass :class:`~.sft_streaming.StreamingSftPipeline`: entries are
read as ``IterableDataset``s and, as in axolotl, not weighted, filtered, packed or saved.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from axolotl.utils.logging import get_logger

from axolotl_fast.hf.dataset import read_entry
from axolotl_fast.hf.plan import EntryPlan
from axolotl_fast.hf.streaming import iterable_dataset
from axolotl_fast.integration.data.entries import (
    apply_weight,
    axolotl_read,
    expanded_entries,
    files_read,
    log_debug_samples,
    parse_dataset_type,
)
from axolotl_fast.integration.data.prepare_passes import PreparePasses
from axolotl_fast.integration.data.tokenize_step import TokenizeStep
from axolotl_fast.integration.trace import trace_hook
from axolotl_fast.memory import trim_heap

if TYPE_CHECKING:
    from axolotl.common.datasets import TrainDatasetMeta
    from axolotl.utils.dict import DictDefault
    from datasets import Dataset

    from axolotl_fast.integration.args import AxolotlFastConfig

__all__ = ["HashFn", "SftPipeline"]

LOG = get_logger(__name__)

HashFn = Callable[[str, "AxolotlFastConfig"], str]


class SftPipeline:
    """One run of the standard SFT pipeline over planned entries.

    Args:
        cfg: The validated, normalized axolotl config.
        plans: The plans of the expanded entries, by split (``"train"``, ``"test"``), in
            ``datasets_with_name_generator`` order, plus ``"stream"``: the one streamed
            source of a ``pretraining_dataset`` / packed ``streaming`` config; ``None`` to read
            with axolotl's loader.
        settings: The ``axolotl_fast`` block (part of the cache key).
        hash_fn: ``(axolotl_hash, settings) -> directory name`` of the prepared dataset.
    """

    def __init__(
        self,
        cfg: DictDefault,
        plans: dict[str, list[EntryPlan]] | None,
        settings: AxolotlFastConfig,
        hash_fn: HashFn,
    ) -> None:
        self.cfg = cfg
        self.plans = plans
        self.settings = settings
        self.hash_fn = hash_fn
        self.notes: list[str] = []
        self.tokenizing: TokenizeStep | None = None
        self.passes = PreparePasses(cfg, fast=settings.tokenize)
        self._read_cache: dict[EntryPlan, Dataset] = {}

    def run(self) -> TrainDatasetMeta:
        """``common/datasets.py::load_datasets`` for a standard (non-streaming) SFT config."""
        from axolotl.common.datasets import TrainDatasetMeta
        from axolotl.loaders import load_processor, load_tokenizer

        cfg = self.cfg
        tokenizer = load_tokenizer(cfg)
        if self.settings.tokenize:
            self.tokenizing = TokenizeStep(cfg, tokenizer)
        processor = (
            load_processor(cfg, tokenizer=tokenizer) if cfg.processor_type else None
        )
        train, evaluation, steps, prompters = self.prepare_datasets(
            tokenizer, processor
        )
        if cfg.debug:
            log_debug_samples(train, tokenizer, prompters)
        return TrainDatasetMeta(
            train_dataset=train, eval_dataset=evaluation, total_num_steps=steps
        )

    def prepare_datasets(self, tokenizer: Any, processor: Any) -> tuple:
        """``prepare_datasets`` of a standard config (the streaming one is a subclass's)."""
        return self.prepare_standard_dataset(tokenizer, processor)

    def prepare_standard_dataset(self, tokenizer: Any, processor: Any) -> tuple:
        """``_prepare_standard_dataset``: both splits under the file lock, then steps."""
        from axolotl.core.trainers.diffusion_lm.sampling import (
            filter_native_diffusion_dataset,
        )
        from axolotl.utils.data.lock import FileLockLoader
        from axolotl.utils.trainer import calculate_total_num_steps

        from axolotl_fast.integration.data.prepared_cache import wait_for_local_main

        cfg = self.cfg

        def load_both() -> tuple:
            train, evaluation, prompters = self.load_and_prepare(
                tokenizer, "train", processor
            )
            if cfg.test_datasets:
                _, evaluation, _ = self.load_and_prepare(tokenizer, "test", processor)
            return train, evaluation, prompters

        lock = FileLockLoader(cfg)
        # Rank 0 saves locally unless it skips preparing or may load from the hub instead.
        if not (cfg.skip_prepare_dataset or cfg.push_dataset_to_hub):
            splits = ("train", "test") if cfg.test_datasets else ("train",)
            wait_for_local_main([self.prepared_path(tokenizer, s) for s in splits])
        try:
            train, evaluation, prompters = lock.load(load_both)
        finally:
            lock.cleanup()
        train = filter_native_diffusion_dataset(cfg, train, split="train")
        evaluation = filter_native_diffusion_dataset(cfg, evaluation, split="eval")
        if os.environ.get("AXOLOTL_IS_PREPROCESS") == "1":
            return train, evaluation, -1, prompters
        packed_eval = cfg.sample_packing and cfg.eval_sample_packing is not False
        if (
            evaluation
            and packed_eval
            and not calculate_total_num_steps(cfg, evaluation, update=False)
        ):
            raise ValueError(
                "eval dataset split is too small for sample_packing. "
                "You should set `eval_sample_packing: False` in your config."
            )
        steps = calculate_total_num_steps(cfg, train)
        if cfg.max_steps:
            steps = min(steps, cfg.max_steps)
        LOG.info(f"Maximum number of steps set at {steps}")
        return train, evaluation, steps, prompters

    def load_and_prepare(
        self, tokenizer: Any, split: str, processor: Any, streaming: bool = False
    ) -> tuple:
        """``_load_and_prepare_datasets``: load, shard, then the validation split."""
        from axolotl.utils.data.shared import create_train_validation_split

        from axolotl_fast.integration.data.dedupe_step import split_validation

        cfg = self.cfg
        dataset, prompters = self.load_tokenized_prepared(
            tokenizer, split, processor, streaming
        )
        if cfg.dataset_shard_num and cfg.dataset_shard_idx is not None:
            LOG.info(
                f"Using index #{cfg.dataset_shard_idx} of {cfg.dataset_shard_num} shards"
            )
            dataset = dataset.shard(
                num_shards=cfg.dataset_shard_num, index=cfg.dataset_shard_idx
            )
        if split != "train":
            return None, dataset, prompters
        val_set_size = (
            int(cfg.val_set_size) if cfg.val_set_size > 1 else float(cfg.val_set_size)
        )
        if val_set_size:
            if self.settings.dedupe:
                train, evaluation = split_validation(dataset, cfg, val_set_size)
            else:
                train, evaluation = create_train_validation_split(
                    dataset, cfg, val_set_size
                )
            return train, evaluation, prompters
        return dataset, None, prompters

    def load_tokenized_prepared(
        self, tokenizer: Any, split: str, processor: Any, streaming: bool = False
    ) -> tuple:
        """``_load_tokenized_prepared_datasets``: the prepared cache, else the raw data."""
        from axolotl.utils.data.shared import (
            get_prepared_dataset_path,
            load_preprocessed_dataset,
            try_load_from_hub,
        )

        from axolotl_fast.integration.data.prepared_cache import trace_loaded

        cfg = self.cfg
        dataset_hash = self.dataset_hash(tokenizer, split)
        dataset = None
        if cfg.push_dataset_to_hub:
            dataset = try_load_from_hub(cfg, dataset_hash, split)
        if dataset is None:
            dataset = load_preprocessed_dataset(cfg, dataset_hash)
        if dataset is not None:
            prepared = str(get_prepared_dataset_path(cfg, dataset_hash))
            self.note(split, "prepared", f"{split}: prepared dataset {prepared}")
            trace_loaded(prepared, split)
            return dataset, []
        return self.load_raw(tokenizer, split, processor, dataset_hash, streaming)

    def prepared_path(self, tokenizer: Any, split: str) -> Path:
        """Where this split's prepared dataset is saved."""
        from axolotl.utils.data.shared import get_prepared_dataset_path

        return Path(
            get_prepared_dataset_path(self.cfg, self.dataset_hash(tokenizer, split))
        )

    def dataset_hash(self, tokenizer: Any, split: str) -> str:
        """The loader's key for a split: axolotl's hash of its entries, re-hashed."""
        from axolotl.utils.data.shared import generate_dataset_hash_from_config

        configs = self.cfg.datasets if split == "train" else self.cfg.test_datasets
        axolotl_hash = generate_dataset_hash_from_config(
            self.cfg, configs, tokenizer.name_or_path
        )
        return self.hash_fn(axolotl_hash, self.settings)

    def load_raw(
        self,
        tokenizer: Any,
        split: str,
        processor: Any,
        dataset_hash: str,
        streaming: bool = False,
    ) -> tuple:
        """``_load_raw_datasets``: read, tokenize and merge, then prepare and save."""
        from axolotl.utils.data.shared import merge_datasets

        from axolotl_fast.integration.data.dedupe_step import dedupe_split
        from axolotl_fast.integration.data.prepared_cache import save_prepared

        cfg = self.cfg
        configs = expanded_entries(
            cfg.datasets if split == "train" else cfg.test_datasets
        )
        plans = self.plans[split] if self.plans else [None] * len(configs)
        reader = "the axolotl_fast reader" if self.plans else "axolotl's loader"
        LOG.info(f"Loading raw datasets with {reader}...")
        datasets, prompters = [], []
        for ds_cfg, plan in zip(configs, plans, strict=True):
            dataset, prompter = self.load_single(
                ds_cfg, plan, tokenizer, processor, split, streaming
            )
            datasets.append(dataset)
            prompters.append(prompter)
        self._read_cache.clear()  # the raw rows are tokenized: let their mapping go
        trim_heap()
        verb = "streams" if streaming else "read"
        self.note(split, "raw", f"{split}: {verb} {files_read(plans)}")
        dataset = merge_datasets(datasets, cfg)
        if not cfg.skip_prepare_dataset and not streaming:
            dataset = self.passes.run(dataset, split)
            dataset, notes = dedupe_split(dataset, split, cfg, self.settings)
            for source, note in notes:
                self.note(split, source, note)
            save_prepared(cfg, dataset, dataset_hash, split)
        return dataset, prompters

    def load_single(
        self,
        ds_cfg: DictDefault,
        plan: EntryPlan | None,
        tokenizer: Any,
        processor: Any,
        split: str,
        streaming: bool = False,
    ) -> tuple:
        """``_load_and_process_single_dataset``: read, shard, weight, tokenize."""
        from datasets import Dataset

        seed = self.cfg.seed
        if ds_cfg.type == "_synthetic":
            dataset = Dataset.from_dict({"text": [""]})
        elif plan is None:
            dataset = axolotl_read(ds_cfg, self.cfg, split, streaming)
        elif streaming:
            dataset = iterable_dataset(plan)
        else:
            dataset = self.read(plan)
        if ds_cfg.shards:  # shards_idx defaults to 0, as in axolotl
            dataset = dataset.shuffle(seed=seed).shard(
                ds_cfg.shards, ds_cfg.shards_idx or 0
            )
        if not streaming:
            dataset = apply_weight(dataset, ds_cfg, seed)
        return self.tokenize_entry(ds_cfg, dataset, tokenizer, processor, split)

    def tokenize_entry(
        self,
        ds_cfg: DictDefault,
        dataset: Any,
        tokenizer: Any,
        processor: Any,
        split: str,
    ) -> tuple:
        """Our tokenization of an entry, else axolotl's (row by row: Ray runs it per block)."""
        from axolotl.utils.data.wrappers import get_dataset_wrapper
        from datasets import Dataset

        if self.tokenizing is not None and isinstance(dataset, Dataset):  # not streamed
            done = self.tokenizing.run(ds_cfg, dataset, split, processor)
            if done.dataset is not None:
                return done.dataset, done.prompter
        base_type, prompt_style = parse_dataset_type(ds_cfg.type)
        return get_dataset_wrapper(
            dataset_config=ds_cfg,
            tokenizer=tokenizer,
            cfg=self.cfg,
            dataset_base_type=base_type,
            dataset=dataset,
            dataset_prompt_style=prompt_style,
            processor=processor,
        )

    def read(self, plan: EntryPlan) -> Dataset:
        """Read a plan once per run (``name`` lists and ``preprocess_shards`` repeat it)."""
        if plan not in self._read_cache:
            self._read_cache[plan] = read_entry(plan)
        return self._read_cache[plan]

    def note(self, split: str, source: str, note: str) -> None:
        """Add a line to the run's notes and trace it."""
        self.notes.append(note)
        trace_hook("loader", split=split, source=source, note=note)
