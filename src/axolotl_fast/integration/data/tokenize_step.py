"""The plugin's ``tokenize``: a dataset entry's axolotl strategy run by the Rust tokenizer.

:class:`TokenizeStep` runs where axolotl's ``_load_and_process_single_dataset`` calls
``get_dataset_wrapper``. For each entry it builds the strategy ``get_dataset_wrapper`` would
build (``axolotl.prompt_strategies.load``, else the instruction handler's strategy for
``alpaca``, ``gpteacher``, ``oasst``, ``jeopardy``, ``summarizetldr``, ``explainchoice``,
``concisechoice``), and where a fast path reproduces that strategy
(:mod:`axolotl_fast.integration.tokenize.paths`: the instruction family, ``alpaca_w_system``,
``chat_template``, ``input_output``, ``completion``) it
tokenizes every row at once in Rust, into a memory-mapped Arrow file
(``<HF_DATASETS_CACHE>/axolotl_fast/tokenized/<key>/``, keyed by the rows' fingerprint, the
strategy's settings and the tokenizer's state, so a rerun overwrites its own file rather than
piling up new ones).

The guard (:mod:`~axolotl_fast.integration.data.tokenize_guard`): before the whole entry
is tokenized, its first ``GUARD_ROWS`` rows go through axolotl's own
``strategy.tokenize_prompt`` and through the fast path, and the results are compared whole
(rows, columns, order, values). A difference logs a WARNING naming the row and the field, and
the entry is tokenized by axolotl instead; so does any error of the fast path. Anything the
fast path does not cover (``metharme``, user-defined types, a streamed entry, a
tokenizer returning ``token_type_ids``, ...) goes to axolotl with one INFO line naming the
entry and the reason.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from axolotl.utils.logging import get_logger

from axolotl_fast.encode import Encoder
from axolotl_fast.hf.arrow_cache import mapped_tables
from axolotl_fast.integration.data.entries import parse_dataset_type
from axolotl_fast.integration.data.tokenize_guard import GUARD_ROWS, first_difference
from axolotl_fast.integration.tokenize.instruction import Unsupported
from axolotl_fast.integration.tokenize.paths import INSTRUCTION_HANDLERS, fast_path
from axolotl_fast.integration.trace import trace_hook

if TYPE_CHECKING:
    from axolotl.utils.dict import DictDefault
    from datasets import Dataset

__all__ = ["TokenizeStep", "Tokenized"]

LOG = get_logger(__name__)

# Bump when the fast path could give different rows for the same entry and strategy.
CACHE_VERSION = "axolotl_fast-tokenize-v1"


@dataclass(frozen=True)
class Tokenized:
    """What the step did with one entry.

    Attributes:
        dataset: The tokenized rows, or ``None``: axolotl's ``get_dataset_wrapper`` must run.
        prompter: The prompter ``get_dataset_wrapper`` would have returned with them.
        note: One line for the run report.
    """

    dataset: Dataset | None
    prompter: Any
    note: str


class TokenizeStep:
    """The fast tokenization of one run's entries (one encoder per tokenizer, made once).

    Args:
        cfg: The validated, normalized axolotl config.
        tokenizer: The tokenizer axolotl loaded for the run.
    """

    def __init__(self, cfg: DictDefault, tokenizer: Any) -> None:
        self.cfg = cfg
        self.tokenizer = tokenizer
        self.outcomes: list[Tokenized] = []
        self._encoders: dict[str, Encoder] = {}

    def run(
        self,
        ds_cfg: DictDefault,
        dataset: Any,
        split: str,
        processor: Any,
    ) -> Tokenized:
        """Tokenize ``dataset`` as axolotl's strategy for ``ds_cfg`` would, or decline.

        The outcome is also kept in :attr:`outcomes` and traced (hook ``tokenize``).
        """
        outcome = self._run(ds_cfg, dataset, processor)
        self.outcomes.append(outcome)
        trace_hook("tokenize", split=split, note=outcome.note)
        return outcome

    def _run(self, ds_cfg: DictDefault, dataset: Any, processor: Any) -> Tokenized:
        entry = f"{ds_cfg.path} (type: {ds_cfg.type})"
        try:
            strategy, prompter = self._strategy(ds_cfg, dataset, processor)
            path = fast_path(strategy)
            digest = _tokenizer_digest(strategy.tokenizer)
            encoder = self._encoder(strategy.tokenizer, digest)
            difference = _guard(dataset, strategy, path, encoder)
            if difference is None:
                tokenized = self._tokenize(dataset, strategy, path, encoder, digest)
        except Unsupported as reason:
            LOG.info("axolotl_fast: tokenize leaves %s to axolotl: %s", entry, reason)
            return Tokenized(None, None, f"axolotl tokenized {entry}: {reason}")
        except Exception as error:  # never fail where axolotl's strategy would run
            reason = f"{type(error).__name__}: {error}"
            LOG.warning(
                "axolotl_fast: tokenize failed on %s (%s); axolotl tokenizes this entry",
                entry,
                reason,
            )
            return Tokenized(None, None, f"axolotl tokenized {entry}: error, {reason}")
        if difference is not None:
            LOG.warning(
                "axolotl_fast: tokenize guard: %s differs from axolotl's strategy at %s; "
                "axolotl tokenizes this entry instead",
                entry,
                difference,
            )
            note = f"axolotl tokenized {entry}: guard, {difference}"
            return Tokenized(None, None, note)
        note = f"Rust tokenized {entry}: {len(tokenized)} rows"
        LOG.info("axolotl_fast: tokenize: %s", note)
        return Tokenized(tokenized, prompter, note)

    def _encoder(self, tokenizer: Any, digest: str) -> Encoder:
        """The encoder of the tokenizer's current state (a strategy may add tokens)."""
        if digest not in self._encoders:
            encoder = Encoder.from_tokenizer(tokenizer)
            declined = encoder.fast_encoder_declined
            if declined is None:
                LOG.info("axolotl_fast: tokenize: the fast BPE encoder encodes")
            else:
                LOG.info("axolotl_fast: tokenize: tokenizers encodes (%s)", declined)
            self._encoders[digest] = encoder
        return self._encoders[digest]

    def _strategy(
        self, ds_cfg: DictDefault, dataset: Any, processor: Any
    ) -> tuple[Any, Any]:
        """The strategy and prompter of ``get_dataset_wrapper``, for the cases it tokenizes."""
        from axolotl.prompt_strategies import load
        from axolotl.prompters import UnsupportedPrompter
        from datasets import Dataset

        if not isinstance(dataset, Dataset):
            raise Unsupported("a streamed entry")
        if self.cfg.skip_prepare_dataset:
            raise Unsupported("skip_prepare_dataset: true")
        if {"input_ids", "attention_mask", "labels"} <= set(dataset.features):
            raise Unsupported("the rows are already tokenized")
        if not isinstance(ds_cfg.type, str) or ds_cfg.type.startswith("_"):
            raise Unsupported("a user-defined type")
        if ds_cfg.type.startswith(("bradley_terry", "stepwise_supervised")):
            raise Unsupported(f"type {ds_cfg.type!r} has no fast path yet")
        if len(dataset) == 0:
            raise Unsupported("no rows")
        base_type, prompt_style = parse_dataset_type(ds_cfg.type)
        strategy = load(
            ds_cfg.type, self.tokenizer, self.cfg, ds_cfg, processor=processor
        )
        if strategy is not None:
            return strategy, UnsupportedPrompter()
        if base_type in INSTRUCTION_HANDLERS:
            prompter_class, strategy_class = INSTRUCTION_HANDLERS[base_type]
            prompter = prompter_class(prompt_style)
            strategy = strategy_class(
                prompter,
                self.tokenizer,
                self.cfg.train_on_inputs,
                self.cfg.sequence_len,
            )
            return strategy, prompter
        raise Unsupported(f"type {ds_cfg.type!r} has no fast path yet")

    def _tokenize(
        self,
        dataset: Dataset,
        strategy: Any,
        path: ModuleType,
        encoder: Encoder,
        digest: str,
    ) -> Dataset:
        """Every row through the fast path, into a memory-mapped cache file."""
        from datasets import Dataset

        pieces = path.iter_tokenized(_rows(dataset), strategy, encoder)
        key = _cache_key(
            dataset, path.settings_of(strategy), strategy.tokenizer, digest
        )
        tokenized = Dataset(mapped_tables("tokenized", key, path.SCHEMA, pieces))
        if len(tokenized) == 0:  # axolotl raises or writes nothing: let it
            raise Unsupported("no row has tokens")
        return tokenized


