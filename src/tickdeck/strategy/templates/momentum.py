"""`TimeSeriesMomentum`: hold the sign of the instrument's own past return.

Time-series (absolute) momentum: an instrument that rose over the lookback is
held long, one that fell is held short (or flat). Bar logic, tick-accurate
fills: rebalanced at bar closes, filled against the next tick (or the next
bar's open on bar-only data such as daily bars).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping

from tickdeck.core import Bar, Fill, OrderUpdate
from tickdeck.strategy.base import Context, Strategy
from tickdeck.strategy.params import Param
from tickdeck.strategy.templates._targets import PositionTargets, resolve_instrument

__all__ = ["TimeSeriesMomentum"]

_SECOND_NS = 1_000_000_000
_DAY_SECONDS = 86_400


class TimeSeriesMomentum(Strategy):
    """Long after a positive return over `lookback` bars, short (or flat) after a negative one.

    - **Reacts to** bars of `bar_seconds` of its instrument (built from ticks
      by `subscribe_bars`, or replayed bars of that interval: the default,
      one day, suits daily bars); other bars are ignored.
    - **Signal**: ``r = close[t] / close[t - lookback] - 1``, the return over
      the last `lookback` bars, from bar `lookback` (the ``lookback + 1``-th) on.
    - **Rebalance**: at every bar close the target position is `+quantity`
      if ``r > 0``, `-quantity` if ``r < 0`` and `allow_short` (else flat), and
      flat if ``r == 0``; a market order closes the gap, so orders are sent
      only when the sign changes (or to retry a rejected one).
    - **Sizing**: a fixed `quantity` of units (no volatility scaling).
    """

    lookback = Param(20, minimum=1, doc="bars over which the return is measured")
    bar_seconds = Param(_DAY_SECONDS, minimum=1, doc="bar interval in seconds (rebalancing)")
    quantity = Param(100, minimum=1, doc="units held when in a position (a lot multiple)")
    allow_short = Param(True, doc="go short after a negative return; false: long/flat")
    instrument = Param("", doc="instrument id to trade; empty: the run's only instrument")

    def __init__(self, context: Context, params: Mapping[str, object] | None = None) -> None:
        super().__init__(context, params)
        self._closes: deque[float] = deque(maxlen=self.lookback + 1)
        self._interval_ns = self.bar_seconds * _SECOND_NS
        self._targets = PositionTargets(self)
        self._traded = ""

    def on_start(self) -> None:
        self._traded = resolve_instrument(self, self.instrument)
        self.subscribe_bars(self._interval_ns, self._traded)

    def on_bar(self, bar: Bar) -> None:
        if (
            bar.interval_ns != self._interval_ns
            or bar.instrument != self._traded
            or bar.close != bar.close  # a bar without a price (NaN) carries no information
        ):
            return
        closes = self._closes
        closes.append(bar.close)
        if len(closes) <= self.lookback:
            return
        change = bar.close / closes[0] - 1.0
        if change > 0:
            target = float(self.quantity)
        elif change < 0 and self.allow_short:
            target = -float(self.quantity)
        else:
            target = 0.0
        self._targets.move_to(self._traded, target, tag="momentum")

    def on_fill(self, fill: Fill) -> None:
        self._targets.on_fill(fill)

    def on_order(self, update: OrderUpdate) -> None:
        self._targets.on_order(update)
