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

from axolotl_fast.near_dedupe import MinHashParams

__all__ = [
    "PACKING_STRATEGIES",
    "AxolotlFastArgs",
    "AxolotlFastConfig",
    "NearDedupeConfig",
]

PACKING_STRATEGIES = ("axolotl", "bfd", "ffd", "sequential")
PackingStrategy = Literal["axolotl", "bfd", "ffd", "sequential"]


class NearDedupeConfig(BaseModel):
    """``near_dedupe:`` settings: MinHash + LSH near-duplicate removal (off by default).

    Defaults are :func:`axolotl_fast.near_dedupe`'s, on ``input_ids`` (n-grams of token ids).
    """

    model_config = ConfigDict(extra="forbid", strict=True)

    column: str = Field(
        default="input_ids",
        json_schema_extra={
            "description": "The tokenized column compared (n-grams of token ids); a text "
            "column the prepared rows keep works too (word n-grams)."
        },
    )
    threshold: float = Field(
        default=0.7,
        ge=0.0,
        le=1.0,
        strict=False,
        json_schema_extra={
            "description": "Estimated Jaccard similarity at which a candidate pair is a "
            "near-duplicate. Higher removes fewer rows."
        },
    )
    ngram: int = Field(
        default=5, ge=1, json_schema_extra={"description": "Shingle length."}
    )
    bands: int = Field(
        default=14, ge=1, json_schema_extra={"description": "LSH bands."}
    )
    rows_per_band: int = Field(
        default=8, ge=1, json_schema_extra={"description": "Signature values per band."}
    )
    num_perm: int | None = Field(
        default=None,
        ge=1,
        json_schema_extra={"description": "Signature length (bands * rows_per_band)."},
    )
    seed: int = Field(default=1, json_schema_extra={"description": "MinHash seed."})

    def minhash_params(self) -> MinHashParams:
        """These settings as :func:`axolotl_fast.near_dedupe`'s parameters."""
        return MinHashParams(
            ngram=self.ngram,
            bands=self.bands,
            rows_per_band=self.rows_per_band,
            num_perm=self.num_perm,
            threshold=self.threshold,
            seed=self.seed,
        )

    @model_validator(mode="after")
    def _bands_fit_the_signature(self) -> NearDedupeConfig:
        if (
            self.num_perm is not None
            and self.bands * self.rows_per_band > self.num_perm
        ):
            raise ValueError(
                f"near_dedupe: {self.bands} bands of {self.rows_per_band} values need "
                f"num_perm >= {self.bands * self.rows_per_band}, got {self.num_perm}"
            )
        return self


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
    near_dedupe: NearDedupeConfig | None = Field(
        default=None,
        json_schema_extra={
            "description": "Near-duplicate removal (MinHash + LSH in Rust) of the tokenized "
            "dataset, after exact dedupe, before the prepared dataset is saved. Off unless "
            "present; it changes the data (rows similar to an earlier row are dropped). "
            "'near_dedupe: {}' takes the defaults."
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
        """Reject ``dedupe`` / ``near_dedupe`` where axolotl rejects exact dedupe.

        ``near_dedupe`` is also refused for RL configs, whose data the plugin does not load.
        """
        block = data.get("axolotl_fast") if isinstance(data, dict) else None
        if not isinstance(block, dict):
            return data
        for key in ("dedupe", "near_dedupe"):
            if block.get(key) not in (None, False):
                _check_prepared_data(data, key)
        if block.get("near_dedupe") is not None and data.get("rl"):
            raise ValueError(
                "axolotl_fast.near_dedupe is not available for rl configs (their "
                "preference data is loaded by axolotl)"
            )
        return data


def _check_prepared_data(data: dict[str, Any], key: str) -> None:
    if data.get("streaming") or data.get("pretraining_dataset"):
        raise ValueError(
            f"axolotl_fast.{key} needs a prepared (map-style) dataset and is not "
            "available with streaming or pretraining_dataset, like "
            "dataset_exact_deduplication"
        )
    if data.get("skip_prepare_dataset"):
        raise ValueError(
            f"axolotl_fast.{key} runs while the dataset is prepared; it cannot be "
            "used with skip_prepare_dataset: true"
        )
