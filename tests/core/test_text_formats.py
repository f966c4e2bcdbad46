"""Text formats (JSON Lines, JSON arrays, CSV, TSV, text) and whole-file compression.

pyarrow's own readers are the oracle: for every generated table, format and codec, our table
must equal pyarrow's, type for type and value for value. Then the bad inputs: each must give
exact data or a typed error naming the file and line, never a panic or silent loss.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import random
import signal
import subprocess
import sys
import textwrap

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.json as pa_json
import pytest

import axolotl_fast
from axolotl_fast import DataFormatError, InvalidArgumentError
from support.compression import CODECS, EXTENSION, compress

CHUNK = 1 << 20


WORDS = [
    "alpha",
    "héllo",
    "日本語",
    "",
    "emoji 🦎",
    'quote " and \\ slash',
    "tab\there",
    "x" * 300,
]


def random_record(rng: random.Random) -> dict:
    """An SFT-like record with nested chat messages, numbers, nulls and unicode."""
    record = {
        "instruction": rng.choice(WORDS) + str(rng.random()),
        "n": rng.randint(-(2**62), 2**62),
        "score": rng.choice([None, rng.uniform(-1e6, 1e6)]),
        "flag": rng.choice([True, False, None]),
        "messages": [
            {"role": rng.choice(["user", "assistant"]), "content": rng.choice(WORDS)}
            for _ in range(rng.randint(0, 3))
        ],
        "tags": rng.choice([None, [], [rng.randint(0, 9) for _ in range(3)]]),
        "when": rng.choice(["2024-02-29", "2023-01-01 12:30:00", None]),
    }
    if rng.random() < 0.2:
        del record["score"]  # missing keys become nulls
    return record


def jsonl_bytes(records: list[dict]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()


def write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("codec", CODECS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_jsonl_equals_pyarrow_for_every_codec(tmp_path, seed, codec):
    rng = random.Random(seed)
    data = jsonl_bytes([random_record(rng) for _ in range(rng.randint(1, 400))])
    path = write(tmp_path, f"data.jsonl{EXTENSION[codec]}", compress(codec, data))
    ours = axolotl_fast.read(path, batch_size=37).to_table()
    expected = pa_json.read_json(io.BytesIO(data))
    assert ours.schema == expected.schema
    assert ours.equals(expected)


def test_multi_chunk_jsonl_is_exact_and_batched(tmp_path):
    rng = random.Random(7)
    records = [random_record(rng) for _ in range(12000)]
    data = jsonl_bytes(records)
    assert len(data) > 3 * CHUNK  # several chunks, decoded in parallel
    path = write(tmp_path, "big.jsonl", data)
    batches = list(axolotl_fast.read(path, batch_size=1000, num_threads=2))
    assert [b.num_rows for b in batches] == [1000] * 12
    table = pa.Table.from_batches(batches)
    assert table.equals(pa_json.read_json(io.BytesIO(data)))


def test_multi_member_gzip_and_multi_frame_zstd_are_read_whole(tmp_path):
    first, second = jsonl_bytes([{"a": 1}]), jsonl_bytes([{"a": 2}, {"a": 3}])
    for codec in ["gzip", "zstd", "bz2", "xz"]:
        blob = compress(codec, first) + compress(codec, second)
        path = write(tmp_path, f"two.jsonl{EXTENSION[codec]}", blob)
        assert axolotl_fast.read(path).to_table().column("a").to_pylist() == [1, 2, 3]


def test_json_array_equals_json_lines(tmp_path):
    rng = random.Random(3)
    records = [random_record(rng) for _ in range(50)]
    pretty = json.dumps(records, indent=2, ensure_ascii=False).encode()
    array = axolotl_fast.read(write(tmp_path, "a.json", pretty)).to_table()
    lines = axolotl_fast.read(
        write(tmp_path, "l.json", jsonl_bytes(records))
    ).to_table()
    assert array.equals(pa_json.read_json(io.BytesIO(jsonl_bytes(records))))
    assert lines.equals(array)


def random_csv_table(rng: random.Random, rows: int) -> pa.Table:
    return pa.table(
        {
            "id": [rng.randint(-1000, 1000) for _ in range(rows)],
            "x": [rng.choice([None, rng.uniform(-5, 5)]) for _ in range(rows)],
            "ok": [rng.choice([True, False]) for _ in range(rows)],
            "text": [
                rng.choice([*WORDS, "multi\nline, with comma"]) for _ in range(rows)
            ],
        }
    )


@pytest.mark.parametrize("codec", ["none", "gzip", "zstd"])
@pytest.mark.parametrize("delimiter", [",", "\t"])
def test_csv_and_tsv_equal_pyarrow(tmp_path, codec, delimiter):
    table = random_csv_table(random.Random(5), 300)
    sink = io.BytesIO()
    pa_csv.write_csv(table, sink, pa_csv.WriteOptions(delimiter=delimiter))
    data = sink.getvalue()
    name = "data.csv" if delimiter == "," else "data.tsv"
    path = write(tmp_path, name + EXTENSION[codec], compress(codec, data))
    expected = pa_csv.read_csv(
        io.BytesIO(data),
        parse_options=pa_csv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
    )
    assert axolotl_fast.read(path, batch_size=64).to_table().equals(expected)


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"a,b\nx,y\n\xff,z\n", "invalid UTF-8 data for line 3 and field 1"),
        # "é" is \xc3\xa9 cut by the delimiter: the chunk is UTF-8, neither field is
        # (arrow-csv checks the chunk as a whole and passed them on).
        (b"a,b\nx,y\n\xc3,\xa9\n", 'column "a" holds a field that is not UTF-8'),
    ],
)
def test_a_csv_field_that_is_not_utf8_is_an_error(tmp_path, content, match):
    path = write(tmp_path, "bad.csv", content)
    # pyarrow makes such a column binary; ours are string columns, so it is an error.
    assert pa_csv.read_csv(path).schema.field("a").type == pa.binary()
    with pytest.raises(DataFormatError, match=match) as caught:
        axolotl_fast.read(path).to_table()
    assert caught.value.path == str(path)


def test_text_gives_one_row_per_line(tmp_path):
    path = write(tmp_path, "notes.txt", b"first\r\nsecond\n\n  third  \nlast")
    table = axolotl_fast.read(path).to_table()
    assert table.column_names == ["text"]
    assert table.column("text").to_pylist() == [
        "first",
        "second",
        "",
        "  third  ",
        "last",
    ]


def test_bom_crlf_blank_lines_and_missing_keys(tmp_path):
    data = '\ufeff{"a": 1, "b": "x"}\r\n\r\n{"a": 2}\r\n{"b": "y"}\r\n'.encode()
    table = axolotl_fast.read(write(tmp_path, "d.jsonl", data)).to_table()
    assert table.to_pydict() == {"a": [1, 2, None], "b": ["x", None, "y"]}


def test_a_record_after_a_form_feed_is_read(tmp_path):
    # Trimmed like other ASCII whitespace; arrow-json refuses it in place (the copied path).
    data = b'{"a": 1}\n\x0c{"a": 2}\n {"a": 3}\t\n'
    table = axolotl_fast.read(write(tmp_path, "ff.jsonl", data)).to_table()
    assert table.column("a").to_pylist() == [1, 2, 3]


def test_rows_before_a_corrupt_tail_come_out_in_order_then_the_error(tmp_path):
    data = jsonl_bytes([{"a": i, "s": "x" * 200} for i in range(30000)])
    assert len(data) > 5 * CHUNK
    blob = gzip.compress(data)
    path = write(tmp_path, "tail.jsonl.gz", blob[: len(blob) * 4 // 5])
    seen = []
    with pytest.raises(DataFormatError, match="gzip"):
        for batch in axolotl_fast.read(path, batch_size=1000, num_threads=2):
            seen += batch.column("a").to_pylist()
    assert seen == list(range(len(seen)))
    assert len(seen) >= 1000


@pytest.mark.parametrize(
    ("content", "line", "match"),
    [
        (b'{"a": 1}\n{"a": 2}\n{"a": \n{"a": 4}\n', 3, "invalid JSON"),
        (b'{"a": 1}\n{"a": "two"}\n', 2, 'column "a": changed from number to string'),
        (b'{"a": 1}\n{"a": 2.5}\n', None, None),  # widened to double inside the window
        (b'{"a": {"b": 1}}\n{"a": {"b": [1]}}\n', 2, 'column "a.b"'),
        (b'{"a": "\xff"}\n', 1, "invalid JSON"),
        (b'{"a": 1, "a": 2}\n', 1, "given twice"),
    ],
)
def test_bad_json_lines_name_the_line(tmp_path, content, line, match):
    path = write(tmp_path, "bad.jsonl", content)
    if match is None:
        assert axolotl_fast.read(path).to_table().column("a").to_pylist() == [1.0, 2.5]
        return
    with pytest.raises(DataFormatError, match=match) as caught:
        axolotl_fast.read(path).to_table()
    assert caught.value.path == str(path)
    assert caught.value.line == line


def test_type_drift_after_the_inference_window_is_an_error_not_a_coercion(tmp_path):
    records = [{"a": i} for i in range(200_000)] + [{"a": "1"}]
    data = jsonl_bytes(records)
    path = write(tmp_path, "drift.jsonl", data)
    expected = (
        r'column "a": expected int64 \(inferred from the first rows\), found a string'
    )
    with pytest.raises(DataFormatError, match=expected) as caught:
        axolotl_fast.read(path).to_table()
    assert caught.value.line == 200_001


def test_skip_mode_counts_and_locates_every_skipped_record(tmp_path):
    data = b'{"a": 1}\nnot json\n{"a": "x"}\n{"a": 4}\n'
    reader = axolotl_fast.read(write(tmp_path, "s.jsonl", data), on_error="skip")
    assert reader.to_table().column("a").to_pylist() == [1, 4]
    assert reader.skipped.count == 2
    assert [r["line"] for r in reader.skipped.records] == [2, 3]


def test_a_skipped_record_leaves_no_column_behind(tmp_path):
    """A record that fails half-way through inference must not add or widen columns."""
    data = b'{"a": 1}\n{"a": 2.5, "zzz": 1,\n{"a": 3}\n'
    reader = axolotl_fast.read(write(tmp_path, "s.jsonl", data), on_error="skip")
    table = reader.to_table()
    assert table.schema == pa.schema([("a", pa.int64())])
    assert table.column("a").to_pylist() == [1, 3]
    assert reader.skipped.count == 1


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("empty.jsonl", b"", "no JSON records"),
        ("empty.csv", b"", "no header"),
        ("plain.jsonl.gz", b'{"a": 1}\n', "named as gzip"),
        ("parquet.jsonl", b"PAR1xxxx", "its bytes say parquet"),
        ("array.json", b'[{"a": 1}, {"a": 2}', "closing"),
        ("array2.json", b'[{"a": 1}] extra', "after the closing"),
        ("short.csv", b"a,b\n1\n", "number of fields"),
        ("drift.csv", b"a\n1\n", None),
    ],
)
def test_bad_files_are_typed_errors(tmp_path, name, content, match):
    path = write(tmp_path, name, content)
    if match is None:
        assert axolotl_fast.read(path).to_table().column("a").to_pylist() == [1]
        return
    with pytest.raises(DataFormatError, match=match) as caught:
        axolotl_fast.read(path).to_table()
    assert caught.value.path == str(path)


@pytest.mark.parametrize("codec", ["gzip", "zstd", "bz2", "xz", "lz4"])
def test_truncated_and_bit_flipped_compressed_files_never_pass_silently(
    tmp_path, codec
):
    data = jsonl_bytes([{"a": i, "s": "x" * 50} for i in range(2000)])
    blob = compress(codec, data)
    ext = EXTENSION[codec]
    truncated = write(tmp_path, f"t.jsonl{ext}", blob[: len(blob) // 2])
    with pytest.raises(DataFormatError):
        axolotl_fast.read(truncated).to_table()
    rng = random.Random(codec)
    for trial in range(20):
        corrupt = bytearray(blob)
        position = rng.randrange(8, len(corrupt))
        corrupt[position] ^= 1 << rng.randrange(8)
        path = write(tmp_path, f"f{trial}.jsonl{ext}", bytes(corrupt))
        try:
            table = axolotl_fast.read(path).to_table()
        except (DataFormatError, OSError):
            continue
        # A flip the codec cannot detect must still give rows that parse; never a panic.
        assert table.num_rows <= 2000


def test_a_record_larger_than_many_chunks(tmp_path):
    big = "é" * (24 * CHUNK)
    data = jsonl_bytes([{"t": "small"}, {"t": big}, {"t": "after"}])
    table = axolotl_fast.read(write(tmp_path, "big.jsonl", data)).to_table()
    assert table.column("t").to_pylist() == ["small", big, "after"]


def test_a_300_mb_single_row(tmp_path):
    """One JSON Lines record of 300 MB between two small ones, through zstd."""
    import hashlib

    piece = "0123456789abcdef" * 64  # 1 KiB
    big = piece * (300 * 1024)
    path = tmp_path / "huge.jsonl.zst"
    with pa.CompressedOutputStream(str(path), "zstd") as out:
        out.write(b'{"t": "small", "n": 1}\n{"t": "')
        for _ in range(300):
            out.write(piece.encode() * 1024)
        out.write(b'", "n": 2}\n{"t": "after", "n": 3}\n')
    table = axolotl_fast.read(path).to_table()
    assert table.column("n").to_pylist() == [1, 2, 3]
    texts = table.column("t")
    assert texts[0].as_py() == "small" and texts[2].as_py() == "after"
    value = texts.combine_chunks().buffers()[2].to_pybytes()
    expected = hashlib.sha256(b"small" + big.encode() + b"after").hexdigest()
    assert hashlib.sha256(value).hexdigest() == expected


@pytest.mark.parametrize("files", [1, 5])
def test_shards_are_disjoint_and_cover_everything(tmp_path, files):
    for f in range(files):
        rows = [{"i": f * 100 + k} for k in range(37)]
        write(tmp_path, f"part-{f}.jsonl", jsonl_bytes(rows))
    everything = axolotl_fast.read(tmp_path).to_table().column("i").to_pylist()
    parts = [
        axolotl_fast.read(tmp_path, shard=(k, 3)).to_table().column("i").to_pylist()
        for k in range(3)
    ]
    seen = [i for part in parts for i in part]
    assert sorted(seen) == sorted(everything)
    assert len(seen) == len(set(seen)) == files * 37


def test_bad_shard_and_on_error_values_are_rejected(tmp_path):
    path = write(tmp_path, "a.jsonl", b'{"a": 1}\n')
    for shard in [(3, 3), (0, 0), (-1, 2), [0, 2]]:
        with pytest.raises(InvalidArgumentError, match="shard"):
            axolotl_fast.read(path, shard=shard)
    with pytest.raises(InvalidArgumentError, match="on_error"):
        axolotl_fast.read(path, on_error="ignore")


def test_glob_patterns_are_sorted_and_must_match(tmp_path):
    for name in ["b.jsonl", "a.jsonl"]:
        write(tmp_path, name, jsonl_bytes([{"n": name}]))
    table = axolotl_fast.read(str(tmp_path / "*.jsonl")).to_table()
    assert table.column("n").to_pylist() == ["a.jsonl", "b.jsonl"]
    with pytest.raises(FileNotFoundError):
        axolotl_fast.read(str(tmp_path / "*.parquet"))


def test_ctrl_c_stops_a_long_read(tmp_path):
    """SIGINT while Python waits inside the reader (one huge batch) raises KeyboardInterrupt.

    The file is the same gzip member repeated: tiny on disk, ~400 MB to decode, far longer
    than the interrupt takes to be honoured.
    """
    member = gzip.compress(
        jsonl_bytes([{"a": i, "s": "x" * 80} for i in range(100_000)]), 1
    )
    path = write(tmp_path, "long.jsonl.gz", member * 40)
    script = textwrap.dedent(
        f"""
        import signal, time, axolotl_fast
        # A parent that ignores SIGINT (a test runner's worker) passes that on: restore it.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        reader = axolotl_fast.read({str(path)!r}, batch_size=10**9)
        start = time.monotonic()
        try:  # a SIGINT right after "reading" must land inside the try
            print("reading", flush=True)
            for batch in reader:
                print("finished", batch.num_rows, flush=True)
        except KeyboardInterrupt:
            print(f"interrupted {{time.monotonic() - start:.2f}}", flush=True)
        """
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout.readline().strip() == "reading"
    child.send_signal(signal.SIGINT)
    out, _ = child.communicate(timeout=120)
    assert out.startswith("interrupted"), out
    assert float(out.split()[1]) < 5


def test_reading_in_forked_workers(tmp_path):
    """datasets.map(num_proc=2) forks; each worker opens its own reader."""
    datasets = pytest.importorskip("datasets")
    path = write(tmp_path, "rows.jsonl", jsonl_bytes([{"a": i} for i in range(100)]))
    axolotl_fast.read(path).to_table()  # the parent used the pool before forking

    def count_rows(batch):
        rows = axolotl_fast.read(str(path)).to_table().num_rows
        return {"rows": [rows] * len(batch["x"])}

    ds = datasets.Dataset.from_dict({"x": list(range(8))})
    out = ds.map(count_rows, batched=True, batch_size=2, num_proc=2)
    assert out["rows"] == [100] * 8


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_reader_opened_before_a_fork_reads_whole_in_the_child(tmp_path):
    # Opening reads only the first chunk; the reading thread starts with the first batch, in
    # the process that asks for it (a fresh interpreter: pytest's may hold other threads).
    path = write(
        tmp_path,
        "big.jsonl",
        jsonl_bytes([{"a": i, "s": "x" * 300} for i in range(20000)]),
    )
    code = textwrap.dedent(
        f"""
        import os
        import axolotl_fast
        axolotl_fast.read({str(path)!r}).to_table()  # the parent's pool has run
        reader = axolotl_fast.read({str(path)!r}, batch_size=1000)
        pid = os.fork()
        if pid == 0:
            column = reader.to_table().column("a").to_pylist()
            os._exit(0 if column == list(range(20000)) else 3)
        _, status = os.waitpid(pid, 0)
        raise SystemExit(os.waitstatus_to_exitcode(status))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, timeout=120
    )
    assert result.returncode == 0, result.stderr


