"""Round trips through every format and codec on hypothesis-generated tables.

A table (nested lists and structs, nulls, unicode and empty strings, values near the type
limits) is written by pyarrow (Parquet, Arrow IPC file and stream) or as JSON Lines / JSON /
CSV text under every whole-file codec; ``axolotl_fast.read`` must give exactly what pyarrow's
own reader gives for the same bytes, type for type and value for value.
"""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.feather as feather
import pyarrow.ipc as ipc
import pyarrow.json as pa_json
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import axolotl_fast
from support.compression import CODECS, EXTENSION, compress
from support.profiles import examples

SETTINGS = settings(
    max_examples=examples(40),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
_int64 = st.integers(-(2**63), 2**63 - 1)
_float = st.floats(allow_nan=False, allow_infinity=False, width=64)

# Each column kind: its Arrow type and a strategy for its non-null values.
KINDS = {
    "int": (pa.int64(), _int64),
    "float": (pa.float64(), _float),
    "string": (pa.string(), _text),
    "bool": (pa.bool_(), st.booleans()),
    "ids": (pa.list_(pa.int64()), st.lists(_int64, max_size=4)),
    "messages": (
        pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())])),
        st.lists(st.fixed_dictionaries({"role": _text, "content": _text}), max_size=3),
    ),
    "meta": (
        pa.struct([("n", pa.int64()), ("tags", pa.list_(pa.string()))]),
        st.fixed_dictionaries({"n": _int64, "tags": st.lists(_text, max_size=2)}),
    ),
}
FLAT = ("int", "float", "string", "bool")


@st.composite
def tables(draw: st.DrawFn, kinds: tuple[str, ...] = tuple(KINDS)) -> pa.Table:
    """A table of 1 to 5 columns of the given kinds, 0 to 30 rows, with nulls."""
    names = draw(st.lists(st.sampled_from(kinds), min_size=1, max_size=5))
    fields = [pa.field(f"{kind}_{i}", KINDS[kind][0]) for i, kind in enumerate(names)]
    rows = draw(st.integers(0, 30))
    columns = []
    for kind in names:
        values = st.one_of(st.none(), KINDS[kind][1])
        columns.append(draw(st.lists(values, min_size=rows, max_size=rows)))
    return pa.table(columns, schema=pa.schema(fields))


def read_ours(path: Path) -> pa.Table:
    return axolotl_fast.read(path, batch_size=7).to_table()


def assert_identical(ours: pa.Table, expected: pa.Table) -> None:
    assert ours.schema == expected.schema
    assert ours.equals(expected)


@pytest.mark.parametrize("codec", ["none", "snappy", "zstd", "gzip", "lz4"])
@SETTINGS
@given(table=tables())
def test_parquet(codec, table) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.parquet"
        pq.write_table(table, path, compression=codec, row_group_size=11)
        assert_identical(read_ours(path), pq.read_table(path))


@pytest.mark.parametrize("codec", ["uncompressed", "lz4", "zstd"])
@SETTINGS
@given(table=tables())
def test_arrow_ipc_file_and_stream(codec, table) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.arrow"
        feather.write_feather(table, path, compression=codec, chunksize=9)
        assert_identical(read_ours(path), feather.read_table(path))
        stream = Path(tmp) / "t.arrows"
        options = ipc.IpcWriteOptions(
            compression=None if codec == "uncompressed" else codec
        )
        with ipc.new_stream(stream, table.schema, options=options) as writer:
            writer.write_table(table, max_chunksize=9)
        ours = axolotl_fast.read(stream, format="arrow_stream").to_table()
        assert_identical(ours, ipc.open_stream(stream).read_all())


@pytest.mark.parametrize("codec", CODECS)
@SETTINGS
@given(table=tables())
def test_json_lines_and_json_array(codec, table) -> None:
    rows = [
        {k: v for k, v in row.items() if v is not None} for row in table.to_pylist()
    ]
    if not rows or not any(rows):
        return  # no line with a key: nothing to infer a schema from
    lines = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode()
    expected = pa_json.read_json(io.BytesIO(lines))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"t.jsonl{EXTENSION[codec]}"
        path.write_bytes(compress(codec, lines))
        assert_identical(read_ours(path), expected)
        array = json.dumps(rows, ensure_ascii=False).encode()
        path = Path(tmp) / f"t.json{EXTENSION[codec]}"
        path.write_bytes(compress(codec, array))
        assert_identical(read_ours(path), expected)


@pytest.mark.parametrize("codec", CODECS)
@SETTINGS
@given(table=tables(FLAT))
def test_csv(codec, table) -> None:
    if table.num_rows == 0:
        return
    sink = io.BytesIO()
    pa_csv.write_csv(table, sink)
    data = sink.getvalue()
    expected = pa_csv.read_csv(io.BytesIO(data))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"t.csv{EXTENSION[codec]}"
        path.write_bytes(compress(codec, data))
        assert_identical(read_ours(path), expected)
