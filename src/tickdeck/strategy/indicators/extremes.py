"""Rolling extremes: the highest and lowest of the last n values.

Both keep a monotonic deque of the candidates: for the maximum, values
strictly decreasing from front (the current maximum) to back. A new value
first evicts from the back every value it equals or exceeds (they can never
be the maximum again while it is in the window), then the front leaves once
it is older than the window. Each value enters and leaves the deque once, so
an update costs O(1) amortized and the deque holds at most n values.

Undefined (NaN) for the first n - 1 values. The result is always one of the
inputs, so the incremental and array faces agree exactly.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np
import numpy.typing as npt

from tickdeck.strategy.indicators import _kernels
from tickdeck.strategy.indicators._inputs import not_finite, series, window_parameter

__all__ = ["RollingMax", "RollingMin", "rolling_max", "rolling_min"]

_F64 = npt.NDArray[np.float64]
_NAN = math.nan


class _RollingExtreme:
    __slots__ = ("_count", "_indices", "_values", "_window", "value")

    def __init__(self, window: int) -> None:
        self._window = window_parameter("window", window)
        self.reset()

    @property
    def window(self) -> int:
        """The number of values looked back over."""
        return self._window

    @property
    def ready(self) -> bool:
        """Whether warm-up is over: `window` values were seen since the last reset."""
        return self._count >= self._window

    def reset(self) -> None:
        """Forget every value, as if just created."""
        self._count = 0
        self._indices: deque[int] = deque()
        self._values: deque[float] = deque()
        self.value = _NAN

    def _finish(self, value: float) -> float:
        """Append `value`, expire the front if it left the window, return the extreme."""
        count = self._count
        self._values.append(value)
        self._indices.append(count)
        if self._indices[0] <= count - self._window:
            self._indices.popleft()
            self._values.popleft()
        count += 1
        self._count = count
        if count < self._window:
            return _NAN
        extreme = self._values[0]
        self.value = extreme
        return extreme

    def __repr__(self) -> str:
        return f"{type(self).__name__}(window={self._window})"


class RollingMax(_RollingExtreme):
    """The highest of the last `window` values."""

    __slots__ = ()

    def update(self, value: float) -> float:
        """Add a finite value; return the maximum, NaN during warm-up."""
        if value - value != 0.0:
            raise not_finite("value", value)
        values = self._values
        while values and values[-1] <= value:
            values.pop()
            self._indices.pop()
        return self._finish(value)


class RollingMin(_RollingExtreme):
    """The lowest of the last `window` values."""

    __slots__ = ()

    def update(self, value: float) -> float:
        """Add a finite value; return the minimum, NaN during warm-up."""
        if value - value != 0.0:
            raise not_finite("value", value)
        values = self._values
        while values and values[-1] >= value:
            values.pop()
            self._indices.pop()
        return self._finish(value)


def rolling_max(values: npt.ArrayLike, window: int) -> _F64:
    """The `RollingMax` after every value: NaN for the first ``window - 1``."""
    n = window_parameter("window", window)
    x = series("values", values)
    out = np.empty(x.shape[0], np.float64)
    _kernels.rolling_extreme(x, n, True, out)
    return out


def rolling_min(values: npt.ArrayLike, window: int) -> _F64:
    """The `RollingMin` after every value: NaN for the first ``window - 1``."""
    n = window_parameter("window", window)
    x = series("values", values)
    out = np.empty(x.shape[0], np.float64)
    _kernels.rolling_extreme(x, n, False, out)
    return out
