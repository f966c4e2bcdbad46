"""axolotl_fast.read against pyarrow as the oracle, plus its errors and hand-off rules."""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
import threading

import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest

import axolotl_fast
from axolotl_fast import DataFormatError, InvalidArgumentError

MESSAGE = pa.struct([("role", pa.string()), ("content", pa.string())])
WORDS = [
    "",
    "hello",
    "naïve café",
    "日本語",
    "emoji 🦎",
    "x" * 300,
    "tab\tand\nnewline",
]


def random_table(seed: int, rows: int) -> pa.Table:
    """A table with the types SFT data has, with nulls, unicode and empty values."""
    rng = random.Random(seed)

    def maybe(value):
        return None if rng.random() < 0.1 else value

    def messages():
        return [
            {"role": rng.choice(["user", "assistant"]), "content": rng.choice(WORDS)}
            for _ in range(rng.randint(0, 4))
        ]

    base = dt.datetime(2024, 1, 1)
    return pa.table(
        {
            "text": pa.array([maybe(rng.choice(WORDS)) for _ in range(rows)]),
            "messages": pa.array(
                [maybe(messages()) for _ in range(rows)], pa.list_(MESSAGE)
            ),
            "input_ids": pa.array(
                [
                    [rng.randrange(-(2**31), 2**31) for _ in range(rng.randint(0, 9))]
                    for _ in range(rows)
                ],
                pa.list_(pa.int32()),
            ),
            "u8": pa.array(
                [maybe(rng.randrange(256)) for _ in range(rows)], pa.uint8()
            ),
            "u64": pa.array([rng.randrange(2**64) for _ in range(rows)], pa.uint64()),
            "score": pa.array([maybe(rng.uniform(-1e9, 1e9)) for _ in range(rows)]),
            "flag": pa.array([maybe(rng.random() < 0.5) for _ in range(rows)]),
            "day": pa.array(
                [
                    base.date() + dt.timedelta(days=rng.randrange(999))
                    for _ in range(rows)
                ],
                pa.date32(),
            ),
            "at": pa.array(
                [
                    maybe(base + dt.timedelta(seconds=rng.randrange(10**8)))
                    for _ in range(rows)
                ],
                pa.timestamp("us", tz="UTC"),
            ),
            "blob": pa.array(
                [maybe(rng.randbytes(rng.randrange(20))) for _ in range(rows)]
            ),
            "split": pa.array(
                [rng.choice(["train", "test"]) for _ in range(rows)]
            ).dictionary_encode(),
            "big": pa.array(
                [rng.choice(WORDS) for _ in range(rows)], pa.large_string()
            ),
        }
    )


WRITERS = {
    "parquet-none": lambda t, p: pq.write_table(
        t, p, compression="none", row_group_size=97
    ),
    "parquet-snappy": lambda t, p: pq.write_table(
        t, p, compression="snappy", row_group_size=128
    ),
    "parquet-zstd": lambda t, p: pq.write_table(t, p, compression="zstd"),
    "feather-plain": lambda t, p: feather.write_feather(
        t, p, compression="uncompressed"
    ),
    "feather-lz4": lambda t, p: feather.write_feather(
        t, p, compression="lz4", chunksize=111
    ),
    "feather-zstd": lambda t, p: feather.write_feather(t, p, compression="zstd"),
    "stream-lz4": lambda t, p: _write_stream(t, p, "lz4"),
    "stream-zstd": lambda t, p: _write_stream(t, p, "zstd"),
}
SUFFIX = {"parquet": ".parquet", "feather": ".feather", "stream": ".arrows"}


def _write_stream(table: pa.Table, path, compression) -> None:
    options = pa.ipc.IpcWriteOptions(compression=compression)
    with pa.ipc.new_stream(path, table.schema, options=options) as writer:
        writer.write_table(table, max_chunksize=50)


def write(tmp_path, name: str, table: pa.Table, stem: str = "data"):
    path = tmp_path / f"{stem}{SUFFIX[name.split('-')[0]]}"
    WRITERS[name](table, path)
    return path


def assert_same(ours: pa.Table, expected: pa.Table) -> None:
    """Same schema and values. Dictionary columns are compared decoded: their dictionaries
    are per chunk, and chunks follow row groups in pyarrow but batches in ours."""
    assert ours.schema.equals(expected.schema)

    def decoded(table: pa.Table) -> pa.Table:
        columns = [
            col.cast(col.type.value_type) if pa.types.is_dictionary(col.type) else col
            for col in table.columns
        ]
        return pa.table(columns, names=table.column_names).combine_chunks()

    assert decoded(ours).equals(decoded(expected))


def oracle(path) -> pa.Table:
    if path.suffix == ".parquet":
        return pq.read_table(path)
    if path.suffix == ".feather":
        return feather.read_table(path)
    return pa.ipc.open_stream(path).read_all()


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_every_format_matches_pyarrow(tmp_path, writer, seed):
    path = write(tmp_path, writer, random_table(seed, rows=300))
    assert_same(pa.table(axolotl_fast.read(path, batch_size=64)), oracle(path))


