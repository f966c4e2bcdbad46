"""`type: chat_template` through the fast path against axolotl's own strategy, row for row.

Hypothesis conversations (a system turn or not, 1-6 user/assistant exchanges, empty contents,
unicode, whitespace, special-token strings, axolotl's own placeholder strings inside content)
under templates axolotl ships, with the four kit tokenizers (and one whose EOS is the
template's `<|im_end|>`), every `train_on_eos` / `train_on_eot` rule, `roles_to_train`,
`train_on_inputs` and a per-message `training` flag: `input_ids`, `labels` and
`attention_mask` must be axolotl's, in axolotl's column order.
"""

from __future__ import annotations

import json

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("axolotl")

from axolotl.prompt_strategies import load
from axolotl.utils.dict import DictDefault

from axolotl_fast import Encoder
from axolotl_fast.integration.tokenize import chat_template
from axolotl_fast.integration.tokenize.columns import Unsupported
from axolotl_fast.integration.tokenize.paths import fast_path
from support import tokenizer_kit
from support.chat_options import LABEL_OPTIONS
from support.profiles import examples
from support.tokenizer_kit import hf_tokenizer

PIECES = [
    *("Hello", " world", "é", "e\u0301", "日本語", "🙂", "\n", "  ", "<s>", "</s>"),
    *(
        "<|im_end|>",
        "<|im_start|>",
        "[[dummy_message]]",
        "zzdummymessagezz",
        "[",
        "]",
        "zz",
    ),
]
content = st.lists(st.sampled_from(PIECES) | st.text(max_size=4), max_size=10).map(
    "".join
)
# Templates that render plain user / assistant conversations (system: whether they take one).
TEMPLATES = {
    "chatml": True,
    "qwen_25": True,
    "llama3": True,
    "phi_3": True,
    "alpaca": True,
}
SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large]


@st.composite
def conversation(draw, system: bool) -> dict:
    messages = []
    if system and draw(st.booleans()):
        messages.append({"role": "system", "content": draw(content)})
    for _ in range(draw(st.integers(1, 6))):
        for role in ("user", "assistant"):
            message = {"role": role, "content": draw(content)}
            if draw(st.integers(0, 4)) == 0:
                message["train"] = draw(st.booleans())
            messages.append(message)
    return {"messages": messages}


def with_chatml_eos(kind: str):
    tokenizer = hf_tokenizer(kind)
    tokenizer.add_special_tokens(
        {"eos_token": "<|im_end|>", "additional_special_tokens": ["<|im_start|>"]}
    )
    return tokenizer


@pytest.fixture(scope="module", params=[*tokenizer_kit.KINDS, "tiny-bpe+im_end"])
def tokenizer(request):
    kind = request.param
    made = (
        with_chatml_eos("tiny-bpe") if kind.endswith("+im_end") else hf_tokenizer(kind)
    )
    return made, Encoder.from_tokenizer(made)


def strategy_for(tokenizer, template: str, options: dict):
    cfg = DictDefault(sequence_len=2048, train_on_inputs=options.pop("train_on_inputs"))
    ds_cfg = {"type": "chat_template", "chat_template": template, **options}
    return load("chat_template", tokenizer, cfg, DictDefault(ds_cfg))


options_st = st.fixed_dictionaries(LABEL_OPTIONS)


@settings(max_examples=examples(40), deadline=None, suppress_health_check=SLOW_OK)
@given(data=st.data(), template=st.sampled_from(sorted(TEMPLATES)), options=options_st)
def test_same_rows_as_axolotls_chat_template_strategy(
    tokenizer, data, template, options
):
    hf, encoder = tokenizer
    strategy = strategy_for(hf, template, dict(options))
    assert fast_path(strategy) is chat_template
    rows = data.draw(
        st.lists(conversation(TEMPLATES[template]), min_size=15, max_size=35)
    )
    table = pa.Table.from_pylist(rows)
    expected = strategy.tokenize_prompt(table.to_pydict())
    ours = pa.concat_tables(
        list(chat_template.iter_tokenized(table, strategy, encoder))
    )
    assert (
        ours.column_names == list(expected) == ["input_ids", "labels", "attention_mask"]
    )
    assert ours.to_pydict() == dict(expected)


