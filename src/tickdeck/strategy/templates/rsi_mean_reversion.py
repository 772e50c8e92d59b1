"""`RSIMeanReversion`: buy an oversold market, sell once it is overbought.

Bar logic, tick-accurate fills: the decision is taken on bars of a chosen
interval, the market orders it sends fill against the next tick (or, on
bar-only data, at the next bar's open). `on_quote` is not used at all: the
engine builds the bars from the ticks.
"""

from __future__ import annotations

from collections.abc import Mapping

from tickdeck.core import Bar, Fill, InputError, OrderUpdate
from tickdeck.strategy.base import Context, Strategy
from tickdeck.strategy.indicators import RSI
from tickdeck.strategy.params import Param
from tickdeck.strategy.templates._targets import PositionTargets, resolve_instrument

__all__ = ["RSIMeanReversion"]

_SECOND_NS = 1_000_000_000


class RSIMeanReversion(Strategy):
    """Long after the RSI falls below `lower`, flat again after it rises above `upper`.

    - **Reacts to** bars of `bar_seconds` of its instrument: built from its
      quote mids (or trade prices) by `subscribe_bars`, or replayed bars of
      that interval (``bar_seconds=86400`` on daily bars). Other bars are ignored.
    - **Signal**: Wilder's ``RSI(window)`` of the bar closes (`RSI`); it needs
      ``window + 1`` bars before its first value.
    - **Entry**: at the close of a bar whose RSI is strictly below `lower`, the
      target position becomes `+quantity` (a market order if not long yet).
    - **Exit**: at the close of a bar whose RSI is strictly above `upper`, the
      target becomes flat. Between the two thresholds nothing changes.
    - **Sizing**: a fixed `quantity` of units; long only.
    """

    window = Param(14, minimum=1, doc="bars in Wilder's RSI")
    lower = Param(30.0, minimum=0.0, maximum=100.0, doc="buy below this RSI (oversold)")
    upper = Param(70.0, minimum=0.0, maximum=100.0, doc="sell above this RSI (overbought)")
    bar_seconds = Param(60, minimum=1, doc="bar interval in seconds")
    quantity = Param(1000, minimum=1, doc="units bought at an entry (a lot multiple)")
    instrument = Param("", doc="instrument id to trade; empty: the run's only instrument")

    def __init__(self, context: Context, params: Mapping[str, object] | None = None) -> None:
        super().__init__(context, params)
        if self.lower >= self.upper:
            raise InputError("param lower", self.lower, f"less than upper ({self.upper})")
        self._rsi = RSI(self.window)
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
        rsi = self._rsi.update(bar.close)  # NaN during warm-up: both tests below are false
        if rsi < self.lower:
            self._targets.move_to(self._traded, float(self.quantity), tag="rsi_entry")
        elif rsi > self.upper:
            self._targets.move_to(self._traded, 0.0, tag="rsi_exit")

    def on_fill(self, fill: Fill) -> None:
        self._targets.on_fill(fill)

    def on_order(self, update: OrderUpdate) -> None:
        self._targets.on_order(update)
