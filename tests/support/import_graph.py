"""The import graph of a Python package, read from its source, and the rules it must keep.

Every ``import`` statement that can run counts, at module level or inside a function: a lazy
import is still an arrow between two rooms. Imports under ``if TYPE_CHECKING:`` never run
and are left out. ``from X import a`` is an arrow to ``X.a`` when that is a module of the
package (an extension module counts by its ``.pyi`` stub), else to ``X``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Import:
    """One import statement: who imports what, and where."""

    importer: str
    target: str
    line: int


def module_files(src: Path, package: str) -> dict[str, Path]:
    """Every module of ``package`` under ``src``, by dotted name (stubs of extensions too)."""
    modules = {}
    paths = sorted((src / package).rglob("*.py")) + sorted(
        (src / package).rglob("*.pyi")
    )
    for path in paths:
        parts = list(path.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules.setdefault(".".join(parts), path)
    return modules


def _runnable_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """The nodes of ``tree`` outside ``if TYPE_CHECKING:`` bodies."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def imports_of(name: str, path: Path, modules: Iterable[str]) -> Iterator[Import]:
    """The imports in one module's source, with targets resolved to modules."""
    known = set(modules)
    is_package = path.name == "__init__.py"
    for node in _runnable_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(name, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(name, is_package, node.module, node.level)
            for alias in node.names:
                child = f"{base}.{alias.name}"
                yield Import(name, child if child in known else base, node.lineno)


def _absolute(name: str, is_package: bool, module: str | None, level: int) -> str:
    if level == 0:
        return module or ""
    parts = name.split(".")
    parts = parts if is_package else parts[:-1]
    parts = parts[: len(parts) - (level - 1)]
    return ".".join([*parts, module] if module else parts)


def all_imports(src: Path, package: str) -> list[Import]:
    """Every import of every module of ``package``."""
    modules = module_files(src, package)
    return [
        imp for name, path in modules.items() for imp in imports_of(name, path, modules)
    ]


def cycles(imports: Iterable[Import], package: str) -> list[list[str]]:
    """The import circles among the package's own modules, each as a path back to its start."""
    graph: dict[str, set[str]] = {}
    for imp in imports:
        internal = imp.target == package or imp.target.startswith(package + ".")
        if internal and imp.target != imp.importer:
            graph.setdefault(imp.importer, set()).add(imp.target)
    found, state = [], {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                found.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = "done"

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    return found


def top_level(target: str) -> str:
    """The distribution-level name of an import target (``datasets.table`` -> ``datasets``)."""
    return target.split(".")[0]


def violations(
    imports: Iterable[Import], layer_of: dict[str, str], forbidden: dict[str, set[str]]
) -> list[str]:
    """Imports that break a layer rule, one line each.

    Args:
        imports: The package's imports.
        layer_of: The layer of each module, by dotted name.
        forbidden: For each layer, the layers and top-level packages it must not import.
    """
    lines = []
    for imp in imports:
        layer = layer_of.get(imp.importer)
        banned = forbidden.get(layer or "", set())
        target_layer = layer_of.get(imp.target)
        if target_layer in banned or top_level(imp.target) in banned:
            what = target_layer if target_layer in banned else top_level(imp.target)
            lines.append(
                f"{imp.importer} (line {imp.line}, {layer}) imports {imp.target} ({what})"
            )
    return lines
