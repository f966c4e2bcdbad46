"""One dataset entry on axolotl's side: expanded, read by axolotl, weighted, its type parsed.

Also the debug log of a prepared split.

Re-implementations of the small private helpers of ``axolotl/utils/data/sft.py`` and
``shared.py`` that :class:`~axolotl_fast.integration.data.sft.SftPipeline` needs, each naming
the function it mirrors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from axolotl.utils.logging import get_logger

if TYPE_CHECKING:
    from axolotl.utils.dict import DictDefault
    from datasets import Dataset

    from axolotl_fast.hf.plan import EntryPlan

__all__ = [
    "apply_weight",
    "axolotl_read",
    "expanded_entries",
    "files_read",
    "log_debug_samples",
    "parse_dataset_type",
]

LOG = get_logger(__name__)


def parse_dataset_type(d_type: Any) -> tuple[str | None, str | None]:
    """Split ``type: base:style`` (a re-implementation of axolotl's ``_parse_dataset_type``)."""
    if not isinstance(d_type, str):
        return None, None
    parts = d_type.split(":")
    return parts[0], parts[1] if len(parts) > 1 else None


def expanded_entries(configs: list) -> list:
    """``datasets_with_name_generator``: one entry per ``name`` of a list of names."""
    from axolotl.utils.data.shared import datasets_with_name_generator

    return list(datasets_with_name_generator(configs))


def apply_weight(dataset: Dataset, ds_cfg: DictDefault, seed: int) -> Dataset:
    """Weight-based subsampling before tokenization, as axolotl does it."""
    if ds_cfg.weight is None or ds_cfg.weight >= 1.0:
        return dataset
    original_len = len(dataset)
    if original_len == 0:
        LOG.warning(
            f"Skipping weight subsampling for dataset '{ds_cfg.path}' because it is empty."
        )
        return dataset
    num_samples = min(original_len, max(1, int(original_len * ds_cfg.weight)))
    LOG.info(
        f"Applied weight={ds_cfg.weight} to dataset '{ds_cfg.path}': "
        f"{original_len} -> {num_samples} samples"
    )
    return dataset.shuffle(seed=seed).select(range(num_samples))


def axolotl_read(
    ds_cfg: DictDefault, cfg: DictDefault, split: str, streaming: bool
) -> Dataset:
    """Read an entry with axolotl's ``load_dataset_with_config`` and pick its split."""
    from axolotl.utils.data.shared import load_dataset_with_config
    from datasets import DatasetDict, IterableDatasetDict

    dataset = load_dataset_with_config(
        ds_cfg, cfg.hf_use_auth_token, streaming=streaming
    )
    if isinstance(dataset, (DatasetDict, IterableDatasetDict)):
        if ds_cfg.split and ds_cfg.split in dataset:
            return dataset[ds_cfg.split]
        if split in dataset:
            return dataset[split]
        raise ValueError(
            f"no {split} split found for dataset {ds_cfg.path}, you may "
            "specify a split with 'split: ...'"
        )
    return dataset


def files_read(plans: list[EntryPlan | None]) -> str:
    """Who read the entries of a split, for the run's notes."""
    if not all(plans):
        return f"{len(plans)} entry(ies) with axolotl's loader"
    files = sorted({f for plan in plans if plan for f in plan.files})
    return f"{len(files)} file(s) with the Rust reader"


def log_debug_samples(train: Any, tokenizer: Any, prompters: list) -> None:
    """With ``debug: true``: one sample's labels and the prompters, as ``load_datasets`` logs."""
    from axolotl.common.datasets import sample_dataset
    from axolotl.utils.tokenization import check_dataset_labels

    LOG.info("check_dataset_labels...")
    try:
        samples = sample_dataset(train, 1)
        check_dataset_labels(samples, tokenizer, num_examples=1, text_only=False)
    except AttributeError:  # as axolotl: iterable datasets cannot be sampled
        pass
    for prompter in prompters:
        LOG.info(prompter)
