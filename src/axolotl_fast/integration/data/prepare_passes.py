"""The passes axolotl 0.21 runs over a merged, tokenized split, on its Arrow columns.

Before a split is saved, ``_load_raw_datasets`` runs ``handle_long_seq_in_dataset`` (the
``[min_sample_len, sequence_len]`` filter, by ``excess_length_strategy``: drop, truncate or
raise) and, with packing, ``process_datasets_for_packing`` (column drops for gemma3 / falcon /
mistral, the zero-trainable filter, ``length`` for ``group_by_length``, ``position_ids`` and
``length`` for packing). Each is a ``datasets`` ``filter`` / ``map`` over Python rows in
``dataset_num_proc`` processes. With the plugin's ``tokenize`` on, :class:`PreparePasses`
computes the same rows, columns, types and order from the Arrow columns
(:mod:`axolotl_fast.hf.row_passes`), and logs what axolotl logs.

Each pass is guarded as the tokenization is: the first :data:`GUARD_ROWS` rows of the split go
through axolotl's own function and through ours, in memory, and the results (rows, features,
values, or the error raised) must be equal; otherwise, or if ours fails, axolotl's function
runs on the split with a WARNING. Configs these passes do not cover (``use_pose``, a
streamed split, null rows, columns the pass would overwrite) run axolotl's with an INFO line.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import numpy as np
from axolotl.utils.logging import get_logger

from axolotl_fast.hf.row_passes import (
    UnsupportedColumns,
    add_length,
    add_position_ids,
    keep_rows,
    rewritten,
    sequence_lengths,
    trainable_rows,
    truncate_lists,
)
from axolotl_fast.integration.trace import trace_hook

if TYPE_CHECKING:
    from axolotl.utils.dict import DictDefault
    from datasets import Dataset

__all__ = ["GUARD_ROWS", "PreparePasses"]

LOG = get_logger(__name__)

GUARD_ROWS = 256
Pass = Callable[["Dataset"], "Dataset"]
# The loggers of both passes, kept quiet while the guard runs them on the head.
_PASS_LOGGERS = ("axolotl.utils.data.utils", "axolotl.utils.trainer", __name__)


class AxolotlError(ValueError):
    """An error axolotl's pass raises for this data (same message), raised by ours."""


class _Declined(Exception):
    """Why axolotl's pass runs instead of ours (the message is the reason)."""


