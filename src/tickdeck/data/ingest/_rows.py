"""Where each row of a column came from, and how to find the first bad one.

Columns are converted whole, in Arrow and numpy. When a conversion fails, the
helpers here find the first row that makes it fail, cheaply (a mask's first
true entry, or a bisection over slices), and `RowOrigins` turns that position
into a `DataError` naming the file, the line or record, the field and the value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from tickdeck.core import DataError

__all__ = ["RowError", "RowOrigins", "at_first_failure", "first_failure", "first_true"]

T = TypeVar("T")


@dataclass(frozen=True)
class RowOrigins:
    """Where each row of a column came from, so that errors can point back to it."""

    source: str
    numbers: npt.NDArray[np.int64]
    unit: Literal["line", "record"] = "line"

    def error(
        self, index: int, problem: str, *, field: str | None = None, value: object = None
    ) -> DataError:
        """A `DataError` located at row `index` (0-based position in the column)."""
        where = int(self.numbers[index]) if len(self.numbers) else None
        if self.unit == "line":
            return DataError(self.source, problem, line=where, field=field, value=value)
        return DataError(self.source, problem, record=where, field=field, value=value)


class RowError(Exception):
    """A bad value at a position of the column being parsed."""

    def __init__(self, index: int, problem: str) -> None:
        super().__init__(problem)
        self.index = index
        self.problem = problem


def first_true(mask: pa.Array[Any] | pa.ChunkedArray[Any] | npt.NDArray[np.bool_]) -> int:
    array = mask if isinstance(mask, np.ndarray) else mask.to_numpy(zero_copy_only=False)
    return int(np.argmax(array))


def first_failure(length: int, attempt: Callable[[int, int], object]) -> int | None:
    """The first index whose row makes `attempt(lo, hi)` raise `ArrowInvalid`, by bisection.

    `attempt` must fail on a range exactly when it fails on one of its rows; the
    search then costs about two passes over the column.
    """
    lo, hi = 0, length
    try:
        attempt(lo, hi)
        return None
    except pa.ArrowInvalid:
        pass
    while hi - lo > 1:
        mid = (lo + hi) // 2
        try:
            attempt(lo, mid)
        except pa.ArrowInvalid:
            hi = mid
            continue
        lo = mid
    return lo


def at_first_failure(
    column: pa.Array[Any], convert: Callable[[pa.Array[Any]], T], problem: str
) -> T:
    """`convert(column)`; if Arrow rejects a value, raise `RowError` at the first bad row."""
    try:
        return convert(column)
    except pa.ArrowInvalid:
        index = first_failure(len(column), lambda lo, hi: convert(column.slice(lo, hi - lo)))
        raise RowError(index if index is not None else 0, problem) from None
