"""One render per conversation shape: the template scan, and shape renders equal to Jinja's.

The scan (:mod:`template_scan`) must accept only templates that write contents out whole
(or test their truth or type), and refuse every other use of a content or a message; the
shipped templates it accepts are pinned, as the docs list them. For those, hypothesis
conversations (empty and absent contents, unicode, marker-like characters in contents and
roles, tool calls, tools, placeholder turns) must render from their shapes exactly as
axolotl's ``build_prompt_text`` renders them, and repeated shapes must not be rendered again.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("axolotl")

import axolotl.utils.chat_templates as shipped
from axolotl.prompt_strategies import load
from axolotl.utils.dict import DictDefault
from transformers.utils.chat_template_utils import _compile_jinja_template

from axolotl_fast.integration.tokenize.chat_shapes import (
    NoShape,
    join,
    shape_renders_for,
)
from axolotl_fast.integration.tokenize.template_scan import scan_template
from support.profiles import examples
from support.tokenizer_kit import hf_tokenizer

TEMPLATE_DIR = Path(shipped.__file__).parent / "templates"
OPAQUE = [
    *("alpaca", "chatml", "deepseek_v2", "exaone", "falcon_h1", "nemotron_h"),
    *("phi_3", "phi_35", "qwen_25"),
]
ENVIRONMENT = _compile_jinja_template("{{ 1 }}").environment
LOOP = "{% for message in messages %}BODY{% endfor %}"
REFUSED = {
    "a filter": "{{ message.content | trim }}",
    "a comparison": "{% if message.content == 'x' %}x{% endif %}",
    "a name bound to a content": "{% set c = message.content %}{{ c }}",
    "a method of a content": "{{ message.content.strip() }}",
    "an index into a content": "{{ message.content[0] }}",
    "a message written whole": "{{ message }}",
    "a message's get": "{{ message.get('content') }}",
    "a computed key": "{% set k = 'content' %}{{ message[k] }}",
    "a message in a namespace": "{% set ns = namespace(m=none) %}{% set ns.m = message %}",
    "a message passed to a call": "{{ raise_exception(message) }}",
    "a filter block": "{% filter upper %}{{ message.content }}{% endfilter %}",
    "a set block": "{% set x %}{{ message.content }}{% endset %}{{ x | trim }}",
    "the clock": "{{ strftime_now('%d') }}{{ message.content }}",
    "chance": "{{ ['a', 'b'] | random }}{{ message.content }}",
    "loop items": "{{ loop.previtem }}{{ message.content }}",
    "content joined by and/or": "{{ message.content or 'none' }}",
}
ACCEPTED = {
    "concatenation": "{{ '<' + message['role'] + '>' ~ message.content + '\\n' }}",
    "a truth test": "{% if message.content %}{{ message.content }}{% endif %}",
    "a type test": "{{ message.content if message.content is string else 'x' }}",
    "not": "{% if not message.content and loop.last %}.{% endif %}",
    "generation": "{% generation %}{{ message.content }}{% endgeneration %}",
}


@pytest.mark.parametrize("use", sorted(REFUSED))
def test_the_scan_refuses_what_it_cannot_prove(use):
    source = LOOP.replace("BODY", REFUSED[use])
    assert scan_template(ENVIRONMENT, source).reason is not None


def test_the_scan_refuses_the_message_list_used_whole():
    for source in ("{{ messages | tojson }}", "{{ messages | map(attribute='role') }}"):
        assert scan_template(ENVIRONMENT, source).reason is not None


@pytest.mark.parametrize("use", sorted(ACCEPTED))
def test_the_scan_accepts_contents_written_whole(use):
    scan = scan_template(ENVIRONMENT, LOOP.replace("BODY", ACCEPTED[use]))
    assert scan.reason is None
    assert "content" in scan.fields


def test_the_shipped_templates_the_scan_accepts():
    accepted = [
        path.stem
        for path in sorted(TEMPLATE_DIR.glob("*.jinja"))
        if scan_template(ENVIRONMENT, path.read_text()).reason is None
    ]
    assert accepted == OPAQUE


PIECES = ["a", "é", "日", "\n", " ", "\ue000", "\ue001", "\ue002", "0", "<|im_end|>"]
TEXT = st.lists(st.sampled_from(PIECES), max_size=6).map("".join)


@st.composite
def turns(draw) -> list[dict]:
    roles = st.sampled_from(
        ["system", "user", "assistant", "tool", "user\ue0000\ue001"]
    )
    made = []
    for _ in range(draw(st.integers(1, 8))):
        turn = {"role": draw(roles)}
        if draw(st.integers(0, 15)):  # now and then no content
            turn["content"] = draw(TEXT)
        if turn["role"] == "assistant" and not draw(st.integers(0, 3)):
            arguments = {"q": draw(TEXT)}
            turn["tool_calls"] = [{"function": {"name": "f", "arguments": arguments}}]
        made.append(turn)
    return made


@pytest.fixture(scope="module", params=OPAQUE)
def strategy(request):
    tokenizer = hf_tokenizer("tiny-bpe")
    cfg = DictDefault(sequence_len=512, train_on_inputs=False)
    ds_cfg = DictDefault(type="chat_template", chat_template=request.param)
    return load("chat_template", tokenizer, cfg, ds_cfg)


@settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    conversation=turns(), tools=st.booleans(), sentinel=st.sampled_from(["", "[[x]]"])
)
def test_shape_renders_are_jinjas_renders(strategy, conversation, tools, sentinel):
    render = strategy.prompter.build_prompt_text
    shapes = shape_renders_for(strategy)
    tool_list = [{"type": "function", "function": {"name": "f"}}] if tools else None
    variants = [conversation]
    if sentinel:  # the placeholder renders axolotl makes for each turn
        variants += [
            [
                *conversation[:i],
                {"role": t.get("role"), "content": sentinel},
                *conversation[i + 1 :],
            ]
            for i, t in enumerate(conversation)
        ]
    for turns_ in variants:
        try:
            expected = render(turns_, tools=tool_list)
        except Exception as error:  # a template's own error: no shape may hide it
            with pytest.raises(NoShape):
                shapes.parts(turns_, tool_list)
            assert type(error).__name__ in {
                "TemplateError",
                "TypeError",
                "UndefinedError",
            }
            continue
        try:
            parts = shapes.parts(turns_, tool_list)
        except NoShape:
            continue
        assert join(parts, [t.get("content") for t in turns_]) == expected


def test_a_shape_is_rendered_once():
    tokenizer = hf_tokenizer("tiny-bpe")
    cfg = DictDefault(sequence_len=512, train_on_inputs=False)
    ds_cfg = DictDefault(type="chat_template", chat_template="chatml")
    shapes = shape_renders_for(load("chat_template", tokenizer, cfg, ds_cfg))
    for words in ("a", "b c", "d e f"):
        parts = shapes.parts(
            [{"role": "user", "content": words}, {"role": "assistant", "content": "x"}],
            None,
        )
    assert (
        shapes.rendered == 2
    )  # one shape, rendered under each of the two marker pairs
    assert (
        join(parts, ["q", "r"])
        == "<|im_start|>user\nq<|im_end|>\n<|im_start|>assistant\nr<|im_end|>\n"
    )
