"""Which collator axolotl 0.21 would build, and the ``FastCollator`` that replaces it.

``get_collator_cls_and_kwargs`` fires inside ``HFCausalTrainerBuilder.build_collator``
(``core/builders/causal.py``) before axolotl picks its own class. :func:`choose_collator`
repeats that choice from the config:

* a model-support ``collator_factory``, ``reward_model`` / ``process_reward_model``,
  multimodal (``processor_type``) and ``batch_flattening`` configs keep axolotl's collator
  (``None``, with the reason);
* packed batches (``sample_packing`` for train, ``eval_sample_packing`` for eval) get
  ``packed="segments"`` where axolotl takes ``V2BatchSamplerDataCollatorForSeq2Seq`` (flex
  attention, multipack model types, llama without flash-attention 2) and ``packed="concat"``
  where it takes ``BatchSamplerDataCollatorForSeq2Seq``;
* everything else is ``DataCollatorForSeq2Seq`` (``packed=None``).

Axolotl adds ``emit_fa_varlen_kwargs=True`` only to its own two batch-sampler classes, so the
same condition is computed here and passed in the kwargs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from axolotl.utils.dict import DictDefault

__all__ = ["CollatorChoice", "choose_collator"]


@dataclass(frozen=True)
class CollatorChoice:
    """The outcome for one ``build_collator`` call.

    Attributes:
        kwargs: ``FastCollator`` kwargs (merged over axolotl's ``padding`` /
            ``pad_to_multiple_of``), or ``None`` when axolotl's collator stays.
        note: What was chosen, or why axolotl's collator stays.
    """

    kwargs: dict[str, Any] | None
    note: str


def choose_collator(cfg: DictDefault, is_eval: bool) -> CollatorChoice:
    """The ``FastCollator`` kwargs for this config and split, or why axolotl's collator stays."""
    reason = _kept_by_axolotl(cfg, is_eval)
    if reason is not None:
        return CollatorChoice(None, reason)
    packed_mode = bool(cfg.eval_sample_packing if is_eval else cfg.sample_packing)
    if not packed_mode:
        return CollatorChoice({"packed": None}, "DataCollatorForSeq2Seq")
    if _uses_v2(cfg):
        kwargs: dict[str, Any] = {"packed": "segments"}
        note = "V2BatchSamplerDataCollatorForSeq2Seq"
    else:
        kwargs = {"packed": "concat"}
        note = "BatchSamplerDataCollatorForSeq2Seq"
    if _emits_varlen_kwargs(cfg):
        kwargs["emit_fa_varlen_kwargs"] = True
        note += " with flash-attention varlen kwargs"
    return CollatorChoice(kwargs, note)


def _kept_by_axolotl(cfg: DictDefault, is_eval: bool) -> str | None:
    from axolotl.model_support import get_model_support_for_cfg, resolve_model_support

    if cfg.rl:
        return f"rl: {cfg.rl} (preference collators)"
    if cfg.reward_model or cfg.process_reward_model:
        return "reward models use TRL's preference collator"
    profile = resolve_model_support(get_model_support_for_cfg(cfg))
    if profile is not None and profile.strategies.collator_factory is not None:
        return "the model's support profile brings its own collator"
    packed_mode = cfg.eval_sample_packing if is_eval else cfg.sample_packing
    if not packed_mode and cfg.processor_type:
        return "multimodal batches use MultiModalChatDataCollator"
    if not packed_mode and cfg.batch_flattening:
        return "batch_flattening uses DataCollatorWithFlattening"
    return None


def _uses_v2(cfg: DictDefault) -> bool:
    from axolotl.monkeypatch.multipack import SUPPORTED_MULTIPACK_MODEL_TYPES

    return (
        cfg.attn_implementation == "flex_attention"
        or cfg.model_config_type in SUPPORTED_MULTIPACK_MODEL_TYPES
        or (
            cfg.model_config_type in ["llama"]
            and cfg.attn_implementation != "flash_attention_2"
        )
    )


def _emits_varlen_kwargs(cfg: DictDefault) -> bool:
    """Axolotl's condition for ``emit_fa_varlen_kwargs`` (packed mode is already known)."""
    from axolotl.monkeypatch.multipack import SUPPORTED_MULTIPACK_MODEL_TYPES
    from transformers.utils.generic import is_flash_attention_requested

    deepspeed_sp = bool(cfg.deepspeed) and (cfg.context_parallel_size or 1) > 1
    dispatch = (cfg.accelerator_config or {}).get("dispatch_batches")
    if dispatch is None:
        dispatch = bool(cfg.streaming or cfg.pretraining_dataset)
    return bool(
        is_flash_attention_requested(
            requested_attention_implementation=cfg.attn_implementation
        )
        and cfg.fa_varlen_kwargs_in_collator is not False
        and cfg.model_config_type in SUPPORTED_MULTIPACK_MODEL_TYPES
        and not deepspeed_sp
        and not dispatch
    )
