"""The plugin's data path against axolotl's, in process: configs, the plugin, the comparison."""

from __future__ import annotations

from pathlib import Path

from axolotl.utils.dict import DictDefault

from axolotl_fast import FastPlugin
from support.axolotl_cfg import finish_cfg


def make_cfg(
    kit, work: Path, prepared: str, datasets_cfg: list | None, **extra
) -> DictDefault:
    """The config `load_cfg` would make; `datasets_cfg=None` leaves `datasets` out."""
    raw = {
        "base_model": str(kit.model_dir),
        "model_type": "AutoModelForCausalLM",
        "tokenizer_type": "AutoTokenizer",
        "datasets": datasets_cfg,
        "dataset_prepared_path": str(work / prepared),
        "val_set_size": 0,
        "dataset_num_proc": 1,
        "sequence_len": 256,
        "micro_batch_size": 2,
        "gradient_accumulation_steps": 1,
        "num_epochs": 1,
        "learning_rate": 1e-3,
        "seed": 42,
        "output_dir": str(work / "out"),
        "plugins": ["axolotl_fast.FastPlugin"],
        "axolotl_fast": {"loader": True},
        **extra,
    }
    if datasets_cfg is None:
        del raw["datasets"]
    return finish_cfg(raw)


def run_both(plugin_manager, kit, work: Path, datasets_cfg: list, **extra):
    """Ours on prepared `ours/`, axolotl's on prepared `axolotl/`; both metas.

    Torch's global RNG is seeded before each side: with sample packing, axolotl's step count
    comes from a `RandomSampler` over that RNG (as in a real run, after `set_seed`).
    """
    import torch
    from axolotl.common.datasets import load_datasets as axolotl_load_datasets

    torch.manual_seed(0)
    ours_cfg = make_cfg(kit, work, "ours", datasets_cfg, **extra)
    ours = our_plugin(plugin_manager).load_datasets(ours_cfg, preprocess=False)
    torch.manual_seed(0)
    theirs_cfg = make_cfg(kit, work, "axolotl", datasets_cfg, **extra)
    theirs = axolotl_load_datasets(cfg=theirs_cfg)
    return ours, theirs


def our_plugin(manager) -> FastPlugin:
    return next(p for p in manager.plugins.values() if isinstance(p, FastPlugin))


def assert_same_datasets(ours, theirs) -> None:
    assert ours is not None, "the plugin fell back to axolotl's loader"
    assert len(theirs.train_dataset) > 0
    for name in ("train_dataset", "eval_dataset"):
        mine, reference = getattr(ours, name), getattr(theirs, name)
        if reference is None:
            assert mine is None, name
            continue
        assert mine.column_names == reference.column_names, name
        assert mine.features == reference.features, name
        assert mine.to_dict() == reference.to_dict(), name
    assert ours.total_num_steps == theirs.total_num_steps
