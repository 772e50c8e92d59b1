"""Volatility: rolling standard deviation, z-score, Bollinger bands and ATR.

Over a window of n values x[t-n+1..t], with ``mean = sum(x) / n`` (the SMA,
bit for bit):

- ``variance = sum((x - mean) ** 2) / (n - ddof)``; ``std = sqrt(variance)``.
  `RollingStd` and `ZScore` take ``ddof`` (default 0: the population
  deviation; pandas' ``rolling().std()`` defaults to 1, the sample deviation).
- ``zscore = (x[t] - mean) / std``, NaN when ``std == 0`` (a flat window).
- Bollinger bands use the population deviation (ddof 0), as Bollinger
  defines them: ``middle = mean``, ``upper/lower = mean ± k * std``.
- All three are undefined (NaN) for the first n - 1 values.

The variance is kept by a sliding Welford update (no sum of squares, which
would cancel catastrophically for prices far from zero) and refreshed by an
exact two-pass computation every n updates, so rounding never accumulates for
longer than a window. A window of n equal values has exactly std 0.

ATR(n), Wilder's average true range over bars (high, low, close):
``TR[0] = high - low``, ``TR[t] = max(high - low, |high - close[t-1]|,
|low - close[t-1]|)``, then Wilder's average (``alpha = 1 / n``) seeded with
the mean of the first n true ranges: defined from index n - 1. ATR is in
price units, per bar; nothing is annualised.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from tickdeck.core.errors import InputError
from tickdeck.strategy.indicators import _kernels
from tickdeck.strategy.indicators._inputs import (
    not_finite,
    positive_parameter,
    same_length,
    series,
    window_parameter,
)
from tickdeck.strategy.indicators._ring import squared_deviations, window_sum

__all__ = [
    "ATR",
    "BandsArrays",
    "BandsValue",
    "BollingerBands",
    "RollingStd",
    "ZScore",
    "atr",
    "bollinger_bands",
    "rolling_std",
    "zscore",
]

_F64 = npt.NDArray[np.float64]
_NAN = math.nan
_INF = math.inf
_sqrt = math.sqrt


def _moment_parameters(window: object, ddof: object) -> tuple[int, int]:
    n = window_parameter("window", window)
    d = window_parameter("ddof", ddof, minimum=0)
    if n <= d:
        raise InputError("window", n, f"more than ddof={d} updates")
    return n, d


class _RollingMoments:
    """Rolling mean and variance; the public classes read them after `_push`."""

    __slots__ = (
        "_buffer",
        "_ddof",
        "_filled",
        "_last",
        "_m2",
        "_mean",
        "_position",
        "_run",
        "_total",
        "_window",
    )

    def __init__(self, window: int, ddof: int) -> None:
        self._window, self._ddof = _moment_parameters(window, ddof)
        self._reset_moments()

    @property
    def window(self) -> int:
        """The number of values in the window."""
        return self._window

    @property
    def ready(self) -> bool:
        """Whether warm-up is over: `window` values were seen since the last reset."""
        return self._filled

    def _reset_moments(self) -> None:
        self._buffer = [0.0] * self._window
        self._position = 0
        self._total = 0.0
        self._m2 = 0.0
        self._mean = _NAN
        self._last = _NAN
        self._run = 0
        self._filled = False

    def _push(self, value: float) -> float:
        """Add a value; set ``_mean`` and return the variance (both NaN during warm-up)."""
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
            self._total = total = window_sum(buffer)
            self._m2 = squared_deviations(buffer, total / n)
        elif self._filled:
            total = self._total
            old_mean = total / n
            total = total + (value - old)
            mean = total / n
            m2 = self._m2 + (value - old) * ((value - mean) + (old - old_mean))
            if m2 < 0.0:  # rounding can dip a near-zero sum of squares below 0
                m2 = 0.0
            self._total = total
            self._m2 = m2
        self._position = position
        if not self._filled:
            return _NAN
        if self._run >= n:
            self._mean = value
            return 0.0
        self._mean = self._total / n
        return self._m2 / (n - self._ddof)


class RollingStd(_RollingMoments):
    """Standard deviation of the last `window` values (divisor ``window - ddof``)."""

    __slots__ = ("value",)

    def __init__(self, window: int, *, ddof: int = 0) -> None:
        super().__init__(window, ddof)
        self.value = _NAN

    def reset(self) -> None:
        """Forget every value, as if just created."""
        self._reset_moments()
        self.value = _NAN

    def update(self, value: float) -> float:
        """Add a finite value; return the deviation, NaN during warm-up."""
        std = _sqrt(self._push(value))
        self.value = std
        return std

    def __repr__(self) -> str:
        return f"RollingStd(window={self._window}, ddof={self._ddof})"


class ZScore(_RollingMoments):
    """How many deviations the newest value lies from the mean of the last `window`."""

    __slots__ = ("value",)

    def __init__(self, window: int, *, ddof: int = 0) -> None:
        super().__init__(window, ddof)
        self.value = _NAN

    def reset(self) -> None:
        """Forget every value, as if just created."""
        self._reset_moments()
        self.value = _NAN

    def update(self, value: float) -> float:
        """Add a finite value; return its z-score, NaN during warm-up or on a flat window."""
        std = _sqrt(self._push(value))
        z = (value - self._mean) / std if std > 0.0 else _NAN
        self.value = z
        return z

    def __repr__(self) -> str:
        return f"ZScore(window={self._window}, ddof={self._ddof})"


class BandsValue(NamedTuple):
    """One Bollinger reading; NaN during warm-up."""

    middle: float
    upper: float
    lower: float


class BandsArrays(NamedTuple):
    """Bollinger bands over a whole series, one entry per value; NaN during warm-up."""

    middle: _F64
    upper: _F64
    lower: _F64


class BollingerBands(_RollingMoments):
    """The SMA of the last `window` values, and bands `k` population deviations around it."""

    __slots__ = ("_k", "value")

    def __init__(self, window: int = 20, *, k: float = 2.0) -> None:
        super().__init__(window, 0)
        self._k = positive_parameter("k", k)
        self.value = BandsValue(_NAN, _NAN, _NAN)

    @property
    def k(self) -> float:
        """The bands' distance from the middle, in standard deviations."""
        return self._k

    def reset(self) -> None:
        """Forget every value, as if just created."""
        self._reset_moments()
        self.value = BandsValue(_NAN, _NAN, _NAN)

    def update(self, value: float) -> BandsValue:
        """Add a finite value; return middle, upper and lower band (NaN during warm-up)."""
        width = self._k * _sqrt(self._push(value))
        middle = self._mean
        bands = BandsValue(middle, middle + width, middle - width)
        self.value = bands
        return bands

    def __repr__(self) -> str:
        return f"BollingerBands(window={self._window}, k={self._k})"


