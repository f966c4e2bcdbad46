"""The Axolotl plugin: ``plugins: [axolotl_fast.FastPlugin]``.

Hooks only; the work lives in the rest of the package. The plugin uses Axolotl's official
hooks and never patches axolotl. It is also installed as an ``axolotl.plugins`` entry point,
which Axolotl 0.21 loads for every run, so every hook returns ``None`` and logs nothing above
debug unless the config has an ``axolotl_fast:`` block or lists the plugin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

try:
    from axolotl.integrations.base import BasePlugin, PluginManager
    from axolotl.utils.logging import get_logger
except ImportError as err:  # pragma: no cover - exercised in a subprocess test
    if err.name is not None and err.name.split(".")[0] != "axolotl":
        raise  # axolotl is there but one of its own dependencies is broken: say that
    raise ImportError(
        "axolotl_fast.FastPlugin is the Axolotl plugin and needs axolotl 0.21 or newer "
        "(Python >= 3.12): pip install 'axolotl==0.21.0'. The core library "
        "(`import axolotl_fast`) works without it."
    ) from err

from axolotl_fast.integration.config_checks import check_raw_config
from axolotl_fast.integration.report import write_report
from axolotl_fast.integration.status import (
    OperationStatus,
    fast_config,
    operation_statuses,
    plugin_enabled,
)
from axolotl_fast.integration.trace import trace_hook

if TYPE_CHECKING:
    from axolotl.common.datasets import TrainDatasetMeta
    from axolotl.utils.dict import DictDefault

__all__ = ["FastPlugin"]

LOG = get_logger(__name__)


class FastPlugin(BasePlugin):
    """Faster data loading, dedupe and collation for Axolotl, with the same data out."""

    def __init__(self) -> None:
        super().__init__()
        self.hooks_fired: list[str] = []
        self._logged_operations = False
        # What an operation actually did in this process, overriding its config status.
        self._outcomes: dict[str, OperationStatus] = {}

    def get_input_args(self) -> str | None:
        """Dotted path of the pydantic model that adds the ``axolotl_fast:`` block.

        A second instance (the plugin registered under another name) returns ``None``:
        axolotl would otherwise merge the same model twice and fail.
        """
        if not self._is_primary():
            return None
        return "axolotl_fast.integration.args.AxolotlFastArgs"

    def register(self, cfg: DictDefault) -> None:
        """Check the raw config for misspelled keys, which axolotl would drop silently.

        Raises:
            ConfigError: A misspelled block key or an unknown key inside the block.
        """
        if not self._is_primary():
            return
        check_raw_config(cfg)
        if plugin_enabled(cfg):
            LOG.debug("axolotl_fast: enabled by the config")

    def load_datasets(
        self, cfg: DictDefault, preprocess: bool = False
    ) -> TrainDatasetMeta | None:
        """Load the datasets when ``loader``, ``tokenize``, ``dedupe`` or ``near_dedupe`` is on.

        Returns ``None`` (axolotl loads the data) when all four are off, and when the config
        is RL, or (with only ``loader``) has an entry the loader cannot read exactly;
        one INFO line then says why. See :mod:`axolotl_fast.integration.data.load`.
        """
        if not self._enabled(cfg):
            return None
        self._fired("load_datasets", preprocess=preprocess)
        self._log_operations(cfg)
        settings = fast_config(cfg)
        near = settings.near_dedupe is not None
        if not (settings.loader or settings.tokenize or settings.dedupe or near):
            return None
        from axolotl_fast.integration.data.load import load_datasets

        outcome = load_datasets(cfg, settings)
        for name, active, note in (
            ("loader", outcome.read_by_us, outcome.note),
            (
                "tokenize",
                outcome.tokenized_by_us,
                outcome.tokenize_note or outcome.note,
            ),
            ("dedupe", outcome.deduped_by_us, outcome.note),
            ("near_dedupe", outcome.near_deduped_by_us, outcome.note),
        ):
            if getattr(settings, name) not in (None, False):
                self._outcomes[name] = OperationStatus(name, True, active, note)
        return outcome.meta

    def get_collator_cls_and_kwargs(
        self, cfg: DictDefault, is_eval: bool = False
    ) -> tuple[type, dict[str, Any]] | None:
        """``FastCollator`` in place of the collator axolotl would build; ``None`` keeps axolotl's.

        See :mod:`~axolotl_fast.integration.collator_choice` for which configs keep axolotl's
        collator.
        """
        if not self._enabled(cfg):
            return None
        self._fired("get_collator_cls_and_kwargs", is_eval=is_eval)
        if not fast_config(cfg).collator:
            return None
        from axolotl_fast.integration.collator import FastCollator
        from axolotl_fast.integration.collator_choice import choose_collator

        choice = choose_collator(cfg, is_eval)
        split = "eval" if is_eval else "train"
        used = choice.kwargs is not None
        LOG.info(
            "axolotl_fast: %s collator: %s%s",
            split,
            "FastCollator as " if used else "axolotl's, ",
            choice.note,
        )
        previous = self._outcomes.get("collator")
        active = used or bool(previous and previous.active)
        notes = [previous.note] if previous else []
        note = "; ".join([*notes, f"{split}: {choice.note}"])
        self._outcomes["collator"] = OperationStatus("collator", True, active, note)
        if not used:
            return None
        return FastCollator, choice.kwargs

    def get_trainer_cls(self, cfg: DictDefault) -> type | None:
        """With ``packing: bfd|ffd|sequential``, axolotl's trainer with our packer.

        Declines (``None``, one log line) when ``sample_packing`` is off or another trainer
        class is asked for; see :mod:`axolotl_fast.integration.trainer_choice`.
        """
        if not self._enabled(cfg):
            return None
        strategy = fast_config(cfg).packing
        if strategy == "axolotl":
            return None
        self._fired("get_trainer_cls")
        from axolotl_fast.integration.trainer_choice import packing_trainer

        trainer_cls, note = packing_trainer(cfg, strategy)
        self._outcomes["packing"] = OperationStatus(
            "packing", True, trainer_cls is not None, note
        )
        return trainer_cls

    def post_trainer_create(self, cfg: DictDefault, trainer: Any) -> None:
        """With our packer, set the exact step count (axolotl's is an estimate)."""
        if not self._enabled(cfg):
            return
        self._fired("post_trainer_create")
        from axolotl_fast.integration.trainer_choice import set_exact_steps

        note = set_exact_steps(cfg, trainer)
        if note is not None:
            self._outcomes["packing"] = OperationStatus("packing", True, True, note)

    def post_train(self, cfg: DictDefault, model: Any) -> None:
        """Write ``axolotl_fast_report.json`` into ``output_dir``.

        Axolotl calls this hook twice per run; the report is rewritten, never duplicated.
        """
        if not self._enabled(cfg):
            return
        self._fired("post_train")
        if cfg.get("output_dir"):
            statuses = [
                self._outcomes.get(status.name, status)
                for status in operation_statuses(fast_config(cfg))
            ]
            path = write_report(cfg["output_dir"], statuses, self.hooks_fired)
            if self.hooks_fired.count("post_train") == 1:
                LOG.info("axolotl_fast: run report written to %s", path)

    def post_train_unload(self, cfg: DictDefault) -> None:
        """Record the end of the run."""
        if self._enabled(cfg):
            self._fired("post_train_unload")

    def _enabled(self, cfg: DictDefault) -> bool:
        return self._is_primary() and plugin_enabled(cfg)

    def _is_primary(self) -> bool:
        """Whether this instance is the one that acts.

        If the plugin got registered under two names (say ``axolotl_fast.plugin.FastPlugin``
        and the entry point), only the first one does.
        """
        plugins = PluginManager().plugins.values()
        first = next((p for p in plugins if isinstance(p, FastPlugin)), None)
        return first is None or first is self

    def _fired(self, hook: str, **details: Any) -> None:
        self.hooks_fired.append(hook)
        trace_hook(hook, **details)
        LOG.debug("axolotl_fast: hook %s %s", hook, details or "")

    def _log_operations(self, cfg: DictDefault) -> None:
        if self._logged_operations:
            return
        self._logged_operations = True
        for status in operation_statuses(fast_config(cfg)):
            if status.active:
                LOG.info("axolotl_fast: %s active", status.name)
            elif status.requested:
                LOG.warning(
                    "axolotl_fast: %s requested but not active: %s",
                    status.name,
                    status.note,
                )
            else:
                LOG.info("axolotl_fast: %s off in the config", status.name)