def test_turns_stored_as_json_are_decoded_as_hf_decodes_them(tokenizer):
    """Turns with differing keys are ``datasets.Json`` text; ``map`` hands them decoded."""
    hf, encoder = tokenizer
    strategy = strategy_for(hf, "chatml", {"train_on_inputs": False})
    turns = [
        [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}],
        [
            {"role": "user", "content": "é /"},
            {"role": "assistant", "content": "ok", "weight": 0},
        ],
    ]
    text = pa.array([[json.dumps(turn) for turn in row] for row in turns])
    table = pa.table({"messages": text.cast(pa.list_(pa.json_()))})
    expected = strategy.tokenize_prompt({"messages": turns})
    ours = pa.concat_tables(
        list(chat_template.iter_tokenized(table, strategy, encoder))
    )
    assert ours.to_pydict() == dict(expected)
    assert all(len(ids) > 4 for ids in expected["input_ids"])


def test_rows_with_training_detail_are_made_by_axolotls_own_code(tokenizer):
    hf, encoder = tokenizer
    options = {"train_on_inputs": False, "message_field_training_detail": "detail"}
    strategy = strategy_for(hf, "chatml", options)
    detail = [{"begin_offset": 0, "end_offset": 2, "train": True}]
    rows = [
        {
            "messages": [
                {"role": "user", "content": "hi"},
                {"role": "assistant", "content": "hello"},
            ]
        },
        {
            "messages": [
                {"role": "user", "content": "hi"},
                {"role": "assistant", "content": "hello", "detail": detail},
            ]
        },
    ]
    table = pa.Table.from_pylist(rows)
    expected = strategy.tokenize_prompt(table.to_pydict())
    ours = pa.concat_tables(
        list(chat_template.iter_tokenized(table, strategy, encoder))
    )
    assert ours.to_pydict() == dict(expected)


def test_subclasses_and_the_legacy_branch_stay_axolotls():
    from axolotl.prompt_strategies.chat_template import MistralStrategy

    tokenizer = hf_tokenizer("tiny-bpe")
    strategy = strategy_for(tokenizer, "chatml", {"train_on_inputs": False})
    strategy.__class__ = MistralStrategy
    with pytest.raises(Unsupported, match="MistralStrategy"):
        fast_path(strategy)
    legacy = strategy_for(
        tokenizer, "chatml", {"train_on_inputs": False, "roles_to_train": []}
    )
    with pytest.raises(Unsupported, match="legacy"):
        fast_path(legacy)


def test_kwargs_that_change_apply_chat_template_itself_stay_axolotls():
    tokenizer = hf_tokenizer("tiny-bpe")
    strategy = strategy_for(tokenizer, "chatml", {"train_on_inputs": False})
    strategy.prompter.chat_template_kwargs = {"sanitize_control_tokens": True}
    with pytest.raises(Unsupported, match="sanitize_control_tokens"):
        fast_path(strategy)
    strategy.prompter.chat_template_kwargs = {"enable_thinking": False}
    assert fast_path(strategy) is chat_template


@pytest.mark.parametrize(
    "source", ["tokenizer_default", "tokenizer_default_fallback_chatml", "jinja"]
)
def test_every_way_of_naming_the_template_takes_the_fast_path(tokenizer, source):
    from axolotl.utils.chat_templates import get_chat_template

    hf, encoder = tokenizer
    chatml = get_chat_template("chatml")
    options = {"train_on_inputs": False}
    if source == "jinja":
        options["chat_template_jinja"] = chatml.replace("<|im_start|>", "<|im_start|> ")
    hf.chat_template = chatml if source == "tokenizer_default" else None
    strategy = strategy_for(hf, source, options)
    assert fast_path(strategy) is chat_template
    if source == "jinja":
        assert "<|im_start|> " in strategy.prompter.chat_template
    rows = [
        {
            "messages": [
                {"role": "user", "content": f"q{i}"},
                {"role": "assistant", "content": "a"},
            ]
        }
        for i in range(5)
    ]
    table = pa.Table.from_pylist(rows)
    expected = strategy.tokenize_prompt(table.to_pydict())
    ours = pa.concat_tables(
        list(chat_template.iter_tokenized(table, strategy, encoder))
    )
    assert ours.to_pydict() == dict(expected)
