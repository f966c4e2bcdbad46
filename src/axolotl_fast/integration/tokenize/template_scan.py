"""Does a chat template treat message contents as opaque strings? A scan of its Jinja syntax tree.

A template passes when every read of a message's ``content`` is one of:

- written out whole: directly in ``{{ }}``, or inside ``+`` / ``~`` concatenations or an
  ``a if c else b`` branch that is written out;
- tested for truthiness (``{% if message.content %}``, ``not``, ``and`` / ``or`` in a test);
- given a type test (``is string``, ``is defined``, ...), whose answer is the same for every
  ``str``.

and the messages reach the template only through ``messages``, its slices, its items and the
names bound to them (``for``, ``set``), read field by field with constant keys. Whatever is
written out must not be transformed afterwards (no macros, ``{% filter %}``, ``{% set %}``
blocks, ``autoescape`` scopes; ``{% generation %}`` blocks write their body unchanged), and
the render must not depend on the clock or chance (``strftime_now``, ``random``).

For such a template, and ``str`` contents, the render of a conversation is fixed text
interleaved with the contents themselves, where the fixed text and the interleaving depend
only on the other fields the template reads, on which contents are empty, and on the render's
other variables. :mod:`.chat_shapes` relies on this to render one conversation shape once.
Anything the scan does not know makes it answer no.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from jinja2 import nodes

__all__ = ["Scan", "scan_template"]

CONTENT = "content"
# Type tests whose answer is the same for every str.
TYPE_TESTS = frozenset(
    {"string", "defined", "undefined", "none", "sequence", "iterable", "mapping"}
    | {"number", "integer", "float", "boolean", "true", "false", "callable"}
)
LIST_FILTERS = frozenset({"length", "count"})
DICT_METHODS = frozenset(
    {"get", "items", "keys", "values", "copy", "update", "pop", "setdefault"}
)
LOOP_ITEMS = frozenset({"previtem", "nextitem", "cycle"})
TRANSFORMING = (
    nodes.Macro,
    nodes.FilterBlock,
    nodes.AssignBlock,
    nodes.ScopedEvalContextModifier,
    nodes.EvalContextModifier,
)


@dataclass(frozen=True)
class Scan:
    """The answer: ``reason`` is ``None`` when contents are opaque; ``fields`` the keys read."""

    reason: str | None
    fields: frozenset[str] = frozenset()


class _Refused(Exception):
    """The template does something the scan does not prove harmless."""


def scan_template(environment, source: str) -> Scan:
    """Scan ``source`` as ``environment`` (transformers' chat template environment) parses it."""
    try:
        tree = environment.parse(source)
        return Scan(None, frozenset(_Walker(tree).fields()))
    except _Refused as refusal:
        return Scan(str(refusal))
    except Exception as error:  # a template Jinja cannot parse is not ours
        return Scan(f"not parsed: {type(error).__name__}: {error}")


class _Walker:
    def __init__(self, tree: nodes.Template):
        self.tree = tree
        self.parents: dict[int, nodes.Node] = {}
        for node in self._all():
            for child in node.iter_child_nodes():
                self.parents[id(child)] = node
        self.list_names, self.message_names = self._bound_names()

    def _all(self) -> Iterator[nodes.Node]:
        yield self.tree
        yield from self.tree.find_all(nodes.Node)

    def parent(self, node: nodes.Node) -> nodes.Node | None:
        return self.parents.get(id(node))

    def fields(self) -> set[str]:
        """The message keys read, after checking every use of messages and contents."""
        self._refuse_clock_and_chance()
        read = set()
        for node in self._all():
            if isinstance(node, nodes.Name) and node.ctx == "load":
                if node.name in self.list_names:
                    self._check_list_use(node)
                elif node.name in self.message_names:
                    read.add(self._check_message_use(node))
            elif isinstance(node, nodes.Getitem) and self.is_list(node.node):
                if self.is_message(node):
                    read.add(self._check_message_use(node))
                else:
                    self._check_list_use(node)
        return read

    def _refuse_clock_and_chance(self) -> None:
        for node in self.tree.find_all((nodes.Name, nodes.Filter, nodes.Getattr)):
            if isinstance(node, nodes.Name) and node.name == "strftime_now":
                raise _Refused("the render depends on the clock (strftime_now)")
            if isinstance(node, nodes.Filter) and node.name == "random":
                raise _Refused("the render depends on chance (random)")
            if isinstance(node, nodes.Getattr) and node.attr in LOOP_ITEMS:
                raise _Refused(f"loop.{node.attr} hands out messages unchecked")

    def _bound_names(self) -> tuple[set[str], set[str]]:
        """Names bound to lists of messages and to messages (``for``, ``set``), to a fixpoint."""
        self.list_names, self.message_names = {"messages"}, set()
        while True:
            before = (len(self.list_names), len(self.message_names))
            for node in self._all():
                if isinstance(node, nodes.For) and self.is_list(node.iter):
                    if not isinstance(node.target, nodes.Name) or node.recursive:
                        raise _Refused("a loop over messages this scan cannot follow")
                    self.message_names.add(node.target.name)
                elif isinstance(node, nodes.Assign) and isinstance(
                    node.target, nodes.Name
                ):
                    if self.is_list(node.node):
                        self.list_names.add(node.target.name)
                    elif self.is_message(node.node):
                        self.message_names.add(node.target.name)
            if (len(self.list_names), len(self.message_names)) == before:
                return self.list_names, self.message_names

    def is_list(self, node: nodes.Node) -> bool:
        if isinstance(node, nodes.Name):
            return node.name in self.list_names
        return (
            isinstance(node, nodes.Getitem)
            and isinstance(node.arg, nodes.Slice)
            and self.is_list(node.node)
        )

    def is_message(self, node: nodes.Node) -> bool:
        if isinstance(node, nodes.Name):
            return node.name in self.message_names
        return (
            isinstance(node, nodes.Getitem)
            and not isinstance(node.arg, nodes.Slice)
            and self.is_list(node.node)
        )

    def _check_list_use(self, node: nodes.Node) -> None:
        parent = self.parent(node)
        if (
            (isinstance(parent, nodes.For) and parent.iter is node)
            or (isinstance(parent, nodes.Getitem) and parent.node is node)
            or self._bound(node)
            or (isinstance(parent, nodes.Filter) and parent.name in LIST_FILTERS)
            or (isinstance(parent, nodes.Test) and parent.name in TYPE_TESTS)
            or self._in_test(node)
        ):
            return
        raise _Refused(f"the message list is used as a whole ({type(parent).__name__})")

    def _check_message_use(self, node: nodes.Node) -> str | None:
        """The key a message is read by (``None`` for a use that reads none)."""
        parent = self.parent(node)
        if isinstance(parent, nodes.Getattr) and parent.node is node:
            key = parent.attr
        elif isinstance(parent, nodes.Getitem) and parent.node is node:
            if not (
                isinstance(parent.arg, nodes.Const)
                and isinstance(parent.arg.value, str)
            ):
                raise _Refused("a message read by a computed key")
            key = parent.arg.value
        elif (
            self._bound(node)
            or (isinstance(parent, nodes.Test) and parent.name in TYPE_TESTS)
            or self._in_test(node)
        ):
            return None
        else:
            raise _Refused(f"a message is used as a whole ({type(parent).__name__})")
        if key in DICT_METHODS or key.startswith("_"):
            raise _Refused(f"a message's .{key}")
        if key == CONTENT:
            self._check_content_use(parent)
        return key

    def _check_content_use(self, node: nodes.Node) -> None:
        parent = self.parent(node)
        if isinstance(parent, nodes.Output):
            return self._check_written_unchanged(parent)
        if isinstance(parent, (nodes.Add, nodes.Concat)):
            return self._check_content_use(parent)
        if isinstance(parent, nodes.CondExpr) and parent.test is not node:
            return self._check_content_use(parent)
        if isinstance(parent, nodes.Test) and parent.name in TYPE_TESTS:
            return None
        if self._in_test(node):
            return None
        raise _Refused(
            f"a content is transformed or compared ({type(parent).__name__})"
        )

    def _bound(self, node: nodes.Node) -> bool:
        """Whether ``node`` is the value of ``{% set name = ... %}`` (a name that is followed)."""
        parent = self.parent(node)
        return (
            isinstance(parent, nodes.Assign)
            and parent.node is node
            and isinstance(parent.target, nodes.Name)
        )

    def _in_test(self, node: nodes.Node) -> bool:
        """Whether only ``node``'s truth value is used."""
        parent = self.parent(node)
        if isinstance(parent, nodes.Not):
            return True
        if isinstance(parent, (nodes.And, nodes.Or)):
            return self._in_test(parent)
        if isinstance(parent, (nodes.If, nodes.CondExpr, nodes.For)):
            return getattr(parent, "test", None) is node
        return False

    def _check_written_unchanged(self, output: nodes.Output) -> None:
        node = self.parent(output)
        while node is not None:
            if isinstance(node, TRANSFORMING):
                raise _Refused(f"output inside a {type(node).__name__}")
            if isinstance(node, nodes.CallBlock) and not _is_generation(node):
                raise _Refused("output inside a call block")
            node = self.parent(node)


def _is_generation(block: nodes.CallBlock) -> bool:
    """The ``{% generation %}`` block of transformers, which writes its body unchanged."""
    call = block.call
    return (
        isinstance(call, nodes.Call)
        and isinstance(call.node, nodes.ExtensionAttribute)
        and call.node.name == "_generation_support"
    )
