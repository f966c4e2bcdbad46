"""Deterministic alpaca-like SFT data in every format the read benchmark measures.

Rows have ``instruction``, ``input`` and ``output`` strings of lognormal lengths (about
1.3 KB a row on average, a long tail to ~12 KB), with newlines, quotes and commas in the text
(so CSV needs quoting) and non-ASCII words in about one row in five. The same rows are written
as Parquet (snappy and zstd), Arrow IPC file, JSONL, JSONL.gz, JSONL.zst and CSV. Every byte
is a pure function of ``--rows``, ``--seed`` and ``--row-group-rows``; the files are cached
under a directory keyed by them, so reruns reuse them::

    python benchmarks/gen_data.py --rows 200000 [--seed 0] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

# Bump when the generated content changes, so old caches are not reused.
GENERATOR_VERSION = 1
# The file name suffix of each format, in report order.
FORMATS = {
    "parquet-snappy": "snappy.parquet",
    "parquet-zstd": "zstd.parquet",
    "arrow": "arrow",
    "jsonl": "jsonl",
    "jsonl.gz": "jsonl.gz",
    "jsonl.zst": "jsonl.zst",
    "csv": "csv",
}
SCHEMA = pa.schema(
    [("instruction", pa.string()), ("input", pa.string()), ("output", pa.string())]
)

_WORDS_TEXT = (
    "the of and to in is that for it as with was on be by this are from or at an which "
    "data model train value list function return example output input result number "
    "first second each time because however therefore between system user answer "
    "question explain write describe compare summarize translate step python code "
    "error memory file string array table column batch token sequence language simple "
    "important different following given using should would could might must will"
)
_NON_ASCII_TEXT = (
    "café naïve résumé Straße Übung façade jalapeño São Paulo Zürich Ελληνικά данные "
    "обучение модель 数据 训练 模型 日本語 テキスト 한국어 العربية हिन्दी ½ € — “quoted” 🙂 🚀 ✓"
)
_WORDS, _NON_ASCII = _WORDS_TEXT.split(), _NON_ASCII_TEXT.split()
_PUNCT = [",", ".", ";", ":", "?", "!", ' "', '" ', "(", ")"]
_OPENERS = [
    "Explain",
    "Write",
    "Summarize",
    "Translate",
    "List",
    "Describe",
    "Compare",
    "Rewrite",
    "Give",
    "Classify",
]


def default_data_dir() -> Path:
    cache = os.environ.get("AXOLOTL_FAST_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
        "axolotl_fast",
    )
    return Path(cache) / "bench-data"


def dataset_dir(data_dir: Path, rows: int, seed: int, row_group_rows: int) -> Path:
    return data_dir / f"v{GENERATOR_VERSION}-rows{rows}-seed{seed}-rg{row_group_rows}"


def _text(rng: random.Random, n_chars: int, non_ascii: bool) -> str:
    """About ``n_chars`` characters of word salad with punctuation and line breaks."""
    words = rng.choices(_WORDS, k=max(1, n_chars // 6))
    for _ in range(len(words) // 12):
        i = rng.randrange(len(words))
        words[i] += rng.choice(_PUNCT)
    for _ in range(len(words) // 40):
        words[rng.randrange(len(words))] += rng.choice(["\n", "\n\n", "\n- "])
    if non_ascii:
        for _ in range(1 + len(words) // 25):
            words[rng.randrange(len(words))] = rng.choice(_NON_ASCII)
    return " ".join(words)


def _lognormal_len(rng: random.Random, median: float, sigma: float, cap: int) -> int:
    return min(cap, max(8, int(rng.lognormvariate(0, sigma) * median)))


def make_rows(rng: random.Random, n: int) -> dict[str, list[str]]:
    """``n`` alpaca-like rows as columns."""
    cols: dict[str, list[str]] = {"instruction": [], "input": [], "output": []}
    for _ in range(n):
        non_ascii = rng.random() < 0.2
        instruction = _text(rng, _lognormal_len(rng, 70, 0.5, 600), non_ascii)
        cols["instruction"].append(f"{rng.choice(_OPENERS)} {instruction}")
        has_input = rng.random() < 0.4
        cols["input"].append(
            _text(rng, _lognormal_len(rng, 180, 0.8, 3000), non_ascii)
            if has_input
            else ""
        )
        cols["output"].append(
            _text(rng, _lognormal_len(rng, 900, 0.7, 12000), non_ascii)
        )
    return cols


def batches(rows: int, seed: int, chunk: int) -> Iterator[pa.RecordBatch]:
    rng = random.Random(seed)
    for start in range(0, rows, chunk):
        cols = make_rows(rng, min(chunk, rows - start))
        yield pa.RecordBatch.from_pydict(cols, schema=SCHEMA)


def _write_all(tmp: dict[str, Path], rows: int, seed: int, chunk: int) -> None:
    writers = {
        "parquet-snappy": pq.ParquetWriter(
            tmp["parquet-snappy"], SCHEMA, compression="snappy"
        ),
        "parquet-zstd": pq.ParquetWriter(
            tmp["parquet-zstd"], SCHEMA, compression="zstd"
        ),
        "arrow": pa.ipc.new_file(str(tmp["arrow"]), SCHEMA),
        "csv": pacsv.CSVWriter(str(tmp["csv"]), SCHEMA),
    }
    streams = {
        "jsonl": pa.output_stream(str(tmp["jsonl"])),
        "jsonl.gz": pa.output_stream(str(tmp["jsonl.gz"]), compression="gzip"),
        "jsonl.zst": pa.output_stream(str(tmp["jsonl.zst"]), compression="zstd"),
    }
    try:
        for batch in batches(rows, seed, chunk):
            writers["parquet-snappy"].write_batch(batch, row_group_size=chunk)
            writers["parquet-zstd"].write_batch(batch, row_group_size=chunk)
            writers["arrow"].write_batch(batch)
            writers["csv"].write_batch(batch)
            lines = "".join(
                json.dumps(row, ensure_ascii=False) + "\n" for row in batch.to_pylist()
            ).encode()
            for stream in streams.values():
                stream.write(lines)
    finally:
        for writer in writers.values():
            writer.close()
        for stream in streams.values():
            stream.close()


def generate(
    rows: int,
    seed: int = 0,
    row_group_rows: int = 65536,
    data_dir: Path | None = None,
) -> dict[str, Path]:
    """Write (or find) the files; returns ``{format: path}`` in report order."""
    out = dataset_dir(data_dir or default_data_dir(), rows, seed, row_group_rows)
    paths = {fmt: out / f"alpaca.{suffix}" for fmt, suffix in FORMATS.items()}
    if (out / ".complete").exists() and all(p.exists() for p in paths.values()):
        return paths
    out.mkdir(parents=True, exist_ok=True)
    tmp = {fmt: p.with_name(f".tmp-{p.name}") for fmt, p in paths.items()}
    _write_all(tmp, rows, seed, row_group_rows)
    for fmt, path in paths.items():
        tmp[fmt].replace(path)
    (out / ".complete").write_text(json.dumps({"rows": rows, "seed": seed}) + "\n")
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--row-group-rows",
        type=int,
        default=65536,
        help="rows per Parquet row group and per Arrow IPC batch (default 65536)",
    )
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()
    paths = generate(args.rows, args.seed, args.row_group_rows, args.data_dir)
    for fmt, path in paths.items():
        print(f"{fmt:15} {path.stat().st_size / 1e6:9.1f} MB  {path}")


if __name__ == "__main__":
    main()
