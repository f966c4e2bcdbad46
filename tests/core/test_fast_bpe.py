"""The fast BPE encoder against the Python `tokenizers` it replaces, id for id.

Byte-level BPE tokenizers of the kit, as trained and reshaped (``add_prefix_space``, a
Llama-3-style ``Split`` + ``ByteLevel`` sequence, Qwen2's ``NFC`` + ``Split``, an ``NFKC`` +
``Lowercase`` normalizer, extra added and special tokens, every post-processor) must take the
fast encoder and give exactly ``tokenizers``' ids on hypothesis texts (any unicode, whitespace
runs, digits, contractions, special-token strings inside text) with ``add_special_tokens``
and ``split_special_tokens`` both ways, with truncation too; every component it does not
reproduce must be declined with its reason, and the encoder then is ``tokenizers``'.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tokenizers import Tokenizer

from axolotl_fast import Encoder
from support import tokenizer_kit
from support.profiles import examples

LLAMA3_SPLIT = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"
    r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
QWEN2_SPLIT = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}|"
    r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
SPECIALS = ["<|im_start|>", "<|im_end|>", "<tool>"]
PIECES = [
    *(" ", "  ", "\n", "\n\n", "\t", "\u00a0", "\u3000", "\r\n", "'s", "'RE", "12345"),
    *("Hello", " world", "é", "e\u0301", "日本語", "🙂", "👩\u200d👧", "x" * 40),
    *("<s>", "</s>", "<pad>", *SPECIALS, "<|im_", "end|>", "Zebra Case", "zebra case"),
    *("\ufb01", "\u2460", "Å", "A\u030a", "\u1e9b\u0323"),
]
text = st.lists(
    st.sampled_from(PIECES) | st.text(max_size=6), min_size=0, max_size=25
).map("".join)
SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large]


def reshaped(kind: str, shape: str) -> str:
    """A byte-level kit tokenizer's JSON, reshaped as ``shape`` says."""
    tokenizer = json.loads(tokenizer_kit.fresh(kind).to_str())
    if shape == "prefix-space":
        tokenizer["pre_tokenizer"]["add_prefix_space"] = True
    elif shape == "llama3-split":
        tokenizer["pre_tokenizer"] = split_then_byte_level(LLAMA3_SPLIT)
        tokenizer["model"]["ignore_merges"] = True  # as Llama 3's
    elif shape == "qwen2-nfc":
        tokenizer["normalizer"] = {"type": "NFC"}
        tokenizer["pre_tokenizer"] = split_then_byte_level(QWEN2_SPLIT)
    elif shape == "nfkc-lowercase":
        tokenizer["normalizer"] = {
            "type": "Sequence",
            "normalizers": [{"type": "NFKC"}, {"type": "Lowercase"}],
        }
    reference = Tokenizer.from_str(json.dumps(tokenizer))
    reference.add_special_tokens(SPECIALS)
    reference.add_tokens(["hello world", " zz", "Zebra Case"])
    return reference.to_str()


def split_then_byte_level(pattern: str) -> dict:
    """A ``Split`` on ``pattern`` then a ``ByteLevel`` without its regex (Llama-3, Qwen2)."""
    return {
        "type": "Sequence",
        "pretokenizers": [
            {
                "type": "Split",
                "pattern": {"Regex": pattern},
                "behavior": "Isolated",
                "invert": False,
            },
            {
                "type": "ByteLevel",
                "add_prefix_space": False,
                "trim_offsets": True,
                "use_regex": False,
            },
        ],
    }


SHAPES = [
    (kind, shape)
    for kind in ("tiny-bpe", "byte-level-bpe")
    for shape in (
        *("as trained", "prefix-space", "llama3-split"),
        *("qwen2-nfc", "nfkc-lowercase"),
    )
]


@pytest.fixture(scope="module", params=SHAPES, ids=["/".join(s) for s in SHAPES])
def pair(request):
    source = reshaped(*request.param)
    encoder = Encoder(source)
    assert encoder.fast_encoder_declined is None
    return Tokenizer.from_str(source), encoder


@settings(max_examples=examples(40), deadline=None, suppress_health_check=SLOW_OK)
@given(
    texts=st.lists(text, min_size=1, max_size=30),
    add_special=st.booleans(),
    split_special=st.booleans(),
)
def test_the_fast_encoder_gives_tokenizers_ids(pair, texts, add_special, split_special):
    reference, encoder = pair
    reference.encode_special_tokens = split_special
    expected = [
        encoding.ids
        for encoding in reference.encode_batch(texts, add_special_tokens=add_special)
    ]
    ours = encoder.encode(
        texts, add_special_tokens=add_special, split_special_tokens=split_special
    )
    assert ours.to_pylist() == expected


@settings(max_examples=examples(15), deadline=None, suppress_health_check=SLOW_OK)
@given(texts=st.lists(text, min_size=1, max_size=10), max_length=st.integers(2, 12))
def test_truncation_stays_tokenizers(pair, texts, max_length):
    reference, encoder = pair
    reference.encode_special_tokens = False
    reference.enable_truncation(max_length)
    try:
        expected = [e.ids for e in reference.encode_batch(texts)]
    finally:
        reference.no_truncation()
    assert encoder.encode(texts, max_length=max_length).to_pylist() == expected


