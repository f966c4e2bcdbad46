"""One rank of the multi-rank streaming check, launched twice by ``torch.distributed.run``.

Each rank streams the same local directory with our reader (``iterable_dataset`` over
``plan_streaming_source``, what the plugin builds for ``streaming`` / ``pretraining_dataset``)
and hands it to accelerate exactly as the Trainer does with ``dispatch_batches: false``:
``Accelerator.prepare(DataLoader)``, which shards a ``datasets.IterableDataset`` by file.
The ranks then gather, over gloo, which row ids each one saw and which files it opened;
rank 0 writes them to the JSON file given as the only argument.

    python -m torch.distributed.run --nproc_per_node 2 multirank_stream.py DATA_DIR OUT_JSON
"""

from __future__ import annotations

import json
import sys

import torch.distributed as dist
from accelerate import Accelerator
from accelerate.utils import DataLoaderConfiguration
from axolotl.utils.dict import DictDefault
from torch.utils.data import DataLoader

from axolotl_fast.hf.plan import plan_streaming_source
from axolotl_fast.hf.streaming import iterable_dataset


def rows_seen(data_dir: str, accelerator: Accelerator) -> list[int]:
    source = DictDefault({"path": data_dir, "split": "train"})
    dataset = iterable_dataset(plan_streaming_source(source))
    loader = DataLoader(dataset, batch_size=2, collate_fn=list)
    ids = []
    for batch in accelerator.prepare(loader):
        ids.extend(row["id"] for row in batch)
    return ids


def main(data_dir: str, out_json: str) -> None:
    accelerator = Accelerator(
        cpu=True, dataloader_config=DataLoaderConfiguration(dispatch_batches=False)
    )
    assert dist.get_backend() == "gloo", dist.get_backend()
    seen = rows_seen(data_dir, accelerator)
    gathered: list = [None] * dist.get_world_size()
    dist.all_gather_object(gathered, {"rank": dist.get_rank(), "ids": seen})
    if dist.get_rank() == 0:
        with open(out_json, "w", encoding="utf-8") as out:
            json.dump({"world_size": dist.get_world_size(), "ranks": gathered}, out)
    dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