class PreparePasses:
    """The long-sequence and packing passes of one run, in Arrow where they can be.

    Args:
        cfg: The validated, normalized axolotl config.
        fast: Whether to compute the passes ourselves (the plugin's ``tokenize``); if not,
            axolotl's functions run as they are.
    """

    def __init__(self, cfg: DictDefault, fast: bool) -> None:
        self.cfg = cfg
        self.fast = fast
        self.notes: list[str] = []

    def run(self, dataset: Dataset, split: str) -> Dataset:
        """The passes ``_load_raw_datasets`` runs on ``split`` before deduplicating it."""
        from axolotl.utils.trainer import deepspeed_context_parallel

        cfg = self.cfg
        max_len = cfg.sequence_len
        if split == "test" and cfg.eval_sequence_len:
            max_len = cfg.eval_sequence_len
        dataset = self._guarded(split, "length filter", dataset, *self._long(max_len))
        if (
            (split == "train" and cfg.sample_packing)
            or (split == "test" and cfg.eval_sample_packing)
            or deepspeed_context_parallel(cfg)
        ):
            dataset = self._guarded(split, "packing columns", dataset, *self._packing())
        return dataset

    def _long(self, max_len: int) -> tuple[Callable, Pass]:
        from axolotl.utils.data.utils import handle_long_seq_in_dataset

        def axolotl(dataset: Dataset, cfg: DictDefault) -> Dataset:
            return handle_long_seq_in_dataset(dataset, max_len, cfg)

        return axolotl, lambda dataset: self._long_seq(dataset, max_len)

    def _packing(self) -> tuple[Callable, Pass]:
        from axolotl.utils.trainer import process_datasets_for_packing

        def axolotl(dataset: Dataset, cfg: DictDefault) -> Dataset:
            return process_datasets_for_packing(cfg, dataset, None)[0]

        return axolotl, self._for_packing

    def _guarded(
        self,
        split: str,
        name: str,
        dataset: Dataset,
        axolotl: Callable[[Dataset, DictDefault], Dataset],
        ours: Pass,
    ) -> Dataset:
        """``ours(dataset)`` if it agrees with axolotl's pass on the head, else axolotl's."""
        if not self.fast:
            return axolotl(dataset, self.cfg)
        reason = self._unsupported(dataset)
        if reason is None:
            try:
                return self._ours(split, name, dataset, axolotl, ours)
            except _Declined as declined:
                reason = str(declined)
        self._note(split, f"{name} by axolotl: {reason}")
        return axolotl(dataset, self.cfg)

    def _ours(
        self,
        split: str,
        name: str,
        dataset: Dataset,
        axolotl: Callable[[Dataset, DictDefault], Dataset],
        ours: Pass,
    ) -> Dataset:
        """The guard, then ours; :class:`_Declined` says why axolotl's pass must run."""
        try:
            difference = _head_difference(dataset, self.cfg, axolotl, ours)
            if difference is None:
                result = ours(dataset)
        except AxolotlError as error:
            self._note(split, f"{name} in Arrow raised axolotl's error: {error}")
            raise ValueError(str(error)) from None
        except UnsupportedColumns as refusal:
            raise _Declined(str(refusal)) from None
        except Exception as error:  # never fail where axolotl's pass would run
            reason = f"error, {type(error).__name__}: {error}"
            LOG.warning("axolotl_fast: %s failed (%s)", name, reason)
            raise _Declined(reason) from None
        if difference is not None:
            LOG.warning(
                "axolotl_fast: %s guard: ours differs from axolotl's at %s; "
                "axolotl's pass runs instead",
                name,
                difference,
            )
            raise _Declined(f"guard, {difference}")
        self._note(split, f"{name} in Arrow ({len(result)} rows)")
        return result

    def _unsupported(self, dataset: Dataset) -> str | None:
        from datasets import Dataset

        if not isinstance(dataset, Dataset):
            return "not a map-style dataset"
        if "input_ids" not in dataset.column_names:
            return "no input_ids column"
        if self.cfg.use_pose:
            return "use_pose"
        return None

    def _note(self, split: str, note: str) -> None:
        self.notes.append(f"{split}: {note}")
        trace_hook("passes", split=split, note=note)
        LOG.info("axolotl_fast: %s: %s", split, note)

    def _long_seq(self, dataset: Dataset, max_len: int) -> Dataset:
        """``handle_long_seq_in_dataset(dataset, max_len, cfg)`` on the Arrow columns."""
        cfg = self.cfg
        lengths = sequence_lengths(dataset)
        if len(lengths):
            LOG.info(f"min_input_len: {np.min(lengths)}")
            LOG.info(f"max_input_len: {np.max(lengths)}")
        min_len = cfg.min_sample_len or 2
        strategy = (cfg.excess_length_strategy or "drop").lower()
        if strategy == "truncate":
            dataset = _dropped(dataset, lengths >= min_len, cfg.min_sample_len)
            dataset = rewritten(
                dataset,
                "truncate",
                truncate_lists(
                    max_len, ("input_ids", "attention_mask", "labels", "position_ids")
                ),
            )
            LOG.info(f"Truncated long sequences to max length {max_len}")
            return dataset
        too_long = np.flatnonzero(lengths > max_len)
        if strategy == "raise" and len(too_long):
            raise AxolotlError(
                f"Sequence encountered with {lengths[too_long[0]]} tokens, which "
                f"exceeds the maximum {max_len}."
            )
        keep = (lengths >= min_len) & (lengths <= max_len)
        kept = keep_rows(dataset, keep)
        if strategy != "raise" and len(kept) < len(dataset):
            LOG.info(
                f"Dropped {len(dataset) - len(kept)} sequences outside valid range "
                f"([{cfg.min_sample_len}, {max_len}])"
            )
        return kept

    def _for_packing(self, dataset: Dataset) -> Dataset:
        """``process_datasets_for_packing(cfg, dataset, None)[0]`` on the Arrow columns."""
        from axolotl.utils.trainer import deepspeed_context_parallel

        cfg = self.cfg
        if {"position_ids", "length"} & set(dataset.column_names):
            raise UnsupportedColumns("position_ids / length columns already present")
        if cfg.model_config_type in ["gemma3"]:
            LOG.info("dropping attention_mask column")
            dataset = dataset.remove_columns("attention_mask")
        if cfg.model_config_type in ["falcon", "mistral"]:
            LOG.info("dropping token_type_ids column if it exists")
            if "token_type_ids" in dataset.column_names:
                dataset = dataset.remove_columns("token_type_ids")
        prior = len(dataset)
        dataset = keep_rows(dataset, trainable_rows(dataset))
        if prior and prior > len(dataset):
            LOG.warning(
                f"Dropped {prior - len(dataset)} samples with no trainable tokens"
            )
        if prior and not len(dataset):
            raise AxolotlError(_NO_TRAINABLE)
        if not len(dataset):  # axolotl's maps add no column to no rows
            return dataset
        if cfg.group_by_length:
            dataset = rewritten(dataset, "length", add_length)
        if cfg.sample_packing or deepspeed_context_parallel(cfg):
            dataset = rewritten(dataset, "position-ids", add_position_ids)
        return dataset