def with_processor(name: str) -> str:
    """The byte-level kit tokenizer with another post-processor."""
    from tokenizers import processors

    reference = tokenizer_kit.fresh("byte-level-bpe")
    bos, eos = reference.token_to_id("<s>"), reference.token_to_id("</s>")
    template = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> $B </s>",
        special_tokens=[("<s>", bos), ("</s>", eos)],
    )
    byte_level = processors.ByteLevel(trim_offsets=True)
    reference.post_processor = {
        "bos+eos template": template,
        "byte-level": byte_level,
        "sequence": processors.Sequence([byte_level, template]),
        "roberta": processors.RobertaProcessing(("</s>", eos), ("<s>", bos)),
        "none": None,
    }[name]
    return reference.to_str()


@pytest.mark.parametrize(
    "processor", ["bos+eos template", "byte-level", "sequence", "roberta", "none"]
)
@settings(max_examples=examples(15), deadline=None, suppress_health_check=SLOW_OK)
@given(
    texts=st.lists(text, min_size=1, max_size=10),
    max_length=st.none() | st.integers(3, 40),
    add_special=st.booleans(),
)
def test_every_post_processor_and_truncation_boundary_stays_tokenizers(
    processor, texts, max_length, add_special
):
    """Ids the post-processor only wraps take a shortcut; truncated ones do not."""
    source = with_processor(processor)
    reference, encoder = Tokenizer.from_str(source), Encoder(source)
    assert encoder.fast_encoder_declined is None
    if max_length is not None:
        reference.enable_truncation(max_length)
    expected = [
        e.ids for e in reference.encode_batch(texts, add_special_tokens=add_special)
    ]
    ours = encoder.encode(texts, add_special_tokens=add_special, max_length=max_length)
    assert ours.to_pylist() == expected


def split_step(**changes) -> dict:
    step = split_then_byte_level(LLAMA3_SPLIT)
    step["pretokenizers"][0].update(changes)
    return step


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda t: t["model"].update(dropout=0.5), "dropout"),
        (lambda t: t["model"].update(byte_fallback=True), "byte fallback"),
        (lambda t: t["added_tokens"][0].update(lstrip=True), "lstrip"),
        (lambda t: t["added_tokens"][0].update(rstrip=True), "rstrip"),
        (lambda t: t["added_tokens"][0].update(single_word=True), "single_word"),
        (lambda t: t["pre_tokenizer"].update(type="Whitespace"), "Whitespace"),
        (lambda t: t.update(pre_tokenizer=split_step(behavior="Removed")), "behavior"),
        (lambda t: t.update(pre_tokenizer=split_step(invert=True)), "inverted"),
        (
            lambda t: t.update(pre_tokenizer=split_step(pattern={"String": " "})),
            "only regex",
        ),
        (
            lambda t: t["pre_tokenizer"].update(
                type="Sequence", pretokenizers=[dict(t["pre_tokenizer"])] * 2
            ),
            "one ByteLevel",
        ),
    ],
)
def test_a_component_it_does_not_reproduce_is_declined(change, reason):
    tokenizer = json.loads(tokenizer_kit.fresh("tiny-bpe").to_str())
    change(tokenizer)
    encoder = Encoder(json.dumps(tokenizer))
    assert reason in (encoder.fast_encoder_declined or "")


@pytest.mark.parametrize("kind", ["metaspace-bpe", "unigram"])
def test_other_kit_tokenizers_keep_tokenizers_encoder(kind):
    encoder = Encoder(tokenizer_kit.fresh(kind).to_str())
    assert encoder.fast_encoder_declined


def test_a_model_tokenizers_cannot_build_is_an_argument_error_not_a_crash():
    tokenizer = json.loads(tokenizer_kit.fresh("tiny-bpe").to_str())
    tokenizer["model"]["continuing_subword_prefix"] = "##"  # its merges lack the prefix
    with pytest.raises(ValueError, match="not a tokenizer's JSON"):
        Encoder(json.dumps(tokenizer))


def test_the_environment_switch_turns_it_off(monkeypatch):
    monkeypatch.setenv("AXOLOTL_FAST_HF_ENCODER", "1")
    encoder = Encoder(tokenizer_kit.fresh("tiny-bpe").to_str())
    assert "AXOLOTL_FAST_HF_ENCODER" in encoder.fast_encoder_declined


def generated_corpus(megabytes: float, seed: int) -> list[str]:
    """Lines of mixed text: the pieces above, random code points of every plane, code."""
    import random

    chooser = random.Random(seed)
    planes = [(0x20, 0x7F), (0xA0, 0x2FFF), (0x3000, 0x9FFF), (0xAC00, 0xD7A3)]
    planes += [(0x1F300, 0x1FAFF), (0x0, 0x20), (0x2000, 0x206F)]
    lines, size = [], 0
    while size < megabytes * 1e6:
        parts = []
        for _ in range(chooser.randint(1, 40)):
            if chooser.random() < 0.6:
                parts.append(chooser.choice(PIECES))
            else:
                low, high = chooser.choice(planes)
                parts.append(chr(chooser.randint(low, high)))
        line = "".join(parts)
        lines.append(line)
        size += len(line.encode("utf-8", "surrogatepass"))
    return lines


def test_a_generated_corpus_encodes_to_tokenizers_ids(pair):
    """0.5 MB per shape under the default profile, 10 MB under ``long`` (20x)."""
    reference, encoder = pair
    reference.encode_special_tokens = False
    lines = generated_corpus(0.5 * examples(1), seed=len(reference.get_vocab()))
    expected = [e.ids for e in reference.encode_batch(lines, add_special_tokens=False)]
    assert encoder.encode(lines, add_special_tokens=False).to_pylist() == expected
