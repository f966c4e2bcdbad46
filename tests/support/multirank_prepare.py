"""One rank of the multi-rank prepare check, launched twice by ``torch.distributed.run``.

Each rank joins a gloo process group, builds the config as ``axolotl train`` does (plugins,
validation, normalisation) and asks axolotl's ``PluginManager`` for the datasets, which
calls our ``load_datasets`` hook, as ``do_train`` does on every rank. Rank 0 starts late on
purpose (``--rank0-delay``), so a rank 1 that did not wait for it would take axolotl's lock
first and prepare the data itself. The ranks then gather, over gloo, what they got (rows
and a digest of the tokens); rank 0 writes it to the JSON file given.

    python -m torch.distributed.run --nproc_per_node 2 multirank_prepare.py CFG OUT [DELAY]

Why not ``axolotl train --launcher torchrun`` itself: with ``WORLD_SIZE > 1`` axolotl 0.21's
``load_cfg`` calls ``prepare_optim_env`` -> ``check_cuda_p2p_support``, which calls
``torch.cuda.can_device_access_peer`` and fails with "Found no NVIDIA driver" on a machine
without a GPU, before any data is loaded.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time

import torch.distributed as dist
import yaml
from axolotl.integrations.base import PluginManager
from axolotl.utils.dict import DictDefault

from support.axolotl_cfg import finish_cfg


def load_cfg(path: str) -> DictDefault:
    """axolotl's ``load_cfg`` without ``prepare_optim_env`` (the CUDA check above)."""
    with open(path, encoding="utf-8") as config:
        return finish_cfg(yaml.safe_load(config))


def digest(dataset) -> str:
    tokens = json.dumps(dataset["input_ids"][:]).encode()
    return hashlib.sha256(tokens).hexdigest()


def main(config: str, out_json: str, rank0_delay_s: float) -> None:
    dist.init_process_group("gloo")
    rank = dist.get_rank()
    cfg = load_cfg(config)
    if rank == 0:
        time.sleep(rank0_delay_s)
    meta = PluginManager.get_instance().load_datasets(cfg, preprocess=False)
    assert meta is not None, "the plugin left the loading to axolotl"
    mine = {
        "rank": rank,
        "rows": len(meta.train_dataset),
        "digest": digest(meta.train_dataset),
    }
    gathered: list = [None] * dist.get_world_size()
    dist.all_gather_object(gathered, mine)
    if rank == 0:
        with open(out_json, "w", encoding="utf-8") as out:
            json.dump({"backend": dist.get_backend(), "ranks": gathered}, out)
    dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 3.0)
