"""axolotl's ``alpaca_w_system`` strategies (a system prompt per row), tokenized in Rust.

``InstructionWSystemPromptTokenizingStrategy`` (``alpaca_w_system``, ``.load_instruct``,
``.load_chat``) and its ``OpenOrcaPromptTokenizingStrategy`` (``.load_open_orca``,
``.load_open_orca_chatml``) tokenize exactly as the alpaca strategy does (the same
``_tokenize`` calls, labels and EOS / BOS rules), but the prompt is the prompter's
``build_prompt_w_system(system, instruction, input)``: ``system_format`` with the row's
``system`` when that value is truthy, then the turn template, and no fixed system prompt.
The Rust instruction core takes that system column and block as they are
(:class:`~axolotl_fast.encode.InstructionTemplates` ``system``).

Field names: ``instruction``, ``input`` (optional), ``output``, ``system`` for the former;
``question``, ``response``, ``system_prompt`` (no input) for OpenOrca. Anything else
(another strategy or prompter class, a template with other fields, a missing column) is
:class:`~axolotl_fast.integration.tokenize.instruction.Unsupported`.
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from axolotl_fast.encode import Encoder, InstructionTemplates
from axolotl_fast.integration.tokenize.instruction import (
    SCHEMA,
    Unsupported,
    check_tokenizer,
    string_column,
)

__all__ = ["SCHEMA", "check_supported", "iter_tokenized", "settings_of"]

# (instruction, input or None, response, system) column names, by strategy class name.
_FIELDS = {
    "InstructionWSystemPromptTokenizingStrategy": (
        "instruction",
        "input",
        "output",
        "system",
    ),
    "OpenOrcaPromptTokenizingStrategy": ("question", None, "response", "system_prompt"),
}


def check_supported(strategy: Any) -> None:
    """Raise :class:`Unsupported` unless the Rust path reproduces ``strategy`` exactly."""
    _fields(strategy)
    templates_of(strategy.prompter)
    check_tokenizer(strategy.tokenizer)


def templates_of(prompter: Any) -> InstructionTemplates:
    """The turn templates and the system block of a ``SystemDataPrompter``."""
    from axolotl.prompt_strategies.alpaca_w_system import (
        OpenOrcaSystemDataPrompter,
        SystemDataPrompter,
    )

    if type(prompter) not in (SystemDataPrompter, OpenOrcaSystemDataPrompter):
        raise Unsupported(f"prompter {type(prompter).__name__} is not axolotl's")
    if not hasattr(prompter, "turn_format"):  # an unknown style: axolotl fails on row 1
        raise Unsupported(f"prompt style {prompter.prompt_style!r} has no templates")
    templates = InstructionTemplates(
        with_input=prompter.turn_format,
        without_input=prompter.turn_no_input_format,
        system=prompter.system_format or None,
    )
    _check_fields(templates.with_input, {"instruction", "input"})
    _check_fields(templates.without_input, {"instruction"})
    if templates.system is not None:
        _check_fields(templates.system, {"system"})
    return templates


def settings_of(strategy: Any) -> dict[str, Any]:
    """What decides the output besides the rows and the tokenizer (for cache keys)."""
    return {
        "strategy": "instruction_w_system",
        "fields": _fields(strategy),
        "templates": repr(templates_of(strategy.prompter)),
        "max_length": strategy.max_length,
        "train_on_inputs": bool(strategy.train_on_inputs),
    }


def iter_tokenized(
    table: pa.Table, strategy: Any, encoder: Encoder, num_threads: int | None = None
) -> Iterator[pa.Table]:
    """The rows ``strategy.tokenize_prompt`` gives for ``table``, in consecutive tables."""
    check_supported(strategy)
    instruction, input_name, response, system = _fields(strategy)
    tokenizer = strategy.tokenizer
    has_input = input_name is not None and input_name in table.column_names
    return encoder.iter_tokenize_instructions(
        string_column(table, instruction),
        string_column(table, response),
        input=string_column(table, input_name) if has_input else None,
        system=string_column(table, system),
        templates=templates_of(strategy.prompter),
        max_length=strategy.max_length,
        train_on_inputs=bool(strategy.train_on_inputs),
        eos_id=tokenizer.eos_token_id,
        bos_id=tokenizer.bos_token_id,
        truncation_side=tokenizer.truncation_side,
        split_special_tokens=bool(getattr(tokenizer, "split_special_tokens", False)),
        num_threads=num_threads,
    )


def _fields(strategy: Any) -> tuple[str, str | None, str, str]:
    """The column names the strategy class reads, if it is one of axolotl's two."""
    from axolotl.prompt_strategies import alpaca_w_system

    name = type(strategy).__name__
    if name not in _FIELDS or type(strategy) is not getattr(alpaca_w_system, name):
        raise Unsupported(f"strategy {name} is not an alpaca_w_system one")
    return _FIELDS[name]


def _check_fields(template: str, allowed: set[str]) -> None:
    """Raise :class:`Unsupported` if ``template`` formats anything but ``allowed`` names."""
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as error:
        raise Unsupported(f"template {template!r}: {error}") from None
    for _, field, spec, conversion in parts:
        if field is not None and (field not in allowed or spec or conversion):
            raise Unsupported(f"template {template!r} formats {{{field}}} differently")