@pytest.mark.parametrize("batch_size", [1, 7, 100, 10_000])
def test_batches_are_exactly_batch_size_across_files(tmp_path, batch_size):
    tables = [random_table(seed, rows) for seed, rows in [(0, 130), (1, 0), (2, 77)]]
    schema = tables[0].schema
    paths = [
        write(tmp_path, "parquet-snappy", t.cast(schema), f"p{i}")
        for i, t in enumerate(tables)
    ]
    batches = list(axolotl_fast.read(paths, batch_size=batch_size))
    sizes = [b.num_rows for b in batches]
    assert sum(sizes) == 207
    assert all(size == batch_size for size in sizes[:-1])
    assert 0 < sizes[-1] <= batch_size
    expected = pa.concat_tables([pq.read_table(p) for p in paths])
    assert_same(pa.Table.from_batches(batches), expected)


def test_a_directory_of_shards_reads_in_path_order(tmp_path):
    table = random_table(5, rows=90)
    for i, start in enumerate([60, 0, 30]):
        pq.write_table(
            table.slice(start, 30), tmp_path / f"shard-{start:03d}-{i}.parquet"
        )
    (tmp_path / "_SUCCESS").write_text("")
    (tmp_path / ".hidden.parquet").write_text("not data")
    assert_same(pa.table(axolotl_fast.read(tmp_path)), table)


def test_columns_are_projected_in_the_requested_order(tmp_path):
    path = write(tmp_path, "parquet-zstd", random_table(0, rows=20))
    reader = axolotl_fast.read(path, columns=["flag", "text"])
    assert reader.schema.names == ["flag", "text"]
    assert_same(pa.table(reader), pq.read_table(path, columns=["flag", "text"]))


def test_output_shapes(tmp_path):
    table = random_table(1, rows=10).select(["text", "u8"])
    path = write(tmp_path, "feather-lz4", table)
    assert list(axolotl_fast.read(path).iter_rows()) == table.to_pylist()
    (columns,) = list(axolotl_fast.read(path, batch_size=100).iter_pydicts())
    assert columns == table.to_pydict()
    assert axolotl_fast.read(path).to_table().equals(table)


def test_stream_goes_to_pyarrow_without_a_copy(tmp_path):
    path = write(tmp_path, "parquet-none", random_table(2, rows=2000))
    reader = axolotl_fast.read(path, batch_size=2000)
    before = pa.total_allocated_bytes()
    table = pa.RecordBatchReader.from_stream(reader).read_all()
    assert table.num_rows == 2000
    # The data buffers stay Rust's; pyarrow allocates only bookkeeping (a few KB).
    assert pa.total_allocated_bytes() - before < table.nbytes / 20


def test_polars_reads_the_stream(tmp_path):
    polars = pytest.importorskip("polars")
    table = random_table(3, rows=50).select(["text", "u64", "flag"])
    path = write(tmp_path, "stream-zstd", table)
    frame = polars.DataFrame(axolotl_fast.read(path))  # the PyCapsule stream interface
    assert frame.to_dict(as_series=False) == table.to_pydict()


def test_a_handed_off_reader_cannot_be_read_again(tmp_path):
    path = write(tmp_path, "parquet-none", random_table(0, rows=5))
    reader = axolotl_fast.read(path)
    pa.table(reader)
    with pytest.raises(
        InvalidArgumentError, match="already handed to another consumer"
    ):
        list(reader)
    with pytest.raises(InvalidArgumentError, match="already handed"):
        pa.table(reader)


def test_missing_file_is_file_not_found_with_the_name(tmp_path):
    missing = tmp_path / "nope.parquet"
    with pytest.raises(FileNotFoundError) as caught:
        axolotl_fast.read(missing)
    assert caught.value.filename == str(missing)


@pytest.mark.parametrize(
    ("content", "name", "match"),
    [
        (b"", "empty.parquet", "the file is empty"),
        (b"instruction,output\n", "table.parquet", "not a parquet file"),
        (
            b"PAR1 but not really",
            "fake.arrow",
            "named as arrow_stream but its bytes say parquet",
        ),
        (b"some text", "notes.doc", "unknown format"),
    ],
)
def test_wrong_or_empty_files_are_data_format_errors(tmp_path, content, name, match):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataFormatError, match=match) as caught:
        list(axolotl_fast.read(path))
    assert caught.value.path == str(path)


