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

from axolotl import prompt_tokenizers as strategies
from axolotl import prompters

from axolotl_fast.integration.tokenize import (
    chat_template,
    completion,
    input_output,
    instruction,
    instruction_w_system,
)
from axolotl_fast.integration.tokenize.instruction import Unsupported

__all__ = ["FAST_PATHS", "INSTRUCTION_HANDLERS", "fast_path"]

# Strategy class name -> its fast path; each module then checks the exact class.
FAST_PATHS: dict[str, ModuleType] = {
    **dict.fromkeys(instruction.FIELDS, instruction),
    "ChatTemplateStrategy": chat_template,
    "CompletionPromptTokenizingStrategy": completion,
    "RawInputOutputStrategy": input_output,
    "InstructionWSystemPromptTokenizingStrategy": instruction_w_system,
    "OpenOrcaPromptTokenizingStrategy": instruction_w_system,
}

# get_dataset_wrapper's DATASET_HANDLERS for instruction types (base type -> the prompter and
# strategy classes its handler builds with ``(style)`` and ``(prompter, tokenizer,
# train_on_inputs, sequence_len)``); the handlers themselves also tokenize, so they cannot be
# called for the strategy alone.
INSTRUCTION_HANDLERS: dict[str, tuple[type, type]] = {
    "alpaca": (prompters.AlpacaPrompter, strategies.AlpacaPromptTokenizingStrategy),
    "explainchoice": (
        prompters.MultipleChoiceExplainPrompter,
        strategies.AlpacaMultipleChoicePromptTokenizingStrategy,
    ),
    "concisechoice": (
        prompters.MultipleChoiceConcisePrompter,
        strategies.AlpacaMultipleChoicePromptTokenizingStrategy,
    ),
    "summarizetldr": (
        prompters.SummarizeTLDRPrompter,
        strategies.SummarizeTLDRPromptTokenizingStrategy,
    ),
    "jeopardy": (
        prompters.JeopardyPrompter,
        strategies.JeopardyPromptTokenizingStrategy,
    ),
    "oasst": (
        prompters.AlpacaPrompter,
        strategies.OpenAssistantPromptTokenizingStrategy,
    ),
    "gpteacher": (
        prompters.GPTeacherPrompter,
        strategies.GPTeacherPromptTokenizingStrategy,
    ),
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
