"""Which fast path reproduces an axolotl strategy object, or :class:`Unsupported` saying why.

A fast path is a module with ``SCHEMA`` (its output columns, in axolotl's order and with the
types ``datasets`` gives them), ``check_supported(strategy)`` (raises ``Unsupported``),
``iter_tokenized(table, strategy, encoder, num_threads)`` (the rows axolotl's
``strategy.tokenize_prompt`` gives, in consecutive Arrow tables) and ``settings_of(strategy)``
(what decides the output besides the rows and the tokenizer, for cache keys).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from axolotl_fast.integration.tokenize import (
    completion,
    input_output,
    instruction,
    instruction_w_system,
)
from axolotl_fast.integration.tokenize.instruction import Unsupported

__all__ = ["FAST_PATHS", "fast_path"]

# Strategy class name -> its fast path; each module then checks the exact class.
FAST_PATHS: dict[str, ModuleType] = {
    "AlpacaPromptTokenizingStrategy": instruction,
    "CompletionPromptTokenizingStrategy": completion,
    "RawInputOutputStrategy": input_output,
    "InstructionWSystemPromptTokenizingStrategy": instruction_w_system,
    "OpenOrcaPromptTokenizingStrategy": instruction_w_system,
}


def fast_path(strategy: Any) -> ModuleType:
    """The module that tokenizes exactly as ``strategy`` does.

    Raises:
        Unsupported: No fast path reproduces this strategy (the reason says why).
    """
    module = FAST_PATHS.get(type(strategy).__name__)
    if module is None:
        raise Unsupported(f"strategy {type(strategy).__name__} has no fast path yet")
    module.check_supported(strategy)
    return module
