"""Oscillators: Wilder's RSI and MACD.

RSI(n), on prices p[0..t] with changes d = p[i] - p[i-1]:

- gains ``max(d, 0)``, losses ``max(-d, 0)``; each is smoothed by Wilder's
  average, i.e. a recursive average with ``alpha = 1 / n``
  (``avg += (x - avg) / n`` in Wilder's words), seeded with the plain mean of
  the first n gains (losses);
- ``RSI = 100 * avg_gain / (avg_gain + avg_loss)``, the same number as
  ``100 - 100 / (1 + avg_gain / avg_loss)`` without the division by zero;
  when nothing moved at all (both averages 0) RSI is 50, neutral;
- the first value is at index n: n changes need n + 1 prices.

MACD(fast, slow, signal), on prices p:

- ``line = EMA(fast) - EMA(slow)``, both EMAs seeded with an SMA as in
  `tickdeck.strategy.indicators.moving_averages`, each running from the first
  price: defined from index slow - 1;
- ``signal = EMA(signal)`` of the line, seeded with the mean of its first
  `signal` values: defined from index slow + signal - 2;
- ``histogram = line - signal``.

The incremental objects and the array functions agree bit for bit.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from tickdeck.core.errors import InputError
from tickdeck.strategy.indicators import _kernels
from tickdeck.strategy.indicators._inputs import not_finite, readonly, series, window_parameter
from tickdeck.strategy.indicators.moving_averages import EMA

__all__ = ["MACD", "RSI", "MACDArrays", "MACDValue", "macd", "rsi"]

_F64 = npt.NDArray[np.float64]
_NAN = math.nan


class RSI:
    """Wilder's relative strength index over the last `window` price changes, in [0, 100]."""

    __slots__ = (
        "_alpha",
        "_average_gain",
        "_average_loss",
        "_changes",
        "_previous",
        "_sum_gain",
        "_sum_loss",
        "_window",
        "value",
    )

    def __init__(self, window: int = 14) -> None:
        self._window = window_parameter("window", window)
        self._alpha = 1.0 / self._window
        self.reset()

    @property
    def window(self) -> int:
        """The number of price changes averaged (Wilder's n)."""
        return self._window

    @property
    def ready(self) -> bool:
        """Whether warm-up is over: `window` changes, i.e. ``window + 1`` prices, were seen."""
        return self._changes >= self._window

    def reset(self) -> None:
        """Forget every price, as if just created."""
        self._previous = _NAN
        self._changes = -1  # the first price brings no change
        self._sum_gain = 0.0
        self._sum_loss = 0.0
        self._average_gain = 0.0
        self._average_loss = 0.0
        self.value = _NAN

    def update(self, price: float) -> float:
        """Add a finite price; return the RSI, NaN during warm-up."""
        if price - price != 0.0:
            raise not_finite("price", price)
        change = price - self._previous
        self._previous = price
        if self._changes < 0:
            self._changes = 0
            return _NAN
        gain = change if change > 0.0 else 0.0
        loss = -change if change < 0.0 else 0.0
        if self._changes >= self._window:
            average_gain = self._average_gain + self._alpha * (gain - self._average_gain)
            average_loss = self._average_loss + self._alpha * (loss - self._average_loss)
        else:
            self._changes += 1
            self._sum_gain += gain
            self._sum_loss += loss
            if self._changes < self._window:
                return _NAN
            average_gain = self._sum_gain / self._window
            average_loss = self._sum_loss / self._window
        self._average_gain = average_gain
        self._average_loss = average_loss
        both = average_gain + average_loss
        value = 100.0 * average_gain / both if both > 0.0 else 50.0
        self.value = value
        return value

    def __repr__(self) -> str:
        return f"RSI(window={self._window})"


class MACDValue(NamedTuple):
    """One MACD reading; fields are NaN until their warm-up is over."""

    line: float
    signal: float
    histogram: float


