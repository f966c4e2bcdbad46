"""What ``prepare`` does for each split of a config, and the configs it refuses.

A split is prepared on Ray only when the result can be exactly what the plugin's
``load_datasets`` would save for it on one machine; otherwise :class:`ConfigError` says why
(use ``axolotl preprocess`` with the plugin for those configs). Refused:

* RL (preference) configs, ``pretraining_dataset`` and ``streaming`` (nothing is prepared);
* ``skip_prepare_dataset`` and ``push_dataset_to_hub``;
* entries with ``shards`` or ``weight`` below 1 (a shuffle of the raw entry), ``_synthetic``
  entries, ``processor_type`` (multimodal) configs;
* entries the Rust reader cannot read exactly (remote paths, formats it does not read).

The prepared dataset goes where the plugin looks for it: ``<dataset_prepared_path>/<hash>``,
the hash of :func:`~axolotl_fast.integration.data.load.prepared_dataset_hash`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from axolotl_fast.errors import ConfigError
from axolotl_fast.ray.stages import StageSettings

__all__ = ["SplitJob", "split_jobs"]

# Variables a worker on another node must see as the driver does.
_FORWARDED_PREFIXES = ("AXOLOTL_FAST_", "HF_", "TRANSFORMERS_", "AXOLOTL_")


@dataclass(frozen=True)
class SplitJob:
    """One split to prepare.

    Attributes:
        cfg: The validated axolotl config.
        settings: What the stages need (sent to the workers).
        final: The prepared dataset's directory.
    """

    cfg: Any
    settings: StageSettings
    final: str


def split_jobs(cfg: Any, options: Any) -> Iterator[SplitJob]:
    """The splits of ``cfg`` to prepare (train, then test if it has ``test_datasets``).

    Raises:
        ConfigError: The config cannot be prepared on Ray.
    """
    from axolotl.loaders import load_tokenizer

    from axolotl_fast.integration.data.load import prepared_dataset_hash
    from axolotl_fast.integration.data.sft import SftPipeline
    from axolotl_fast.integration.status import fast_config

    _check_config(cfg)
    settings = fast_config(cfg)
    tokenizer = load_tokenizer(cfg)
    pipeline = SftPipeline(cfg, None, settings, prepared_dataset_hash)
    dedupe = bool(settings.dedupe or cfg.dataset_exact_deduplication)
    near = settings.near_dedupe.model_dump() if settings.near_dedupe else None
    env = {
        name: value
        for name, value in os.environ.items()
        if name.startswith(_FORWARDED_PREFIXES) and name != "AXOLOTL_FAST_NUM_THREADS"
    }
    for split, configs in (("train", cfg.datasets), ("test", cfg.test_datasets)):
        if not configs:
            continue
        entries, plans = _planned(configs, split)
        stage = StageSettings(
            cfg=dict(cfg),
            split=split,
            entries=[dict(e) for e in entries],
            plans=plans,
            block_rows=options.block_rows,
            dedupe=dedupe,
            near_dedupe=near,
            worker_env=env,
        )
        final = str(pipeline.prepared_path(tokenizer, split))
        yield SplitJob(cfg, stage, final)


def _check_config(cfg: Any) -> None:
    reasons = {
        "rl": "preference (RL) data is not prepared by prepare",
        "pretraining_dataset": "a pretraining dataset streams; nothing is prepared",
        "streaming": "streamed datasets are not prepared",
        "skip_prepare_dataset": "skip_prepare_dataset: nothing is prepared",
        "push_dataset_to_hub": "push_dataset_to_hub is not supported on Ray",
        "processor_type": "multimodal (processor_type) configs are not supported on Ray",
    }
    for key, reason in reasons.items():
        if cfg.get(key):
            raise ConfigError(
                f"{key}: {reason}; use `axolotl preprocess` with the plugin"
            )
    if not cfg.get("datasets"):
        raise ConfigError("the config has no datasets to prepare")
    if not cfg.get("dataset_prepared_path"):
        raise ConfigError(
            "dataset_prepared_path is not set: prepare writes the prepared dataset there, "
            "on storage every node and the training run can read"
        )


def _planned(configs: list, split: str) -> tuple[list, list]:
    """The expanded entries of a split and their read plans, or why not."""
    from axolotl_fast.hf.plan import LoaderFallback, plan_entry
    from axolotl_fast.integration.data.entries import expanded_entries

    entries = expanded_entries(configs)
    plans = []
    for ds_cfg in entries:
        _check_entry(ds_cfg)
        try:
            plans.append(plan_entry(ds_cfg, split))
        except LoaderFallback as fallback:
            raise ConfigError(
                f"{fallback.entry}: the Rust reader cannot read it exactly "
                f"({fallback.reason}); prepare reads local or shared files only"
            ) from fallback
    return entries, plans


def _check_entry(ds_cfg: Any) -> None:
    path = ds_cfg.get("path")
    if ds_cfg.get("type") == "_synthetic":
        raise ConfigError(f"{path}: _synthetic entries are not prepared on Ray")
    if ds_cfg.get("shards"):
        raise ConfigError(
            f"{path}: shards (a shuffle of the raw entry) is not supported"
        )
    weight = ds_cfg.get("weight")
    if weight is not None and weight < 1.0:
        raise ConfigError(f"{path}: weight below 1 (a subsample) is not supported")
