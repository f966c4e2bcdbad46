"""Exceptions raised by axolotl_fast.

Everything axolotl_fast raises on purpose is either a builtin that says what went wrong
(``FileNotFoundError``, ``PermissionError``, ``OSError``, ``KeyboardInterrupt``) or a subclass
of :class:`AxolotlFastError`. Most subclasses are also a ``ValueError``, so code that already
catches ``ValueError`` for bad data keeps working. The Rust core builds these classes by name
(``rust/src/py/error.rs``), so renaming one is a breaking change on both sides.
"""

from __future__ import annotations

__all__ = [
    "AxolotlFastError",
    "ConfigError",
    "CorruptFileError",
    "DataFormatError",
    "InternalError",
    "InvalidArgumentError",
    "SequenceTooLongError",
]


class AxolotlFastError(Exception):
    """Base class of every axolotl_fast exception."""


class DataFormatError(AxolotlFastError, ValueError):
    """The input is not valid for its format.

    Attributes:
        path: The file, when the data came from one.
        line: 1-based line number in a text format, when known.
        row: 0-based row index in the file, when known.
        byte_offset: Byte offset in the decompressed stream, when known.
        reason: What is wrong, without the location.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        row: int | None = None,
        byte_offset: int | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(message)
        self.path = path
        self.line = line
        self.row = row
        self.byte_offset = byte_offset
        self.reason = reason if reason is not None else message


class InvalidArgumentError(AxolotlFastError, ValueError):
    """An argument has a value the operation cannot accept.

    Attributes:
        name: The argument's name.
    """

    def __init__(self, message: str, *, name: str | None = None) -> None:
        super().__init__(message)
        self.name = name

    @classmethod
    def for_value(cls, name: str, reason: str) -> InvalidArgumentError:
        """The error for argument ``name``, in the one format Rust and Python share.

        The message reads ``invalid value for `name`: reason``.
        """
        return cls(f"invalid value for `{name}`: {reason}", name=name)


class CorruptFileError(AxolotlFastError, ValueError):
    """A file axolotl_fast wrote (a saved hash set, a cache manifest) is damaged or foreign.

    Attributes:
        path: The file.
    """

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class SequenceTooLongError(AxolotlFastError, ValueError):
    """A sample is longer than the limit and the policy is to raise.

    Attributes:
        index: Index of the sample in its input.
        length: Its length in tokens.
        max_length: The limit.
    """

    def __init__(
        self,
        message: str,
        *,
        index: int | None = None,
        length: int | None = None,
        max_length: int | None = None,
    ) -> None:
        super().__init__(message)
        self.index = index
        self.length = length
        self.max_length = max_length


class ConfigError(AxolotlFastError, ValueError):
    """The ``axolotl_fast`` part of an Axolotl config is wrong.

    Attributes:
        key: The offending key, as written in the config.
        valid_keys: The keys that are accepted there.
    """

    def __init__(
        self, message: str, *, key: str | None = None, valid_keys: tuple[str, ...] = ()
    ) -> None:
        super().__init__(message)
        self.key = key
        self.valid_keys = valid_keys


class InternalError(AxolotlFastError):
    """A bug in axolotl_fast (for example a Rust worker that panicked); please report it."""
