"""`trim_heap` asks the C library to return freed memory, and is a no-op where it cannot."""

from __future__ import annotations

import ctypes
import ctypes.util

from axolotl_fast import memory


class FakeLibc:
    def __init__(self) -> None:
        self.calls: list[int] = []

    def malloc_trim(self, pad: int) -> int:
        self.calls.append(pad)
        return 1


def test_trim_heap_calls_malloc_trim_with_no_padding(monkeypatch):
    libc = FakeLibc()
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: "libc.so.6")
    monkeypatch.setattr(ctypes, "CDLL", lambda name: libc)
    memory.trim_heap()
    assert libc.calls == [0]


def test_trim_heap_without_a_c_library_or_malloc_trim_does_nothing(monkeypatch):
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    memory.trim_heap()
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: "libc.so.6")
    monkeypatch.setattr(ctypes, "CDLL", lambda name: object())  # no malloc_trim
    memory.trim_heap()


def test_trim_heap_runs_on_this_machine():
    memory.trim_heap()