def test_a_zero_row_parquet_file_gives_its_schema_and_no_rows(tmp_path):
    import pyarrow.parquet as pq

    schema = pa.schema([("instruction", pa.string()), ("ids", pa.list_(pa.int32()))])
    pq.write_table(schema.empty_table(), tmp_path / "empty.parquet")
    reader = axolotl_fast.read(tmp_path / "empty.parquet")
    assert reader.schema == schema
    table = reader.to_table()
    assert table.num_rows == 0
    assert table.schema == schema


def test_an_explicit_schema_for_json_lines(tmp_path):
    records = [
        {"id": 1, "score": 2, "text": "a", "when": "2024-01-02 03:04:05", "tags": [1]},
        {"id": 2, "text": None, "tags": None},
    ]
    schema = pa.schema(
        [
            ("id", pa.int32()),
            ("score", pa.float32()),
            ("text", pa.large_string()),
            ("when", pa.timestamp("s")),
            ("tags", pa.list_(pa.int16())),
        ]
    )
    path = write(tmp_path, "given.jsonl.gz", gzip.compress(jsonl_bytes(records)))
    table = axolotl_fast.read(path, schema=schema).to_table()
    assert table.schema == schema
    import datetime

    when = datetime.datetime(2024, 1, 2, 3, 4, 5)
    expected = pa.Table.from_pylist(
        [{**records[0], "when": when}, records[1]], schema=schema
    )
    assert table.equals(expected)
    empty = write(tmp_path, "empty.jsonl", b"")
    assert axolotl_fast.read(empty, schema=schema).to_table().schema == schema


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b'{"id": 1, "extra": 2}', "extra"),
        (b'{"id": "one"}', 'column "id"'),
        (b'{"id": 40000}', "line 2"),
    ],
    ids=["unknown-key", "wrong-kind", "does-not-fit"],
)
def test_records_that_do_not_fit_an_explicit_schema(tmp_path, line, reason):
    path = write(tmp_path, "bad.jsonl", b'{"id": 1}\n' + line + b"\n")
    schema = pa.schema([("id", pa.int16())])
    with pytest.raises(DataFormatError, match=reason) as caught:
        axolotl_fast.read(path, schema=schema).to_table()
    assert caught.value.path == str(path)
    reader = axolotl_fast.read(path, schema=schema, on_error="skip")
    assert reader.to_table().column("id").to_pylist() == [1]
    assert reader.skipped.count == 1 and reader.skipped.records[0]["line"] == 2


