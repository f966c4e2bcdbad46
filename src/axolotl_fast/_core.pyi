"""Type stubs for the Rust extension ``axolotl_fast._core``.

Kept in sync with ``rust/src/py/`` and checked by ``mypy.stubtest`` in the lint step.
"""

from os import PathLike
from typing import Any, NoReturn, final

import pyarrow as pa

__all__ = [
    "Encoder",
    "HashSet",
    "JsonlWriter",
    "Reader",
    "__version__",
    "_after_fork_in_child",
    "_char_offsets",
    "_mark_pool_used",
    "_raise_core_error",
    "build_info",
    "cluster_roots",
    "detect_format",
    "minhash_band_edges",
    "minhash_clusters",
    "minhash_signatures",
    "near_duplicates",
    "pack",
    "pad_feature",
    "read",
    "row_keys",
    "source_files",
    "tokenize_chats",
    "varlen_boundaries",
]

__version__: str

def build_info() -> dict[str, Any]:
    """Describe this build of the Rust core."""

def _after_fork_in_child() -> None:
    """Tell the core it now runs in a forked child."""

# Test hooks: present only in builds with the cargo feature `test-hooks`
# (`maturin develop --features test-hooks`, as the test command builds); release wheels,
# built with `features = ["python"]` alone, do not have them (see rust/src/py/test_hooks.rs).

def _char_offsets(
    encoder: Encoder, text: str, split_special_tokens: bool
) -> tuple[list[int], list[tuple[int, int]], bool]:
    """``(ids, character offsets, by the fast encoder)`` of ``text`` (a test hook).

    As the chat-template path encodes it: no special tokens added, no truncation.
    """

def _mark_pool_used() -> None:
    """Record that the thread pool has run, as a parallel kernel does (a test hook)."""

def _raise_core_error(kind: str) -> NoReturn:
    """Raise the Python exception that a core error of ``kind`` maps to (a test hook)."""

@final
class Reader:
    """A stream of ``pyarrow.RecordBatch`` over local files; use ``axolotl_fast.read``."""

    @property
    def schema(self) -> pa.Schema:
        """The ``pyarrow.Schema`` of every batch."""

    def next_batch(self) -> pa.RecordBatch | None:
        """The next ``pyarrow.RecordBatch``, or ``None`` at the end. Runs without the GIL."""

    def to_pyarrow_reader(self) -> pa.RecordBatchReader:
        """Hand the rest of the stream to a ``pyarrow.RecordBatchReader`` (zero-copy)."""

    def skipped(self) -> dict[str, Any]:
        """The records left out under ``on_error="skip"``."""

def detect_format(
    path: str | PathLike[str], format: str | None = None, compression: str | None = None
) -> tuple[str, str]:
    """The format and compression the reader would use for ``path``."""

def source_files(paths: list[str | PathLike[str]]) -> list[str]:
    """The files a source list stands for, in reading order (directories expanded)."""

def pad_feature(
    rows: Any,
    *,
    pad_to_multiple_of: int | None = None,
    width: int | None = None,
    left: bool = False,
    fill: int = 0,
    arange: bool = False,
    segments: bool = False,
) -> tuple[bytearray, int, int, list[int]]:
    """Pad one feature of a batch into a row-major int64 matrix (see ``FastCollator``)."""

def varlen_boundaries(position_ids: bytes) -> tuple[bytearray, int]:
    """``cu_seqlens`` (int32 bytes) and the longest segment of packed position ids."""

def read(
    paths: list[str | PathLike[str]],
    batch_size: int,
    columns: list[str] | None = None,
    format: str | None = None,
    compression: str | None = None,
    on_error: str = "raise",
    num_threads: int | None = None,
    shard: tuple[int, int] | None = None,
    prefetch: int = 2,
    schema: pa.Schema | None = None,
) -> Reader:
    """Open local files for streaming (see ``axolotl_fast.read``)."""

def row_keys(
    batches: list[pa.RecordBatch],
    columns: list[str] | None = None,
    hash: str = "xxh3_128",
    num_threads: int | None = None,
) -> pa.FixedSizeBinaryArray:
    """The 16-byte key of every row of ``batches``, in order (``fixed_size_binary(16)``)."""

def pack(
    lengths: list[pa.Array],
    max_length: int,
    strategy: str = "bfd",
    max_per_bin: int | None = None,
    seed: int = 0,
    oversize: str = "raise",
    order: list[pa.Array] | None = None,
    group_size: int = 100000,
) -> dict[str, Any]:
    """Pack samples by token length (see ``axolotl_fast.pack``)."""

def tokenize_chats(
    encoder: Encoder,
    texts: pa.Array,
    turn_counts: pa.Array,
    trainable: pa.Array,
    modes: pa.Array,
    dummies: pa.Array,
    eos_id: int | None,
    eot_ids: list[int],
    train_on_eos: str,
    train_on_eot: str,
    split_special_tokens: bool = False,
    num_threads: int | None = None,
) -> dict[str, Any]:
    """Tokenize rendered conversations and label their turns as axolotl's chat_template does."""

