"""The package's three layers: imports run one way, and no module imports itself back.

The library (the top of ``axolotl_fast``) imports neither ``datasets`` nor ``axolotl``; the HF
adapters (``axolotl_fast.hf``) never import ``axolotl``; only ``axolotl_fast.integration``
(and the ``axolotl_fast.plugin`` spelling that re-exports it) and ``axolotl_fast.ray`` may.
Only ``axolotl_fast.ray`` imports ``ray``; the CLI reaches it lazily. Read statically from the
source, so a lazy import inside a function counts too, and checked at run time by importing
each module with ``axolotl`` (and ``datasets``) made unimportable.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from support.import_graph import all_imports, cycles, module_files, violations

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = "axolotl_fast"
MODULES = module_files(SRC, PACKAGE)
# What each layer must not import: other layers of the package, and outside packages.
# "ray" is both the outside package and the layer that uses it (axolotl_fast.ray): only that
# layer may import either.
FORBIDDEN = {
    "library": {"hf", "integration", "cli", "axolotl", "datasets", "ray"},
    "hf": {"integration", "cli", "axolotl", "ray"},
    "integration": {"cli", "ray"},
    "ray": {"cli"},
    "cli": {"axolotl"},
}


def layer_of(module: str) -> str:
    """The layer of a module of the package, by its dotted name."""
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in ("hf", "integration", "cli", "ray"):
        return parts[1]
    if module == "axolotl_fast.plugin":  # the old spelling, a re-export of the plugin
        return "integration"
    return "library"


LAYERS = {name: layer_of(name) for name in MODULES}


def test_every_module_is_in_a_layer_and_the_library_is_small():
    library = sorted(name for name, layer in LAYERS.items() if layer == "library")
    assert library == [
        "axolotl_fast",
        "axolotl_fast._core",
        "axolotl_fast._text_columns",
        "axolotl_fast.dedupe",
        "axolotl_fast.encode",
        "axolotl_fast.encode_instructions",
        "axolotl_fast.errors",
        "axolotl_fast.memory",
        "axolotl_fast.near_dedupe",
        "axolotl_fast.packing",
        "axolotl_fast.reader",
        "axolotl_fast.tiny",
        "axolotl_fast.writer",
    ]


def test_no_import_circle_in_the_package():
    found = cycles(all_imports(SRC, PACKAGE), PACKAGE)
    assert found == [], "import circles:\n" + "\n".join(" -> ".join(c) for c in found)


def test_layers_import_one_way():
    found = violations(all_imports(SRC, PACKAGE), LAYERS, FORBIDDEN)
    assert found == [], "imports against the layers:\n" + "\n".join(found)


def test_the_checks_catch_a_circle_and_an_import_against_the_layers(tmp_path):
    """The rules above fail when a bad import is added (a synthetic package)."""
    package = tmp_path / PACKAGE
    (package / "hf").mkdir(parents=True)
    (package / "integration").mkdir()
    (package / "__init__.py").write_text("from axolotl_fast.reader import read\n")
    (package / "reader.py").write_text("def read():\n    import datasets\n")
    (package / "hf" / "__init__.py").write_text("")
    (package / "hf" / "a.py").write_text("from axolotl_fast.hf import b\n")
    (package / "hf" / "b.py").write_text(
        "from axolotl_fast.hf.a import x\nfrom axolotl.utils import y\n"
    )
    (package / "integration" / "__init__.py").write_text("")
    imports = all_imports(tmp_path, PACKAGE)
    assert cycles(imports, PACKAGE) == [
        ["axolotl_fast.hf.a", "axolotl_fast.hf.b", "axolotl_fast.hf.a"]
    ]
    layers = {name: layer_of(name) for name in module_files(tmp_path, PACKAGE)}
    assert sorted(violations(imports, layers, FORBIDDEN)) == [
        "axolotl_fast.hf.b (line 2, hf) imports axolotl.utils (axolotl)",
        "axolotl_fast.reader (line 2, library) imports datasets (datasets)",
    ]


def _import_blocked(modules: list[str], blocked: list[str]) -> dict:
    """Import ``modules`` in a fresh interpreter where ``blocked`` cannot be imported."""
    script = (
        "import json, sys\n"
        f"for name in {blocked!r}:\n"
        "    sys.modules[name] = None\n"
        "import importlib\n"
        "errors = {}\n"
        f"for module in {modules!r}:\n"
        "    try:\n"
        "        importlib.import_module(module)\n"
        "    except Exception as err:\n"
        "        errors[module] = repr(err)\n"
        "print(json.dumps(errors))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_library_imports_without_axolotl_or_datasets():
    library = [name for name, layer in LAYERS.items() if layer == "library"]
    library.remove(
        "axolotl_fast.tiny"
    )  # makes a tiny model: imports transformers, on use
    assert _import_blocked(library, ["axolotl", "datasets"]) == {}


def test_hf_adapters_and_cli_import_without_axolotl():
    modules = [name for name, layer in LAYERS.items() if layer in ("hf", "cli")]
    modules.remove("axolotl_fast.cli.__main__")  # running it is the CLI itself
    assert _import_blocked(modules, ["axolotl"]) == {}


def test_star_import_works_without_axolotl():
    script = (
        "import sys\n"
        "sys.modules['axolotl'] = None\n"
        "import axolotl_fast\n"
        "from axolotl_fast import *\n"
        "assert callable(read) and callable(dedupe) and callable(pack)\n"
        "assert 'FastPlugin' not in axolotl_fast.__all__\n"
        "assert 'FastCollator' not in axolotl_fast.__all__\n"
        "try:\n"
        "    axolotl_fast.FastPlugin\n"
        "except ImportError as err:\n"
        "    print('plugin:', err)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "plugin: axolotl_fast.FastPlugin is the Axolotl plugin" in result.stdout


@pytest.mark.parametrize("name", ["FastPlugin", "FastCollator"])
def test_plugin_names_stay_importable_lazily(name):
    pytest.importorskip("axolotl")
    import axolotl_fast

    assert getattr(axolotl_fast, name).__name__ == name
    assert name in dir(axolotl_fast)


def test_the_old_plugin_spelling_is_the_same_class():
    pytest.importorskip("axolotl")
    import axolotl_fast
    from axolotl_fast.plugin import FastPlugin

    assert FastPlugin is axolotl_fast.FastPlugin


SOURCES = sorted(path for path in MODULES.values() if path.suffix == ".py")


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(SRC)))
def test_every_module_says_what_it_is_for_and_stays_small(path):
    import ast

    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 350, f"{path} has {len(lines)} lines"
    assert ast.get_docstring(ast.parse("\n".join(lines))), f"{path} has no docstring"
