"""Progress bars for the CLI: on stderr, shown only for work that takes over a second."""

from __future__ import annotations

from typing import Any

__all__ = ["rows_bar"]


def rows_bar(description: str, total: int | None = None) -> Any:
    """A tqdm bar counting rows; invisible unless the work lasts more than a second."""
    from tqdm.auto import tqdm

    return tqdm(
        total=total,
        desc=description,
        unit=" rows",
        unit_scale=True,
        delay=1.0,
        leave=False,
    )
