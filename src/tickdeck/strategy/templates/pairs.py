"""`PairsTrading`: statistical arbitrage on the z-score of a hedged spread of two instruments.

Bar logic, tick-accurate fills: both legs are sampled on bars of the same
interval, the spread is computed once both bars of a bucket are in, and the
market orders on both legs fill against each leg's next tick.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping, Sequence

from tickdeck.core import Bar, Fill, InputError, OrderUpdate
from tickdeck.strategy.base import Context, Strategy
from tickdeck.strategy.indicators import ZScore
from tickdeck.strategy.params import Param
from tickdeck.strategy.templates._targets import PositionTargets, resolve_instrument

__all__ = ["PairsTrading", "ols_slope"]

_SECOND_NS = 1_000_000_000
_NAN = math.nan


def ols_slope(dependent: Sequence[float], regressor: Sequence[float]) -> float:
    """The least-squares slope (with an intercept) of `dependent` on `regressor`; NaN if flat.

    ``sum((y - mean y) (x - mean x)) / sum((x - mean x)**2)``, from centred
    values so that prices far from zero lose no precision.
    """
    count = len(regressor)
    mean_y = math.fsum(dependent) / count
    mean_x = math.fsum(regressor) / count
    covariance = 0.0
    variance = 0.0
    for y, x in zip(dependent, regressor, strict=True):
        dx = x - mean_x
        covariance += (y - mean_y) * dx
        variance += dx * dx
    return covariance / variance if variance > 0.0 else _NAN


class PairsTrading(Strategy):
    """Sell the spread ``A - beta * B`` when it is rich, buy it when cheap, exit near its mean.

    - **Reacts to** bars of `bar_seconds` of both legs, built from their ticks
      (quote mids or trade prices). A bucket is used once both legs have a bar
      for it, when the later of the two arrives; a bucket in which one leg had
      no tick is skipped.
    - **Hedge ratio** ``beta``: if `hedge_window` > 0, the least-squares slope
      (with an intercept) of A's closes on B's closes over the last
      `hedge_window` buckets, this one included (`ols_slope`); nothing trades
      before that many buckets. If `hedge_window` is 0, the fixed `hedge_ratio`.
    - **Spread and z-score**: ``s = close_A - beta * close_B`` with this
      bucket's beta; ``z`` is `ZScore` of the last `z_window` spreads
      (population deviation; the older spreads keep the beta of their bucket).
    - **Entry**: ``z > entry_z``: short the spread (sell `quantity` of A, buy
      the hedge of B); ``z < -entry_z``: long the spread (buy A, sell B). A
      signal on the other side while in a position reverses it.
    - **Exit**: ``|z| < exit_z`` flattens both legs. Between the thresholds the
      position is held.
    - **Sizing**: `quantity` units of A against ``beta * quantity`` units of B,
      rounded to a multiple of `hedge_lot` (B's lot size), fixed at entry.
      With a negative beta both legs go the same way. Each leg is moved to its
      target by one market order.
    """

    leg_a = Param("", doc="instrument id of leg A; empty: the run's first instrument")
    leg_b = Param("", doc="instrument id of leg B (the hedge); empty: the run's second")
    hedge_window = Param(120, minimum=0, doc="buckets in the rolling OLS hedge; 0: hedge_ratio")
    hedge_ratio = Param(1.0, doc="fixed units of B per unit of A, used when hedge_window is 0")
    z_window = Param(60, minimum=2, doc="spreads in the z-score window")
    entry_z = Param(2.0, minimum=0.0, doc="enter when |z| exceeds this")
    exit_z = Param(0.5, minimum=0.0, doc="exit when |z| falls below this (less than entry_z)")
    bar_seconds = Param(60, minimum=1, doc="bar interval in seconds, the same for both legs")
    quantity = Param(1000, minimum=1, doc="units of leg A per position (a lot multiple)")
    hedge_lot = Param(1, minimum=1, doc="leg B quantities are multiples of this (its lot size)")

    def __init__(self, context: Context, params: Mapping[str, object] | None = None) -> None:
        super().__init__(context, params)
        if self.exit_z >= self.entry_z:
            raise InputError("param exit_z", self.exit_z, f"less than entry_z ({self.entry_z})")
        if self.hedge_window == 1:
            raise InputError("param hedge_window", 1, "0 (fixed hedge_ratio) or at least 2")
        window = max(self.hedge_window, 1)
        self._a_closes: deque[float] = deque(maxlen=window)
        self._b_closes: deque[float] = deque(maxlen=window)
        self._zscore = ZScore(self.z_window)
        self._interval_ns = self.bar_seconds * _SECOND_NS
        self._targets = PositionTargets(self)
        self._a = ""
        self._b = ""
        self._a_bar: Bar | None = None
        self._b_bar: Bar | None = None
        self._state = 0  # +1 long the spread, -1 short it, 0 flat
        self.beta = _NAN  # the latest hedge ratio, for inspection
        self.zscore = _NAN  # the latest z-score, for inspection

    def on_start(self) -> None:
        instruments = self.instruments
        first = instruments[0]
        second = instruments[1] if len(instruments) > 1 else ""
        self._a = resolve_instrument(self, self.leg_a or first, field="leg_a")
        self._b = resolve_instrument(self, self.leg_b or second, field="leg_b")
        if self._a == self._b:
            raise InputError("param leg_b", self._b, "an instrument other than leg_a")
        self.subscribe_bars(self._interval_ns, self._a)
        self.subscribe_bars(self._interval_ns, self._b)

    def on_bar(self, bar: Bar) -> None:
        if bar.interval_ns != self._interval_ns or bar.close != bar.close:
            return  # another interval, or a bar without a price (NaN)
        if bar.instrument == self._a:
            self._a_bar = bar
            if self._b_bar is not None and self._b_bar.ts_event == bar.ts_event:
                self._on_bucket(bar.close, self._b_bar.close)
        elif bar.instrument == self._b:
            self._b_bar = bar
            if self._a_bar is not None and self._a_bar.ts_event == bar.ts_event:
                self._on_bucket(self._a_bar.close, bar.close)

    def _on_bucket(self, a: float, b: float) -> None:
        """Both legs' closes of one bucket are in: update hedge and z-score, then act."""
        if self.hedge_window:
            self._a_closes.append(a)
            self._b_closes.append(b)
            if len(self._b_closes) < self.hedge_window:
                return
            beta = ols_slope(self._a_closes, self._b_closes)
            if beta != beta:
                return
        else:
            beta = self.hedge_ratio
        self.beta = beta
        z = self._zscore.update(a - beta * b)
        self.zscore = z
        state = self._state
        if z > self.entry_z:
            state = -1
        elif z < -self.entry_z:
            state = 1
        elif abs(z) < self.exit_z:
            state = 0
        if state == self._state:
            return
        self._state = state
        hedge = round(beta * self.quantity / self.hedge_lot) * self.hedge_lot
        self._targets.move_to(self._a, float(state * self.quantity), tag="pairs")
        self._targets.move_to(self._b, float(-state * hedge), tag="pairs")

    def on_fill(self, fill: Fill) -> None:
        self._targets.on_fill(fill)

    def on_order(self, update: OrderUpdate) -> None:
        self._targets.on_order(update)
