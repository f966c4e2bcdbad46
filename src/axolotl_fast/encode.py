"""``axolotl_fast.Encoder``: a Hugging Face tokenizer run by the Rust core on Arrow columns.

The tokenizer's JSON (``tokenizer.json``, ``tokenizers.Tokenizer.to_str()``, or a
``transformers`` fast tokenizer's ``backend_tokenizer``) is restored by the Rust
``tokenizers`` crate of the same release line as the Python package, so the ids are the ones
the Python tokenizer gives. Texts are encoded on every core with the GIL released, and the ids
come back as a pyarrow ``list<int32>`` column (what ``datasets`` stores ``input_ids`` as),
never as Python ints::

    encoder = axolotl_fast.Encoder.from_tokenizer(hf_tokenizer)
    ids = encoder.encode(table["text"], max_length=2048)   # pa.ChunkedArray of list<int32>

Settings a ``transformers`` tokenizer keeps outside its JSON (``truncation_side``,
``split_special_tokens``) are arguments of :meth:`Encoder.encode`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from axolotl_fast import _core
from axolotl_fast._text_columns import TRUNCATION_SIDES, as_strings, check_side, pieces
from axolotl_fast.encode_instructions import InstructionEncoding, InstructionTemplates

__all__ = ["TRUNCATION_SIDES", "Encoder", "InstructionTemplates"]


class Encoder(InstructionEncoding):
    """A tokenizer restored from its JSON, encoding string columns in Rust.

    Args:
        tokenizer_json: The tokenizer's JSON serialization.

    Raises:
        InvalidArgumentError: The JSON is not a tokenizer's.
    """

    def __init__(self, tokenizer_json: str) -> None:
        self._core = _core.Encoder(tokenizer_json)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Encoder:
        """The tokenizer of a ``tokenizer.json`` file."""
        with open(path, encoding="utf-8") as file:
            return cls(file.read())

    @classmethod
    def from_tokenizer(cls, tokenizer: Any) -> Encoder:
        """The tokenizer of a ``tokenizers.Tokenizer`` or a ``transformers`` fast tokenizer.

        Its current state is copied: added tokens, special tokens and post-processor included.

        Raises:
            TypeError: ``tokenizer`` is neither (a slow ``transformers`` tokenizer has no JSON).
        """
        backend = getattr(tokenizer, "backend_tokenizer", tokenizer)
        if not callable(getattr(backend, "to_str", None)):
            raise TypeError(
                "Encoder.from_tokenizer takes a tokenizers.Tokenizer or a transformers fast "
                f"tokenizer; got {type(tokenizer).__name__}"
            )
        return cls(backend.to_str())

    def token_id(self, token: str) -> int | None:
        """The id of ``token`` in the vocabulary (added tokens included), or ``None``."""
        return self._core.token_id(token)

    @property
    def fast_encoder_declined(self) -> str | None:
        """``None`` when the fast BPE encoder encodes (see docs/index.md), else why not.

        The fast encoder is built for byte-level BPE tokenizers it reproduces exactly, after a
        self-check against ``tokenizers``; ``AXOLOTL_FAST_HF_ENCODER=1`` turns it off.
        """
        return self._core.fast_encoder_declined()

    def encode(
        self,
        texts: pa.Array | pa.ChunkedArray | Sequence[str],
        *,
        add_special_tokens: bool = True,
        max_length: int | None = None,
        truncation_side: str = "right",
        split_special_tokens: bool = False,
        num_threads: int | None = None,
    ) -> pa.ChunkedArray:
        """Encode every text, in order.

        Args:
            texts: Strings: a pyarrow string array or chunked array, or a Python sequence.
            add_special_tokens: Whether the post-processor adds its special tokens (BOS, ...).
            max_length: Truncate each text to this many tokens, special tokens included, as
                ``tokenizer(text, truncation=True, max_length=...)`` does.
            truncation_side: ``"right"`` keeps the start of a text, ``"left"`` its end.
            split_special_tokens: Encode special-token strings in the text as plain text.
            num_threads: Threads to use (default: ``AXOLOTL_FAST_NUM_THREADS`` or the CPUs).

        Returns:
            A ``list<int32>`` chunked array with one list of ids per text.

        Raises:
            InvalidArgumentError: A null text, a non-string column, a bad ``max_length``,
                ``truncation_side`` or ``num_threads``.
            DataFormatError: The tokenizer rejected a text (the row is named).
        """
        check_side(truncation_side)
        chunks = [
            self._core.encode(
                piece,
                add_special_tokens=add_special_tokens,
                max_length=max_length,
                truncation_side=truncation_side,
                split_special_tokens=split_special_tokens,
                num_threads=num_threads,
            )
            for piece in pieces(as_strings(texts))
        ]
        return pa.chunked_array(chunks, type=pa.list_(pa.int32()))

    def encode_windows(
        self,
        texts: pa.Array | pa.ChunkedArray | Sequence[str],
        *,
        max_length: int,
        stride: int,
        append_id: int | None = None,
        add_special_tokens: bool = True,
        truncation_side: str = "right",
        split_special_tokens: bool = False,
        num_threads: int | None = None,
    ) -> pa.Table:
        """Cut every text into windows of ``max_length`` tokens overlapping by ``stride``.

        What ``tokenizer(texts, truncation=True, max_length=..., stride=...,
        return_overflowing_tokens=True)`` returns: a text's first window, then its
        overflowing ones, each with the post-processor's special tokens; a text that fits is
        one window. ``append_id`` is put after every window (axolotl's pretraining strategy
        appends EOS).

        Returns:
            A table with ``input_ids`` (``list<int32>``), ``attention_mask`` (``list<int8>``,
            ones) and ``overflow_to_sample_mapping`` (``int64``: the index of each window's
            text in ``texts``), one row per window.

        Raises:
            InvalidArgumentError: As :meth:`encode`, or a ``stride`` not below the room a
                window leaves for text.
            DataFormatError: The tokenizer rejected a text (the row is named).
        """
        check_side(truncation_side)
        tables, first_text = [], 0
        for piece in pieces(as_strings(texts)):
            windows = self._core.encode_windows(
                piece,
                max_length=max_length,
                stride=stride,
                append_id=append_id,
                add_special_tokens=add_special_tokens,
                truncation_side=truncation_side,
                split_special_tokens=split_special_tokens,
                num_threads=num_threads,
            )
            ids = windows["input_ids"]
            mask = pa.ListArray.from_arrays(
                ids.offsets, pa.array(np.ones(len(ids.values), np.int8))
            )
            mapping = pc.add(windows["overflow_to_sample_mapping"], first_text)
            names = ["input_ids", "attention_mask", "overflow_to_sample_mapping"]
            tables.append(pa.table([ids, mask, mapping], names=names))
            first_text += len(piece)
        return pa.concat_tables(tables) if tables else _EMPTY_WINDOWS

    def tokenize_chats(
        self,
        texts: pa.Array,
        turn_counts: pa.Array,
        trainable: pa.Array,
        modes: pa.Array,
        dummies: pa.Array,
        **options: Any,
    ) -> dict[str, pa.Array]:
        """Encode rendered conversations and label their turns as axolotl's chat_template.

        ``texts`` are the full renders; per turn (``turn_counts`` per row), ``trainable``,
        ``modes`` (0 skipped, 1 located by its two placeholder renders in ``dummies``, 2
        absent). ``options``: ``eos_id``, ``eot_ids``, ``train_on_eos``, ``train_on_eot``,
        ``split_special_tokens``, ``num_threads``. Returns ``input_ids``,
        ``attention_mask``, ``labels`` and ``decided`` (False: axolotl must make the row).
        See ``axolotl_fast.integration.tokenize.chat_template``.
        """
        arrays = (texts, turn_counts, trainable, modes, dummies)
        return _core.tokenize_chats(self._core, *arrays, **options)


_EMPTY_WINDOWS = pa.table(
    {
        "input_ids": pa.array([], pa.list_(pa.int32())),
        "attention_mask": pa.array([], pa.list_(pa.int8())),
        "overflow_to_sample_mapping": pa.array([], pa.int64()),
    }
)
