"""When the plugin's ``packing`` strategy takes over axolotl's trainer class, and its steps.

``get_trainer_cls`` is first-non-None-wins in axolotl 0.21 and short-circuits every other
choice of trainer (``core/builders/causal.py::_get_trainer_cls``): reward and PRM trainers,
``trainer_cls``, model-support trainers, other plugins' trainers. So the plugin returns
:class:`~axolotl_fast.integration.trainer.FastPackingTrainer` only when axolotl would have built a
plain ``AxolotlTrainer`` with sample packing, and otherwise declines with a warning naming
what asked for another trainer (axolotl's sampler then packs).

After the trainer is built, :func:`set_exact_steps` replaces axolotl's step estimate (computed
with its own packer, before training) by the exact count of our packed batches, unless the
config sets ``max_steps``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from axolotl.utils.logging import get_logger

if TYPE_CHECKING:
    from axolotl.utils.dict import DictDefault

__all__ = ["packing_trainer", "set_exact_steps"]

LOG = get_logger(__name__)


def packing_trainer(cfg: DictDefault, strategy: str) -> tuple[type | None, str]:
    """The trainer class for ``packing: <strategy>``, or ``None`` and why not."""
    from axolotl_fast.integration.trainer import FastPackingTrainer

    reason = _other_trainer(cfg)
    if reason is not None:
        note = f"packing: {strategy} not used ({reason}); axolotl's sampler packs"
        LOG.warning("axolotl_fast: %s", note)
        return None, note
    trainer_cls = type(
        "FastPackingTrainer",
        (FastPackingTrainer,),
        {"packing_strategy": strategy, "__module__": FastPackingTrainer.__module__},
    )
    note = f"packing: {strategy} packs the training bins (FastPackingTrainer)"
    LOG.info("axolotl_fast: %s", note)
    return trainer_cls, note


def _other_trainer(cfg: DictDefault) -> str | None:
    from axolotl.model_support import get_model_support_for_cfg, resolve_model_support

    from axolotl_fast.integration.status import other_plugins_with

    if not cfg.sample_packing:
        return "sample_packing is off"
    if cfg.streaming or cfg.pretraining_dataset:
        return "streaming data is packed while it streams"
    if cfg.rl or cfg.reward_model or cfg.process_reward_model:
        return "RL / reward trainers have their own batching"
    if cfg.trainer_cls:
        return f"trainer_cls: {cfg.trainer_cls}"
    profile = resolve_model_support(get_model_support_for_cfg(cfg))
    if profile is not None and profile.strategies.trainer_cls is not None:
        return "the model's support profile brings its own trainer"
    others = other_plugins_with("get_trainer_cls")
    if others:
        return f"plugin {', '.join(others)} can choose the trainer"
    return None


def set_exact_steps(cfg: DictDefault, trainer: Any) -> str | None:
    """Set ``trainer.args.max_steps`` to the exact count of our packed steps.

    Returns:
        A note for the run report, or ``None`` when the trainer does not use our packer.
    """
    from axolotl_fast.integration.trainer import FastPackingTrainer, exact_max_steps

    if not isinstance(trainer, FastPackingTrainer):
        return None
    steps = exact_max_steps(trainer, cfg.num_epochs or 1)  # also packs once (stats)
    if cfg.max_steps:
        steps = trainer.args.max_steps
    elif steps != trainer.args.max_steps:
        LOG.info(
            "axolotl_fast: %d optimizer steps with packing: %s (axolotl estimated %d)",
            steps,
            trainer.packing_strategy,
            trainer.args.max_steps,
        )
        trainer.args.max_steps = steps
    stats = trainer.packing_stats or {}
    efficiency = stats.get("efficiency")
    shown = "?" if efficiency is None else f"{efficiency:.4f}"
    return (
        f"packing: {trainer.packing_strategy}: {stats.get('batches', '?')} packed "
        f"batches per epoch, efficiency {shown}, {steps} optimizer steps"
    )
