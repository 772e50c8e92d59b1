"""Parsing and printing of times at the edges; inside, time is int64 ns UTC."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pandas as pd

from tickdeck.core.errors import InputError

__all__ = ["format_timestamp", "parse_duration", "parse_timestamp"]

_UNITS_NS = {
    "ns": 1,
    "us": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "min": 60_000_000_000,
    "h": 3_600_000_000_000,
    "d": 86_400_000_000_000,
}
_ISO = re.compile(
    r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?$"
)
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$")


def parse_duration(text: str | int, *, field: str = "duration") -> int:
    """Parse ``500ms``, ``1s``, ``5m``, ``1h``, ``1d`` (or an int of ns) into ns."""
    if isinstance(text, int) and not isinstance(text, bool):
        if text <= 0:
            raise InputError(field, text, "a positive duration")
        return text
    match = _DURATION.match(str(text).lower())
    if not match or match.group(2) not in _UNITS_NS:
        raise InputError(field, text, "a duration such as 500ms, 1s, 5m, 1h or 1d")
    value = float(match.group(1)) * _UNITS_NS[match.group(2)]
    if value < 1 or value != int(value):
        raise InputError(field, text, "a positive whole number of nanoseconds")
    return int(value)


def parse_timestamp(value: str | int | datetime | pd.Timestamp, *, field: str = "time") -> int:
    """Parse a time into int64 ns UTC.

    Accepts ints or digit strings (ns since the epoch), ISO 8601 strings with
    or without a zone (naive means UTC), dates (``2024-01-02``), and aware or
    naive datetimes. Relative words (``now``, ``today``) and locale-dependent
    forms (``01/02/2024``) are refused: a run must mean the same thing tomorrow.
    """
    if isinstance(value, bool):
        raise InputError(field, value, "a timestamp")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"-?\d+", text):
            return int(text)
        if not _ISO.match(text):
            raise InputError(
                field, value, "an ISO 8601 time such as 2024-01-02T09:30:00Z, or epoch ns"
            )
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise InputError(field, value, "an ISO 8601 time such as 2024-01-02T09:30:00Z") from None
    if pd.isna(stamp):
        raise InputError(field, value, "a timestamp, not NaT")
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return int(stamp.value)


def format_timestamp(ns: int) -> str:
    """Print ns UTC as ISO 8601 with nanoseconds trimmed to what is needed."""
    seconds, rest = divmod(int(ns), 1_000_000_000)
    base = datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
    if rest:
        base += ("." + f"{rest:09d}").rstrip("0")
    return base + "Z"
