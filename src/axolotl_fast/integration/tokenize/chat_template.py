"""axolotl's ``chat_template`` strategy: the renders by axolotl's own code, the rest in Rust.

``ChatTemplateStrategy`` renders each conversation with its Jinja template and tokenizes it,
renders and tokenizes it a second time with character offsets, and locates every turn it
trains on (every turn under ``train_on_eos`` / ``train_on_eot: all``) by rendering the whole
conversation twice more with the turn's content replaced by a placeholder and diffing the
texts character by character in Python, then labels the turn and an EOT / EOS token near its
end. Here the conversation thread, the tools and every render come from the strategy's own
methods (``get_conversation_thread``, ``_get_tools``, ``build_prompt_text``,
``_build_dummy_turn``), so the strings are axolotl's by construction; the one encoding per
conversation (with character offsets), the diffs, the token spans and the labels are
computed in Rust (:func:`axolotl_fast._core.tokenize_chats`) for a whole batch on every core.

A row with ``training_detail`` / ``reasoning_training_detail``, an empty render, or a turn
whose span axolotl would find by its token diff is made by axolotl's own
``_tokenize_single_prompt``. Subclasses (``MistralStrategy``, ...), processors, slow
tokenizers and axolotl's legacy branch are refused (:class:`Unsupported`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pyarrow as pa

from axolotl_fast.encode import Encoder
from axolotl_fast.integration.tokenize.chat_shapes import (
    NoShape,
    ShapeRenders,
    join,
    shape_renders_for,
)
from axolotl_fast.integration.tokenize.columns import (
    Unsupported,
    check_classes,
    python_columns,
)

__all__ = ["SCHEMA", "check_supported", "iter_tokenized", "settings_of"]

SCHEMA = pa.schema(
    [
        ("input_ids", pa.list_(pa.int32())),
        ("labels", pa.list_(pa.int64())),
        ("attention_mask", pa.list_(pa.int8())),
    ]
)
# Rows per call (each row's output does not depend on the batch; the placeholder renders of
# a batch are held at once).
BATCH_ROWS = 256
END_RULES = ("all", "turn", "last", "none")
SKIP, LOCATE, ABSENT = 0, 1, 2


def check_supported(strategy: Any) -> None:
    """Raise :class:`Unsupported` unless axolotl's own chat_template strategy is exact here."""
    from axolotl.prompt_strategies.chat_template import (
        ChatTemplatePrompter,
        ChatTemplateStrategy,
    )

    check_classes(strategy, ChatTemplateStrategy, ChatTemplatePrompter)
    prompter = strategy.prompter
    if not getattr(strategy.tokenizer, "is_fast", False):
        raise Unsupported("the tokenizer is not a fast tokenizer")
    if prompter.processor is not None:
        raise Unsupported("a processor (multimodal rows)")
    for name in ("train_on_eos", "train_on_eot"):
        if getattr(strategy, name) not in END_RULES:
            raise Unsupported(f"{name}: {getattr(strategy, name)!r}")
    if not strategy.roles_to_train and not prompter.message_field_training:
        raise Unsupported("no roles_to_train (axolotl's legacy branch may run)")
    renderer_options = _renderer_options(strategy.tokenizer) & set(
        prompter.chat_template_kwargs or {}
    )
    if renderer_options:
        raise Unsupported(
            f"chat_template_kwargs set apply_chat_template's own {sorted(renderer_options)}"
        )


def _renderer_options(tokenizer: Any) -> set[str]:
    """``apply_chat_template``'s parameters (a kwarg naming one changes more than the render)."""
    import inspect

    parameters = inspect.signature(tokenizer.apply_chat_template).parameters
    named = {
        name
        for name, parameter in parameters.items()
        if parameter.kind is not inspect.Parameter.VAR_KEYWORD
    }
    return named - {"conversation", "add_generation_prompt"}


def settings_of(strategy: Any) -> dict[str, Any]:
    """What decides the output besides the rows and the tokenizer (for cache keys)."""
    prompter = strategy.prompter
    template = hashlib.sha256(prompter.chat_template.encode("utf-8")).hexdigest()
    prompter_state = {
        name: getattr(prompter, name, None)
        for name in (
            "roles",
            "message_property_mappings",
            "message_field_training",
            "message_field_training_detail",
            "field_messages",
            "field_system",
            "field_tools",
            "field_thinking",
            "chat_template_kwargs",
            "drop_system_message",
            "template_thinking_key",
        )
    }
    return {
        "strategy": "chat_template",
        "template": template,
        "prompter": json.loads(json.dumps(prompter_state, default=str, sort_keys=True)),
        "roles_to_train": list(strategy.roles_to_train),
        "train_on_inputs": bool(strategy.train_on_inputs),
        "train_on_eos": strategy.train_on_eos,
        "train_on_eot": strategy.train_on_eot,
        "eot_ids": sorted(strategy._eot_token_ids),
        "split_thinking": bool(strategy.split_thinking),
        "name_or_path": strategy.tokenizer.name_or_path,
    }


def iter_tokenized(
    table: pa.Table, strategy: Any, encoder: Encoder, num_threads: int | None = None
) -> Iterator[pa.Table]:
    """The rows axolotl's ``tokenize_prompt`` gives, batch by batch, as Arrow tables.

    A batch's encoding (Rust, without the GIL) runs while the next batch is planned.
    """
    shapes = shape_renders_for(strategy)
    options = {**_label_options(strategy), "num_threads": num_threads}
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="chat-encode") as pool:
        pending = None
        for start in range(0, table.num_rows, BATCH_ROWS):
            rows, plans = plan_batch(table.slice(start, BATCH_ROWS), strategy, shapes)
            encoding = pool.submit(encoder.tokenize_chats, *_flat(plans), **options)
            if pending is not None:
                yield finish_batch(pending[0].result(), pending[1], strategy)
            pending = (encoding, rows)
        if pending is not None:
            yield finish_batch(pending[0].result(), pending[1], strategy)


