"""The alpaca family of axolotl's instruction strategies, tokenized in Rust.

:func:`tokenize_table` takes the instruction strategy axolotl built for a dataset entry
(``AlpacaPromptTokenizingStrategy`` for ``type: alpaca``, ``alpaca:chat``, ``alpaca_chat``,
``alpaca_instruct``, ...; the ``gpteacher``, ``oasst``, ``jeopardy``, ``summarizetldr``,
``explainchoice`` and ``concisechoice`` strategies, whose fields
:mod:`~axolotl_fast.integration.tokenize.instruction_fields` reads) and the entry's Arrow
table, and returns what axolotl's ``TokenizedPromptDataset`` would hold:
``input_ids`` (``list<int32>``), ``attention_mask`` (``list<int8>``) and ``labels``
(``list<int64>``), row for row. The prompt templates come from axolotl's prompter object
(:func:`templates_of`), the limits from the strategy (``max_length``, ``train_on_inputs``),
the ids and truncation side from the tokenizer, so nothing is restated here. Whatever the
Rust path cannot reproduce exactly raises :class:`Unsupported`:

* a strategy or prompter class that changes the prompt building or the tokenization;
* a tokenizer that is not a fast one, has no EOS id, or returns ``token_type_ids`` (axolotl
  keeps the prompt's part only);
* a missing field column, or a column that is not strings.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa
from axolotl.prompters import AlpacaPrompter

from axolotl_fast.encode import Encoder, InstructionTemplates
from axolotl_fast.integration.tokenize.columns import Unsupported, string_column
from axolotl_fast.integration.tokenize.instruction_fields import FIELDS

__all__ = [
    "SCHEMA",
    "Unsupported",
    "check_supported",
    "check_tokenizer",
    "iter_tokenized",
    "settings_of",
    "string_column",
    "templates_of",
    "tokenize_table",
]


# The strategy's columns in axolotl's order, with the types datasets gives those names.
SCHEMA = pa.schema(
    [
        ("input_ids", pa.list_(pa.int32())),
        ("attention_mask", pa.list_(pa.int8())),
        ("labels", pa.list_(pa.int64())),
    ]
)


def templates_of(prompter: Any) -> InstructionTemplates:
    """The prompt templates of an ``AlpacaPrompter`` (or a subclass that only sets strings).

    Raises:
        Unsupported: The prompter builds its prompts in its own way.
    """
    if not isinstance(prompter, AlpacaPrompter):
        raise Unsupported(
            f"prompter {type(prompter).__name__} is not an AlpacaPrompter"
        )
    # match_prompt_style may differ: the templates are read from the instance it set up.
    for method in ("_build_result", "build_prompt"):
        if getattr(type(prompter), method) is not getattr(AlpacaPrompter, method):
            raise Unsupported(f"prompter {type(prompter).__name__} overrides {method}")
    if not hasattr(prompter, "turn_format"):  # an unknown style: axolotl fails on row 1
        raise Unsupported(f"prompt style {prompter.prompt_style!r} has no templates")
    return InstructionTemplates(
        with_input=_system_block(prompter, prompter.system_prompt)
        + prompter.turn_format,
        without_input=_system_block(prompter, prompter.system_no_input_prompt)
        + prompter.turn_no_input_format,
    )


def _system_block(prompter: Any, system: str) -> str:
    """``system_format.format(system=...)`` when the prompt is set, braces escaped."""
    if not system:
        return ""
    block = prompter.system_format.format(system=system)
    return block.replace("{", "{{").replace("}", "}}")


def tokenize_table(
    table: pa.Table,
    strategy: Any,
    encoder: Encoder | None = None,
    num_threads: int | None = None,
) -> pa.Table:
    """Tokenize ``table``'s rows as ``strategy.tokenize_prompt`` would, all at once.

    Args:
        table: The entry's rows (``instruction``, ``output``, optional ``input``).
        strategy: The ``AlpacaPromptTokenizingStrategy`` axolotl built for the entry.
        encoder: The strategy tokenizer's encoder (made from it when ``None``).
        num_threads: Threads for the Rust tokenizer (default: the CPUs).

    Raises:
        Unsupported: See the module's docstring.
    """
    columns, options = _call(table, strategy, num_threads)
    encoder = encoder or Encoder.from_tokenizer(strategy.tokenizer)
    return encoder.tokenize_instructions(*columns, **options)


def iter_tokenized(
    table: pa.Table,
    strategy: Any,
    encoder: Encoder,
    num_threads: int | None = None,
) -> Iterator[pa.Table]:
    """:func:`tokenize_table` in consecutive pieces (``Unsupported`` is raised up front)."""
    columns, options = _call(table, strategy, num_threads)
    return encoder.iter_tokenize_instructions(*columns, **options)


def check_supported(strategy: Any) -> None:
    """Raise :class:`Unsupported` unless the Rust path reproduces ``strategy`` exactly."""
    from axolotl import prompt_tokenizers

    name = type(strategy).__name__
    if name not in FIELDS or type(strategy) is not getattr(prompt_tokenizers, name):
        raise Unsupported(f"strategy {name} is not one of axolotl's instruction ones")
    templates_of(strategy.prompter)
    check_tokenizer(strategy.tokenizer)


def settings_of(strategy: Any) -> dict[str, Any]:
    """What decides the output besides the rows and the tokenizer (for cache keys)."""
    return {
        "strategy": type(strategy).__name__,
        "templates": repr(templates_of(strategy.prompter)),
        "max_length": strategy.max_length,
        "train_on_inputs": bool(strategy.train_on_inputs),
    }


def _call(
    table: pa.Table, strategy: Any, num_threads: int | None
) -> tuple[tuple[pa.ChunkedArray, pa.ChunkedArray], dict[str, Any]]:
    """The positional columns and keyword options of the encoder's instruction call."""
    check_supported(strategy)
    tokenizer = strategy.tokenizer
    instruction, input_column, response = FIELDS[type(strategy).__name__](table)
    columns = (instruction, response)
    options = {
        "input": input_column,
        "templates": templates_of(strategy.prompter),
        "max_length": strategy.max_length,
        "train_on_inputs": bool(strategy.train_on_inputs),
        "eos_id": tokenizer.eos_token_id,
        "bos_id": tokenizer.bos_token_id,
        "truncation_side": tokenizer.truncation_side,
        "split_special_tokens": bool(getattr(tokenizer, "split_special_tokens", False)),
        "num_threads": num_threads,
    }
    return columns, options


def check_tokenizer(tokenizer: Any) -> None:
    """Raise :class:`Unsupported` for a tokenizer whose encodings the Rust path cannot give."""
    if not getattr(tokenizer, "is_fast", False):
        raise Unsupported(
            f"tokenizer {type(tokenizer).__name__} is not a fast tokenizer"
        )
    if tokenizer.eos_token_id is None:
        raise Unsupported("the tokenizer has no EOS token")
    if "token_type_ids" in tokenizer.model_input_names:
        raise Unsupported("the tokenizer returns token_type_ids")
