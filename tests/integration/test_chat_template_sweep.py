"""Every chat template axolotl ships, through the fast path, against axolotl's own strategy.

One test per ``axolotl/utils/chat_templates/templates/*.jinja`` file of the installed axolotl
(a new template is tested without a change here). Hypothesis draws a kit tokenizer (byte-level
BPE, the tiny BPE, Metaspace BPE, Unigram), with or without the template's own markers
(``<|im_end|>``, ``<end_of_turn>``, ``[INST]`` ...) as special tokens and its turn terminator as
``eot_tokens``; the dataset options (``roles_to_train``, ``train_on_inputs``, every
``train_on_eos`` / ``train_on_eot`` rule, ``message_field_training``, ``drop_system_message``,
``split_thinking``, sharegpt-style ``field_messages`` / ``message_property_mappings`` /
``roles``, messages stored as a JSON string, ``chat_template_kwargs``); and conversations of
1-30 turns with or without a system turn, empty contents, unicode, special-token strings,
reasoning content, tool calls, tool turns and a ``tools`` column.

Each row's outcome must be axolotl's: the same ``input_ids``, ``labels`` and
``attention_mask``, or the same exception (templates raise on conversations they do not take,
e.g. roles that do not alternate).
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("axolotl")

import axolotl.utils.chat_templates as shipped
from axolotl.prompt_strategies import load
from axolotl.utils.dict import DictDefault

from axolotl_fast import Encoder
from axolotl_fast.integration.tokenize import chat_template
from axolotl_fast.integration.tokenize.paths import fast_path
from support import tokenizer_kit
from support.chat_options import LABEL_OPTIONS
from support.profiles import examples
from support.tokenizer_kit import hf_tokenizer

TEMPLATE_DIR = Path(shipped.__file__).parent / "templates"
TEMPLATES = sorted(path.stem for path in TEMPLATE_DIR.glob("*.jinja"))
# Marker strings a template writes (the real model's tokenizer has them as special tokens).
MARKER = re.compile(
    r"<\|[A-Za-z0-9_]{2,40}\|>|<(?:start|end)_of_turn>|\[/?[A-Z][A-Z_]{2,30}\]|</?think>"
)
# Turn terminators, in the order one is picked as ``eot_tokens`` when a template writes it.
TERMINATORS = [
    *("<|im_end|>", "<|eot_id|>", "<|eot|>", "<end_of_turn>", "<|end|>"),
    *("<|END_OF_TURN_TOKEN|>", "<|endofturn|>", "<|end▁of▁sentence|>", "[/INST]"),
]
CALL_ID = "abc123XYZ"  # nine alphanumerics: what the mistral templates demand
PIECES = [
    *("Hello", " world", "é", "e\u0301", "日本語", "🙂", "\n", "  ", "<s>", "</s>"),
    *("<|im_end|>", "<|im_start|>", "<end_of_turn>", "[INST]", "<think>", "</think>"),
    *("[[dummy_message]]", "zzdummymessagezz", "{{", "}}", "zz"),
]
TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}
SHAREGPT_ROLES = {
    "user": ["human"],
    "assistant": ["gpt"],
    "system": ["system"],
    "tool": ["tool"],
}
SHAREGPT_NAMES = {"user": "human", "assistant": "gpt"}
SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large]

content = st.lists(st.sampled_from(PIECES) | st.text(max_size=4), max_size=8).map(
    "".join
)


@functools.cache
def template_text(name: str) -> str:
    return (TEMPLATE_DIR / f"{name}.jinja").read_text()


@functools.cache
def tokenizer_for(kind: str, template: str, markers: bool):
    """A kit tokenizer; with ``markers``, the template's markers are special tokens."""
    tokenizer = hf_tokenizer(kind)
    tokenizer.name_or_path = f"kit/{kind}/{template}"  # mistral's rule reads the name
    if markers:
        found = sorted(set(MARKER.findall(template_text(template))))
        tokenizer.add_special_tokens({"additional_special_tokens": found})
    return tokenizer, Encoder.from_tokenizer(tokenizer)


def terminator_of(template: str) -> list[str] | None:
    text = template_text(template)
    return next(([token] for token in TERMINATORS if token in text), None)


@st.composite
def assistant_turn(draw, with_tools: bool) -> list[dict]:
    """An assistant message; with a tool call, the tool's reply and the answer after it."""
    message = {"role": "assistant", "content": draw(content)}
    if draw(st.integers(0, 3)) == 0:
        message["reasoning_content"] = draw(content)
    if not (with_tools and draw(st.integers(0, 3)) == 0):
        return [message]
    arguments = {"city": draw(content)}
    message["tool_calls"] = [
        {
            "id": CALL_ID,
            "type": "function",
            "function": {"name": "get_weather", "arguments": json.dumps(arguments)},
        }
    ]
    reply = {"role": "tool", "content": draw(content), "tool_call_id": CALL_ID}
    reply["name"] = "get_weather"
    return [message, reply, {"role": "assistant", "content": draw(content)}]


