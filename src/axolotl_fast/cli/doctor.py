"""``axolotl-fast doctor``: versions, the extension build, plugin registration, a config."""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass
from importlib import metadata
from typing import Any

import click

from axolotl_fast.cli.app import emit, json_option, main

PACKAGES = ("axolotl_fast", "axolotl", "datasets", "pyarrow", "torch", "transformers")
PLUGIN_ENTRY = "axolotl_fast:FastPlugin"


@dataclass(frozen=True)
class Problem:
    """Something that stops the plugin or the library from working as expected."""

    what: str
    fix: str


@main.command()
@click.option(
    "--config",
    "config_path",
    type=click.Path(exists=True, dir_okay=False),
    help="An axolotl YAML config whose plugin set-up to check.",
)
@json_option
def doctor(config_path: str | None, as_json: bool) -> None:
    """Check the installation: versions, the Rust extension, plugin registration.

    Exit code 1 when a problem is found; each problem comes with a fix.
    """
    import axolotl_fast

    versions = {name: _version(name) for name in PACKAGES}
    versions["python"] = sys.version.split()[0]
    build = axolotl_fast.build_info()
    problems = _installation_problems(versions, build)
    if config_path:
        problems += _config_problems(config_path)
    report = {
        "versions": versions,
        "build": build,
        "plugin_entry_point": _entry_point_registered(),
        "problems": [asdict(p) for p in problems],
        "notes": [asdict(p) for p in _notes(build)],
    }
    emit(report, as_json, _human)
    if problems:
        sys.exit(1)


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _entry_point_registered() -> bool:
    entries = metadata.entry_points(group="axolotl.plugins")
    return any(entry.value == PLUGIN_ENTRY for entry in entries)


def _installation_problems(versions: dict[str, Any], build: dict[str, Any]) -> list:
    problems = []
    if versions["axolotl"] is None:
        problems.append(
            Problem(
                "axolotl is not installed: the library works, the plugin cannot load",
                "pip install 'axolotl>=0.21' (Python >= 3.12), or install "
                "axolotl_fast[axolotl]",
            )
        )
    elif _major_minor(versions["axolotl"]) < (0, 21):
        problems.append(
            Problem(
                f"axolotl {versions['axolotl']} is older than 0.21, the API the plugin mirrors",
                "pip install -U 'axolotl>=0.21'",
            )
        )
    if not _entry_point_registered():
        problems.append(
            Problem(
                "the axolotl.plugins entry point of axolotl_fast is missing",
                "reinstall axolotl_fast (pip install --force-reinstall <wheel>)",
            )
        )
    return problems


def _notes(build: dict[str, Any]) -> list[Problem]:
    """Things worth knowing that do not stop anything (they do not fail the check)."""
    if build.get("profile") == "debug":
        return [
            Problem(
                "the Rust extension is a debug build: correct, but several times slower",
                "build a release wheel: maturin build --release, then pip install it",
            )
        ]
    return []


def _config_problems(path: str) -> list:
    import yaml

    from axolotl_fast.integration.args import AxolotlFastConfig
    from axolotl_fast.integration.config_checks import (
        BLOCK_KEY,
        check_raw_config,
        lists_plugin,
    )

    with open(path, encoding="utf-8") as handle:
        cfg = yaml.safe_load(handle) or {}
    problems = []
    if not lists_plugin(cfg.get("plugins")):
        problems.append(
            Problem(
                f"{path}: `plugins:` does not list axolotl_fast.FastPlugin",
                "add `plugins: [axolotl_fast.FastPlugin]`",
            )
        )
    try:
        check_raw_config(cfg)
        AxolotlFastConfig.model_validate(dict(cfg.get(BLOCK_KEY) or {}))
    except Exception as err:  # ConfigError and pydantic's ValidationError
        first = str(err).splitlines()[0]
        problems.append(Problem(f"{path}: {first}", "fix the `axolotl_fast:` block"))
    return problems


def _major_minor(version: str) -> tuple[int, int]:
    major, minor, *_ = [int(p) if p.isdigit() else 0 for p in version.split(".")] + [
        0,
        0,
    ]
    return major, minor


def _human(report: dict[str, Any]) -> str:
    lines = ["versions"]
    lines += [f"  {k:<14}{v or 'not installed'}" for k, v in report["versions"].items()]
    build = report["build"]
    lines += [
        "extension",
        f"  build         {build['profile']} ({build['target']})",
        f"  threads       {build['num_threads']}",
        f"  features      {', '.join(build['features'])}",
        f"plugin entry point registered: {report['plugin_entry_point']}",
    ]
    for note in report["notes"]:
        lines += [f"note: {note['what']}", f"  {note['fix']}"]
    if not report["problems"]:
        return "\n".join([*lines, "no problems found"])
    lines.append(f"{len(report['problems'])} problem(s):")
    for problem in report["problems"]:
        lines += [f"  - {problem['what']}", f"    fix: {problem['fix']}"]
    return "\n".join(lines)
