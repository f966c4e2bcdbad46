"""`axolotl-fast` end to end on generated data: output, `--json`, exit codes, bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from axolotl_fast.cli import main


def rows(n: int, start: int = 0) -> list[dict]:
    return [
        {"id": i, "text": f"sample {i} é", "input_ids": list(range(i % 7 + 1))}
        for i in range(start, start + n)
    ]


@pytest.fixture
def data(tmp_path) -> Path:
    table = pa.Table.from_pylist(rows(50))
    pq.write_table(table, tmp_path / "a.parquet", row_group_size=20)
    feather.write_feather(table, tmp_path / "a.arrow")
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows(30, 40))
    (tmp_path / "b.jsonl").write_text(lines, encoding="utf-8")
    return tmp_path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_inspect_reports_format_counts_and_samples(data):
    code, out = run("inspect", str(data / "a.parquet"), str(data / "a.arrow"), "--json")
    assert code == 0
    parquet, arrow = json.loads(out)
    assert parquet["format"] == "parquet" and parquet["rows"] == 50
    assert parquet["row_groups"] == 3
    assert arrow["format"] == "arrow_file" and arrow["rows"] == 50
    assert parquet["columns"]["input_ids"] == "list<element: int64>"
    assert parquet["sample"][0] == rows(1)[0]
    code, human = run("inspect", str(data / "b.jsonl"), "--head", "1")
    assert code == 0 and "30 rows" in human and "format       jsonl" in human


@pytest.mark.parametrize("name", ["out.parquet", "out.jsonl", "out.jsonl.zst"])
def test_convert_keeps_every_row(data, name):
    out = data / name
    code, text = run(
        "convert", str(data / "a.parquet"), str(data / "b.jsonl"), "-o", str(out)
    )
    assert code == 0 and "wrote 80 rows" in text
    from axolotl_fast import read

    expected = read([data / "a.parquet", data / "b.jsonl"]).to_table().to_pylist()
    assert read(out).to_table().to_pylist() == expected
    if name.endswith(".parquet"):
        assert pq.ParquetFile(out).metadata.row_group(0).column(0).compression == "ZSTD"


def test_dedupe_streams_with_a_seen_set(data):
    first = data / "first.jsonl"
    code, out = run(
        "dedupe", str(data / "a.parquet"), str(data / "b.jsonl"), "-o", str(first),
        "--save-seen", str(data / "seen.axfs"), "--json",
    )  # fmt: skip
    report = json.loads(out)
    assert code == 0 and report["rows_read"] == 80 and report["rows_kept"] == 70
    from axolotl_fast import read

    ids = [r["id"] for r in read(first).to_table().to_pylist()]
    assert ids == list(range(70))  # first occurrences, in input order
    code, out = run(
        "dedupe", str(data / "b.jsonl"), "-o", str(data / "again.parquet"),
        "--seen", str(data / "seen.axfs"), "--json",
    )  # fmt: skip
    assert json.loads(out)["rows_kept"] == 0
    code, out = run(
        "dedupe", str(data / "a.parquet"), "-o", str(data / "by_len.parquet"),
        "--columns", "input_ids", "--json",
    )  # fmt: skip
    assert json.loads(out)["rows_kept"] == 7  # 7 distinct input_ids lists


def test_dedupe_near_drops_near_copies_of_a_column(tmp_path):
    import random

    rng = random.Random(3)
    texts = [" ".join(f"w{rng.randrange(9999)}" for _ in range(120)) for _ in range(30)]
    copies = [t.replace(t.split()[5], "CHANGED", 1) for t in texts[:10]]
    table = pa.table({"id": list(range(40)), "text": texts + copies})
    pq.write_table(table, tmp_path / "in.parquet")
    out = tmp_path / "out.jsonl"
    code, report = run(
        "dedupe",
        str(tmp_path / "in.parquet"),
        "-o",
        str(out),
        "--near",
        "text",
        "--json",
    )
    assert code == 0, report
    assert json.loads(report)["duplicates_dropped"] == 10
    from axolotl_fast import read

    assert [r["id"] for r in read(out).to_table().to_pylist()] == list(range(30))
    code, message = run(
        "dedupe", str(tmp_path / "in.parquet"), "-o", str(out), "--near", "text",
        "--columns", "id",
    )  # fmt: skip
    assert code == 2 and "--near does not take" in message


def test_pack_stats_from_input_ids(data):
    code, out = run(
        "pack-stats", str(data / "a.parquet"), "--sequence-len", "8",
        "--micro-batch-size", "2", "--json",
    )  # fmt: skip
    report = json.loads(out)
    assert code == 0 and report["samples"] == 50
    tokens = sum(len(r["input_ids"]) for r in rows(50))
    assert report["tokens"] == tokens and report["lower_bound_bins"] == -(-tokens // 8)
    bfd = report["strategies"]["bfd"]
    assert bfd["bins"] == report["lower_bound_bins"]
    assert bfd["steps_per_epoch"] == -(-bfd["bins"] // 2)
    assert set(report["strategies"]) == {"bfd", "ffd", "first_fit", "sequential"}


def test_pack_stats_needs_lengths_or_a_tokenizer(tmp_path):
    (tmp_path / "t.jsonl").write_text('{"text": "hello"}\n')
    code, out = run("pack-stats", str(tmp_path / "t.jsonl"), "--sequence-len", "8")
    assert code == 2 and "--tokenizer" in out


def test_doctor_checks_a_config(tmp_path):
    code, out = run("doctor", "--json")
    report = json.loads(out)
    assert report["versions"]["axolotl_fast"] and "build" in report
    assert (code == 0) == (not report["problems"])
    config = tmp_path / "cfg.yml"
    config.write_text(
        "plugins: [axolotl_fast.FastPlugin]\naxolotl_fast:\n  dedup: true\n"
    )
    code, out = run("doctor", "--config", str(config))
    assert code == 1 and "Did you mean 'dedupe'?" in out and "fix:" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "No such file or directory"),
        (b'{"a": 1}\n{broken\n', "bad.jsonl, line 2"),
    ],
)
def test_bad_input_is_one_line_and_exit_1_without_traceback(tmp_path, content, message):
    path = tmp_path / "bad.jsonl"
    if content is not None:
        path.write_bytes(content)
    result = subprocess.run(
        [sys.executable, "-m", "axolotl_fast.cli", "convert", str(path), "-o",
         str(tmp_path / "out.parquet")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    (line,) = [line for line in result.stderr.splitlines() if line.strip()]
    assert line.startswith("error: ") and message in line
    assert not list(tmp_path.glob("out.parquet*"))  # nothing half-written


def test_usage_errors_exit_2(data):
    code, out = run("convert", str(data / "a.parquet"), "-o", str(data / "x.csv"))
    assert code == 2 and "write .parquet, .jsonl" in out
    code, _ = run("inspect")
    assert code == 2


def test_commands_are_also_axolotl_fast_inside_axolotls_cli(data):
    pytest.importorskip("axolotl")
    from support.paths import OFFLINE_ENV

    axolotl = Path(sys.executable).with_name("axolotl")
    result = subprocess.run(
        [str(axolotl), "fast", "inspect", str(data / "a.parquet"), "--json"],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, **OFFLINE_ENV},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    start = result.stdout.index("[\n")  # after axolotl's banner and log lines
    assert json.loads(result.stdout[start:])[0]["rows"] == 50


def test_bench_outside_a_checkout_says_where_the_harness_is(tmp_path):
    code, out = run("bench", "--quick", "--repo", str(tmp_path))
    assert code == 1
    assert f"no axolotl_fast checkout at {tmp_path}" in out
    assert "Traceback" not in out


def test_bench_builds_the_harness_command():
    from axolotl_fast.cli.bench import find_checkout, harness_command

    checkout = find_checkout(None)
    assert checkout is not None and (checkout / "benchmarks" / "run.py").is_file()
    options = {"quick": True, "out_dir": "r", "wheel": None, "only": ("read", "dedupe")}
    command = harness_command(checkout, options)
    assert command[1:] == [
        str(checkout / "benchmarks" / "run.py"), "--quick",
        "--out-dir", str(Path("r").resolve()), "--only", "read", "dedupe",
    ]  # fmt: skip


@pytest.mark.bench
def test_bench_quick_writes_a_report_with_charts(tmp_path):
    """The whole harness on small inputs, with the release wheel the test command built."""
    wheel = os.environ.get("AXOLOTL_FAST_WHEEL")
    if not wheel:
        pytest.skip("set AXOLOTL_FAST_WHEEL=<release wheel> (scripts/test.sh does)")
    command = [
        str(Path(sys.executable).with_name("axolotl-fast")), "bench", "--quick",
        "--wheel", wheel, "--out-dir", str(tmp_path), "--json",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    assert result.returncode == 0, result.stderr[-4000:]
    summary = json.loads(result.stdout)
    report = Path(summary["report"]).read_text(encoding="utf-8")
    sections = (
        "startup",
        "read",
        "encoder",
        "tokenize",
        "chat",
        "pretrain",
        "ray",
        "dedupe",
        "near-dedupe",
        "pack",
        "collate",
    )
    for section in sections:
        assert f"<!-- {section}:begin -->" in report, section
    assert "Prepared dataset, loader + tokenize vs plugin off: identical." in report
    assert "Packed batches of every case that makes them: identical." in report
    assert "Losses of every step, plugin on vs off: identical." in report
    assert "output of every case: **DIFFERENT**" not in report
    assert "ours' ids equal HF's" in report and "DIFFER FROM" not in report
    assert "Prepared dataset, plugin on vs off: identical." in report
    assert "| **no** |" not in report, "the Ray-prepared dataset differs"
    assert "mode quick" in report and Path(wheel).name in report
    charts = {Path(chart).name for chart in summary["charts"]}
    assert charts == {
        f"benchmarks-{name}.png"
        for name in (
            "read",
            "encoder",
            "tokenize",
            "chat",
            "pretrain",
            "ray",
            "dedupe",
            "near-dedupe",
            "pack",
            "collate",
        )
    }
    for chart in summary["charts"]:
        assert Path(chart).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