class MACDArrays(NamedTuple):
    """MACD over a whole series, one entry per price; NaN during warm-up."""

    line: _F64
    signal: _F64
    histogram: _F64


_MACD_WARMING_UP = MACDValue(_NAN, _NAN, _NAN)


def _macd_windows(
    fast_window: object, slow_window: object, signal_window: object
) -> tuple[int, int, int]:
    fast = window_parameter("fast_window", fast_window)
    slow = window_parameter("slow_window", slow_window)
    signal = window_parameter("signal_window", signal_window)
    if fast >= slow:
        raise InputError(
            "fast_window",
            fast,
            f"fewer updates than slow_window={slow}",
            hint="the line is EMA(fast) - EMA(slow); swap them if reversed",
        )
    return fast, slow, signal


class MACD:
    """Moving average convergence/divergence: `update` returns a `MACDValue`."""

    __slots__ = ("_fast", "_signal", "_slow", "value")

    def __init__(
        self, *, fast_window: int = 12, slow_window: int = 26, signal_window: int = 9
    ) -> None:
        fast, slow, signal = _macd_windows(fast_window, slow_window, signal_window)
        self._fast = EMA(fast)
        self._slow = EMA(slow)
        self._signal = EMA(signal)
        self.value = _MACD_WARMING_UP

    @property
    def ready(self) -> bool:
        """Whether warm-up is over: the signal line (hence every field) is defined."""
        return self._signal.ready

    def reset(self) -> None:
        """Forget every price, as if just created."""
        self._fast.reset()
        self._slow.reset()
        self._signal.reset()
        self.value = _MACD_WARMING_UP

    def update(self, price: float) -> MACDValue:
        """Add a finite price; return line, signal and histogram (NaN while warming up)."""
        fast = self._fast.update(price)  # rejects a NaN or infinite price first
        slow = self._slow.update(price)
        if not self._slow.ready:
            return _MACD_WARMING_UP
        line = fast - slow
        signal = self._signal.update(line)
        value = MACDValue(line, signal, line - signal)
        self.value = value
        return value

    def __repr__(self) -> str:
        return (
            f"MACD(fast_window={self._fast.window}, slow_window={self._slow.window}, "
            f"signal_window={self._signal.window})"
        )


def rsi(prices: npt.ArrayLike, window: int = 14) -> _F64:
    """The `RSI` after every price: NaN for the first `window` prices."""
    n = window_parameter("window", window)
    x = series("prices", prices)
    out = np.empty(x.shape[0], np.float64)
    _kernels.rsi(x, n, 1.0 / n, out)
    return out


def macd(
    prices: npt.ArrayLike,
    *,
    fast_window: int = 12,
    slow_window: int = 26,
    signal_window: int = 9,
) -> MACDArrays:
    """The `MACD` after every price.

    ``line`` is NaN for the first ``slow_window - 1`` prices, ``signal`` and
    ``histogram`` for the first ``slow_window + signal_window - 2``.
    """
    fast, slow, signal = _macd_windows(fast_window, slow_window, signal_window)
    x = series("prices", prices)
    fast_ema = np.empty(x.shape[0], np.float64)
    slow_ema = np.empty(x.shape[0], np.float64)
    _kernels.seeded_average(x, fast, 2.0 / (fast + 1), fast_ema)
    _kernels.seeded_average(x, slow, 2.0 / (slow + 1), slow_ema)
    line = fast_ema - slow_ema  # NaN where the slow EMA is still warming up
    signal_line = np.full(x.shape[0], _NAN)
    start = slow - 1  # the signal EMA sees the line from its first defined value on
    if x.shape[0] > start:
        tail = readonly(line[start:])  # the one input type every kernel is compiled for
        _kernels.seeded_average(tail, signal, 2.0 / (signal + 1), signal_line[start:])
    return MACDArrays(line, signal_line, line - signal_line)
