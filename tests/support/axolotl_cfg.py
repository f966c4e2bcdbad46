"""A config as axolotl's ``load_cfg`` makes it, without its stdout tee and environment set-up.

``load_cfg`` also calls ``prepare_optim_env``, whose CUDA peer-access check fails on a machine
without a GPU once ``WORLD_SIZE > 1``; the multi-rank tests need the config without it.
"""

from __future__ import annotations

import json
from typing import Any

from axolotl.utils.config import (
    normalize_cfg_datasets,
    normalize_config,
    prepare_plugins,
    validate_config,
)
from axolotl.utils.dict import DictDefault


def finish_cfg(raw: dict[str, Any]) -> DictDefault:
    """Register the plugins, validate and normalise ``raw`` as ``load_cfg`` does."""
    cfg = DictDefault(json.loads(json.dumps(raw)))
    prepare_plugins(cfg)
    cfg = validate_config(cfg)
    normalize_config(cfg)
    normalize_cfg_datasets(cfg)
    return cfg
