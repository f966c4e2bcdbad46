"""The core library: build info, the exception mapping, fork safety, no axolotl needed."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

import axolotl_fast
from axolotl_fast import _core
from axolotl_fast.errors import (
    AxolotlFastError,
    CorruptFileError,
    DataFormatError,
    InternalError,
    InvalidArgumentError,
    SequenceTooLongError,
)


def test_build_info_describes_the_extension():
    info = axolotl_fast.build_info()
    assert set(info) == {
        "version",
        "features",
        "num_threads",
        "parallelism_enabled",
        "profile",
        "target",
    }
    assert info["version"] == axolotl_fast.__version__
    assert "python" in info["features"] and "parquet" in info["features"]
    assert info["features"] == sorted(info["features"])
    assert info["num_threads"] >= 1
    assert info["profile"] in {"debug", "release"}


def test_thread_count_follows_the_environment_variable():
    code = "import axolotl_fast; print(axolotl_fast.build_info()['num_threads'])"
    env = {**os.environ, "AXOLOTL_FAST_NUM_THREADS": "3"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "3"


@pytest.mark.parametrize("value", ["0", "-2", "four", ""])
def test_invalid_thread_count_is_an_error_not_a_silent_default(value):
    code = textwrap.dedent(
        """
        import axolotl_fast
        try:
            axolotl_fast.build_info()
        except axolotl_fast.InvalidArgumentError as err:
            print(err.name, "|", err)
        """
    )
    env = {**os.environ, "AXOLOTL_FAST_NUM_THREADS": value}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr  # importing still works
    assert out.stdout.startswith("AXOLOTL_FAST_NUM_THREADS | ")
    assert "expected a positive integer" in out.stdout


def test_version_matches_the_installed_distribution():
    from importlib.metadata import version

    assert version("axolotl_fast") == axolotl_fast.__version__


@pytest.mark.parametrize(
    ("kind", "exc_type", "attrs"),
    [
        (
            "data_format",
            DataFormatError,
            {
                "path": "data/train.jsonl",
                "line": 3,
                "row": 2,
                "byte_offset": 41,
                "reason": "expected value",
            },
        ),
        ("invalid_argument", InvalidArgumentError, {"name": "batch_size"}),
        ("corrupt_file", CorruptFileError, {"path": "data/train.jsonl"}),
        (
            "sequence_too_long",
            SequenceTooLongError,
            {"index": 3, "length": 5000, "max_length": 4096},
        ),
    ],
)
def test_core_errors_become_typed_value_errors(kind, exc_type, attrs):
    with pytest.raises(exc_type) as caught:
        _core._raise_core_error(kind)
    assert isinstance(caught.value, AxolotlFastError)
    assert isinstance(caught.value, ValueError)
    for name, expected in attrs.items():
        assert getattr(caught.value, name) == expected


def test_data_format_message_names_file_line_and_reason():
    with pytest.raises(
        DataFormatError,
        match=r"data/train.jsonl, line 3, row 2, byte 41: "
        r"expected value",
    ):
        _core._raise_core_error("data_format")


@pytest.mark.parametrize(
    ("kind", "exc_type", "errno"),
    [
        ("not_found", FileNotFoundError, 2),
        ("permission_denied", PermissionError, 13),
        ("io", IsADirectoryError, 21),
    ],
)
def test_io_errors_become_builtin_os_errors_with_the_filename(kind, exc_type, errno):
    with pytest.raises(exc_type) as caught:
        _core._raise_core_error(kind)
    assert caught.value.errno == errno
    assert caught.value.filename == "data/train.jsonl"
    assert " (os error " not in str(caught.value)  # Python prints the errno itself


def test_internal_errors_are_ours_but_not_value_errors():
    with pytest.raises(InternalError, match="please report it") as caught:
        _core._raise_core_error("internal")
    assert not isinstance(caught.value, ValueError)


def test_interruption_becomes_keyboard_interrupt():
    with pytest.raises(KeyboardInterrupt):
        _core._raise_core_error("interrupted")


def test_unknown_error_kind_is_a_plain_value_error():
    with pytest.raises(
        ValueError, match="invalid value for `kind`: unknown value 'nope'"
    ):
        _core._raise_core_error("nope")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_can_still_use_the_core():
    # Fork from a fresh single-threaded interpreter: pytest's process may hold torch threads.
    # The child of a process whose pool has run must compute serially, on one thread.
    code = textwrap.dedent(
        """
        import os
        import axolotl_fast
        from axolotl_fast import _core
        assert axolotl_fast.build_info()["parallelism_enabled"]
        _core._mark_pool_used()
        pid = os.fork()
        if pid == 0:
            info = axolotl_fast.build_info()
            ok = not info["parallelism_enabled"] and info["num_threads"] == 1
            os._exit(0 if ok else 3)
        _, status = os.waitpid(pid, 0)
        assert axolotl_fast.build_info()["parallelism_enabled"], "the parent keeps its pool"
        raise SystemExit(os.waitstatus_to_exitcode(status))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


def test_core_imports_without_axolotl_and_plugin_says_what_to_install():
    # `sys.modules["axolotl"] = None` makes `import axolotl` fail as if it were missing.
    code = textwrap.dedent(
        """
        import sys
        sys.modules["axolotl"] = None
        import axolotl_fast
        assert axolotl_fast.build_info()["version"] == axolotl_fast.__version__
        assert "pydantic" not in sys.modules, "the core must not import pydantic eagerly"
        try:
            axolotl_fast.FastPlugin
        except ImportError as err:
            print(err)
        else:
            raise SystemExit("FastPlugin imported without axolotl")
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "pip install 'axolotl==0.21.0'" in out.stdout
    assert "works without it" in out.stdout


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no_such_thing"):
        axolotl_fast.no_such_thing  # noqa: B018


def test_a_broken_axolotl_dependency_is_not_reported_as_missing_axolotl(tmp_path):
    # An importable axolotl whose own import fails (say a broken torch) must surface that
    # error, not a misleading "pip install axolotl".
    fake = tmp_path / "axolotl"
    fake.mkdir()
    (fake / "__init__.py").write_text("import torch_that_is_broken_xyz\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", "import axolotl_fast.plugin"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode != 0
    assert "No module named 'torch_that_is_broken_xyz'" in out.stderr
    assert "pip install" not in out.stderr
