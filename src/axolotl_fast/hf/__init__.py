"""Adapters between the library and Hugging Face ``datasets``; never imports axolotl.

* :mod:`~axolotl_fast.hf.plan`: what ``load_dataset`` / ``load_from_disk`` would load for a
  ``datasets:`` entry, as an :class:`~axolotl_fast.hf.plan.EntryPlan` of local files;
* :mod:`~axolotl_fast.hf.compat`: the checks that decide whether the reader's table is the one
  HF's builder would make from the same bytes (JSON arrays, mixed structs, agent traces, CRs);
* :mod:`~axolotl_fast.hf.dataset`: a plan read into an Arrow-backed ``datasets.Dataset``;
* :mod:`~axolotl_fast.hf.arrow_cache`: the Arrow cache files those datasets are mapped from;
* :mod:`~axolotl_fast.hf.row_passes`: filters and new columns over tokenized rows, computed on
  the Arrow columns (lengths, trainable labels, truncation, ``position_ids`` / ``length``);
* :mod:`~axolotl_fast.hf.streaming`: a plan as a ``datasets.IterableDataset``.
"""
