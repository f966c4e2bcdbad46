"""Two processes at once: the prepared dataset is written once, atomically; streams split.

* 2 gloo processes under ``torch.distributed.run`` each load the tiny config's datasets
  through axolotl's ``PluginManager`` (our hook, as ``do_train`` calls it on every rank):
  local rank 0 prepares and saves the dataset, rank 1 waits for it and loads that copy
  (the ``AXOLOTL_FAST_TRACE`` events say who did what). ``axolotl train --launcher
  torchrun`` itself cannot start 2 processes without a GPU: see
  ``support/multirank_prepare.py``.
* ``save_prepared`` interrupted mid-write leaves no directory that a later run would trust.
* Streaming on 2 gloo ranks through accelerate, as the Trainer prepares a dataloader with
  ``dispatch_batches: false``: each rank reads its own files, together all rows, once.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

pytest.importorskip("axolotl")

from datasets import Dataset, load_from_disk

from axolotl_fast.integration.data import prepared_cache
from support.axolotl_run import axolotl_env, read_lines, write_config

SUPPORT = Path(__file__).resolve().parents[1] / "support"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def prepared_events(trace: Path) -> list[dict]:
    return [e for e in read_lines(trace) if e["hook"] == "prepared_dataset"]


def torchrun(script: str, *args: str, env: dict[str, str]) -> None:
    """Run a tests/support script on 2 CPU processes (gloo) and check it succeeded."""
    command = [
        sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2",
        f"--master_port={free_port()}", str(SUPPORT / script), *args,
    ]  # fmt: skip
    env = {**env, "CUDA_VISIBLE_DEVICES": "", "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-6000:]


def test_two_ranks_prepare_once_on_rank_zero_and_share(tiny_kit, tmp_path):
    config = write_config("tiny-cpu-fast.yml", tiny_kit, tmp_path)
    trace, out = tmp_path / "trace.jsonl", tmp_path / "ranks.json"
    env = axolotl_env(AXOLOTL_FAST_TRACE=str(trace))
    # Rank 0 starts 3 s late: rank 1 must still wait for it rather than prepare itself.
    torchrun("multirank_prepare.py", str(config), str(out), "3", env=env)

    result = json.loads(out.read_text())
    assert result["backend"] == "gloo"
    ranks = {r["rank"]: r for r in result["ranks"]}
    assert sorted(ranks) == [0, 1]
    assert ranks[0]["rows"] == ranks[1]["rows"] > 0
    assert ranks[0]["digest"] == ranks[1]["digest"]
    events = prepared_events(trace)
    saved = [e for e in events if e["action"] == "saved"]
    loaded = [e for e in events if e["action"] == "loaded"]
    assert [(e["rank"], e["split"]) for e in saved] == [(0, "train")], events
    assert [(e["rank"], e["split"]) for e in loaded] == [(1, "train")], events
    assert saved[0]["path"] == loaded[0]["path"]
    assert [
        p.name for p in (tmp_path / "prepared").iterdir() if ".partial-" in p.name
    ] == []
    assert len(load_from_disk(saved[0]["path"])) == ranks[0]["rows"]


def axolotl_cfg(prepared: Path):
    from axolotl.utils.dict import DictDefault

    return DictDefault({"dataset_prepared_path": str(prepared), "dataset_num_proc": 1})


def test_interrupted_save_leaves_no_cache_a_later_run_trusts(tmp_path, monkeypatch):
    from axolotl.utils.data.shared import load_preprocessed_dataset

    cfg, dataset = axolotl_cfg(tmp_path), Dataset.from_dict({"x": list(range(100))})
    real_save = Dataset.save_to_disk

    def save_then_crash(self, path, **kwargs):
        real_save(self, path, **kwargs)  # every file written ...
        (Path(path) / "state.json").unlink()  # ... but the last one lost
        raise KeyboardInterrupt

    monkeypatch.setattr(Dataset, "save_to_disk", save_then_crash)
    with pytest.raises(KeyboardInterrupt):
        prepared_cache.save_prepared(cfg, dataset, "abc", "train")
    assert list(tmp_path.iterdir()) == []
    assert load_preprocessed_dataset(cfg, "abc") is None

    monkeypatch.setattr(Dataset, "save_to_disk", real_save)
    prepared_cache.save_prepared(cfg, dataset, "abc", "train")
    assert [p.name for p in tmp_path.iterdir()] == ["abc"]
    assert load_preprocessed_dataset(cfg, "abc")["x"] == list(range(100))


def test_a_complete_copy_saved_first_is_kept(tmp_path):
    cfg = axolotl_cfg(tmp_path)
    prepared_cache.save_prepared(cfg, Dataset.from_dict({"x": [1]}), "abc", "train")
    prepared_cache.save_prepared(cfg, Dataset.from_dict({"x": [2]}), "abc", "train")
    assert load_from_disk(str(tmp_path / "abc"))["x"] == [1]
    assert [p.name for p in tmp_path.iterdir()] == ["abc"]


def test_other_local_ranks_wait_for_rank_zeros_prepared_dataset(tmp_path, monkeypatch):
    monkeypatch.setenv("LOCAL_RANK", "1")
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "2")
    train, test = tmp_path / "train-hash", tmp_path / "test-hash"
    writers = [threading.Timer(0.2, train.mkdir), threading.Timer(0.4, test.mkdir)]
    for writer in writers:
        writer.start()
    prepared_cache.wait_for_local_main([train, test])
    both_saved_on_return = train.exists() and test.exists()
    for writer in writers:
        writer.join()
    assert both_saved_on_return


def test_waiting_gives_up_after_axolotls_timeout(tmp_path, monkeypatch):
    monkeypatch.setenv("LOCAL_RANK", "1")
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "2")
    monkeypatch.setenv("AXOLOTL_NCCL_TIMEOUT", "0.2")
    prepared_cache.wait_for_local_main([tmp_path / "never-saved"])
    assert not (tmp_path / "never-saved").exists()


def write_shards(data_dir: Path, files: int, rows_per_file: int) -> None:
    data_dir.mkdir()
    for f in range(files):
        lines = (
            json.dumps({"id": f * rows_per_file + i, "text": f"file {f} row {i}"})
            for i in range(rows_per_file)
        )
        (data_dir / f"part-{f}.jsonl").write_text("\n".join(lines) + "\n")


def test_streaming_ranks_get_disjoint_file_shards(tmp_path):
    files, per_file = 4, 25
    write_shards(tmp_path / "data", files, per_file)
    out = tmp_path / "ranks.json"
    torchrun("multirank_stream.py", str(tmp_path / "data"), str(out), env=axolotl_env())

    ranks = json.loads(out.read_text())["ranks"]
    ids = {r["rank"]: r["ids"] for r in ranks}
    assert sorted(ids) == [0, 1]
    assert set(ids[0]).isdisjoint(ids[1])
    assert sorted(ids[0] + ids[1]) == list(range(files * per_file))
    # One shard per file, split in contiguous blocks (datasets' `shard`): rank r reads
    # files 2r and 2r + 1, whole and in order, and never opens the other rank's files.
    for rank, seen in ids.items():
        files_read = sorted({i // per_file for i in seen})
        assert files_read == [2 * rank, 2 * rank + 1]
        assert seen == sorted(seen)
