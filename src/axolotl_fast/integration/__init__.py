"""The Axolotl integration: the only part of axolotl_fast that imports axolotl.

* :mod:`~axolotl_fast.integration.plugin`: ``FastPlugin``, the hooks, and nothing else;
* :mod:`~axolotl_fast.integration.args`, :mod:`~axolotl_fast.integration.config_checks`: the
  ``axolotl_fast:`` config block and the checks of the raw config (no axolotl import);
* :mod:`~axolotl_fast.integration.status`, :mod:`~axolotl_fast.integration.report`,
  :mod:`~axolotl_fast.integration.trace`: which operations are on and active, the run report
  next to the model, and the per-hook trace;
* :mod:`~axolotl_fast.integration.data`: axolotl's data pipeline with the Rust reader and
  dedupe in it (``load_datasets``);
* :mod:`~axolotl_fast.integration.collator` / ``collator_choice`` and
  :mod:`~axolotl_fast.integration.trainer` / ``trainer_choice``: ``FastCollator`` and the
  packing trainer, and which configs get them.

Nothing is imported here, so ``axolotl_fast.integration.args`` stays importable without axolotl.
"""
