"""The ``axolotl-fast`` command group and what its commands share.

Every command prints for people by default and JSON with ``--json``; anything that takes more
than a second shows a progress bar on stderr. Exit codes: 0 done, 1 a problem with the input
(a missing or malformed file: one line on stderr naming the file and the reason, no
traceback) or, for ``doctor``, a problem found, 2 a usage error.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Any

import click

from axolotl_fast.errors import AxolotlFastError

__all__ = ["EXIT_INPUT", "emit", "input_errors", "json_option", "main"]

EXIT_INPUT = 1


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="axolotl_fast")
def main() -> None:
    """Rust-backed dataset tools for Axolotl: inspect, convert, dedupe, plan packing.

    The same reader, dedupe and packer the axolotl_fast plugin uses in `axolotl train`.
    """


def json_option(command: Callable) -> Callable:
    """``--json``: print one JSON document instead of the human report."""
    return click.option(
        "--json", "as_json", is_flag=True, help="Print JSON instead of text."
    )(command)


def input_errors(command: Callable) -> Callable:
    """Turn a bad input into one line on stderr and exit code 1 (no traceback)."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (AxolotlFastError, OSError, ValueError) as err:
            message = str(err).splitlines()[0] if str(err) else type(err).__name__
            click.echo(f"error: {message}", err=True)
            sys.exit(EXIT_INPUT)

    return wrapper


def emit(report: Any, as_json: bool, human: Callable[[Any], str]) -> None:
    """Print ``report`` as JSON or through ``human``."""
    if as_json:
        click.echo(json.dumps(report, indent=2, default=str))
    else:
        click.echo(human(report))
