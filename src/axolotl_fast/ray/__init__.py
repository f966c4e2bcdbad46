"""Prepare an axolotl config's dataset on a Ray cluster: ``pip install 'axolotl_fast[ray]'``.

:func:`prepare` reads, tokenizes, filters, deduplicates and writes the prepared dataset of
an axolotl config with Ray Data stages that run the Rust core (see
:mod:`axolotl_fast.ray.prepare`), with exactly the rows, order and values the plugin's
``load_datasets`` would save on one machine, and writes it where the plugin loads it: run
``axolotl train`` with the same config afterwards. The command line is ``axolotl-fast
prepare CONFIG.yml --ray [ADDRESS]``. The core library and the plugin never import ray; this
package needs it, and axolotl.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from axolotl_fast.ray.job import split_jobs
from axolotl_fast.ray.prepare import PrepareOptions, SplitSummary, prepare_splits

__all__ = ["PrepareOptions", "SplitSummary", "prepare"]


def prepare(
    config: Any, *, address: str | None = None, **options: Any
) -> list[SplitSummary]:
    """Prepare the datasets of an axolotl config on Ray.

    Args:
        config: A path to the YAML config (loaded with axolotl's ``load_cfg``, as ``axolotl
            train`` loads it) or an already validated config.
        address: The Ray cluster to connect to (``"auto"``, ``"ray://host:10001"``, ...);
            ``None`` starts a new local Ray on this machine's CPUs (even if another process
            runs one). Ignored when Ray is already initialized in this process.
        **options: The fields of :class:`PrepareOptions` (``key_shards``, ``seen_dir``,
            ``block_rows``, ``tokenize_actors``, ``output_shards``, ``overwrite``).

    Returns:
        One summary per split: rows read, tokenized, dropped per reason and written, bytes,
        and seconds per stage.

    Raises:
        ImportError: ray is not installed.
        ConfigError: The config cannot be prepared on Ray (the message says why).
    """
    try:
        import ray
    except ImportError as err:  # pragma: no cover - the tests run with ray installed
        raise ImportError(
            "axolotl_fast.ray needs Ray Data: pip install 'axolotl_fast[ray]'"
        ) from err
    known = {f.name for f in fields(PrepareOptions)}
    unknown = sorted(set(options) - known)
    if unknown:
        raise TypeError(
            f"unknown option(s) {unknown}; expected some of {sorted(known)}"
        )
    settings = PrepareOptions(**options)
    # The config is checked and planned before any Ray starts: a refusal costs no cluster.
    jobs = list(split_jobs(_load(config), settings))
    started = not ray.is_initialized()
    if started:  # "local": a new Ray here, never a cluster another process started
        ray.init(address=address or "local", log_to_driver=False)
    try:
        return prepare_splits(jobs, settings)
    finally:
        if started:
            ray.shutdown()


def _load(config: Any) -> Any:
    """A YAML path through axolotl's ``load_cfg``; a config as it is."""
    import os

    if isinstance(config, str | os.PathLike):
        from axolotl.cli.config import load_cfg

        return load_cfg(str(config))
    return config
