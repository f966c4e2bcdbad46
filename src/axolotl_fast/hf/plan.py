"""Which ``datasets:`` entries the loader can read: each entry resolved to a list of files.

For one entry of ``datasets:`` / ``test_datasets:`` this module works out what axolotl 0.21's
``load_dataset_with_config`` would load (``utils/data/shared.py``), without loading it:

* a local **file**: ``load_dataset(<builder>, data_files=path, split=split or "train")``;
* a local **directory** with ``data_files``: ``load_dataset(<builder>, data_files=...)``;
* an HF ``save_to_disk`` **directory** (``dataset_info.json`` + ``state.json``, or
  ``dataset_dict.json``): ``load_from_disk``;
* any other local **directory**: ``load_dataset(path)``, files and splits inferred by HF.

The builder (``parquet``, ``arrow``, ``json``, ``text``, ``csv``) comes from ``ds_type`` or a
substring of the path, as axolotl's ``get_dataset_type`` does. Files and splits are resolved
with ``datasets``' own pattern functions, so the files and their order are HF's. Anything this
module cannot reproduce exactly raises :class:`LoaderFallback` with the reason; the plugin then
leaves the whole config to axolotl's loader.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "EntryPlan",
    "LoaderFallback",
    "builder_for",
    "plan_entry",
    "plan_streaming_source",
    "slice_bounds",
]

# axolotl's get_dataset_type: substring match on the path, in this order, else "json".
_EXTENSION_BUILDERS = {
    ".parquet": "parquet",
    ".arrow": "arrow",
    ".csv": "csv",
    ".txt": "text",
}
# File suffixes of the builders the loader reads (HF's per-builder extensions).
_BUILDER_SUFFIXES = {
    "parquet": {".parquet"},
    "arrow": {".arrow"},
    "json": {".json", ".jsonl"},
    "text": {".txt"},
}
COMPRESSION_SUFFIXES = (".gz", ".zst", ".zstd", ".bz2", ".xz", ".lz4")
_ARCHIVE_SUFFIXES = (".zip", ".tar", ".tgz", ".7z", ".rar")
_DATASET_FILES = ("dataset_info.json", "state.json")


class LoaderFallback(Exception):
    """An entry the loader cannot reproduce exactly; axolotl's loader must take the config.

    Attributes:
        entry: The entry's ``path``.
        reason: Why, in a few words, for the one log line.
    """

    def __init__(self, entry: str, reason: str) -> None:
        super().__init__(f"{entry}: {reason}")
        self.entry = entry
        self.reason = reason


@dataclass(frozen=True)
class EntryPlan:
    """What to read for one (expanded) dataset entry and one split.

    Attributes:
        path: The entry's ``path`` as written in the config.
        kind: ``"synthetic"`` (axolotl's ``type: _synthetic``, nothing to read), ``"files"``
            (data files read by one HF builder) or ``"saved"`` (a ``save_to_disk`` dataset).
        files: The files to read, in HF's order.
        builder: The HF builder the files stand for (``"parquet"``, ``"json"``, ...), or
            ``"saved"``.
        split: The split name HF gives the loaded dataset (``None`` if it has none); for a
            slice such as ``train[:20%]``, the whole spec, as HF names the sliced dataset.
        saved_dir: For ``"saved"``: the directory with ``state.json``.
        sliced_split: For a slice: the split whose ``files`` are read and then sliced
            (:func:`slice_bounds` gives the rows), else ``None``.
        features_file: For ``"files"``: the first file of the source's first split, from
            which HF's builder takes the features (and JSON paths) of every split.
    """

    path: str
    kind: str
    files: tuple[str, ...] = ()
    builder: str | None = None
    split: str | None = None
    saved_dir: str | None = None
    sliced_split: str | None = None
    features_file: str | None = None


def builder_for(ds_cfg: Any) -> str:
    """The HF builder axolotl picks for an entry (a re-implementation of ``get_dataset_type``)."""
    if ds_cfg.ds_type:
        return str(ds_cfg.ds_type)
    for extension, builder in _EXTENSION_BUILDERS.items():
        if extension in ds_cfg.path:
            return builder
    return "json"


def plan_entry(ds_cfg: Any, load_split: str) -> EntryPlan:
    """Resolve one expanded dataset entry to the files axolotl's loader would read.

    Args:
        ds_cfg: One entry as ``datasets_with_name_generator`` yields it.
        load_split: ``"train"`` for ``datasets``, ``"test"`` for ``test_datasets``; the split
            axolotl selects when the source has several and the entry names none.

    Returns:
        The plan for the entry.

    Raises:
        LoaderFallback: The entry is not local, or not something read exactly.
    """
    path = ds_cfg.path
    if ds_cfg.type == "_synthetic":
        return EntryPlan(path=str(path), kind="synthetic")
    if not isinstance(path, str) or not path:
        raise LoaderFallback(str(path), "no local path")
    if "://" in path or not Path(path).exists():
        raise LoaderFallback(path, "not a local file or directory (hub or remote)")
    local = Path(path)
    if local.is_file():
        split = ds_cfg.split or "train"
        return _plan_data_files(ds_cfg, builder_for(ds_cfg), path, split, load_split)
    if not local.is_dir():
        raise LoaderFallback(path, "neither a file nor a directory")
    if ds_cfg.data_files:
        builder = builder_for(ds_cfg)
        data_files = ds_cfg.data_files
        return _plan_data_files(ds_cfg, builder, data_files, ds_cfg.split, load_split)
    if all((local / name).is_file() for name in _DATASET_FILES):
        return _plan_saved(path, local)
    if (local / "dataset_dict.json").is_file():
        return _plan_saved_dict(ds_cfg, local, load_split)
    return _plan_plain_dir(ds_cfg, local, load_split)


def plan_streaming_source(source: Any) -> EntryPlan:
    """Resolve what ``load_dataset(path, streaming=True, split, name, data_files)`` streams.

    That is the call axolotl's ``_load_streaming_dataset`` makes for ``pretraining_dataset``
    and for ``streaming`` with ``sample_packing``. Unlike ``load_dataset_with_config`` it
    passes ``path`` straight to HF, so ``path`` is a builder name (``json``, ``parquet``,
    ...) with ``data_files``, or a local directory; HF does not take a file path there.

    Args:
        source: The config axolotl builds (``path``, ``name``, ``split``, ``data_files``).

    Raises:
        LoaderFallback: Not a local source read exactly (axolotl then streams it).
    """
    path, split = source.path, source.split or "train"
    if _is_slice(split):
        raise LoaderFallback(str(path), f"split slicing of a stream ({split!r})")
    if source.name:
        raise LoaderFallback(str(path), "name: selects a config of the dataset")
    if not isinstance(path, str) or not path:
        raise LoaderFallback(str(path), "no local path")
    if path in _BUILDER_SUFFIXES:
        if not source.data_files:
            raise LoaderFallback(path, "a builder name without data_files")
        ds_cfg = _EntryFields(path, split, ds_type=path)
        return _plan_data_files(ds_cfg, path, source.data_files, split, split)
    local = Path(path)
    if "://" in path or not local.is_dir():
        raise LoaderFallback(path, "not a builder name or a local directory")
    if source.data_files:
        raise LoaderFallback(path, "data_files inside a directory source")
    if any((local / name).is_file() for name in (*_DATASET_FILES, "dataset_dict.json")):
        raise LoaderFallback(
            path, "a save_to_disk directory (HF streams its raw shards)"
        )
    return _plan_plain_dir(_EntryFields(path, split), local, split)


@dataclass(frozen=True)
class _EntryFields:
    """The fields of a dataset entry the planners read, for sources that are not entries."""

    path: str
    split: str | None
    ds_type: str | None = None
    name: str | None = None
    data_files: Any = None


def _plan_data_files(
    ds_cfg: Any, builder: str, data_files: Any, split: str | None, load_split: str
) -> EntryPlan:
    """``load_dataset(builder, data_files=data_files, split=split)``, resolved as HF does."""
    from datasets.data_files import DataFilesDict, sanitize_patterns

    patterns = sanitize_patterns(data_files)
    if any("://" in str(p) for values in patterns.values() for p in values):
        raise LoaderFallback(ds_cfg.path, "data_files name remote files")
    try:
        resolved = DataFilesDict.from_patterns(
            patterns, base_path=Path().resolve().as_posix()
        )
    except Exception as err:  # FileNotFoundError and HF's own errors
        raise LoaderFallback(ds_cfg.path, f"data_files do not resolve ({err})") from err
    return _files_plan(ds_cfg, builder, resolved, split, load_split)


def _plan_plain_dir(ds_cfg: Any, local: Path, load_split: str) -> EntryPlan:
    """``load_dataset(path)`` on a directory of data files, splits inferred by HF."""
    from datasets import config
    from datasets.data_files import DataFilesDict, get_data_patterns

    path = ds_cfg.path
    metadata = (
        config.REPOCARD_FILENAME,
        config.REPOYAML_FILENAME,
        "dataset_infos.json",
    )
    if any((local / name).exists() for name in metadata) or any(local.glob("*.py")):
        raise LoaderFallback(path, "the directory has a dataset card, YAML or script")
    if ds_cfg.name:
        raise LoaderFallback(path, "name: selects a config of a directory dataset")
    base_path = local.expanduser().resolve().as_posix()
    try:
        resolved = DataFilesDict.from_patterns(
            get_data_patterns(base_path), base_path=base_path
        )
    except Exception as err:  # EmptyDatasetError and friends
        raise LoaderFallback(path, f"no data files found ({err})") from err
    builders = {_builder_of_file(path, f) for files in resolved.values() for f in files}
    if len(builders) != 1:
        raise LoaderFallback(path, f"files of several formats: {sorted(builders)}")
    return _files_plan(ds_cfg, builders.pop(), resolved, ds_cfg.split, load_split)


def _builder_of_file(entry: str, file: str) -> str:
    suffixes = _data_suffixes(entry, file)
    for builder, known in _BUILDER_SUFFIXES.items():
        if suffixes & known:
            return builder
    raise LoaderFallback(
        entry, f"{os.path.basename(file)}: not a format the loader reads"
    )


def _data_suffixes(entry: str, file: str) -> set[str]:
    name = os.path.basename(file).lower()
    if name.endswith(_ARCHIVE_SUFFIXES) or ".tar." in name:
        raise LoaderFallback(entry, f"{os.path.basename(file)} is an archive")
    return {"." + part for part in name.split(".")[1:]}


def _files_plan(
    ds_cfg: Any,
    builder: str,
    resolved: Any,
    split: str | None,
    load_split: str,
) -> EntryPlan:
    """Pick the split's files as ``load_dataset`` + axolotl's split selection would."""
    path = ds_cfg.path
    if builder not in _BUILDER_SUFFIXES:
        raise LoaderFallback(path, f"the {builder!r} builder is left to axolotl")
    sliced = _sliced_split(path, split, resolved) if _is_slice(split) else None
    # split given: load_dataset(split=...) returns that split or raises;
    # none: a DatasetDict, from which axolotl takes load_split or raises.
    chosen = sliced or (split if split is not None else load_split)
    if chosen not in resolved:
        raise LoaderFallback(path, f"no {chosen!r} split (axolotl reports the error)")
    files = tuple(str(f) for f in resolved[chosen])
    if not files:
        raise LoaderFallback(path, f"no data files in split {chosen!r}")
    for file in files:
        _data_suffixes(path, file)
    named = split if sliced else chosen
    first = next(iter(resolved.values()))  # HF's features come from its first file
    features_file = str(first[0]) if first else files[0]
    return EntryPlan(path, "files", files, builder, named, None, sliced, features_file)


def slice_bounds(spec: str, split: str, rows: int) -> list[tuple[int, int]]:
    """The ``(start, stop)`` row ranges HF reads for the split slice ``spec``.

    ``datasets``' own ``ReadInstruction`` parses the spec and resolves it against the
    split's ``rows``, so percentages round (``closest`` or ``pct1_dropremainder``) and
    absolute or negative bounds clip exactly as ``load_dataset(split=spec)`` does.
    """
    from datasets import ReadInstruction

    absolute = ReadInstruction.from_spec(spec).to_absolute({split: rows})
    return [
        (part.from_ or 0, rows if part.to is None else part.to) for part in absolute
    ]


def _is_slice(split: str | None) -> bool:
    return split is not None and any(ch in split for ch in "[]+%(")


def _sliced_split(path: str, spec: str, resolved: Any) -> str:
    """The one split a slice spec reads, or :class:`LoaderFallback` (axolotl reports errors)."""
    from datasets import ReadInstruction

    try:
        instruction = ReadInstruction.from_spec(spec)
        names = {
            part.splitname
            # Any length will do to learn the split names; pct1 rounding needs >= 100 rows.
            for part in instruction.to_absolute({name: 100 for name in resolved})
        }
    except (ValueError, KeyError, AssertionError) as err:
        reason = f"split {spec!r} is not a slice HF reads ({err})"
        raise LoaderFallback(path, reason) from err
    if len(names) != 1:
        raise LoaderFallback(path, f"split {spec!r} joins several splits")
    return names.pop()


def _plan_saved(path: str, local: Path) -> EntryPlan:
    """A ``save_to_disk`` dataset: its Arrow shards, in ``state.json`` order."""
    state = json.loads((local / "state.json").read_text(encoding="utf-8"))
    data_files = state.get("_data_files") or []
    if not data_files or state.get("_indices_data_files"):
        raise LoaderFallback(path, "state.json lists no plain data files")
    files = tuple(str(local / entry["filename"]) for entry in data_files)
    return EntryPlan(path, "saved", files, "saved", state.get("_split"), str(local))


def _plan_saved_dict(ds_cfg: Any, local: Path, load_split: str) -> EntryPlan:
    """A ``save_to_disk`` DatasetDict: axolotl takes ``split`` if present, else the load split."""
    splits = json.loads((local / "dataset_dict.json").read_text(encoding="utf-8"))
    names = list(splits.get("splits", []))
    chosen = ds_cfg.split if ds_cfg.split in names else load_split
    if chosen not in names:
        raise LoaderFallback(
            ds_cfg.path, f"no {chosen!r} split (axolotl reports the error)"
        )
    split_dir = local / chosen
    if not all((split_dir / name).is_file() for name in _DATASET_FILES):
        raise LoaderFallback(ds_cfg.path, f"split {chosen!r} is not a saved dataset")
    return _plan_saved(ds_cfg.path, split_dir)