def plan_batch(
    batch: pa.Table, strategy: Any, shapes: ShapeRenders | None
) -> tuple[list[dict], list[tuple | None]]:
    """A batch's rows as ``strategy.tokenize_prompt`` sees them, and their plans."""
    from axolotl.utils.dict import remove_none_values

    prompt = remove_none_values(python_columns(batch))
    if not strategy.is_prompt_batched(prompt):
        raise Unsupported("a batch axolotl would not tokenize row by row")
    names = list(prompt)
    rows = [
        dict(zip(names, values, strict=False))
        for values in zip(*prompt.values(), strict=False)
    ]
    return rows, [plan_row(strategy, row, shapes) for row in rows]


def finish_batch(out: dict, rows: list[dict], strategy: Any) -> pa.Table:
    """The core's output as a table; rows it left undecided made by axolotl's own code."""
    table = pa.table(
        [out["input_ids"], out["labels"], out["attention_mask"]], schema=SCHEMA
    )
    undecided = [
        index for index, done in enumerate(out["decided"].to_pylist()) if not done
    ]
    if not undecided:
        return table
    made = table.to_pylist()
    for index in undecided:
        made[index] = strategy._tokenize_single_prompt(rows[index])
    return pa.Table.from_pylist(made, schema=SCHEMA)


def plan_row(
    strategy: Any, row: dict, shapes: ShapeRenders | None = None
) -> tuple[str, list[tuple]] | None:
    """The full render and, per turn, ``(trainable, mode, placeholder renders)``.

    ``None``: axolotl's ``_tokenize_single_prompt`` must make the row.
    """
    turns = strategy.get_conversation_thread(row)
    tools = strategy._get_tools(row)
    if any(
        turn.get("training_detail") is not None
        or turn.get("reasoning_training_detail") is not None
        for turn in turns
    ):
        return None
    renders = Renders(strategy, turns, tools, shapes)
    text = renders.full()
    if not text:
        return None
    every_turn = "all" in (strategy.train_on_eos, strategy.train_on_eot)
    mistral = "mistral" in strategy.tokenizer.name_or_path.lower()
    planned = []
    for index, turn in enumerate(turns):
        trainable = _should_train(strategy, turn)
        if not trainable and not every_turn:
            planned.append((False, SKIP, "", ""))
        elif index == 0 and turns[0].get("role") == "system" and mistral:
            planned.append((trainable, ABSENT, "", ""))
        else:
            dummies = [renders.dummy(index, s) for s in strategy._SENTINELS]
            planned.append((trainable, LOCATE, *dummies))
    return text, planned


class Renders:
    """A conversation's renders: from its shape's parts where it has one, else by Jinja."""

    def __init__(
        self, strategy: Any, turns: list[dict], tools, shapes: ShapeRenders | None
    ):
        self.strategy, self.turns, self.tools, self.shapes = (
            strategy,
            turns,
            tools,
            shapes,
        )
        self.contents = [turn.get("content") for turn in turns]
        self.key, self.parts = None, None
        if shapes is not None:
            try:
                self.key = shapes.key(turns, tools)
                self.parts = shapes.parts_for(tuple(self.key), turns, tools)
            except NoShape:
                self.parts = None

    def full(self) -> str | None:
        if self.parts is not None:
            return join(self.parts, self.contents)
        return self.strategy.prompter.build_prompt_text(self.turns, tools=self.tools)

    def dummy(self, index: int, sentinel: str) -> str:
        """The render with turn ``index`` replaced by axolotl's placeholder turn."""
        turn = self.strategy._build_dummy_turn(
            self.turns[index], False, False, sentinel
        )
        turns = [*self.turns[:index], turn, *self.turns[index + 1 :]]
        if self.parts is not None:
            try:
                key = list(self.key)
                key[index + 1] = self.shapes.turn_key(turn)
                parts = self.shapes.parts_for(tuple(key), turns, self.tools)
                contents = list(self.contents)
                contents[index] = sentinel
                return join(parts, contents)
            except NoShape:
                pass
        return self.strategy.prompter.build_prompt_text(turns, tools=self.tools) or ""


def _should_train(strategy: Any, turn: dict) -> bool:
    """Axolotl's ``should_train`` for a turn without training details."""
    train_turn = turn.get("training")
    if train_turn is not None:
        return bool(train_turn)
    return bool(strategy.train_on_inputs or turn.get("role") in strategy.roles_to_train)


def _flat(plans: list[tuple[str, list[tuple]] | None]) -> tuple[pa.Array, ...]:
    """The core's arguments: texts, turn counts, and per turn its flags and renders."""
    texts, counts, trainable, modes, dummies = [], [], [], [], []
    for plan in plans:
        text, turns = plan if plan is not None else ("", [])
        texts.append(text)
        counts.append(len(turns))
        for train, mode, first, second in turns:
            trainable.append(train)
            modes.append(mode)
            dummies += [first, second]
    return (
        pa.array(texts, pa.string()),
        pa.array(counts, pa.int64()),
        pa.array(trainable, pa.bool_()),
        pa.array(modes, pa.int8()),
        pa.array(dummies, pa.string()),
    )


def _label_options(strategy: Any) -> dict[str, Any]:
    tokenizer = strategy.tokenizer
    return {
        "eos_id": tokenizer.eos_token_id,
        "eot_ids": sorted(strategy._eot_token_ids),
        "train_on_eos": strategy.train_on_eos,
        "train_on_eot": strategy.train_on_eot,
        "split_special_tokens": bool(getattr(tokenizer, "split_special_tokens", False)),
    }
