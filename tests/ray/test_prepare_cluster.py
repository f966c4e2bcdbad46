"""``prepare`` on a simulated 2-node cluster (``ray.cluster_utils.Cluster``, 1 CPU each).

The stages run on both nodes; the written dataset must still be the plugin's single-machine
prepared dataset for 1, 7 and 64 key shards, and with near-dedupe on.
"""

from __future__ import annotations

import pytest

pytest.importorskip("axolotl")
pytest.importorskip("ray", reason="ray[data] is not installed (axolotl_fast[ray])")

import ray
from axolotl_fast.ray import prepare
from support.ray_prepare import (
    FAST_NEAR,
    assert_same_prepared,
    mixed_entries,
    prepared_dir,
    ray_cfg,
    single_machine,
)


@pytest.fixture(scope="module")
def two_nodes():
    from ray.cluster_utils import Cluster

    cluster = Cluster(
        initialize_head=True,
        head_node_args={"num_cpus": 1, "include_dashboard": False},
    )
    cluster.add_node(num_cpus=1)
    ray.init(address=cluster.address, log_to_driver=False)
    try:
        yield cluster
    finally:
        ray.shutdown()
        cluster.shutdown()


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("ray-cluster")


@pytest.fixture
def reference(plugin_manager, tiny_kit, work):
    if not (work / "reference").exists():
        single_machine(plugin_manager, tiny_kit, work, mixed_entries(tiny_kit, work))
    return prepared_dir(work / "reference")


def test_the_cluster_has_two_nodes(two_nodes):
    alive = [node for node in ray.nodes() if node["Alive"]]
    assert len(alive) == 2


@pytest.mark.parametrize("key_shards", [1, 7, 64])
def test_two_nodes_give_the_single_machine_dataset(
    two_nodes, tiny_kit, work, reference, key_shards
):
    name = f"shards-{key_shards}"
    cfg = ray_cfg(tiny_kit, work, name, mixed_entries(tiny_kit, work))
    (summary,) = prepare(cfg, block_rows=31, key_shards=key_shards)
    assert summary.rows_written > 0
    assert_same_prepared(prepared_dir(work / name), reference)


def test_near_dedupe_on_two_nodes_keeps_the_single_machine_rows(
    two_nodes, plugin_manager, tiny_kit, work
):
    entries = mixed_entries(tiny_kit, work)
    expected = single_machine(
        plugin_manager, tiny_kit, work / "near", entries, fast=FAST_NEAR
    )
    cfg = ray_cfg(tiny_kit, work, "near-ray", entries, fast=FAST_NEAR)
    (summary,) = prepare(cfg, block_rows=31, key_shards=5)
    assert summary.dropped_near_duplicates > 0
    assert_same_prepared(prepared_dir(work / "near-ray"), expected)
