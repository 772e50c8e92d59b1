"""Validation shared by every indicator: parameters, input arrays, rejected updates.

Parameters are checked once, in constructors and array functions, and a bad
one raises `InputError` naming it. Inputs follow one policy across the package:
**values must be finite**. NaN and ±inf are rejected with an `InputError`, by
the array functions for the whole array before any work is done, and by
``update`` before any state changes (a rejected update leaves the indicator as
it was). Only the crossover helpers accept NaN, because they usually compare
indicator outputs, which are NaN during warm-up.
"""

from __future__ import annotations

import math
from typing import Any, Final, TypeVar

import numpy as np
import numpy.typing as npt

from tickdeck.core.errors import InputError

_F64 = npt.NDArray[np.float64]
_I64 = npt.NDArray[np.int64]
_A = TypeVar("_A", bound=npt.NDArray[Any])

_NOT_FINITE_HINT: Final = (
    "indicators reject NaN and infinite inputs: drop or fill them first, "
    "and feed an indicator's output to another only once it is ready"
)


def window_parameter(name: str, value: object, *, minimum: int = 1) -> int:
    """`value` as an int of at least `minimum`; bools and floats (even 20.0) are refused."""
    if isinstance(value, int | np.integer) and not isinstance(value, bool) and value >= minimum:
        return int(value)
    raise InputError(name, value, f"a whole number of updates, at least {minimum}")


def positive_parameter(name: str, value: object) -> float:
    """`value` as a finite float greater than zero."""
    if (
        isinstance(value, int | float | np.integer | np.floating)
        and not isinstance(value, bool)
        and 0.0 < float(value) < math.inf
    ):
        return float(value)
    raise InputError(name, value, "a finite number greater than 0")


def not_finite(name: str, value: object) -> InputError:
    """The error an ``update`` raises for a NaN or infinite input."""
    return InputError(name, value, "a finite number", hint=_NOT_FINITE_HINT)


def negative_volume(name: str, value: object) -> InputError:
    """The error for a volume below zero."""
    return InputError(name, value, "a volume of 0 or more")


def series(
    name: str, values: npt.ArrayLike, *, non_negative: bool = False, finite: bool = True
) -> _F64:
    """A read-only, contiguous float64 view of a 1-d array whose values are all finite.

    No copy is made when `values` already is such an array. The view is
    read-only (the caller's array is not touched) so that every kernel sees one
    array type and is compiled once. ``finite=False`` skips the value checks.
    """
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(name, type(values).__name__, "a 1-d array of numbers") from exc
    if array.ndim != 1:
        raise InputError(name, f"an array of shape {array.shape}", "a 1-d array of numbers")
    array = np.ascontiguousarray(array)  # a strided view is copied once
    if not finite:
        return readonly(array)
    good = np.isfinite(array)
    if non_negative:
        good &= array >= 0.0
    if not good.all():
        index = int(np.argmin(good))
        bad = float(array[index])
        if non_negative and math.isfinite(bad):
            raise negative_volume(f"{name}[{index}]", bad)
        raise not_finite(f"{name}[{index}]", bad)
    return readonly(array)


def readonly(array: _A) -> _A:
    """A read-only view of `array` (the array itself keeps its flags)."""
    view = array.view()
    view.flags.writeable = False
    return view


def labels(name: str, values: npt.ArrayLike, length: int) -> _I64:
    """A read-only int64 view of a 1-d array of `length` integer labels."""
    array = np.asarray(values)
    if array.ndim != 1 or array.shape[0] != length:
        raise InputError(
            name, f"an array of shape {array.shape}", f"a 1-d array of {length} labels"
        )
    if array.dtype.kind not in "iu" and length > 0:
        raise InputError(
            name,
            f"an array of {array.dtype}",
            "integer labels",
            hint="e.g. the UTC day of each tick, ts_ns // 86_400_000_000_000",
        )
    return readonly(np.ascontiguousarray(array, dtype=np.int64))


def same_length(names: tuple[str, ...], *arrays: _F64) -> None:
    """Refuse arrays of different lengths, naming the first one that differs."""
    length = arrays[0].shape[0]
    for name, array in zip(names[1:], arrays[1:], strict=True):
        if array.shape[0] != length:
            raise InputError(
                name, f"{array.shape[0]} values", f"{length} values, as many as {names[0]}"
            )