@final
class Encoder:
    """A tokenizer restored from its JSON; use ``axolotl_fast.Encoder``."""

    def __new__(cls, json: str) -> Encoder: ...
    def token_id(self, token: str) -> int | None:
        """The id of ``token`` in the vocabulary (added tokens included), or ``None``."""

    def fast_encoder_declined(self) -> str | None:
        """``None`` when the fast BPE encoder encodes, else why ``tokenizers`` does."""

    def encode(
        self,
        texts: pa.Array,
        add_special_tokens: bool = True,
        max_length: int | None = None,
        truncation_side: str = "right",
        split_special_tokens: bool = False,
        num_threads: int | None = None,
    ) -> pa.ListArray:
        """Encode the strings of ``texts`` (a pyarrow string array without nulls)."""

    def encode_windows(
        self,
        texts: pa.Array,
        max_length: int,
        stride: int,
        append_id: int | None = None,
        add_special_tokens: bool = True,
        truncation_side: str = "right",
        split_special_tokens: bool = False,
        num_threads: int | None = None,
    ) -> dict[str, Any]:
        """Encode ``texts`` into overlapping windows (``return_overflowing_tokens=True``)."""

    def tokenize_instructions(
        self,
        instruction: pa.Array,
        response: pa.Array,
        input: pa.Array | None,
        system: pa.Array | None,
        with_input: str,
        without_input: str,
        system_template: str | None,
        max_length: int,
        train_on_inputs: bool,
        eos_id: int,
        bos_id: int | None = None,
        truncation_side: str = "right",
        split_special_tokens: bool = False,
        num_threads: int | None = None,
    ) -> dict[str, pa.ListArray]:
        """Tokenize instruction rows as axolotl's instruction strategy does."""

def near_duplicates(
    column: pa.Array,
    ngram: int,
    num_perm: int,
    bands: int,
    rows_per_band: int,
    threshold: float,
    seed: int,
    num_threads: int | None = None,
) -> pa.Int64Array:
    """Each row's cluster of near-duplicates, as the lowest row of the cluster."""

def minhash_signatures(
    column: pa.Array,
    ngram: int,
    num_perm: int,
    bands: int,
    rows_per_band: int,
    threshold: float,
    seed: int,
    num_threads: int | None = None,
) -> pa.FixedSizeListArray:
    """Every row's MinHash signature (null for a row without shingles)."""

def minhash_clusters(
    signatures: pa.FixedSizeListArray,
    bands: int,
    rows_per_band: int,
    threshold: float,
    num_threads: int | None = None,
) -> pa.Int64Array:
    """Each row's cluster root from its signature."""

def minhash_band_edges(
    rows: pa.Int64Array,
    signatures: pa.FixedSizeListArray,
    band: int,
    rows_per_band: int,
    threshold: float,
) -> tuple[pa.Int64Array, pa.Int64Array]:
    """The (earlier, later) edges of one LSH band among some rows."""

def cluster_roots(
    num_rows: int, earlier: pa.Int64Array, later: pa.Int64Array
) -> pa.Int64Array:
    """The lowest row each row is joined to by the edges."""

@final
class HashSet:
    """A set of row keys; use ``axolotl_fast.HashSet``."""

    def __new__(cls, hash: str) -> HashSet: ...
    @property
    def hash(self) -> str:
        """The hash of the keys."""

    @property
    def nbytes(self) -> int:
        """The memory the set holds, in bytes."""

    def __len__(self) -> int: ...
    def contains_key(self, key: bytes) -> bool:
        """Whether the 16-byte key ``key`` is in the set."""

    def contains_rows(
        self,
        batches: list[pa.RecordBatch],
        columns: list[str] | None = None,
        num_threads: int | None = None,
    ) -> pa.BooleanArray:
        """Whether each row of ``batches`` is in the set."""

    def insert_new(
        self,
        batches: list[pa.RecordBatch],
        columns: list[str] | None = None,
        order: pa.Array | None = None,
        first_index: int = 0,
        num_threads: int | None = None,
    ) -> pa.Int64Array:
        """Add the rows of ``batches``; return the indices of those not seen before."""

    def insert_new_keys(
        self, keys: pa.FixedSizeBinaryArray, first_index: int = 0
    ) -> pa.Int64Array:
        """Add 16-byte keys in order; return the positions of those not seen before."""

    def save(self, path: str | PathLike[str]) -> None:
        """Write the set to ``path`` (atomically)."""

    @staticmethod
    def load(path: str | PathLike[str]) -> HashSet:
        """Read a set written by ``save``."""

    def copy(self) -> HashSet:
        """An independent copy of the set."""

@final
class JsonlWriter:
    """Writes record batches as JSON Lines (plain, gzip or zstd), atomically on ``close()``."""

    def __new__(
        cls, path: str | PathLike[str], compression: str = "none"
    ) -> JsonlWriter: ...
    def write(self, batch: pa.RecordBatch) -> None:
        """Appends the rows of ``batch``."""
    def close(self) -> None:
        """Ends the file and gives it its name."""
