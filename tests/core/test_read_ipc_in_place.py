"""Arrow IPC files and streams read in place (memory-mapped): what the docs promise holds."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.ipc as ipc
import pytest

import axolotl_fast


def table(start: int, rows: int) -> pa.Table:
    return pa.table(
        {
            "id": pa.array(range(start, start + rows), pa.int64()),
            "text": [f"row é {i}" for i in range(start, start + rows)],
        }
    )


def write_stream(data: pa.Table, path, chunk: int = 7) -> None:
    with ipc.new_stream(path, data.schema) as writer:
        writer.write_table(data, max_chunksize=chunk)


@pytest.mark.parametrize("kind", ["file", "stream"])
def test_batches_held_keep_their_data_when_a_new_file_is_renamed_over(tmp_path, kind):
    path = tmp_path / ("data.arrow" if kind == "file" else "data.arrows")
    old, new = table(0, 50), table(1000, 30)
    write = (
        (lambda t, p: feather.write_feather(t, p, compression="uncompressed"))
        if kind == "file"
        else write_stream
    )
    write(old, path)
    held = axolotl_fast.read(path, batch_size=16).to_table()
    replacement = tmp_path / "replacement.tmp"
    write(new, replacement)
    os.replace(replacement, path)
    assert held.equals(old)
    assert axolotl_fast.read(path).to_table().equals(new)


def test_a_stream_of_a_schema_alone_is_an_empty_table_with_that_schema(tmp_path):
    path = tmp_path / "empty.arrows"
    schema = table(0, 1).schema
    with ipc.new_stream(path, schema):
        pass
    unterminated = tmp_path / "unterminated.arrows"
    unterminated.write_bytes(path.read_bytes()[:-8])  # without the end-of-stream marker
    for source in (path, unterminated):
        read = axolotl_fast.read(source, format="arrow_stream").to_table()
        assert read.schema == schema
        assert read.num_rows == 0


def test_a_stream_with_bytes_after_its_end_marker_reads_as_pyarrow_reads_it(tmp_path):
    path = tmp_path / "data.arrows"
    write_stream(table(0, 40), path)
    with open(path, "ab") as tail:
        tail.write(b"not part of the stream")
    expected = ipc.open_stream(path).read_all()
    assert axolotl_fast.read(path, format="arrow_stream").to_table().equals(expected)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_handed_off_reader_forked_mid_file_refuses_in_the_child_instead_of_hanging(
    tmp_path,
):
    # Blocks decode as tasks on the parent's thread pool, which a forked child lacks: the
    # child must get an error, never wait for a task that will not finish. A fresh
    # interpreter: pytest's may hold other threads.
    path = tmp_path / "data.arrow"
    feather.write_feather(
        table(0, 20000), path, compression="uncompressed", chunksize=500
    )
    code = textwrap.dedent(
        f"""
        import os
        import pyarrow as pa
        import axolotl_fast
        reader = axolotl_fast.read({str(path)!r}, batch_size=500)
        batches = pa.RecordBatchReader.from_stream(reader)
        batches.read_next_batch()  # decoding has started, with tasks in flight
        pid = os.fork()
        if pid == 0:
            try:
                batches.read_all()
            except Exception as err:
                os._exit(0 if "another process" in str(err) else 4)
            os._exit(3)
        _, status = os.waitpid(pid, 0)
        assert batches.read_all().num_rows == 19500  # the parent reads on
        raise SystemExit(os.waitstatus_to_exitcode(status))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
