"""Moving averages: simple (SMA), exponential (EMA) and linearly weighted (WMA).

Each comes as an incremental object (``update(value) -> float``, constant
amortized time, O(window) memory at most) and as an array function; both give
bit-identical numbers (see `tickdeck.strategy.indicators._kernels`).

Formulas, for a window of n values x[t-n+1..t]:

- ``SMA = sum(x) / n``; undefined (NaN) for the first n - 1 values.
- ``WMA = sum(w_i * x_i) / (n (n + 1) / 2)`` with weights 1..n, the newest
  value weighing n; undefined for the first n - 1 values.
- ``EMA``: ``alpha = 2 / (n + 1)``, seeded with the SMA of the first n values
  at index n - 1, then ``ema += alpha * (x - ema)``; undefined before index
  n - 1. This is pandas ``ewm(span=n, adjust=False)`` run on the series whose
  first n values are replaced by their mean (the usual charting-package
  convention; with pandas' own seed, the first value alone, that value still
  weighs about e**-2, 13%, at index n - 1).

A window of n equal values gives exactly that value for SMA and WMA (as
pandas does), so two averages of a flat price compare equal instead of
differing by a rounding error, which would fake a crossover.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from tickdeck.strategy.indicators import _kernels
from tickdeck.strategy.indicators._inputs import not_finite, series, window_parameter
from tickdeck.strategy.indicators._ring import weighted_sum, window_sum

__all__ = ["EMA", "SMA", "WMA", "ema", "sma", "wma"]

_F64 = npt.NDArray[np.float64]
_NAN = math.nan


class SMA:
    """Simple moving average of the last `window` values.

    `value` is NaN until `window` values were seen; `ready` says when it is not.
    ``update(value)`` adds a finite value and returns the average (NaN during
    warm-up).
    """

    # `update` is a closure over local state rather than a method over slots: a
    # tick strategy calls it once per quote, and cell variables are about a third
    # cheaper to read and write than attributes.
    __slots__ = ("_read", "_window", "update")

    update: Callable[[float], float]
    _read: Callable[[], tuple[float, bool]]

    def __init__(self, window: int) -> None:
        self._window = window_parameter("window", window)
        self.reset()

    @property
    def window(self) -> int:
        """The number of values averaged."""
        return self._window

    @property
    def value(self) -> float:
        """The latest average; NaN during warm-up."""
        return self._read()[0]

    @property
    def ready(self) -> bool:
        """Whether warm-up is over: `window` values were seen since the last reset."""
        return self._read()[1]

    def reset(self) -> None:
        """Forget every value, as if just created."""
        self.update, self._read = _sma_state(self._window)

    def __repr__(self) -> str:
        return f"SMA(window={self._window})"


def _sma_state(window: int) -> tuple[Callable[[float], float], Callable[[], tuple[float, bool]]]:
    # Zeros stand for the values not seen yet: during warm-up the value
    # "leaving" the window is 0.0, which keeps `update` free of a branch.
    buffer = [0.0] * window
    position = 0
    total = 0.0
    last = _NAN
    run = 0  # how many of the latest values equal `last`
    filled = False
    mean = _NAN

    def update(value: float) -> float:
        nonlocal position, total, last, run, filled, mean
        if value - value != 0.0:  # NaN and ±inf, without a function call
            raise not_finite("value", value)
        old = buffer[position]
        buffer[position] = value
        if value == last:
            run += 1
        else:
            last = value
            run = 1
        position += 1
        if position == window:
            position = 0
            filled = True
            total = window_sum(buffer)  # drift reset, once per window
        else:
            total += value - old
        if not filled:
            return _NAN
        mean = value if run >= window else total / window
        return mean

    def read() -> tuple[float, bool]:
        return mean, filled

    return update, read


class WMA:
    """Linearly weighted moving average of the last `window` values, newest weighing most."""

    __slots__ = (
        "_buffer",
        "_divisor",
        "_filled",
        "_last",
        "_position",
        "_run",
        "_total",
        "_weighted",
        "_window",
        "value",
    )

    def __init__(self, window: int) -> None:
        self._window = window_parameter("window", window)
        self._divisor = self._window * (self._window + 1) / 2
        self.reset()

    @property
    def window(self) -> int:
        """The number of values averaged."""
        return self._window

    @property
    def ready(self) -> bool:
        """Whether warm-up is over: `window` values were seen since the last reset."""
        return self._filled

    def reset(self) -> None:
        """Forget every value, as if just created."""
        self._buffer = [0.0] * self._window
        self._position = 0
        self._total = 0.0
        self._weighted = 0.0
        self._last = _NAN
        self._run = 0
        self._filled = False
        self.value = _NAN

    def update(self, value: float) -> float:
        """Add a finite value; return the weighted average, NaN during warm-up."""
        if value - value != 0.0:
            raise not_finite("value", value)
        n = self._window
        buffer = self._buffer
        position = self._position
        old = buffer[position]
        buffer[position] = value
        if value == self._last:
            self._run += 1
        else:
            self._last = value
            self._run = 1
        position += 1
        if position == n:
            position = 0
            self._filled = True
            self._total = window_sum(buffer)
            self._weighted = weighted_sum(buffer)
        else:
            # Sliding the window lowers every weight by one, i.e. subtracts the
            # old total, and the new value enters with weight n.
            self._weighted = self._weighted + (n * value - self._total)
            self._total = self._total + (value - old)
        self._position = position
        if not self._filled:
            return _NAN
        mean = value if self._run >= n else self._weighted / self._divisor
        self.value = mean
        return mean

    def __repr__(self) -> str:
        return f"WMA(window={self._window})"


class EMA:
    """Exponential moving average, ``alpha = 2 / (window + 1)``, seeded with an SMA.

    Memory is O(1): only the seed's running sum and the average are kept.
    """

    __slots__ = ("_alpha", "_average", "_count", "_total", "_window", "value")

    def __init__(self, window: int) -> None:
        self._window = window_parameter("window", window)
        self._alpha = 2.0 / (self._window + 1)
        self.reset()

    @property
    def window(self) -> int:
        """The span n of the average: alpha = 2 / (n + 1)."""
        return self._window

    @property
    def alpha(self) -> float:
        """The weight of the newest value."""
        return self._alpha

    @property
    def ready(self) -> bool:
        """Whether warm-up is over: the SMA seed of the first `window` values is in."""
        return self._count >= self._window

    def reset(self) -> None:
        """Forget every value, as if just created."""
        self._count = 0
        self._total = 0.0
        self._average = _NAN  # the state, kept apart from the public `value`
        self.value = _NAN

    def update(self, value: float) -> float:
        """Add a finite value; return the average, NaN during warm-up."""
        if value - value != 0.0:
            raise not_finite("value", value)
        if self._count >= self._window:
            ema = self._average + self._alpha * (value - self._average)
        else:
            self._count += 1
            self._total += value
            if self._count < self._window:
                return _NAN
            ema = self._total / self._window
        self._average = ema
        self.value = ema
        return ema

    def __repr__(self) -> str:
        return f"EMA(window={self._window})"


def sma(values: npt.ArrayLike, window: int) -> _F64:
    """The `SMA` of every prefix of `values`: NaN for the first ``window - 1``."""
    n = window_parameter("window", window)
    x = series("values", values)
    out = np.empty(x.shape[0], np.float64)
    _kernels.sma(x, n, out)
    return out


def wma(values: npt.ArrayLike, window: int) -> _F64:
    """The `WMA` of every prefix of `values`: NaN for the first ``window - 1``."""
    n = window_parameter("window", window)
    x = series("values", values)
    out = np.empty(x.shape[0], np.float64)
    _kernels.wma(x, n, n * (n + 1) / 2, out)
    return out


def ema(values: npt.ArrayLike, window: int) -> _F64:
    """The `EMA` of every prefix of `values`: NaN for the first ``window - 1``."""
    n = window_parameter("window", window)
    x = series("values", values)
    out = np.empty(x.shape[0], np.float64)
    _kernels.seeded_average(x, n, 2.0 / (n + 1), out)
    return out
