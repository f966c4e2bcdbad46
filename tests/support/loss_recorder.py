"""A test-only Axolotl plugin that records the exact training losses.

Axolotl's console log rounds losses to 3 decimals; this plugin's callback writes every logged
``loss`` as a full float to ``$LOSS_RECORDER_FILE`` (one JSON number per line), so the
plugin-on and plugin-off runs can be compared exactly. It is listed in both configs. With
``$COLLATOR_RECORDER_FILE`` set it also writes which collators the trainer got.
"""

from __future__ import annotations

import json
import os

from axolotl.integrations.base import BasePlugin
from transformers import TrainerCallback


class _RecordLosses(TrainerCallback):
    def on_log(self, args, state, control, logs=None, **kwargs):
        path = os.environ.get("LOSS_RECORDER_FILE")
        if path and logs and "loss" in logs:
            with open(path, "a", encoding="utf-8") as out:
                out.write(json.dumps(float(logs["loss"])) + "\n")


class LossRecorderPlugin(BasePlugin):
    def add_callbacks_post_trainer(self, cfg, trainer):
        path = os.environ.get("COLLATOR_RECORDER_FILE")
        if path:  # which collators the trainer got, with their settings
            collators = {
                "train": trainer.data_collator,
                "eval": getattr(trainer, "eval_data_collator", None),
            }
            record = {
                split: None
                if c is None
                else {
                    "class": type(c).__name__,
                    "packed": getattr(c, "packed", None),
                    "pad_to_multiple_of": getattr(c, "pad_to_multiple_of", None),
                }
                for split, c in collators.items()
            }
            with open(path, "w", encoding="utf-8") as out:
                json.dump(record, out)
        return [_RecordLosses()]
