"""`compile_strategy`: a spec becomes a `Strategy` class that runs like hand-written code.

The class is an ordinary `Strategy` subclass: `run_backtest` (or a service)
builds it with a context and parameters, and it reacts through `on_quote`,
`on_trade` or `on_bar` as its data section says. Its parameters are the
spec's numbers (see `tickdeck.spec.spec_parameters`), so a sweep varies
``fast.period`` like any declared `Param`.

One evaluation, in order (docs/spec.md states the same):

1. the event's fields go into the slots, the indicators and crossovers update;
2. with a position open, the risk exits are checked against the evaluation
   price (stop-loss, take-profit, trailing stop, time); one that triggers
   sets the target flat and ends the evaluation;
3. the rules: the long entry, else the short entry, else the exit of the
   side currently targeted. An entry on the side already targeted keeps its
   quantity (it only retries an order that was rejected); an entry on a new
   side sizes the position afresh;
4. when a rule fired, an order closes the gap between the target and the
   position counting orders in flight.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar, cast

from tickdeck.core import Bar, Fill, InputError, OrderUpdate, Quote, Trade
from tickdeck.spec._model import StrategySpec
from tickdeck.spec._orders import Orders
from tickdeck.spec._parameters import spec_parameters, with_parameters
from tickdeck.spec._runtime import CLOSE, HIGH, LOW, OPEN, PRICE, VOLUME, Program
from tickdeck.spec._sections import (
    BarsData,
    FixedSizing,
    PercentOfEquitySizing,
    QuotesData,
    RiskPercentSizing,
    TradesData,
    VolatilityTargetSizing,
)
from tickdeck.strategy.base import Context, Strategy
from tickdeck.strategy.indicators import RollingStd

__all__ = ["SpecStrategy", "compile_strategy"]

_SECOND_NS = 1_000_000_000
_NAN = math.nan


class SpecStrategy(Strategy):
    """The strategy a spec compiles to; `spec` is the spec as given (its defaults)."""

    spec: ClassVar[StrategySpec]

    def __init__(self, context: Context, params: Mapping[str, object] | None = None) -> None:
        super().__init__(context, params)
        spec = with_parameters(type(self).spec, self.params)
        self.active_spec = spec
        self._program = Program(spec)
        self._slots = self._program.slots
        data = spec.data
        self._on_quotes = isinstance(data, QuotesData)
        self._on_trades = isinstance(data, TradesData)
        self._interval_ns = data.seconds * _SECOND_NS if isinstance(data, BarsData) else 0
        self._subscribe = isinstance(data, BarsData) and data.source != "bars"
        self._traded = ""
        self._orders: Orders | None = None
        self._target = 0.0
        risk = spec.risk
        self._stop = risk.stop_loss_percent
        self._take = risk.take_profit_percent
        self._trail = risk.trailing_stop_percent
        self._max_bars = risk.exit_after_bars
        self._max_ns = None if risk.exit_after_seconds is None else risk.exit_after_seconds * 1e9
        self._has_risk = any(
            v is not None for v in (self._stop, self._take, self._trail, self._max_bars)
        ) or (self._max_ns is not None)
        self._entry_price = _NAN
        self._entry_ns = 0
        self._best = _NAN
        self._evaluations = 0
        sizing = spec.sizing
        self._volatility = (
            RollingStd(sizing.period) if isinstance(sizing, VolatilityTargetSizing) else None
        )
        self._last_price = _NAN

    # -- lifecycle --------------------------------------------------------------

    def on_start(self) -> None:
        self._traded = self._resolve(self.active_spec.instrument)
        self._orders = Orders(self, self._traded, self.active_spec.execution)
        if self._subscribe:
            self.subscribe_bars(self._interval_ns, self._traded)

    def _resolve(self, name: str) -> str:
        available = self.instruments
        if not name:
            if len(available) != 1:
                raise InputError(
                    "instrument",
                    name,
                    "an instrument id",
                    hint=f"the run has {list(available)}: say which one the spec trades",
                )
            return available[0]
        if name not in available:
            raise InputError("instrument", name, f"one of the run's instruments {list(available)}")
        return name

    # -- events -----------------------------------------------------------------

    def on_quote(self, quote: Quote) -> None:
        if not self._on_quotes or quote.instrument != self._traded:
            return
        mid = (quote.bid_price + quote.ask_price) * 0.5
        slots = self._slots
        slots[PRICE] = mid
        slots[VOLUME] = 0.0
        self._evaluate(mid)

    def on_trade(self, trade: Trade) -> None:
        if not self._on_trades or trade.instrument != self._traded:
            return
        slots = self._slots
        slots[PRICE] = trade.price
        slots[VOLUME] = trade.size
        self._evaluate(trade.price)

    def on_bar(self, bar: Bar) -> None:
        if (
            bar.interval_ns != self._interval_ns
            or self._interval_ns == 0
            or bar.instrument != self._traded
            or bar.close != bar.close  # a bar without a price carries no information
        ):
            return
        slots = self._slots
        slots[PRICE] = slots[CLOSE] = bar.close
        slots[OPEN] = bar.open
        slots[HIGH] = bar.high
        slots[LOW] = bar.low
        slots[VOLUME] = bar.volume
        self._evaluate(bar.close)

    def on_fill(self, fill: Fill) -> None:
        assert self._orders is not None  # created in on_start, before any event
        self._orders.on_fill(fill)
        if fill.instrument == self._traded:
            self._track_entry(fill)

    def on_order(self, update: OrderUpdate) -> None:
        assert self._orders is not None  # created in on_start, before any event
        self._orders.on_order(update)

    # -- one evaluation -----------------------------------------------------------

    def _evaluate(self, price: float) -> None:
        program = self._program
        program.update()
        if self._volatility is not None:
            last = self._last_price
            self._last_price = price
            if last == last and last != 0.0:
                self._volatility.update(price / last - 1.0)
        if self._has_risk and self._risk_exit(price):
            return
        target = self._target
        if program.long_entry() is True:
            tag = "long_entry"
            if target <= 0:
                quantity = self._size(price)
                if quantity <= 0:
                    return
                target = quantity
        elif program.short_entry() is True:
            tag = "short_entry"
            if target >= 0:
                quantity = self._size(price)
                if quantity <= 0:
                    return
                target = -quantity
        elif target > 0 and program.long_exit() is True:
            tag = "long_exit"
            target = 0.0
        elif target < 0 and program.short_exit() is True:
            tag = "short_exit"
            target = 0.0
        else:
            return
        changed = target != self._target
        self._target = target
        assert self._orders is not None  # created in on_start, before any event
        self._orders.move_to(target, price, changed=changed, tag=tag)

    def _size(self, price: float) -> float:
        """The position size for a new entry at `price`, capped by the maximum position."""
        spec = self.active_spec
        sizing = spec.sizing
        if isinstance(sizing, FixedSizing):
            quantity = sizing.quantity
        else:
            if not (price > 0):
                return 0.0
            equity = self.equity
            if isinstance(sizing, PercentOfEquitySizing):
                raw = equity * sizing.percent / 100.0 / price
            elif isinstance(sizing, RiskPercentSizing):
                stop = spec.risk.stop_loss_percent or math.inf
                raw = equity * sizing.percent / stop / price
            else:
                assert self._volatility is not None  # built for volatility_target sizing
                sigma = self._volatility.value
                if not (sigma > 0):
                    return 0.0
                annual = sigma * math.sqrt(sizing.periods_per_year)
                raw = equity * sizing.annual_percent / 100.0 / (price * annual)
            quantity = math.floor(raw / sizing.lot + 1e-9) * sizing.lot
        cap = spec.risk.max_position
        return quantity if cap is None else min(quantity, cap)

    def _risk_exit(self, price: float) -> bool:
        """Whether a risk rule closed the open position at this evaluation."""
        entry = self._entry_price
        if entry != entry or self.position(self._traded) == 0.0:
            return False
        self._evaluations += 1
        long = self.position(self._traded) > 0
        best = self._best
        if long:
            best = max(best, price)
            move = (price / entry - 1.0) * 100.0
            from_best = (price / best - 1.0) * 100.0
        else:
            best = min(best, price)
            move = (1.0 - price / entry) * 100.0
            from_best = (1.0 - price / best) * 100.0
        self._best = best
        reason = ""
        if self._stop is not None and move <= -self._stop:
            reason = "stop_loss"
        elif self._take is not None and move >= self._take:
            reason = "take_profit"
        elif self._trail is not None and from_best <= -self._trail:
            reason = "trailing_stop"
        elif (self._max_bars is not None and self._evaluations >= self._max_bars) or (
            self._max_ns is not None and self.now - self._entry_ns >= self._max_ns
        ):
            reason = "time_exit"
        if not reason:
            return False
        changed = self._target != 0.0
        self._target = 0.0
        assert self._orders is not None  # created in on_start, before any event
        self._orders.move_to(0.0, price, changed=changed, tag=reason)
        return True

    def _track_entry(self, fill: Fill) -> None:
        """Keep the open position's average entry price, first fill time and best price."""
        after = self.position(self._traded)
        before = after - fill.signed_quantity
        if abs(after) <= 1e-9 * max(1.0, abs(before)):
            self._entry_price = _NAN
            self._best = _NAN
        elif abs(before) <= 1e-9 * max(1.0, abs(after)) or (before > 0) != (after > 0):
            self._entry_price = self._best = fill.price
            self._entry_ns = fill.ts
            self._evaluations = 0
        elif abs(after) > abs(before):
            self._entry_price = (
                self._entry_price * abs(before) + fill.price * fill.quantity
            ) / abs(after)


def compile_strategy(spec: StrategySpec) -> type[SpecStrategy]:
    """A `Strategy` subclass that runs `spec`; its parameters are the spec's numbers.

    Pass it to `run_backtest` like any strategy class; ``params`` override the
    spec's values by name (``{"fast.period": 10}``).
    """
    namespace: dict[str, Any] = {"spec": spec, "__doc__": spec.description or None}
    namespace.update(spec_parameters(spec))
    name = "".join(part.capitalize() for part in spec.name.split("_")) or "Spec"
    built = type(name, (SpecStrategy,), namespace)
    built.__qualname__ = f"spec:{spec.name}"
    return cast(type[SpecStrategy], built)
