"""Volume-weighted average price, cumulative or over a rolling window.

``VWAP = sum(price * volume) / sum(volume)`` over

- every update since the start or the last `VWAP.reset` (``window=None``,
  the default): the session VWAP; call ``reset()`` when a session opens, or
  give the array function a ``sessions`` label per value (a change of label
  starts over, exactly like ``reset()`` before that value);
- or the last ``window`` updates of the session: NaN for the first
  ``window - 1`` updates after each start, like an SMA.

Prices are in price units, volumes in any non-negative unit (shares,
contracts, lots); the result is in price units. While the updates counted
hold no volume at all the VWAP is NaN, never a division by zero. The rolling
sums are refreshed from their buffers every ``window`` updates, as for SMA;
they also count the non-zero volumes in the window, so a window whose volumes
are all zero is NaN even when rounding left a tiny positive sum behind.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from tickdeck.strategy.indicators import _kernels
from tickdeck.strategy.indicators._inputs import (
    labels,
    negative_volume,
    not_finite,
    same_length,
    series,
    window_parameter,
)
from tickdeck.strategy.indicators._ring import window_sum

__all__ = ["VWAP", "vwap"]

_F64 = npt.NDArray[np.float64]
_NAN = math.nan
_NO_SESSIONS = np.zeros(0, np.int64)
_NO_SESSIONS.flags.writeable = False


class VWAP:
    """Volume-weighted average price; `update` takes a trade's price and volume."""

    __slots__ = (
        "_active",
        "_filled",
        "_position",
        "_price_volumes",
        "_total_price_volume",
        "_total_volume",
        "_volumes",
        "_window",
        "value",
    )

    def __init__(self, window: int | None = None) -> None:
        # 0 stands for "cumulative" inside, as in the kernel.
        self._window = 0 if window is None else window_parameter("window", window)
        self.reset()

    @property
    def window(self) -> int | None:
        """The number of updates averaged, or None for the cumulative (session) VWAP."""
        return self._window or None

    @property
    def ready(self) -> bool:
        """Whether warm-up is over; the value can still be NaN while no volume traded."""
        return self._filled

    def reset(self) -> None:
        """Start over, e.g. when a new session opens."""
        self._price_volumes = [0.0] * self._window
        self._volumes = [0.0] * self._window
        self._position = 0
        self._active = 0
        self._total_price_volume = 0.0
        self._total_volume = 0.0
        self._filled = self._window == 0
        self.value = _NAN

    def update(self, price: float, volume: float) -> float:
        """Add a trade (finite price, finite volume >= 0); return the VWAP, or NaN."""
        if price - price != 0.0:
            raise not_finite("price", price)
        if volume - volume != 0.0:
            raise not_finite("volume", volume)
        if volume < 0.0:
            raise negative_volume("volume", volume)
        price_volume = price * volume
        n = self._window
        if n == 0:
            self._total_price_volume += price_volume
            self._total_volume += volume
            vwap = (
                self._total_price_volume / self._total_volume if self._total_volume > 0.0 else _NAN
            )
            self.value = vwap
            return vwap
        position = self._position
        old_price_volume = self._price_volumes[position]
        old_volume = self._volumes[position]
        self._price_volumes[position] = price_volume
        self._volumes[position] = volume
        self._active += (1 if volume != 0.0 else 0) - (1 if old_volume != 0.0 else 0)
        position += 1
        if position == n:
            position = 0
            self._filled = True
            self._total_price_volume = window_sum(self._price_volumes)
            self._total_volume = window_sum(self._volumes)
        else:
            self._total_price_volume += price_volume - old_price_volume
            self._total_volume += volume - old_volume
        self._position = position
        if not self._filled or self._active == 0 or self._total_volume <= 0.0:
            vwap = _NAN
        else:
            vwap = self._total_price_volume / self._total_volume
        self.value = vwap
        return vwap

    def __repr__(self) -> str:
        return f"VWAP(window={self.window})"


def vwap(
    prices: npt.ArrayLike,
    volumes: npt.ArrayLike,
    *,
    window: int | None = None,
    sessions: npt.ArrayLike | None = None,
) -> _F64:
    """The `VWAP` after every trade, cumulative or rolling, restarting when `sessions` changes.

    `sessions` is one integer label per trade, e.g. the trading day; without
    it the whole array is one session.
    """
    n = 0 if window is None else window_parameter("window", window)
    price = series("prices", prices)
    volume = series("volumes", volumes, non_negative=True)
    same_length(("prices", "volumes"), price, volume)
    session = _NO_SESSIONS if sessions is None else labels("sessions", sessions, price.shape[0])
    out = np.empty(price.shape[0], np.float64)
    _kernels.vwap(price, volume, session, n, out)
    return out