def test_an_explicit_schema_for_csv(tmp_path):
    data = b"id,score,name\n1,2.5,x\n,NA,\n300,1,z\n"
    schema = pa.schema(
        [("id", pa.int16()), ("score", pa.float32()), ("name", pa.string())]
    )
    path = write(tmp_path, "given.csv", data)
    table = axolotl_fast.read(path, schema=schema).to_table()
    expected = pa_csv.read_csv(
        io.BytesIO(data), convert_options=pa_csv.ConvertOptions(column_types=schema)
    )
    assert table.schema == schema and table.equals(expected)
    narrow = pa.schema(
        [("id", pa.int8()), ("score", pa.float32()), ("name", pa.string())]
    )
    with pytest.raises(DataFormatError, match=r'column "id": "300"'):
        axolotl_fast.read(path, schema=narrow).to_table()
    with pytest.raises(InvalidArgumentError, match="header has"):
        axolotl_fast.read(path, schema=pa.schema([("id", pa.int64())]))


def test_schema_is_refused_for_formats_with_their_own_types(tmp_path):
    import pyarrow.parquet as pq

    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"a": [1]}), path)
    with pytest.raises(InvalidArgumentError, match="carries its own types"):
        axolotl_fast.read(path, schema=pa.schema([("a", pa.int32())]))
    with pytest.raises(InvalidArgumentError, match=r"pyarrow\.Schema"):
        axolotl_fast.read(path, schema={"a": "int32"})
