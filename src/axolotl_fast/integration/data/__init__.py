"""Axolotl 0.21's data pipeline with the Rust reader and dedupe in it.

* :mod:`~axolotl_fast.integration.data.load`: ``load_datasets``, the ``load_datasets`` hook's
  work: plan every entry, run the pipeline or decline the config with one log line;
* :mod:`~axolotl_fast.integration.data.sft`: ``SftPipeline``, the standard SFT path of
  ``axolotl/utils/data/sft.py`` step for step;
* :mod:`~axolotl_fast.integration.data.sft_streaming`: ``StreamingSftPipeline``, its streaming
  path (``pretraining_dataset``, ``streaming: true``);
* :mod:`~axolotl_fast.integration.data.dedupe_step`: the ``dedupe`` step at axolotl's dedupe
  points;
* :mod:`~axolotl_fast.integration.data.prepared_cache`: the prepared dataset, saved once per
  node and atomically.
"""
