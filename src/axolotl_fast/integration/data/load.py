"""The plugin's data path: axolotl 0.21's SFT pipeline with the Rust reader and tokenizer.

:func:`load_datasets` mirrors ``axolotl.utils.data.sft`` (``_prepare_standard_dataset``,
``_load_and_prepare_datasets``, ``_load_tokenized_prepared_datasets``, ``_load_raw_datasets``,
``_load_and_process_single_dataset``) step for step, calling axolotl's own public functions
for everything but these: where axolotl calls ``load_dataset_with_config``, the loader reads
the entry with :func:`axolotl_fast.hf.dataset.read_entry`; where it calls
``get_dataset_wrapper``, ``tokenize`` runs the entry's strategy in Rust when it can
(:mod:`~axolotl_fast.integration.data.tokenize_step`); ``dedupe`` replaces
``dataset_exact_deduplication``; ``near_dedupe`` drops near-duplicates right after it.
Long-sequence handling, packing preparation, the
prepared-dataset cache, sharding, the validation split and the step count stay axolotl's.

Before anything is loaded, every entry of ``datasets`` and ``test_datasets`` is planned
(:mod:`axolotl_fast.hf.plan`); for ``pretraining_dataset`` and packed ``streaming`` configs,
the one source axolotl streams
(:func:`~axolotl_fast.integration.data.sft_streaming.streaming_source`). If one entry is not
local or not read exactly, the files are read by axolotl's loader for the whole config (a
config is never half-read), and the pipeline still runs for ``tokenize`` / ``dedupe``; with
neither, or for RL configs, the function logs one line and returns ``None``: axolotl's
loader then does everything.

The prepared dataset is saved under :func:`prepared_dataset_hash`, not axolotl's hash, so
caches made with and without the plugin never mix.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from axolotl.utils.logging import get_logger

from axolotl_fast.hf.plan import (
    EntryPlan,
    LoaderFallback,
    plan_entry,
    plan_streaming_source,
)
from axolotl_fast.integration.args import AxolotlFastConfig
from axolotl_fast.integration.data.dedupe_step import log_replacement
from axolotl_fast.integration.data.sft import SftPipeline
from axolotl_fast.integration.data.sft_streaming import (
    StreamingSftPipeline,
    streaming_source,
)
from axolotl_fast.integration.status import other_plugins_with

if TYPE_CHECKING:
    from axolotl.common.datasets import TrainDatasetMeta
    from axolotl.utils.dict import DictDefault

__all__ = [
    "CACHE_TAG",
    "LoadOutcome",
    "hashed_settings",
    "load_datasets",
    "prepared_dataset_hash",
]

LOG = get_logger(__name__)

# Bump when the loader could produce different prepared rows for the same config.
# v2: ``dedupe: true`` deduplicates (with v1 it was accepted but not built yet).
CACHE_TAG = "axolotl_fast-loader-v2"


@dataclass(frozen=True)
class LoadOutcome:
    """What the loader did with a config.

    Attributes:
        meta: The datasets, or ``None`` when axolotl's loader must run instead.
        note: One line for the run report.
        read_by_us: Whether the Rust reader read the files.
        deduped_by_us: Whether our dedupe ran at axolotl's dedupe points.
        near_deduped_by_us: Whether ``near_dedupe`` ran on the prepared splits.
        tokenized_by_us: Whether the Rust tokenizer tokenized at least one entry.
        tokenize_note: One line on what ``tokenize`` did with each entry.
    """

    meta: TrainDatasetMeta | None
    note: str
    read_by_us: bool = False
    deduped_by_us: bool = False
    near_deduped_by_us: bool = False
    tokenized_by_us: bool = False
    tokenize_note: str = ""


def prepared_dataset_hash(axolotl_hash: str, settings: AxolotlFastConfig) -> str:
    """The name of the loader's prepared-dataset directory.

    sha256 of axolotl's own hash (``generate_dataset_hash_from_config``, which does not see
    plugin keys), :data:`CACHE_TAG` and the ``axolotl_fast`` settings that change prepared rows.
    It is 64 hex digits, axolotl's is 32 (md5), so the two can never name the same directory.
    """
    relevant = json.dumps(hashed_settings(settings), sort_keys=True)
    payload = f"{axolotl_hash}|{CACHE_TAG}|{relevant}"
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def hashed_settings(settings: AxolotlFastConfig) -> dict[str, Any]:
    """The ``axolotl_fast`` settings that enter :func:`prepared_dataset_hash`.

    ``loader``, ``tokenize`` (its cache version when on, so a fix to a fast path makes new
    prepared datasets), ``dedupe`` and ``near_dedupe`` (when on); ``collator`` and
    ``packing`` act after the prepared dataset and stay out.
    """
    from axolotl_fast.integration.data.tokenize_step import CACHE_VERSION

    relevant: dict[str, Any] = {
        "loader": settings.loader,
        "tokenize": CACHE_VERSION if settings.tokenize else False,
        "dedupe": settings.dedupe,
    }
    if settings.near_dedupe is not None:  # absent when off: earlier hashes stay valid
        relevant["near_dedupe"] = settings.near_dedupe.model_dump()
    return relevant


def load_datasets(cfg: DictDefault, settings: AxolotlFastConfig) -> LoadOutcome:
    """Load and prepare the datasets of an SFT config, or decline with one log line.

    With ``loader`` off (or an entry it cannot read exactly) and ``dedupe`` on, the same
    pipeline runs with axolotl's ``load_dataset_with_config`` reading the entries.

    Args:
        cfg: The validated, normalized axolotl config.
        settings: The ``axolotl_fast`` block.

    Under ``axolotl preprocess`` the CLI sets ``AXOLOTL_IS_PREPROCESS=1`` and
    ``cfg.is_preprocess``, which decide (as in axolotl) that the data is prepared afresh and
    no step count is computed.

    Returns:
        The outcome; ``meta`` is ``None`` when axolotl's loader must run instead.
    """
    reason = _config_not_handled(cfg, settings)
    if reason is not None and settings.near_dedupe is not None and cfg.datasets:
        raise ValueError(
            f"axolotl_fast.near_dedupe needs the plugin to load the data, which it "
            f"cannot for this config: {reason}"
        )
    if reason is not None:
        LOG.info("axolotl_fast: loader leaves this config to axolotl: %s", reason)
        _leave_dedupe_to_axolotl(cfg, settings, reason)
        return LoadOutcome(None, f"axolotl loaded the data: {reason}")
    if settings.dedupe:
        log_replacement(cfg)
    plans = None
    try:
        if settings.loader:
            plans = _plan_all(cfg)
        pipeline = _pipeline_class(cfg)(cfg, plans, settings, prepared_dataset_hash)
        meta = pipeline.run()
    except LoaderFallback as fallback:
        LOG.info(
            "axolotl_fast: loader falls back to axolotl's loader for %s: %s",
            fallback.entry,
            fallback.reason,
        )
        if not _needs_our_pipeline(cfg, settings):
            return LoadOutcome(None, f"axolotl loaded the data: {fallback}")
        plans = None
        pipeline = _pipeline_class(cfg)(cfg, None, settings, prepared_dataset_hash)
        meta = pipeline.run()
        pipeline.notes.insert(0, f"axolotl's loader read the files: {fallback}")
    note = "; ".join(pipeline.notes)
    what = _describe(plans) if plans else "the datasets with axolotl's loader"
    LOG.info("axolotl_fast: loader handled %s: %s", what, note)
    outcomes = pipeline.tokenizing.outcomes if pipeline.tokenizing else []
    return LoadOutcome(
        meta,
        note,
        read_by_us=plans is not None,
        deduped_by_us=settings.dedupe,
        near_deduped_by_us=settings.near_dedupe is not None,
        tokenized_by_us=any(o.dataset is not None for o in outcomes),
        tokenize_note="; ".join([*(o.note for o in outcomes), *pipeline.passes.notes])
        or f"nothing tokenized in this run: {note}",
    )


def _pipeline_class(cfg: DictDefault) -> type[SftPipeline]:
    """The streaming pipeline for ``streaming`` / ``pretraining_dataset``, else the standard."""
    if cfg.streaming or cfg.pretraining_dataset:
        return StreamingSftPipeline
    return SftPipeline


def _needs_our_pipeline(cfg: DictDefault, settings: AxolotlFastConfig) -> bool:
    """Whether the pipeline still runs when the reader falls back to axolotl's loader.

    It does for ``dedupe`` and ``near_dedupe``, and for ``tokenize`` unless the config
    streams (streamed entries are tokenized by axolotl anyway).
    """
    streaming = cfg.streaming or cfg.pretraining_dataset
    near = settings.near_dedupe is not None
    return settings.dedupe or near or (settings.tokenize and not streaming)


def _leave_dedupe_to_axolotl(
    cfg: DictDefault, settings: AxolotlFastConfig, reason: str
) -> None:
    """When the whole config goes to axolotl, its own dedupe does what ``dedupe`` asked."""
    if settings.dedupe and not cfg.dataset_exact_deduplication:
        cfg["dataset_exact_deduplication"] = True
        LOG.info(
            "axolotl_fast: dedupe is done by axolotl's dataset_exact_deduplication "
            "for this config (%s)",
            reason,
        )


def _config_not_handled(cfg: DictDefault, settings: AxolotlFastConfig) -> str | None:
    """Why the whole config stays with axolotl, or ``None``."""
    if cfg.rl:
        return f"rl: {cfg.rl} (preference data)"
    streaming = cfg.streaming or cfg.pretraining_dataset
    if streaming and not settings.loader:
        return "streaming with loader: false"
    if not cfg.datasets and not cfg.pretraining_dataset:
        return "no datasets"
    others = other_plugins_with("load_datasets")
    if others:
        return f"plugin {', '.join(others)} also implements load_datasets"
    return None


def _plan_all(cfg: DictDefault) -> dict[str, list[EntryPlan]]:
    """Plan every expanded entry of ``datasets`` (train) and ``test_datasets`` (test).

    A ``pretraining_dataset`` or packed ``streaming`` config plans its one streamed source
    (``"stream"``) instead of ``datasets``.
    """
    from axolotl.utils.data.shared import datasets_with_name_generator

    plans = {}
    source = streaming_source(cfg) if cfg.streaming or cfg.pretraining_dataset else None
    train_configs = cfg.datasets
    if source is not None:
        plans["stream"] = [plan_streaming_source(source)]
        train_configs = None
    for split, configs in (("train", train_configs), ("test", cfg.test_datasets)):
        if configs:
            expanded = datasets_with_name_generator(configs)
            plans[split] = [plan_entry(ds_cfg, split) for ds_cfg in expanded]
    return plans


def _describe(plans: dict[str, list[EntryPlan]]) -> str:
    entries = [plan for split_plans in plans.values() for plan in split_plans]
    paths = sorted({plan.path for plan in entries})
    builders = sorted({plan.builder or plan.kind for plan in entries})
    return f"{len(paths)} local dataset path(s) ({', '.join(builders)})"