def _guard(
    dataset: Dataset, strategy: Any, path: ModuleType, encoder: Encoder
) -> str | None:
    """The guard: axolotl's strategy and the fast path on the first rows, compared."""
    head = dataset.select(range(min(GUARD_ROWS, len(dataset))))
    pieces = list(path.iter_tokenized(_rows(head), strategy, encoder))
    ours = pa.concat_tables(pieces) if pieces else path.SCHEMA.empty_table()
    return first_difference(strategy, head, ours)


def _rows(dataset: Dataset) -> pa.Table:
    """The dataset's rows as one Arrow table (an indices mapping applied)."""
    if dataset._indices is None:
        return dataset.data.table
    return dataset.with_format("arrow")[:]


def _tokenizer_digest(tokenizer: Any) -> str:
    """sha256 of the tokenizer's state, without what the last call left behind."""
    state = json.loads(tokenizer.backend_tokenizer.to_str())
    for volatile in ("truncation", "padding"):
        state.pop(volatile, None)
    return hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()


def _cache_key(
    dataset: Dataset, settings: dict[str, Any], tokenizer: Any, digest: str
) -> str:
    """sha256 of the rows' fingerprint, the strategy's settings and the tokenizer's state."""
    settings = {
        **settings,
        "eos": tokenizer.eos_token_id,
        "bos": tokenizer.bos_token_id,
        "truncation_side": tokenizer.truncation_side,
        "split_special_tokens": bool(getattr(tokenizer, "split_special_tokens", False)),
        "tokenizer": digest,
    }
    payload = json.dumps(
        [CACHE_VERSION, dataset._fingerprint, settings], sort_keys=True
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]
