"""`MarketMaker`: two-sided post-only limit quotes around the mid, skewed against inventory.

It reacts to every quote, so `on_quote` works in integer ticks and, unless the
mid moved far enough or something changed, returns once the quote is rounded
to ticks and compared with the mid the quotes were priced on. It keeps one
working order per side and sends a cancel/replace (`modify`) only when the
price it wants on a side changes. `quote_ticks` is the pricing rule alone, a
pure function, so it can be read and tested on its own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from tickdeck.core import Fill, InputError, OrderUpdate, Quote, Side, Trade
from tickdeck.strategy.base import Context, Strategy
from tickdeck.strategy.params import Param
from tickdeck.strategy.templates._targets import resolve_instrument

__all__ = ["MarketMaker", "quote_ticks"]

_floor = math.floor
_ceil = math.ceil
# Float noise allowed when a price in ticks is rounded to the grid (the grid itself is exact).
_EPSILON = 1e-9


def quote_ticks(
    bid_ticks: int,
    ask_ticks: int,
    inventory: float,
    *,
    half_spread_ticks: int,
    skew_ticks: float,
    max_inventory: float,
) -> tuple[int, int]:
    """Our bid and ask, in ticks, for a market of `bid_ticks` x `ask_ticks` and an inventory.

    ``centre = (bid + ask) / 2 - skew_ticks * inventory / max_inventory``; our
    bid is ``floor(centre - half_spread_ticks)`` and our ask
    ``ceil(centre + half_spread_ticks)``, then kept off the other side (bid at
    most ``ask - 1``, ask at least ``bid + 1``) so a post-only order does not
    cross the quote it was priced on. A long inventory moves both quotes down
    (sell sooner, buy later), a short one up.
    """
    centre = (bid_ticks + ask_ticks) * 0.5 - skew_ticks * inventory / max_inventory
    ours_bid = _floor(centre - half_spread_ticks + _EPSILON)
    ours_ask = _ceil(centre + half_spread_ticks - _EPSILON)
    if ours_bid >= ask_ticks:
        ours_bid = ask_ticks - 1
    if ours_ask <= bid_ticks:
        ours_ask = bid_ticks + 1
    return ours_bid, ours_ask


class _Quote:
    """Our working order on one side: its id (0: none) and price in ticks."""

    __slots__ = ("delivered", "final_filled", "order_id", "price_ticks")

    def __init__(self) -> None:
        self.order_id = 0
        self.price_ticks = 0
        self.delivered = 0.0  # fills of this order delivered to us
        self.final_filled = -1.0  # its filled total once final; -1 while it can still fill

    def clear(self) -> None:
        self.order_id = 0
        self.delivered = 0.0
        self.final_filled = -1.0


class MarketMaker(Strategy):
    """Quote both sides with post-only limit orders around the mid, leaning against inventory.

    - **Reacts to** every quote of its instrument (on an instrument replayed
      with trades but no quotes, each trade price stands in for the mid), and
      to its own fills and order updates.
    - **Prices** (`quote_ticks`), in ticks of `tick_size`: centre at the mid
      minus ``skew_ticks * inventory / max_inventory``, bid
      `half_spread_ticks` below it (rounded down), ask as far above (rounded
      up), never on or through the other side of the current quote. All
      orders are GTC, post-only limit orders of `size` units.
    - **Sizing**: every quote is `size` units. The inventory is the position
      from the fills delivered so far, and a side is quoted only while one
      more full order cannot take the inventory beyond `max_inventory`: a buy
      needs ``inventory + size <= max_inventory``, a sell
      ``inventory - size >= -max_inventory``. With at most one working order
      per side, and a new one only after the last one is done and all its
      fills are in, the inventory can never exceed `max_inventory`, even if
      every working order fills completely.
    - **Cancel/replace**: the quotes are priced again from the current quote
      when the mid is `requote_ticks` or more away from the mid they were
      priced on, when the inventory changed, or when a side that may be quoted
      has no order (filled, rejected, cancelled). A side whose price changed is
      modified (a cancel/replace: it loses its queue place); a missing side is
      sent anew. Working orders stay on the book when the run ends.
    - **What to expect**: quotes left in place while the mid moves less than
      `requote_ticks` are what the market trades against; on replayed data a
      resting order fills only when the market reaches it (docs/fills.md), so
      a fill is usually a move against the quote (adverse selection), and the
      spread earned must pay for it. The inventory stays within the limit,
      pulled back towards zero by the skew.
    """

    half_spread_ticks = Param(1, minimum=0, doc="ticks between the skewed mid and each quote")
    requote_ticks = Param(2, minimum=1, doc="re-centre the quotes once the mid moved this far")
    size = Param(1000, minimum=1, doc="units per quote (a lot multiple)")
    max_inventory = Param(3000, minimum=1, doc="largest absolute position, in units")
    skew_ticks = Param(2.0, minimum=0.0, doc="ticks both quotes move at max_inventory (linear)")
    tick_size = Param(0.00001, minimum=1e-12, doc="the instrument's price increment")
    instrument = Param("", doc="instrument id to trade; empty: the run's only instrument")

    def __init__(self, context: Context, params: Mapping[str, object] | None = None) -> None:
        super().__init__(context, params)
        if self.size > self.max_inventory:
            raise InputError(
                "param size", self.size, f"at most max_inventory ({self.max_inventory})"
            )
        per_unit = 1.0 / self.tick_size
        # Prices are ticks / (1 / tick) when that is a whole number (0.00001, 0.25, 0.01):
        # a correctly rounded division lands on the double nearest the exact grid price.
        self._ticks_per_unit = float(round(per_unit))
        self._exact_grid = abs(per_unit - self._ticks_per_unit) <= _EPSILON * per_unit
        self._traded = ""
        self._inventory = 0.0
        self._buy = _Quote()
        self._sell = _Quote()
        self._half = self.half_spread_ticks
        self._skew = self.skew_ticks
        self._size = float(self.size)
        self._limit = float(self.max_inventory)
        # Mids are compared as bid + ask in ticks (twice the mid): whole numbers, exact.
        self._band = 2 * self.requote_ticks
        self._anchor = 0  # twice the mid, in ticks, the quotes were priced on
        self._stale = True  # price again at the next tick whatever the mid
        self._quoted = False  # a quote was seen: trades no longer stand in for the mid

    def on_start(self) -> None:
        self._traded = resolve_instrument(self, self.instrument)

    def price(self, ticks: int) -> float:
        """A price on the grid from a number of ticks."""
        if self._exact_grid:
            return ticks / self._ticks_per_unit
        return ticks * self.tick_size

    def on_quote(self, quote: Quote) -> None:
        if quote.instrument != self._traded:
            return
        self._quoted = True
        per_unit = self._ticks_per_unit
        bid = round(quote.bid_price * per_unit)
        ask = round(quote.ask_price * per_unit)
        moved = bid + ask - self._anchor
        if self._stale or moved >= self._band or -moved >= self._band:
            self._requote(bid, ask)

    def on_trade(self, trade: Trade) -> None:
        if self._quoted or trade.instrument != self._traded:
            return
        price = round(trade.price * self._ticks_per_unit)
        moved = 2 * price - self._anchor
        if self._stale or moved >= self._band or -moved >= self._band:
            self._requote(price, price)

    def _requote(self, bid_ticks: int, ask_ticks: int) -> None:
        """Price both sides from this market and bring the working orders to those prices."""
        self._anchor = bid_ticks + ask_ticks
        self._stale = False
        inventory = self._inventory
        bid, ask = quote_ticks(
            bid_ticks,
            ask_ticks,
            inventory,
            half_spread_ticks=self._half,
            skew_ticks=self._skew,
            max_inventory=self._limit,
        )
        buy = self._buy
        if buy.order_id:
            if buy.price_ticks != bid and buy.final_filled < 0:
                buy.price_ticks = bid
                self.modify(buy.order_id, limit=self.price(bid))
        elif inventory + self._size <= self._limit:
            buy.price_ticks = bid
            buy.order_id = self.order(
                Side.BUY, self._size, self._traded, limit=self.price(bid), post_only=True
            )
        sell = self._sell
        if sell.order_id:
            if sell.price_ticks != ask and sell.final_filled < 0:
                sell.price_ticks = ask
                self.modify(sell.order_id, limit=self.price(ask))
        elif inventory - self._size >= -self._limit:
            sell.price_ticks = ask
            sell.order_id = self.order(
                Side.SELL, self._size, self._traded, limit=self.price(ask), post_only=True
            )

    def on_fill(self, fill: Fill) -> None:
        if fill.instrument != self._traded:
            return
        self._inventory += fill.quantity if fill.side == Side.BUY else -fill.quantity
        self._stale = True  # the skew moved
        for side in (self._buy, self._sell):
            if side.order_id == fill.order_id:
                side.delivered += fill.quantity
                self._forget_if_done(side)

    def on_order(self, update: OrderUpdate) -> None:
        order = update.order
        if not order.status.is_final:
            return
        for side in (self._buy, self._sell):
            if side.order_id == order.order_id:
                side.final_filled = order.filled_quantity
                self._forget_if_done(side)

    def _forget_if_done(self, side: _Quote) -> None:
        # Done once final and every fill it made was delivered (random report latency
        # can deliver a fill after the final status): only then is the inventory exact.
        filled = side.final_filled
        if filled >= 0 and side.delivered >= filled - _EPSILON * max(1.0, filled):
            side.clear()
            self._stale = True  # the side may be quoted again
