"""One Jinja render per conversation shape, for templates whose contents are opaque.

axolotl renders every conversation ``1 + 2k`` times (the conversation, then two placeholder
renders per located turn). When :func:`.template_scan.scan_template` proves that the template
only writes contents out whole, tests their truth or their type, the render of a
conversation is fixed text interleaved with its contents, and both depend only on its
*shape*: the message fields the template reads other than ``content``, which contents are
empty or absent, and the tools. So a shape is rendered once, by axolotl's own
``build_prompt_text``, with every non-empty content replaced by a marker
(``U+E000 <i> U+E001``, and again with a second pair); splitting that render at the markers
gives the parts, and every render of every conversation of that shape (the conversation
itself and each placeholder render) is the parts joined with the contents in place of the
markers.

A conversation this cannot serve (a non-``str`` content, a field that is not JSON, a marker
character in the fixed text, a render that raises) is rendered by Jinja as axolotl renders
it; the caller asks again per conversation.
"""

from __future__ import annotations

import json
import re
from typing import Any

from axolotl.utils.logging import get_logger

from axolotl_fast.integration.tokenize.template_scan import CONTENT, scan_template

__all__ = ["ShapeRenders", "shape_renders_for"]

# Two marker pairs from Unicode's private use area (a content ``i`` becomes ``open + i + close``).
MARKERS = (("\ue000", "\ue001"), ("\ue002", "\ue003"))
MARKER_CHARS = "\ue000\ue001\ue002\ue003"
# Shapes kept; a dataset with more distinct shapes starts the cache again.
MAX_SHAPES = 50_000
ABSENT, EMPTY, FILLED = 0, 1, 2
LOG = get_logger(__name__)
_told: set[str] = set()  # templates whose render mode was logged


class NoShape(Exception):
    """This conversation cannot be served from a shape; render it with Jinja."""


def shape_renders_for(strategy: Any) -> ShapeRenders | None:
    """Shape renders for ``strategy``'s template, or ``None`` when the scan does not prove it."""
    from transformers.utils.chat_template_utils import _compile_jinja_template

    prompter = strategy.prompter
    environment = _compile_jinja_template(prompter.chat_template).environment
    scan = scan_template(environment, prompter.chat_template)
    _tell(prompter.chat_template, scan.reason)
    if scan.reason is not None:
        return None
    return ShapeRenders(prompter.build_prompt_text, scan.fields)


def _tell(template: str, reason: str | None) -> None:
    """One INFO line per template: how its conversations are rendered."""
    if template in _told:
        return
    _told.add(template)
    if reason is None:
        LOG.info("axolotl_fast: chat_template renders: one per conversation shape")
    else:
        LOG.info(
            "axolotl_fast: chat_template renders: Jinja per conversation, as axolotl (%s)",
            reason,
        )


class ShapeRenders:
    """The renders of conversations, from the rendered parts of their shapes."""

    def __init__(self, render, fields: frozenset[str]):
        self.render = render
        self.fields = tuple(
            sorted(field for field in fields if field and field != CONTENT)
        )
        self.parts_by_shape: dict[tuple, list[str | int] | None] = {}
        self.rendered = 0

    def parts(self, turns: list[dict], tools: list | None) -> list[str | int]:
        """The render of ``turns`` as fixed strings and turn indices (raises :class:`NoShape`)."""
        return self.parts_for(tuple(self.key(turns, tools)), turns, tools)

    def key(self, turns: list[dict], tools: list | None) -> list:
        """The shape of a conversation: its tools, then each turn's :meth:`turn_key`."""
        try:
            tools_key = None if not tools else json.dumps(tools, ensure_ascii=False)
        except (TypeError, ValueError) as error:
            raise NoShape(f"the tools are not JSON: {error}") from error
        return [tools_key, *(self.turn_key(turn) for turn in turns)]

    def parts_for(self, key: tuple, turns: list[dict], tools: list | None) -> list:
        """The parts of the shape ``key`` (of ``turns``), rendered on first use."""
        if key not in self.parts_by_shape:
            if len(self.parts_by_shape) >= MAX_SHAPES:
                self.parts_by_shape.clear()
            self.parts_by_shape[key] = self._render_shape(turns, tools)
        parts = self.parts_by_shape[key]
        if parts is None:
            raise NoShape("the shape's render cannot be split")
        return parts

    def turn_key(self, turn: dict) -> tuple:
        """What of a turn the render depends on: its content's state and the fields read."""
        try:
            return self._turn_shape(turn)
        except (TypeError, ValueError) as error:
            raise NoShape(f"a field is not JSON: {error}") from error

    def _turn_shape(self, turn: dict) -> tuple:
        content = turn.get(CONTENT)
        if CONTENT not in turn:
            state = ABSENT
        elif not isinstance(content, str):
            raise NoShape("a content that is not a str")
        else:
            state = FILLED if content else EMPTY
        return (state, *(_field_key(turn, field) for field in self.fields))

    def _render_shape(self, turns: list[dict], tools: list | None) -> list | None:
        """The shape rendered with each of two marker pairs; its parts when both agree.

        A fixed text holding something marker-like (in a role, a tool, a token) splits
        differently under the other pair, so agreement proves every marker is ours.
        """
        splits = []
        for opening, closing in MARKERS:
            marked = [
                {**turn, CONTENT: f"{opening}{index}{closing}"}
                if isinstance(turn.get(CONTENT), str) and turn[CONTENT]
                else turn
                for index, turn in enumerate(turns)
            ]
            try:
                text = self.render(marked, tools=tools)
            except Exception:  # Jinja on the real contents gives axolotl's error
                return None
            self.rendered += 1
            if not isinstance(text, str):
                return None
            splits.append(_split(text, opening, closing, len(turns)))
        return splits[0] if splits[0] is not None and splits[0] == splits[1] else None


def _field_key(turn: dict, field: str) -> tuple:
    if field not in turn:
        return (field, "absent")
    value = turn[field]
    if isinstance(value, str):
        return (field, "str", value)
    return (field, "json", json.dumps(value, ensure_ascii=False))


def _split(text: str, opening: str, closing: str, turn_count: int) -> list | None:
    """``text`` cut at its markers: fixed strings and turn indices, or ``None``."""
    pieces = re.split(f"{opening}([0-9]+){closing}", text)
    parts: list[str | int] = []
    for position, piece in enumerate(pieces):
        if position % 2:
            index = int(piece)
            if index >= turn_count or piece != str(index):
                return None
            parts.append(index)
        elif any(char in piece for char in MARKER_CHARS):
            return None
        elif piece:
            parts.append(piece)
    return parts


def join(parts: list[str | int], contents: list[str]) -> str:
    """A render from a shape's parts and the conversation's contents."""
    return "".join(part if isinstance(part, str) else contents[part] for part in parts)
