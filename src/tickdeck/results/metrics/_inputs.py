"""Validation of metric inputs: 1-D arrays checked once, with the argument named in errors.

Every public metric converts its arguments here before computing, so a bad
argument raises `InputError` naming it, and the computation sees only int64
timestamps and float64 values. Empty arrays are legitimate (a run with no
trades) and pass through; each metric documents what it returns for them.
"""

from __future__ import annotations

import math
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from tickdeck.core.errors import InputError

__all__ = [
    "F64",
    "I64",
    "equity_curve",
    "equity_values",
    "integer_scalar",
    "nonnegative_values",
    "positive_scalar",
    "same_length",
    "sides",
    "sorted_timestamps",
    "timestamps",
    "values",
]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

_INT64_MAX: Final = np.iinfo(np.int64).max


def _one_dimensional(name: str, array: npt.NDArray[Any]) -> None:
    if array.ndim != 1:
        raise InputError(name, f"an array of shape {array.shape}", "a 1-D array")


def timestamps(name: str, data: npt.ArrayLike) -> I64:
    """`data` as int64 nanoseconds; any integer dtype is accepted, floats are not."""
    array = np.asarray(data)
    _one_dimensional(name, array)
    if array.size == 0:
        return np.empty(0, np.int64)
    if array.dtype.kind not in "iu":
        raise InputError(
            name,
            f"an array of dtype {array.dtype}",
            "int64 nanoseconds since the epoch (UTC)",
            hint="convert times with tickdeck.core.parse_timestamp",
        )
    if array.dtype.kind == "u" and int(array.max()) > _INT64_MAX:
        raise InputError(name, int(array.max()), "a time that fits in int64 nanoseconds")
    return array.astype(np.int64, copy=False)


def sorted_timestamps(name: str, data: npt.ArrayLike) -> I64:
    """`timestamps`, also required to be non-decreasing (equal times are allowed)."""
    ts = timestamps(name, data)
    # Compare neighbours rather than np.diff, which could wrap around on int64.
    backwards = np.flatnonzero(ts[1:] < ts[:-1])
    if backwards.size:
        i = int(backwards[0]) + 1
        raise InputError(
            name,
            f"{name}[{i}] = {int(ts[i])} before {name}[{i - 1}] = {int(ts[i - 1])}",
            "non-decreasing timestamps",
            hint="sort the rows by time",
        )
    return ts


def values(name: str, data: npt.ArrayLike, *, allow_nan: bool = False) -> F64:
    """`data` as float64; infinities are always rejected, NaN only unless `allow_nan`."""
    array = np.asarray(data)
    _one_dimensional(name, array)
    if array.size == 0:
        return np.empty(0, np.float64)
    if array.dtype.kind not in "fiu":
        raise InputError(name, f"an array of dtype {array.dtype}", "an array of real numbers")
    out = array.astype(np.float64, copy=False)
    bad = np.isinf(out) if allow_nan else ~np.isfinite(out)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        expected = "finite numbers or NaN" if allow_nan else "finite numbers"
        raise InputError(name, f"{name}[{i}] = {out[i]}", expected)
    return out


def nonnegative_values(name: str, data: npt.ArrayLike) -> F64:
    """`values`, also required to be >= 0."""
    out = values(name, data)
    negative = np.flatnonzero(out < 0)
    if negative.size:
        i = int(negative[0])
        raise InputError(name, f"{name}[{i}] = {out[i]}", "values >= 0")
    return out


def sides(name: str, data: npt.ArrayLike) -> F64:
    """Order sides as +1.0 (buy) and -1.0 (sell), the values of `tickdeck.core.Side`."""
    array = np.asarray(data)
    _one_dimensional(name, array)
    if array.size == 0:
        return np.empty(0, np.float64)
    if array.dtype.kind not in "iu":
        raise InputError(name, f"an array of dtype {array.dtype}", "integer sides +1 or -1")
    wrong = np.flatnonzero((array != 1) & (array != -1))
    if wrong.size:
        i = int(wrong[0])
        raise InputError(
            name, f"{name}[{i}] = {int(array[i])}", "+1 (buy) or -1 (sell)", hint="use Side values"
        )
    return array.astype(np.float64)


def same_length(**arrays: npt.NDArray[Any]) -> None:
    """Raise naming the first array whose length differs from the first one's."""
    items = list(arrays.items())
    first_name, first = items[0]
    for name, array in items[1:]:
        if array.size != first.size:
            raise InputError(
                name, f"length {array.size}", f"the length of {first_name} ({first.size})"
            )


def positive_scalar(name: str, value: float) -> float:
    """A finite number > 0, as a float."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InputError(name, value, "a positive number")
    out = float(value)
    if not math.isfinite(out) or out <= 0:
        raise InputError(name, value, "a finite number > 0")
    return out


def integer_scalar(name: str, value: int, *, minimum: int | None = None) -> int:
    """An integer (a time or a duration in ns), at least `minimum` if given."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InputError(name, value, "an integer number of nanoseconds")
    out = int(value)
    if minimum is not None and out < minimum:
        raise InputError(name, value, f"an integer >= {minimum}")
    return out


def equity_curve(ts_ns: npt.ArrayLike, equity: npt.ArrayLike) -> tuple[I64, F64]:
    """A validated equity curve: sorted times, `equity_values`, equal lengths."""
    ts = sorted_timestamps("ts_ns", ts_ns)
    eq = equity_values(equity)
    same_length(ts_ns=ts, equity=eq)
    return ts, eq


def equity_values(equity: npt.ArrayLike) -> F64:
    """Finite equity values with a positive start.

    Later values may be zero or negative (a ruined account); only the start has
    to be positive, because every return is relative to it.
    """
    eq = values("equity", equity)
    if eq.size and eq[0] <= 0:
        raise InputError(
            "equity",
            f"equity[0] = {eq[0]}",
            "a positive starting equity",
            hint="returns are relative to the first value",
        )
    return eq
