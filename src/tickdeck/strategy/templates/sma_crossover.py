"""`SMACrossover`: trend following on two simple moving averages of the quote mid.

The reference tick strategy: it reacts to every quote, so `on_quote` is kept
to three indicator updates and a comparison (bound methods held in attributes,
no allocation beyond the floats); orders are sent only at a crossover.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from tickdeck.core import Fill, InputError, OrderUpdate, Quote
from tickdeck.strategy.base import Context, Strategy
from tickdeck.strategy.indicators import SMA, Cross, Crossing
from tickdeck.strategy.params import Param
from tickdeck.strategy.templates._targets import PositionTargets, resolve_instrument

__all__ = ["SMACrossover"]

# Averages of prices on a tick grid are often exactly equal (SMA(20) == SMA(100) when
# 5 * sum20 == sum100), and float rounding then puts them 1e-16 apart either way: a
# difference within this fraction of the price is a tie, not a crossing.
_TIE = 1e-12


class SMACrossover(Strategy):
    """Long when the fast SMA of the mid is above the slow SMA; short (or flat) below.

    - **Reacts to** every quote of its instrument: ``mid = (bid + ask) / 2``
      feeds ``SMA(fast)`` and ``SMA(slow)``, both including this quote.
    - **Signal**: a crossover as `Cross` reports it: the fast average gets
      strictly above the slow one (up) or strictly below it (down) after being
      on the other side; a tie keeps the side. Averages less than
      ``1e-12 * |mid|`` apart are tied (float rounding noise, not a move). The
      end of the warm-up (the
      first `slow` quotes) is not a crossover: the first trade waits for the
      first real cross.
    - **Entry and exit**: at an up cross the target position is `+quantity`;
      at a down cross it is `-quantity` if `allow_short`, else flat. One
      market order for the difference (from short to long: twice `quantity`)
      is sent on the quote that showed the cross, so without latency it fills
      against that quote's ask (buy) or bid (sell).
    - **Sizing**: a fixed `quantity` of units, never more than one position.
    """

    fast = Param(20, minimum=1, doc="quotes in the fast moving average (less than slow)")
    slow = Param(100, minimum=2, doc="quotes in the slow moving average")
    quantity = Param(1000, minimum=1, doc="units held when in a position (a lot multiple)")
    allow_short = Param(True, doc="go short at a down cross (long/short); false: long/flat")
    instrument = Param("", doc="instrument id to trade; empty: the run's only instrument")

    def __init__(self, context: Context, params: Mapping[str, object] | None = None) -> None:
        super().__init__(context, params)
        if self.fast >= self.slow:
            raise InputError(
                "param fast", self.fast, f"fewer quotes than slow ({self.slow})", hint="swap them?"
            )
        self._fast_update: Callable[[float], float] = SMA(self.fast).update
        self._slow_update: Callable[[float], float] = SMA(self.slow).update
        self._cross_update: Callable[[float, float], Crossing] = Cross().update
        self._targets = PositionTargets(self)
        self._traded = ""
        self._long = float(self.quantity)
        self._short = -float(self.quantity) if self.allow_short else 0.0

    def on_start(self) -> None:
        self._traded = resolve_instrument(self, self.instrument)

    def on_quote(self, quote: Quote) -> None:
        if quote.instrument != self._traded:
            return
        mid = (quote.bid_price + quote.ask_price) * 0.5
        difference = self._fast_update(mid) - self._slow_update(mid)  # NaN while warming up
        tie = _TIE * mid if mid > 0.0 else -_TIE * mid
        if -tie <= difference <= tie:
            difference = 0.0
        crossing = self._cross_update(difference, 0.0)
        if crossing:
            target = self._long if crossing > 0 else self._short
            self._targets.move_to(self._traded, target, tag="sma_cross")

    def on_fill(self, fill: Fill) -> None:
        self._targets.on_fill(fill)

    def on_order(self, update: OrderUpdate) -> None:
        self._targets.on_order(update)