@pytest.mark.parametrize("writer", ["parquet-snappy", "feather-lz4", "stream-zstd"])
def test_truncated_and_bit_flipped_files_never_panic(tmp_path, writer):
    good = write(tmp_path, writer, random_table(4, rows=400))
    data = good.read_bytes()
    rng = random.Random(writer)
    variants = [data[:cut] for cut in (len(data) // 3, len(data) - 5)]
    for _ in range(40):
        flipped = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            flipped[rng.randrange(8, len(flipped))] ^= 1 << rng.randrange(8)
        variants.append(bytes(flipped))
    bad = tmp_path / f"bad{good.suffix}"
    for variant in variants:
        bad.write_bytes(variant)
        try:
            rows = sum(b.num_rows for b in axolotl_fast.read(bad, batch_size=50))
        except DataFormatError as err:  # the only acceptable failure
            assert err.path == str(bad)
        else:
            assert rows <= 400  # a flip in a value can still decode


def test_files_with_different_schemas_are_refused(tmp_path):
    a = write(tmp_path, "parquet-none", random_table(0, rows=5), "a")
    b = write(tmp_path, "parquet-none", random_table(0, rows=5).drop(["flag"]), "b")
    with pytest.raises(DataFormatError, match="schema differs") as caught:
        list(axolotl_fast.read([a, b]))
    assert caught.value.path == str(b)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": True}, "batch_size"),
        ({"format": "yaml"}, "unknown value 'yaml'"),
        ({"columns": "text"}, "a single string"),
        ({"columns": ["missing"]}, 'no column "missing"'),
    ],
)
def test_bad_arguments_are_invalid_argument_errors(tmp_path, kwargs, match):
    path = write(tmp_path, "parquet-none", random_table(0, rows=5))
    with pytest.raises(InvalidArgumentError, match=match):
        axolotl_fast.read(path, **kwargs)


def test_an_empty_directory_or_list_is_an_error(tmp_path):
    with pytest.raises(InvalidArgumentError, match="holds no data files"):
        axolotl_fast.read(tmp_path)
    with pytest.raises(InvalidArgumentError, match="empty"):
        axolotl_fast.read([])


def test_reading_releases_the_gil(tmp_path):
    # With a 10 s switch interval, the reading thread gives the GIL away only voluntarily:
    # the main thread can count while next_batch runs only if the call releases the GIL.
    path = tmp_path / "big.parquet"
    pq.write_table(pa.table({"text": [f"row {i} " * 8 for i in range(200_000)]}), path)
    batches = iter(axolotl_fast.read(path, batch_size=200_000))
    entered, left = threading.Event(), threading.Event()
    counted = 0

    def read_one() -> None:
        entered.set()
        next(batches)
        left.set()

    previous = sys.getswitchinterval()
    sys.setswitchinterval(10.0)
    try:
        thread = threading.Thread(target=read_one)
        thread.start()
        entered.wait()
        while not left.is_set():
            counted += 1
            left.wait(0.001)  # lets the reader take the GIL back once it is done
        thread.join()
    finally:
        sys.setswitchinterval(previous)
    # Released: ~190 rounds here (one per ms of decoding). Held: at most a round or two,
    # while pyarrow imports the finished batch.
    assert counted >= 10


@pytest.mark.parametrize("num_threads", [1, 2, 3])
def test_row_groups_decoded_in_parallel_come_out_in_file_order(tmp_path, num_threads):
    table = random_table(11, rows=1000)
    path = tmp_path / "groups.parquet"
    pq.write_table(table, path, row_group_size=53)  # 19 row groups, uneven batches
    reader = axolotl_fast.read(path, batch_size=40, num_threads=num_threads)
    assert_same(pa.table(reader), pq.read_table(path))
    projected = axolotl_fast.read(
        path, columns=table.column_names[::-2], num_threads=num_threads
    )
    expected = pq.read_table(path, columns=table.column_names[::-2])
    assert_same(projected.to_table(), expected)


@pytest.mark.parametrize("layout", [[10], [3, 4]], ids=["one-file", "two-files"])
def test_parquet_shards_split_by_row_group(tmp_path, layout):
    """Fewer files than shards: whole row groups per shard, disjoint, covering all rows."""
    paths, start = [], 0
    for index, groups in enumerate(layout):
        rows = pa.table({"i": list(range(start, start + 20 * groups))})
        start += rows.num_rows
        paths.append(tmp_path / f"part-{index}.parquet")
        pq.write_table(rows, paths[-1], row_group_size=20)
    parts = [
        axolotl_fast.read(paths, shard=(k, 3)).to_table().column("i").to_pylist()
        for k in range(3)
    ]
    assert sorted(i for part in parts for i in part) == list(range(start))
    for k, part in enumerate(parts):
        groups = sorted({i // 20 for i in part})
        assert groups == list(range(k, start // 20, 3)), "row groups k, k+3, ..."
        assert len(part) == 20 * len(groups), "whole row groups"


def test_files_naming_list_items_differently_read_as_one(tmp_path):
    """Parquet names list items `element`, JSON `item`: the same values, one read."""
    rows = [{"ids": [1, 2], "m": [{"role": "u"}]}, {"ids": [], "m": []}]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "a.parquet")
    (tmp_path / "b.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    reader = axolotl_fast.read([tmp_path / "a.parquet", tmp_path / "b.jsonl"])
    table = reader.to_table()
    assert table.schema == reader.schema
    assert table.to_pylist() == rows + rows
    (tmp_path / "c.jsonl").write_text('{"ids": [3], "m": [{"name": "x"}]}\n')
    with pytest.raises(axolotl_fast.DataFormatError, match="schema differs"):
        axolotl_fast.read([tmp_path / "a.parquet", tmp_path / "c.jsonl"]).to_table()