class ATR:
    """Wilder's average true range of bars; `update` takes the bar's high, low and close."""

    __slots__ = ("_alpha", "_average", "_count", "_previous_close", "_total", "_window", "value")

    def __init__(self, window: int = 14) -> None:
        self._window = window_parameter("window", window)
        self._alpha = 1.0 / self._window
        self.reset()

    @property
    def window(self) -> int:
        """The number of bars averaged (Wilder's n)."""
        return self._window

    @property
    def ready(self) -> bool:
        """Whether warm-up is over: `window` bars were seen since the last reset."""
        return self._count >= self._window

    def reset(self) -> None:
        """Forget every bar, as if just created."""
        self._count = 0
        self._total = 0.0
        self._previous_close = _NAN
        self._average = _NAN  # the state, kept apart from the public `value`
        self.value = _NAN

    def update(self, high: float, low: float, close: float) -> float:
        """Add a bar (finite, ``high >= low``); return the ATR, NaN during warm-up."""
        true_range = high - low
        if not 0.0 <= true_range < _INF or close - close != 0.0:
            raise _bad_bar(high, low, close)
        if self._count > 0:
            previous = self._previous_close
            up = abs(high - previous)
            down = abs(low - previous)
            if up > true_range:
                true_range = up
            if down > true_range:
                true_range = down
        self._previous_close = close
        if self._count >= self._window:
            atr = self._average + self._alpha * (true_range - self._average)
        else:
            self._count += 1
            self._total += true_range
            if self._count < self._window:
                return _NAN
            atr = self._total / self._window
        self._average = atr
        self.value = atr
        return atr

    def __repr__(self) -> str:
        return f"ATR(window={self._window})"


def _bad_bar(high: float, low: float, close: float) -> InputError:
    for name, number in (("high", high), ("low", low), ("close", close)):
        if not math.isfinite(number):
            return not_finite(name, number)
    return InputError("low", low, f"at most high={high}")


def rolling_std(values: npt.ArrayLike, window: int, *, ddof: int = 0) -> _F64:
    """The `RollingStd` after every value: NaN for the first ``window - 1``."""
    n, d = _moment_parameters(window, ddof)
    x = series("values", values)
    mean = np.empty(x.shape[0], np.float64)
    variance = np.empty(x.shape[0], np.float64)
    _kernels.rolling_moments(x, n, d, mean, variance)
    return np.sqrt(variance)


def zscore(values: npt.ArrayLike, window: int, *, ddof: int = 0) -> _F64:
    """The `ZScore` of every value: NaN for the first ``window - 1`` and on flat windows."""
    n, d = _moment_parameters(window, ddof)
    x = series("values", values)
    mean = np.empty(x.shape[0], np.float64)
    variance = np.empty(x.shape[0], np.float64)
    _kernels.rolling_moments(x, n, d, mean, variance)
    std = np.sqrt(variance)
    out = np.full(x.shape[0], _NAN)
    np.divide(x - mean, std, out=out, where=std > 0.0)
    return out


def bollinger_bands(values: npt.ArrayLike, window: int = 20, *, k: float = 2.0) -> BandsArrays:
    """The `BollingerBands` after every value: NaN for the first ``window - 1``."""
    n = window_parameter("window", window)
    width_k = positive_parameter("k", k)
    x = series("values", values)
    middle = np.empty(x.shape[0], np.float64)
    variance = np.empty(x.shape[0], np.float64)
    _kernels.rolling_moments(x, n, 0, middle, variance)
    width = width_k * np.sqrt(variance)
    return BandsArrays(middle, middle + width, middle - width)


def atr(highs: npt.ArrayLike, lows: npt.ArrayLike, closes: npt.ArrayLike, window: int = 14) -> _F64:
    """The `ATR` after every bar: NaN for the first ``window - 1``."""
    n = window_parameter("window", window)
    high = series("highs", highs)
    low = series("lows", lows)
    close = series("closes", closes)
    same_length(("highs", "lows", "closes"), high, low, close)
    inverted = low > high
    if inverted.any():
        index = int(np.argmax(inverted))
        raise InputError(
            f"lows[{index}]", float(low[index]), f"at most highs[{index}]={high[index]}"
        )
    out = np.empty(high.shape[0], np.float64)
    _kernels.atr(high, low, close, n, 1.0 / n, out)
    return out
