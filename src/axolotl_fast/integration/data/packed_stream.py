"""axolotl 0.21's ``wrap_streaming_dataset`` with the packed pretraining batches made in Rust.

:func:`wrap_streaming_dataset` is axolotl's function (``utils/data/streaming.py``) restated:
the same collator, the same ``micro_batch_size = 1`` side effect, the same shuffle buffer and
the same batched ``map``. Where axolotl maps ``encode_packed_streaming`` over every buffer of
``streaming_multipack_buffer_size`` rows, a ``pretrain`` entry with ``sample_packing`` gets
:class:`PackedPretrainEncode`: the windows from the Rust encoder, the length filter on their
offsets, axolotl's own ``MultipackBatchSampler`` (so the bins, and the torch random numbers
drawn for them, are axolotl's), and every bin collated on numpy slices
(:mod:`axolotl_fast.integration.tokenize.pretrain`). Anything else (another strategy,
``balance_labels``, packing off) runs axolotl's function unchanged.

The guard: the first buffer's first :data:`GUARD_ROWS` rows go through axolotl's
``encode_packed_streaming`` and through ours from the same torch random state, which is then
put back; any difference in keys, bins, dtypes or values logs a WARNING and axolotl's function
makes every buffer. Any error of ours does the same.

A ``pretraining_dataset`` without packing gets
:class:`~axolotl_fast.integration.data.plain_stream.StreamingPretrainEncode` in place of
axolotl's ``encode_streaming``, with its own guard.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from axolotl.utils.logging import get_logger

from axolotl_fast.encode import Encoder
from axolotl_fast.integration.data.plain_stream import plain_encode
from axolotl_fast.integration.data.stream_guard import GuardedStreamEncode
from axolotl_fast.integration.tokenize import pretrain
from axolotl_fast.integration.tokenize.columns import Unsupported
from axolotl_fast.integration.trace import trace_hook

__all__ = ["GUARD_ROWS", "PackedPretrainEncode", "wrap_streaming_dataset"]

LOG = get_logger(__name__)

# Rows of the first buffer that axolotl's encode_packed_streaming also packs, to compare.
GUARD_ROWS = 128


def wrap_streaming_dataset(
    dataset: Any,
    tokenizer: Any,
    cfg: Any,
    ds_wrapper_fn: Callable,
    *,
    source: Any,
    fast: bool,
) -> Any:
    """Axolotl's ``wrap_streaming_dataset``, with :class:`PackedPretrainEncode` where it can.

    ``source`` is the streamed entry (``ds_wrapper_fn``'s ``dataset_config``); with ``fast``
    off, axolotl's function runs. Returns the mapped ``IterableDataset``; what makes the
    batches is logged and traced (hook ``tokenize``, split ``train``).
    """
    from axolotl.utils.data import streaming

    encode = None
    if fast and cfg.sample_packing:
        encode = _packed_encode(source, tokenizer, cfg, ds_wrapper_fn)
    elif fast:
        encode = plain_encode(tokenizer, cfg)
    if encode is None:
        return streaming.wrap_streaming_dataset(dataset, tokenizer, cfg, ds_wrapper_fn)
    if cfg.sample_packing:
        cfg.micro_batch_size = 1
    if cfg.shuffle_merged_datasets:
        dataset = dataset.shuffle(
            seed=cfg.seed, buffer_size=cfg.streaming_multipack_buffer_size
        )
    else:
        LOG.debug("NOT shuffling merged pretraining datasets")
    remove_columns: list[str] = []
    if dataset.features is None:
        for first_row in dataset:
            remove_columns = list(first_row.keys())
            break
    else:
        remove_columns = list(dataset.features.keys())
    return dataset.map(
        encode,
        batched=True,
        batch_size=cfg.streaming_multipack_buffer_size,
        remove_columns=remove_columns,
    )


def _packed_encode(
    source: Any, tokenizer: Any, cfg: Any, ds_wrapper_fn: Callable
) -> PackedPretrainEncode | None:
    """Our encode for this config, or ``None`` (with the reason logged and traced)."""
    from axolotl.utils.collators import PretrainingBatchSamplerDataCollatorForSeq2Seq
    from axolotl.utils.data.streaming import encode_packed_streaming

    try:
        strategy = _supported_strategy(source, tokenizer, cfg)
    except Exception as reason:  # axolotl's own function then says what is wrong
        note = f"axolotl packs the stream: {reason}"
        LOG.info("axolotl_fast: tokenize: %s", note)
        trace_hook("tokenize", split="train", note=note)
        return None
    multipack_attn = (
        True if not cfg.pretraining_dataset else cfg.pretrain_multipack_attn
    )
    collate_fn = PretrainingBatchSamplerDataCollatorForSeq2Seq(
        tokenizer,
        return_tensors="pt",
        padding=True,
        pad_to_multiple_of=cfg.sequence_len,
        multipack_attn=multipack_attn,
    )
    options = {
        "max_seq_length": cfg.sequence_len,
        "batch_size": cfg.micro_batch_size,
        "multipack_attn": multipack_attn,
        "bin_size": cfg.sample_packing_bin_size,
        "seed": cfg.data_seed if cfg.data_seed is not None else (cfg.seed or 0),
    }
    axolotls = functools.partial(
        encode_packed_streaming,
        collate_fn,
        ds_wrapper_fn,
        balance_labels=False,
        **options,
    )
    return PackedPretrainEncode(strategy, collate_fn, axolotls, **options)


def _supported_strategy(source: Any, tokenizer: Any, cfg: Any) -> Any:
    """The entry's pretraining strategy, or :class:`Unsupported` saying why not."""
    from axolotl.prompt_strategies import load

    if cfg.balance_labels:
        raise Unsupported("balance_labels")
    if cfg.skip_prepare_dataset:
        raise Unsupported("skip_prepare_dataset: true")
    ds_type = source["type"]
    if not isinstance(ds_type, str) or ds_type != "pretrain":
        raise Unsupported(f"type {ds_type!r} has no packed fast path")
    strategy = load(ds_type, tokenizer, cfg, source)
    pretrain.check_supported(strategy)
    return strategy


class PackedPretrainEncode(GuardedStreamEncode):
    """``encode_packed_streaming`` for the ``pretrain`` strategy, with the guard.

    Args:
        strategy: The entry's ``PretrainTokenizationStrategy``.
        collate_fn: axolotl's pretraining collator (its padding settings are read).
        axolotls: axolotl's ``encode_packed_streaming`` with the same settings: the guard's
            reference and the fallback.
        max_seq_length, batch_size, multipack_attn, bin_size, seed: As axolotl's.
    """

    guard_rows = GUARD_ROWS
    stream = "the packed stream"
    verb = "packs"
    reference = "encode_packed_streaming"

    def __init__(
        self,
        strategy: Any,
        collate_fn: Any,
        axolotls: Callable[[dict], dict],
        *,
        max_seq_length: int,
        batch_size: int,
        multipack_attn: bool,
        bin_size: int,
        seed: int,
    ) -> None:
        super().__init__(axolotls)
        self.strategy = strategy
        self.collate_fn = collate_fn
        self.max_seq_length = max_seq_length
        self.batch_max_len = batch_size * max_seq_length
        self.multipack_attn = multipack_attn
        self.bin_size = bin_size
        self.seed = seed
        self.encoder = Encoder.from_tokenizer(strategy.tokenizer)

    def ours(self, examples: dict[str, list]) -> dict[str, list]:
        """The bins of ``examples``: windows, length filter, axolotl's sampler, collation."""
        return self.packed(examples)

    def packed(self, examples: dict[str, list]) -> dict[str, list]:
        """The bins of ``examples``: windows, length filter, axolotl's sampler, collation."""
        import torch
        from axolotl.utils.samplers import MultipackBatchSampler
        from torch.utils.data import RandomSampler

        texts = examples[self.strategy.text_column]
        table = pretrain.windows(texts, self.strategy, self.encoder)
        ids, offsets = pretrain.flat_ids(table)
        kept, lengths = pretrain.kept_windows(offsets, self.max_seq_length)
        sampler = MultipackBatchSampler(
            sampler=RandomSampler(range(len(kept))),
            lengths=lengths,
            label_counts=None,
            label_start_counts=None,
            seed=self.seed,
            padding_multiple=self.collate_fn.pad_to_multiple_of or 1,
            batch_size=1,
            batch_max_len=self.batch_max_len,
            drop_last=True,
            num_processes=1,
            bin_size=self.bin_size,
        )
        tokenizer = self.strategy.tokenizer
        chunked: defaultdict[str, list] = defaultdict(list)
        for batch in sampler:
            for rows in batch:
                collated = pretrain.collate_bin(
                    ids,
                    offsets,
                    kept[rows],
                    multiple=self.collate_fn.pad_to_multiple_of,
                    pad_id=tokenizer.pad_token_id,
                    left=tokenizer.padding_side == "left",
                    multipack_attn=self.multipack_attn,
                )
                for name, values in collated.items():
                    chunked[name].append(torch.from_numpy(values))
        return chunked

    def difference(self, head: dict[str, list]) -> str | None:
        """Ours against axolotl's from the same torch random state, which is put back."""
        import torch

        state = torch.get_rng_state()
        try:
            expected = self.axolotls(head)
            torch.set_rng_state(state)
            return first_difference(expected, self.packed(head))
        finally:
            torch.set_rng_state(state)

    def passed_note(self) -> str:
        """The run report's line when the guard passes."""
        return f"Rust packs the stream ({self.strategy.text_column!r} windows)"


def first_difference(expected: dict[str, list], ours: dict[str, list]) -> str | None:
    """Where two ``encode_packed_streaming`` results first differ, or ``None``."""
    import torch

    if list(expected) != list(ours):
        return f"columns {list(ours)} instead of {list(expected)}"
    for name, tensors in expected.items():
        if len(tensors) != len(ours[name]):
            return f"{len(ours[name])} bins instead of {len(tensors)}"
        for index, (want, got) in enumerate(zip(tensors, ours[name], strict=True)):
            if want.dtype != got.dtype or not torch.equal(want, got):
                return f"bin {index}, field {name!r}"
    return None
