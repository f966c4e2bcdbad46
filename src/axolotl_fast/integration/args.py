"""The ``axolotl_fast:`` block of an Axolotl config, as pydantic models.

:class:`AxolotlFastArgs` is merged into Axolotl's config schema through
``FastPlugin.get_input_args()``; it adds a single top-level key, ``axolotl_fast``, validated by
:class:`AxolotlFastConfig`. Misspelled keys are rejected twice: by ``extra="forbid"`` here, and
earlier, with a suggestion, by :mod:`~axolotl_fast.integration.config_checks` in
``FastPlugin.register``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["PACKING_STRATEGIES", "AxolotlFastArgs", "AxolotlFastConfig"]

PACKING_STRATEGIES = ("axolotl", "bfd", "ffd", "sequential")
PackingStrategy = Literal["axolotl", "bfd", "ffd", "sequential"]


class AxolotlFastConfig(BaseModel):
    """Per-operation toggles of axolotl_fast. Every key is optional."""

    model_config = ConfigDict(extra="forbid", strict=True)

    loader: bool = Field(
        default=True,
        json_schema_extra={
            "description": "Read local dataset files (jsonl, json, csv, parquet, arrow, "
            "HF save_to_disk dirs, compressed) with the streaming Rust reader instead of HF "
            "datasets. The same rows come out; the rest of axolotl's pipeline is unchanged."
        },
    )
    tokenize: bool = Field(
        default=True,
        json_schema_extra={
            "description": "Tokenize dataset entries in Rust on every core where the "
            "result is axolotl's own (type: alpaca and its styles, alpaca_chat, "
            "alpaca_instruct, completion); the first 256 rows of each entry are checked against "
            "axolotl's strategy, and anything else is tokenized by axolotl."
        },
    )
    dedupe: bool = Field(
        default=False,
        json_schema_extra={
            "description": "Exact deduplication of the tokenized dataset in Rust, keeping the "
            "same rows as axolotl's dataset_exact_deduplication, which it replaces."
        },
    )
    collator: bool = Field(
        default=True,
        json_schema_extra={
            "description": "Pad and collate batches (plain and sample-packed) in Rust; the "
            "tensors are identical to axolotl's collators."
        },
    )
    packing: PackingStrategy = Field(
        default="axolotl",
        json_schema_extra={
            "description": "Who decides the sample-packing bins: 'axolotl' (its multipack "
            "sampler, identical results), 'bfd' / 'ffd' (best/first-fit decreasing, fewer "
            "steps) or 'sequential' (order-preserving next-fit). Only used with "
            "sample_packing: true."
        },
    )


class AxolotlFastArgs(BaseModel):
    """The keys axolotl_fast adds to Axolotl's config schema."""

    axolotl_fast: AxolotlFastConfig | None = Field(
        default=None,
        json_schema_extra={
            "description": "axolotl_fast settings. Present (even empty) or "
            "plugins: [axolotl_fast.FastPlugin] turns the plugin on."
        },
    )

    @model_validator(mode="before")
    @classmethod
    def _empty_block_means_defaults(cls, data: Any) -> Any:
        """Treat a bare ``axolotl_fast:`` line (YAML null) as an empty block."""
        if (
            isinstance(data, dict)
            and "axolotl_fast" in data
            and data["axolotl_fast"] is None
        ):
            return {**data, "axolotl_fast": {}}
        return data

    @model_validator(mode="before")
    @classmethod
    def _dedupe_needs_prepared_data(cls, data: Any) -> Any:
        """Reject ``dedupe`` where axolotl rejects ``dataset_exact_deduplication``."""
        block = data.get("axolotl_fast") if isinstance(data, dict) else None
        if not (isinstance(block, dict) and block.get("dedupe")):
            return data
        if data.get("streaming") or data.get("pretraining_dataset"):
            raise ValueError(
                "axolotl_fast.dedupe needs a prepared (map-style) dataset and is not "
                "available with streaming or pretraining_dataset, like "
                "dataset_exact_deduplication"
            )
        if data.get("skip_prepare_dataset"):
            raise ValueError(
                "axolotl_fast.dedupe runs while the dataset is prepared; it cannot be "
                "used with skip_prepare_dataset: true"
            )
        return data