@st.composite
def conversation(draw, with_tools: bool) -> list[dict]:
    messages = []
    if draw(st.booleans()):
        messages.append({"role": "system", "content": draw(content)})
    for _ in range(draw(st.integers(1, 15))):
        messages.append({"role": "user", "content": draw(content)})
        if draw(st.integers(0, 6)) > 0:  # now and then a conversation ends on the user
            messages += draw(assistant_turn(with_tools))
    for message in messages:
        if draw(st.integers(0, 5)) == 0:
            message["train"] = draw(st.booleans())
    return messages


options_st = st.fixed_dictionaries(
    {
        **LABEL_OPTIONS,
        "drop_system_message": st.booleans(),
        "split_thinking": st.booleans(),
        "sharegpt": st.booleans(),
        "json_messages": st.booleans(),
        "tools": st.booleans(),
        "kwargs": st.sampled_from([None, {"enable_thinking": False}]),
    }
)


def strategy_for(tokenizer, template: str, options: dict, eot: list[str] | None):
    """axolotl's strategy, as ``load`` makes it from a config."""
    cfg = DictDefault(
        sequence_len=4096,
        train_on_inputs=options["train_on_inputs"],
        eot_tokens=eot,
        chat_template_kwargs=options["kwargs"] or {},
    )
    ds_cfg = {
        "type": "chat_template",
        "chat_template": template,
        "drop_system_message": options["drop_system_message"],
        "split_thinking": options["split_thinking"],
        **{
            name: options[name]
            for name in ("roles_to_train", "train_on_eos", "train_on_eot")
        },
    }
    if options["message_field_training"]:
        ds_cfg["message_field_training"] = options["message_field_training"]
    if options["sharegpt"]:
        ds_cfg["field_messages"] = "conversations"
        ds_cfg["message_property_mappings"] = {"role": "from", "content": "value"}
        ds_cfg["roles"] = SHAREGPT_ROLES
    return load("chat_template", tokenizer, cfg, DictDefault(ds_cfg))


def stored(messages: list[dict], options: dict) -> dict:
    """A dataset row holding ``messages`` the way the options say it is stored."""
    if options["sharegpt"]:
        messages = [
            {
                "from": SHAREGPT_NAMES.get(message["role"], message["role"]),
                "value": message["content"],
                **{k: v for k, v in message.items() if k not in ("role", "content")},
            }
            for message in messages
        ]
    field = "conversations" if options["sharegpt"] else "messages"
    row = {field: json.dumps(messages) if options["json_messages"] else messages}
    if options["tools"]:
        row["tools"] = json.dumps([TOOL])
    return row


def outcome(make):
    """What ``make()`` returns, or its exception as ``(type name, message)``."""
    try:
        return make()
    except Exception as error:  # the exception is the outcome compared
        return (type(error).__name__, str(error))


def axolotls_row(strategy, table: pa.Table, index: int):
    return outcome(
        lambda: dict(strategy.tokenize_prompt(table.slice(index, 1).to_pydict()))
    )


def ours(strategy, encoder, table: pa.Table):
    return outcome(
        lambda: pa.concat_tables(
            list(chat_template.iter_tokenized(table, strategy, encoder))
        ).to_pydict()
    )


@pytest.mark.parametrize("template", TEMPLATES)
@settings(max_examples=examples(5), deadline=None, suppress_health_check=SLOW_OK)
@given(
    data=st.data(),
    kind=st.sampled_from(sorted(tokenizer_kit.KINDS)),
    markers=st.booleans(),
    options=options_st,
)
def test_every_shipped_template_gives_axolotls_rows(
    template, data, kind, markers, options
):
    hf, encoder = tokenizer_for(kind, template, markers)
    eot = terminator_of(template) if markers else None
    strategy = strategy_for(hf, template, options, eot)
    assert fast_path(strategy) is chat_template
    conversations = st.lists(conversation(options["tools"]), min_size=1, max_size=6)
    table = pa.Table.from_pylist([stored(c, options) for c in data.draw(conversations)])
    expected = [axolotls_row(strategy, table, index) for index in range(table.num_rows)]
    kept = [index for index, made in enumerate(expected) if isinstance(made, dict)]
    for index, made in enumerate(expected):
        if not isinstance(made, dict):
            assert ours(strategy, encoder, table.slice(index, 1)) == made
    if kept:
        assert set(expected[kept[0]]) == {"input_ids", "labels", "attention_mask"}
        rows = {
            name: [expected[index][name][0] for index in kept]
            for name in ("input_ids", "labels", "attention_mask")
        }
        assert ours(strategy, encoder, table.take(kept)) == rows