def _dropped(dataset: Dataset, keep: np.ndarray, min_sample_len: int | None) -> Dataset:
    """``_filter_short_sequences``: the rows ``keep`` holds, logged as axolotl logs them."""
    kept = keep_rows(dataset, keep)
    if len(kept) < len(dataset):
        dropped = len(dataset) - len(kept)
        LOG.info(f"Dropped {dropped} short sequences (<{min_sample_len} tokens)")
    return kept


_NO_TRAINABLE = (
    "The dataset has no samples left after dropping samples with no "
    "trainable tokens. Every sample had all of its labels masked to "
    "-100, so there is nothing to train on. Check `train_on_inputs`, "
    "`roles_to_train`, and your prompt strategy / chat template."
)


def _head_difference(
    dataset: Dataset,
    cfg: DictDefault,
    axolotl: Callable[[Dataset, DictDefault], Dataset],
    ours: Pass,
) -> str | None:
    """Where ours and axolotl's pass first differ on the split's first rows, in memory."""
    from axolotl.utils.dict import DictDefault
    from datasets import Dataset
    from datasets.table import InMemoryTable

    rows = dataset.with_format("arrow")[: min(GUARD_ROWS, len(dataset))]
    head = Dataset(InMemoryTable(rows), info=dataset.info.copy(), split=dataset.split)
    quiet_cfg = DictDefault({**cfg, "dataset_num_proc": None})
    with _quiet():
        theirs, their_error = _outcome(lambda: axolotl(head, quiet_cfg))
        mine, my_error = _outcome(lambda: ours(head))
    if their_error or my_error:
        return None if their_error == my_error else f"error {my_error or their_error}"
    if mine.features != theirs.features:
        return f"features {dict(mine.features)} vs {dict(theirs.features)}"
    expected, actual = theirs.to_list(), mine.to_list()
    for index, (row, other) in enumerate(zip(expected, actual, strict=False)):
        if row != other:
            return f"row {index}"
    if len(expected) != len(actual):
        return f"rows {len(actual)} vs {len(expected)}"
    return None


def _outcome(call: Callable[[], Dataset]) -> tuple[Dataset | None, str | None]:
    try:
        return call(), None
    except UnsupportedColumns:
        raise
    except Exception as error:  # compared: the same error on both sides is agreement
        kind = "ValueError" if isinstance(error, ValueError) else type(error).__name__
        return None, f"{kind}: {error}"


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """No progress bars and no INFO lines of the passes while the guard runs the head."""
    import datasets

    bars = datasets.is_progress_bar_enabled()
    datasets.disable_progress_bars()
    loggers = [logging.getLogger(name) for name in _PASS_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
        if bars:
            datasets.enable_progress_bars()
