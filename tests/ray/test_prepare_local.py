"""``axolotl_fast.ray.prepare`` on a local Ray (``ray.init(num_cpus=2)``) against one machine.

Each run prepares the mixed entries of :mod:`support.ray_prepare` (JSON Lines and Parquet,
row groups, repeats within and across files) in blocks of 23 rows, and the written dataset
must be the plugin's single-machine prepared dataset: same directory, features, rows, order
and values (axolotl's merged-split shuffle included). Also: a worker killed once (Ray retries
its task), a job killed before its manifest (nothing a training run would load; the next run
redoes it), and incremental dedupe against saved key shards.
"""

from __future__ import annotations

import pytest

pytest.importorskip("axolotl")
pytest.importorskip("ray", reason="ray[data] is not installed (axolotl_fast[ray])")

import ray
from axolotl_fast.ray import prepare
from axolotl_fast.ray.output import OutputDir
from axolotl_fast.ray.seen import SeenStore
from support.ray_prepare import (
    FAST_NEAR,
    assert_same_prepared,
    mixed_entries,
    prepared_dir,
    ray_cfg,
    single_machine,
)

BLOCK_ROWS = 23


@pytest.fixture(scope="module")
def local_ray():
    # "local": a Ray of its own even while the cluster module runs on another worker
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("ray-local")


@pytest.fixture
def reference(plugin_manager, tiny_kit, work):
    """The single-machine prepared dataset (made once; the plugin is registered per test)."""
    if not (work / "reference").exists():
        entries = mixed_entries(tiny_kit, work)
        single_machine(plugin_manager, tiny_kit, work, entries)
    return prepared_dir(work / "reference")


def run(kit, work, name: str, **options):
    cfg = ray_cfg(kit, work, name, mixed_entries(kit, work))
    summaries = prepare(cfg, block_rows=BLOCK_ROWS, **options)
    return summaries, work / name


def test_one_key_shard_gives_the_single_machine_dataset(
    local_ray, tiny_kit, work, reference
):
    (summary,), root = run(tiny_kit, work, "shards-1", key_shards=1)
    assert_same_prepared(prepared_dir(root), reference)
    assert summary.dropped_duplicates > 0
    assert summary.rows_written == summary.rows_tokenized - (
        summary.dropped_by_passes + summary.dropped_duplicates
    )
    assert set(summary.seconds) == {"read+tokenize", "passes+keys", "dedupe", "write"}
    (again,), _ = run(tiny_kit, work, "shards-1", key_shards=1)
    assert again.skipped and "already prepared" in again.skipped


def test_a_worker_killed_once_is_retried_and_the_output_is_unchanged(
    local_ray, tiny_kit, work, reference, monkeypatch
):
    marker = work / "killed-once"
    monkeypatch.setenv("AXOLOTL_FAST_RAY_FAIL_ONCE", str(marker))
    _, root = run(tiny_kit, work, "shards-7", key_shards=7)
    assert marker.exists(), "the injected failure did not happen"
    assert_same_prepared(prepared_dir(root), reference)


def test_a_job_killed_before_its_manifest_leaves_nothing_to_load_and_is_redone(
    local_ray, tiny_kit, work, reference, monkeypatch
):
    """A kill runs no clean-up: only shards in a staging directory, no ``<hash>``."""

    def killed(self, shards, *args):
        assert shards, "the kill must come after shards were written"
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(OutputDir, "finish", killed)
        patch.setattr(OutputDir, "abandon", lambda self: None)
        patch.setattr(SeenStore, "discard", lambda self: None)
        with pytest.raises(KeyboardInterrupt):
            run(tiny_kit, work, "shards-64", key_shards=64)
    root = work / "shards-64"
    (staging,) = [p for p in root.iterdir() if p.name.startswith(".")]
    assert any(p.suffix == ".arrow" for p in staging.iterdir())
    assert not list(root.rglob("state.json"))
    assert [p for p in root.iterdir() if not p.name.startswith(".")] == []

    run(tiny_kit, work, "shards-64", key_shards=64)
    assert_same_prepared(prepared_dir(root), reference)
    assert [p.name for p in root.iterdir() if p.name.startswith(".")] == []


def test_incremental_dedupe_against_saved_shards_equals_one_dedupe_of_both(
    local_ray, plugin_manager, tiny_kit, work
):
    """Corpus A, then B against A's key shards: A's rows then B's are one run's of A + B.

    Unshuffled (``shuffle_merged_datasets: false``), so that A + B's rows are A's, then B's.
    """
    entries = mixed_entries(tiny_kit, work)
    plain = {"shuffle_merged_datasets": False}
    both = single_machine(plugin_manager, tiny_kit, work / "a+b", entries, **plain)
    seen = work / "seen"
    outputs = []
    for name, part in (("a", entries[:1]), ("b", entries[1:])):
        cfg = ray_cfg(tiny_kit, work, f"corpus-{name}", part, **plain)
        prepare(cfg, block_rows=BLOCK_ROWS, key_shards=7, seen_dir=str(seen))
        outputs.append(prepared_dir(work / f"corpus-{name}"))
    assert sorted(p.name for p in (seen / "train").iterdir() if p.suffix == ".afs")
    from datasets import concatenate_datasets, load_from_disk

    joined = concatenate_datasets([load_from_disk(str(p)) for p in outputs])
    reference = load_from_disk(str(both))
    assert joined.features == reference.features
    assert joined.to_dict() == reference.to_dict()
    with pytest.raises(ValueError, match="made with 7 shards"):
        cfg = ray_cfg(tiny_kit, work, "corpus-c", entries[:1], **plain)
        prepare(cfg, key_shards=8, seen_dir=str(seen))


def test_blocks_emptied_by_the_length_filter_change_nothing(
    local_ray, plugin_manager, tiny_kit, work, reference
):
    """``sequence_len`` at the median length and 2-row blocks: many blocks keep no row."""
    from datasets import load_from_disk

    lengths = sorted(load_from_disk(str(reference))["length"])
    short = {"sequence_len": lengths[len(lengths) // 2]}
    entries = mixed_entries(tiny_kit, work)
    expected = single_machine(
        plugin_manager, tiny_kit, work / "short", entries, **short
    )
    cfg = ray_cfg(tiny_kit, work, "short-ray", entries, **short)
    (summary,) = prepare(cfg, block_rows=2, key_shards=7)
    assert summary.dropped_by_passes > summary.rows_tokenized // 3
    assert_same_prepared(prepared_dir(work / "short-ray"), expected)


def test_near_dedupe_on_ray_keeps_the_single_machine_rows(
    local_ray, plugin_manager, tiny_kit, work
):
    """Exact then near dedupe: the same kept rows as the plugin's on one machine."""
    entries = mixed_entries(tiny_kit, work)
    expected = single_machine(
        plugin_manager, tiny_kit, work / "near", entries, fast=FAST_NEAR
    )
    cfg = ray_cfg(tiny_kit, work, "near-ray", entries, fast=FAST_NEAR)
    (summary,) = prepare(cfg, block_rows=BLOCK_ROWS, key_shards=7)
    assert summary.dropped_duplicates > 0 and summary.dropped_near_duplicates > 0
    assert "near_dedupe" in summary.seconds
    assert summary.rows_written == summary.rows_tokenized - (
        summary.dropped_by_passes
        + summary.dropped_duplicates
        + summary.dropped_near_duplicates
    )
    assert_same_prepared(prepared_dir(work / "near-ray"), expected)
