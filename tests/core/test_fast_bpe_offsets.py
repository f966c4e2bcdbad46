"""The fast encoder's character offsets (the chat-template path) against ``tokenizers``'.

``chat_template`` rows are encoded once with character offsets, and the turn spans are found
by bisecting them, so the offsets must be ``tokenizers``' to the character, trimmed as every
post-processor trims them (``ByteLevel`` / ``RobertaProcessing`` with ``trim_offsets``). On
hypothesis texts (any unicode: tokens that cover part of a character, whitespace runs,
special-token strings) the ids and offsets of ``_core._char_offsets`` must equal
``Tokenizer.encode(text, add_special_tokens=False)``'s, with ``split_special_tokens`` both
ways, and must come from the fast encoder; tokenizers whose text is rewritten first (a
normalizer, a prefix space) are encoded by ``tokenizers`` on this path and must match too.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_fast_bpe import SLOW_OK, reshaped, text
from tokenizers import Tokenizer, processors

from axolotl_fast import Encoder, _core
from support.profiles import examples

SHAPES = [
    ("byte-level-bpe", "as trained"),
    ("byte-level-bpe", "llama3-split"),
    ("tiny-bpe", "as trained"),
    ("byte-level-bpe", "qwen2-nfc"),
    ("tiny-bpe", "prefix-space"),
]
PROCESSORS = ["as trained", "byte-level trim", "sequence trim", "roberta trim"]


def with_processor(source: str, processor: str) -> str:
    reference = Tokenizer.from_str(source)
    bos, eos = reference.token_to_id("<s>"), reference.token_to_id("</s>")
    trim = processors.ByteLevel(trim_offsets=True, add_prefix_space=False)
    template = processors.TemplateProcessing(
        single="<s> $A", pair="<s> $A <s> $B", special_tokens=[("<s>", bos)]
    )
    if processor == "byte-level trim":
        reference.post_processor = trim
    elif processor == "sequence trim":
        reference.post_processor = processors.Sequence([trim, template])
    elif processor == "roberta trim":
        reference.post_processor = processors.RobertaProcessing(
            ("</s>", eos), ("<s>", bos), trim_offsets=True, add_prefix_space=False
        )
    return reference.to_str()


PAIRS = [(shape, processor) for shape in SHAPES for processor in PROCESSORS]
REWRITTEN = {"qwen2-nfc", "prefix-space"}  # offsets by tokenizers on this path


@pytest.fixture(
    scope="module",
    params=PAIRS,
    ids=["/".join(shape) + "/" + processor for shape, processor in PAIRS],
)
def pair(request):
    shape, processor = request.param
    source = with_processor(reshaped(*shape), processor)
    encoder = Encoder(source)
    assert encoder.fast_encoder_declined is None
    return Tokenizer.from_str(source), encoder, shape[1] not in REWRITTEN


@settings(max_examples=examples(30), deadline=None, suppress_health_check=SLOW_OK)
@given(texts=st.lists(text, min_size=1, max_size=8), split_special=st.booleans())
def test_offsets_are_tokenizers_to_the_character(pair, texts, split_special):
    reference, encoder, located = pair
    reference.encode_special_tokens = split_special
    for sample in texts:
        expected = reference.encode(sample, add_special_tokens=False)
        ids, offsets, fast = _core._char_offsets(encoder._core, sample, split_special)
        assert (ids, offsets) == (expected.ids, expected.offsets), repr(sample)
        assert fast == located


def test_a_token_inside_a_character_gets_the_whole_character(pair):
    reference, encoder, located = pair
    reference.encode_special_tokens = False
    sample = "日本語🙂 x👩\u200d👧 é\u0301  <s>\n"
    expected = reference.encode(sample, add_special_tokens=False)
    assert _core._char_offsets(encoder._core, sample, False) == (
        expected.ids,
        expected.offsets,
        located,
    )
    split = [s for s, e in expected.offsets if e - s == 1 and not sample[s].isascii()]
    assert split or json.loads(reference.to_str())["model"]["type"] == "BPE"
