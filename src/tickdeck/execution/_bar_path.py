"""Bars only: each bar walked as a continuous price path (docs/fills.md, "Bars only").

The path is open, low, high, close for a bar closing at or above its open,
and open, high, low, close otherwise. At the open the price jumps there from
the previous close, so an order the open is at or through acts at the open (a
gap). Along each leg between two points the price passes every price in
between: an order acts exactly at its own price, and the orders act in the
order the leg reaches their prices. A resting limit fills at its limit; a stop
triggers at its stop and fills there; a triggered stop-limit is a limit order
from that price on, taking at once if its limit allows, else resting for a
later leg. Taker fills pay the slippage model.

`BarRules` holds these rules over the `Ledger`; `SimulatedExchange` decides
when a bar is walked (only for an instrument with neither quotes nor trades).
"""

from __future__ import annotations

import math
from itertools import pairwise

from tickdeck.core import Bar, FillBasis, Liquidity, OrderType, Side
from tickdeck.execution._ledger import Ledger, Report
from tickdeck.execution._working import Working
from tickdeck.execution.config import SameBarRule
from tickdeck.execution.market import MarketState
from tickdeck.execution.matching import slipped

__all__ = ["BarRules"]

_PATH = FillBasis.BAR_PATH


class BarRules(Ledger):
    """The bar-path rules: `_walk_bar` moves one bar's orders along its path."""

    def _walk_bar(self, bar: Bar, market: MarketState, reports: list[Report]) -> None:
        instrument, ts = bar.instrument, bar.ts_event
        self._resolve_same_bar(bar, reports)
        if bar.close >= bar.open:
            path = (bar.open, bar.low, bar.high, bar.close)
        else:
            path = (bar.open, bar.high, bar.low, bar.close)
        _price_at(market, bar.open)
        for working in self._live(instrument):
            if working.active and not working.status.is_final:
                self._at_open(working, bar.open, ts, reports)
        for start, end in pairwise(path):
            if start != end:
                self._along(instrument, market, start, end, ts, reports)
        # Between bars there is no price to trade at: the next one is the next open.
        market.bid = market.ask = math.nan

    def _at_open(self, working: Working, price: float, ts: int, reports: list[Report]) -> None:
        """The open: the price is there at once, so what it is at or through acts at it."""
        if working.limit is None and not working.is_stop:
            self._take_on_path(working, price, ts, reports)  # a market order sent between bars
            return
        if working.waits_for_trigger:
            if working.request.order_type == OrderType.TRAILING_STOP:
                working.trail_to(price, self._instruments[working.request.instrument])
            if working.stop_reached(price, price):
                self._trigger(working, ts, reports)
                self._triggered_at(working, price, ts, reports)
            return
        limit = working.limit
        if limit is not None and (price <= limit if _buys(working) else price >= limit):
            self._fill(working, price, working.remaining, Liquidity.MAKER, ts, reports, _PATH)

    def _along(
        self,
        instrument: str,
        market: MarketState,
        start: float,
        end: float,
        ts: int,
        reports: list[Report],
    ) -> None:
        """One leg of the path, from `start` to `end`: orders act in the order it meets them.

        Each round finds the nearest price ahead at which some order acts, so an
        order that a fill activates on the way (a bracket child) takes part in
        the rest of the leg.
        """
        up = end > start
        here = start
        while True:
            nearest = math.nan
            acting: list[Working] = []
            for working in self._live(instrument):
                price = _acts_at(working, here, end, up=up)
                if price != price:
                    continue
                if nearest != nearest or (price < nearest if up else price > nearest):
                    nearest, acting = price, [working]
                elif price == nearest:
                    acting.append(working)
            if nearest != nearest:
                break
            _price_at(market, nearest)
            for working in acting:
                if not working.active or working.status.is_final:
                    continue  # cancelled by an OCO sibling at this same price
                if working.waits_for_trigger:
                    self._trigger(working, ts, reports)
                    self._triggered_at(working, nearest, ts, reports)
                else:
                    self._fill(
                        working, nearest, working.remaining, Liquidity.MAKER, ts, reports, _PATH
                    )
            here = nearest
        _price_at(market, end)
        for working in self._live(instrument):
            # A trailing stop follows the leg to its end; on a leg moving its way it cannot
            # trigger, and on one moving against it its stop stands still (above).
            if working.waits_for_trigger and working.request.order_type == OrderType.TRAILING_STOP:
                working.trail_to(end, self._instruments[instrument])

    def _triggered_at(self, working: Working, price: float, ts: int, reports: list[Report]) -> None:
        """A stop just triggered with the price at `price`: a market order, or a limit order."""
        limit = working.limit
        if limit is None or (price <= limit if _buys(working) else price >= limit):
            self._take_on_path(working, price, ts, reports)
            return
        # A stop-limit whose limit the price is beyond rests there, for a later leg to reach;
        # like any order (re)entering the book, it goes behind those already there.
        self._remove(working)
        self._add(working)

    def _take_on_path(self, working: Working, price: float, ts: int, reports: list[Report]) -> None:
        """A taker on the path at `price`: all of it there, shifted by the slippage model."""
        request = working.request
        paid = slipped(
            request.side,
            price,
            working.remaining,
            working.limit,
            self._markets[request.instrument],
            self._instruments[request.instrument],
            self.config.slippage,
        )
        self._fill(working, paid, working.remaining, Liquidity.TAKER, ts, reports, _PATH)

    def _resolve_same_bar(self, bar: Bar, reports: list[Report]) -> None:
        """OCO pairs with a stop-loss and a take-profit both inside one bar: the configured rule.

        A stop-loss is a stop or trailing stop, at its level when the bar opens
        (a stop-limit is left to the path: it may not fill at all); a
        take-profit is a limit order. The winner fills at its price, or at the
        open if the bar opened through it.
        """
        rule = self.config.same_bar
        if rule == SameBarRule.PATH:
            return
        groups: dict[int, list[Working]] = {}
        for working in self._live(bar.instrument):
            group = working.request.oco_group
            if group is not None:
                groups.setdefault(group, []).append(working)
        for members in groups.values():
            stops = [
                w
                for w in members
                if w.waits_for_trigger
                and w.request.order_type != OrderType.STOP_LIMIT
                and w.stop_reached(bar.low, bar.high)
            ]
            targets = [
                w
                for w in members
                if w.request.order_type == OrderType.LIMIT
                and w.limit is not None
                and (bar.low <= w.limit if _buys(w) else bar.high >= w.limit)
            ]
            if not stops or not targets:
                continue
            market = self._markets[bar.instrument]
            if rule == SameBarRule.STOP_FIRST:
                stop = stops[0]
                level = stop.stop if stop.stop is not None else bar.open
                # A buy stop is reached from below: an open above it gapped through it.
                gapped = bar.open > level if _buys(stop) else bar.open < level
                self._trigger(stop, bar.ts_event, reports)
                _price_at(market, bar.open if gapped else level)
                self._take_on_path(stop, market.bid, bar.ts_event, reports)
            else:
                target = targets[0]
                limit = target.limit if target.limit is not None else bar.open
                # A buy target is reached from above: an open below it gapped through it.
                gapped = bar.open < limit if _buys(target) else bar.open > limit
                price = bar.open if gapped else limit
                self._fill(
                    target, price, target.remaining, Liquidity.MAKER, bar.ts_event, reports, _PATH
                )
            market.bid = market.ask = math.nan


def _buys(working: Working) -> bool:
    return working.request.side == Side.BUY


def _price_at(market: MarketState, price: float) -> None:
    """The market on a bar's path: one price, both sides, no sizes (unbounded)."""
    market.bid = market.ask = market.last_price = price
    market.bid_size = market.ask_size = 0.0


def _acts_at(working: Working, here: float, end: float, *, up: bool) -> float:
    """Where, on a leg from `here` (excluded) to `end`, `working` acts; NaN if it does not.

    Buy stops and sell limits are reached by rising prices, sell stops and buy
    limits by falling ones. A market order acts only at an open.
    """
    buy = _buys(working)
    if working.waits_for_trigger:
        price, rising = working.stop, buy
    else:
        price, rising = working.limit, not buy
    if price is None or rising != up:
        return math.nan
    if up:
        return price if here < price <= end else math.nan
    return price if end <= price < here else math.nan
