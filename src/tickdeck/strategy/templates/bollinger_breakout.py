"""`BollingerBreakout`: follow a close that leaves the Bollinger bands, until the middle.

Bar logic, tick-accurate fills: decisions on bar closes, market orders that
fill against the next tick (or the next bar's open on bar-only data).
"""

from __future__ import annotations

from collections.abc import Mapping

from tickdeck.core import Bar, Fill, OrderUpdate
from tickdeck.strategy.base import Context, Strategy
from tickdeck.strategy.indicators import BollingerBands
from tickdeck.strategy.params import Param
from tickdeck.strategy.templates._targets import PositionTargets, resolve_instrument

__all__ = ["BollingerBreakout"]

_SECOND_NS = 1_000_000_000
_TIE = 1e-12  # relative: prices this close are equal (float rounding noise)


class BollingerBreakout(Strategy):
    """Long on a close above the upper band, short on one below the lower; out at the middle.

    - **Reacts to** bars of `bar_seconds` of its instrument (built from ticks
      by `subscribe_bars`, or replayed bars of that interval); others are ignored.
    - **Bands**: `BollingerBands` of the closes: the SMA of the last `window`
      closes, this one included, plus and minus `k` population standard
      deviations of the same closes. Nothing happens during the first
      ``window - 1`` bars.
    - **Entry**: a close strictly above the upper band sets the target to
      `+quantity`; a close strictly below the lower band sets it to
      `-quantity` if `allow_short`. An entry on the other side reverses the
      position in one order. Prices within ``1e-12 * |close|`` of each other
      count as equal (float rounding noise, not a breakout).
    - **Exit**: a long is closed at the first close at or below the middle
      band, a short at the first close at or above it.
    - **Sizing**: a fixed `quantity` of units. The target is restated at
      every bar close after the warm-up, so an order that was rejected (a risk
      limit, no market) is sent again at the next bar.
    """

    window = Param(20, minimum=2, doc="bars in the moving average and deviation")
    k = Param(2.0, minimum=0.1, maximum=10.0, doc="band distance in standard deviations")
    bar_seconds = Param(60, minimum=1, doc="bar interval in seconds")
    quantity = Param(1000, minimum=1, doc="units held when in a position (a lot multiple)")
    allow_short = Param(True, doc="also sell breakouts below the lower band")
    instrument = Param("", doc="instrument id to trade; empty: the run's only instrument")

    def __init__(self, context: Context, params: Mapping[str, object] | None = None) -> None:
        super().__init__(context, params)
        self._bands = BollingerBands(self.window, k=self.k)
        self._interval_ns = self.bar_seconds * _SECOND_NS
        self._targets = PositionTargets(self)
        self._traded = ""
        self._target = 0.0

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
        close = bar.close
        middle, upper, lower = self._bands.update(close)  # NaN during warm-up: no test holds
        # Bands of prices on a tick grid often equal a close exactly (the middle, mostly);
        # float rounding must not decide which side it is on: within `tie`, equal.
        tie = _TIE * close if close > 0.0 else -_TIE * close
        target = self._target
        if close > upper + tie:
            target = float(self.quantity)
        elif close < lower - tie and self.allow_short:
            target = -float(self.quantity)
        elif (target > 0 and close <= middle + tie) or (target < 0 and close >= middle - tie):
            target = 0.0
        self._target = target
        if middle == middle:  # past the warm-up: also retries an entry that was rejected
            self._targets.move_to(self._traded, target, tag="bollinger")

    def on_fill(self, fill: Fill) -> None:
        self._targets.on_fill(fill)

    def on_order(self, update: OrderUpdate) -> None:
        self._targets.on_order(update)
