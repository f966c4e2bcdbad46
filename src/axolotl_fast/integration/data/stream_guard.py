"""The guard and the fallback of a streaming buffer function made in Rust.

Axolotl maps one function over every buffer of a streamed dataset (``encode_packed_streaming``
or ``encode_streaming``). :class:`GuardedStreamEncode` stands in for it: on the first buffer,
its first ``guard_rows`` rows go through axolotl's function and through ours
(:meth:`~GuardedStreamEncode.ours`), and :meth:`~GuardedStreamEncode.difference` compares
them. Equal: ours makes every buffer (one INFO line, traced). Different, or an error of ours
at any buffer: a WARNING, and axolotl's function makes that buffer and every later one, so a
run never trains on rows axolotl would not have made.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from axolotl.utils.logging import get_logger

from axolotl_fast.integration.trace import trace_hook

__all__ = ["GuardedStreamEncode"]

LOG = get_logger(__name__)


class GuardedStreamEncode:
    """A buffer function of a streamed dataset: ours after the guard, else axolotl's.

    Subclasses set :attr:`guard_rows`, :attr:`stream` (what is made, for messages),
    :attr:`verb` (what making it is called), :attr:`reference` (axolotl's function's name)
    and give :meth:`ours` and :meth:`passed_note`.

    Args:
        axolotls: axolotl's function with the run's settings (the reference and fallback).
    """

    guard_rows = 256
    stream = "the stream"
    verb = "encodes"
    reference = "encode_streaming"

    def __init__(self, axolotls: Callable[[dict], Any]) -> None:
        self.axolotls = axolotls
        self.checked = False
        self.use_axolotl = False

    def __call__(self, examples: dict[str, list]) -> Any:
        """One buffer of rows, made as axolotl's function makes it."""
        if not self.checked:
            self.checked = True
            self.use_axolotl = not self._guard(examples)
        if self.use_axolotl:
            return self.axolotls(examples)
        try:
            return self.ours(examples)
        except Exception as error:  # never fail where axolotl's function would run
            self._give_up(f"{type(error).__name__}: {error}")
            return self.axolotls(examples)

    def ours(self, examples: dict[str, list]) -> Any:
        """What axolotl's function returns for ``examples``, made by us."""
        raise NotImplementedError

    def passed_note(self) -> str:
        """The run report's line when the guard passes."""
        raise NotImplementedError

    def difference(self, head: dict[str, list]) -> str | None:
        """Where ours and axolotl's differ on ``head``, or ``None``; may raise."""
        raise NotImplementedError

    def _guard(self, examples: dict[str, list]) -> bool:
        head = {name: values[: self.guard_rows] for name, values in examples.items()}
        try:
            difference = self.difference(head)
        except Exception as error:
            self._give_up(f"{type(error).__name__}: {error}")
            return False
        if difference is None:
            note = self.passed_note()
            LOG.info("axolotl_fast: tokenize: %s", note)
            trace_hook("tokenize", split="train", note=note)
            return True
        LOG.warning(
            "axolotl_fast: tokenize guard: %s differs from axolotl's %s at %s; "
            "axolotl %s it instead",
            self.stream,
            self.reference,
            difference,
            self.verb,
        )
        note = f"axolotl {self.verb} {self.stream}: guard, {difference}"
        trace_hook("tokenize", split="train", note=note)
        return False

    def _give_up(self, reason: str) -> None:
        self.use_axolotl = True
        LOG.warning(
            "axolotl_fast: tokenize failed on %s (%s); axolotl %s it",
            self.stream,
            reason,
            self.verb,
        )
        note = f"axolotl {self.verb} {self.stream}: error, {reason}"
        trace_hook("tokenize", split="train", note=note)
