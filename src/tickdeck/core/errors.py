"""The error hierarchy: every failure tickdeck raises says whose fault it is.

- `InputError`: the caller asked for something invalid (a flag, a parameter, a
  config field). It names the field, the value, what was expected and a hint.
- `DataError`: a file or message is malformed. It names the source, the line or
  record, and the column or field.
- `InvariantError`: tickdeck itself is broken. Seeing one is a bug report.

Order rejections are not errors: they are records with a reason.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["DataError", "InputError", "InvariantError", "TickdeckError", "suggest"]


class TickdeckError(Exception):
    """Root of every error tickdeck raises on purpose."""


class InputError(TickdeckError, ValueError):
    """The caller's mistake: an invalid argument, flag or configuration field."""

    def __init__(
        self,
        field: str,
        value: object,
        expected: str,
        *,
        hint: str | None = None,
    ) -> None:
        self.field = field
        self.value = value
        self.expected = expected
        self.hint = hint
        message = f"{field}: got {value!r}, expected {expected}"
        if hint:
            message += f" ({hint})"
        super().__init__(message)


class DataError(TickdeckError, ValueError):
    """Malformed input data, located as precisely as the format allows.

    `line` is 1-based and counts the header, as an editor would show it;
    `record` is a 0-based record index for binary formats.
    """

    def __init__(
        self,
        source: str,
        problem: str,
        *,
        line: int | None = None,
        record: int | None = None,
        field: str | None = None,
        value: object = None,
    ) -> None:
        self.source = source
        self.problem = problem
        self.line = line
        self.record = record
        self.field = field
        self.value = value
        where = source
        if line is not None:
            where += f", line {line}"
        if record is not None:
            where += f", record {record}"
        if field is not None:
            where += f", field {field!r}"
        message = f"{where}: {problem}"
        if value is not None:
            message += f" (value {value!r})"
        super().__init__(message)


class InvariantError(TickdeckError, RuntimeError):
    """An internal invariant does not hold: a bug in tickdeck, please report it."""


def suggest(value: str, choices: Iterable[str]) -> str | None:
    """The closest of `choices` to a misspelt `value`, phrased as a hint, if any is close."""
    options = list(choices)
    close = difflib.get_close_matches(value, options, n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    if options and len(options) <= 12:
        return "choose one of " + ", ".join(repr(o) for o in sorted(options))
    return None
