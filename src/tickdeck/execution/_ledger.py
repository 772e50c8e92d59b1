"""The exchange's order ledger: working orders, positions, fills, closes and expiries.

It also answers the reads (`order`, `open_orders`, `position`, `market`) and
keeps each instrument's `MarketState`, with the last quote left pending while
nothing of ours works on the instrument.

`SimulatedExchange` extends it with the fill rules; this part only records
what the rules decide, so the bookkeeping is written once.

An order's mutable `Working` state lives only while the order is open. Once
final, the order is written, as its last snapshot, into a columnar log of
finished orders (`OrderColumns`, about 60 bytes an order) and its `Working`
is dropped: a long run finishes millions of orders, and the log is all that a
late cancel or modify needs (it is refused with the order as it ended).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from tickdeck.core import (
    Fill,
    FillBasis,
    Instrument,
    Liquidity,
    OrderStatus,
    Quote,
    RejectReason,
    Side,
)
from tickdeck.core.orders import Order, OrderUpdate
from tickdeck.execution._working import Working
from tickdeck.execution.config import ExchangeConfig
from tickdeck.execution.market import MarketState
from tickdeck.results._order_columns import OrderColumns

__all__ = ["NEVER", "Ledger", "Report"]

Report = OrderUpdate | Fill
NEVER = 2**63 - 1


class Ledger:
    """Open orders by id and by instrument, finished orders, net positions, the next expiry.

    `finished` is the log finished orders are written to (a new one if None):
    the engine passes its own, to read the run's orders from it at the end.
    """

    def __init__(
        self,
        instruments: Mapping[str, Instrument],
        config: ExchangeConfig,
        finished: OrderColumns | None = None,
    ) -> None:
        self.config = config
        self._instruments = dict(instruments)
        self._markets = {
            i: MarketState(volume_window_ns=config.volume_window_ns) for i in self._instruments
        }
        self._working: dict[str, list[Working]] = {}
        self._orders: dict[int, Working] = {}  # open orders only
        self._finished = finished if finished is not None else OrderColumns()
        self._children: dict[int, list[Working]] = {}  # bracket children by parent id
        self._positions: dict[str, float] = dict.fromkeys(self._instruments, 0.0)
        self._next_expiry = NEVER
        # The last quote of an instrument with nothing of ours working: applied to its
        # MarketState only when something reads it, so an idle quote costs one store.
        self._pending: dict[str, Quote] = {}

    def market(self, instrument_id: str) -> MarketState:
        """What the exchange knows of `instrument_id`'s market now."""
        return self._market(instrument_id)

    def position(self, instrument_id: str) -> float:
        """Net position the exchange has filled for us (units, signed)."""
        return self._positions[instrument_id]

    def order(self, order_id: int) -> Order:
        """Order `order_id` as it is now; KeyError if it was never submitted."""
        working = self._orders.get(order_id)
        if working is not None:
            return working.snapshot()
        final = self._finished.get(order_id)
        if final is None:
            raise KeyError(order_id)
        return final

    def open_orders(self, instrument_id: str | None = None) -> list[Order]:
        return [
            w.snapshot()
            for i, ws in self._working.items()
            if instrument_id is None or i == instrument_id
            for w in ws
        ]

    def _market(self, instrument_id: str) -> MarketState:
        """The market of `instrument_id` as it is now (a pending quote applied)."""
        market = self._markets[instrument_id]
        quote = self._pending.pop(instrument_id, None)
        if quote is not None:
            market.on_quote(
                quote.ts_event, quote.bid_price, quote.ask_price, quote.bid_size, quote.ask_size
            )
        return market

    def _mark(self, instrument_id: str) -> float:
        """The mid, or the last price without a quote (NaN before either)."""
        market = self._market(instrument_id)
        return market.mid if market.has_quote else market.last_price

    def _live(self, instrument_id: str) -> list[Working]:
        """The active open orders of `instrument_id`, in the order they entered the book."""
        return [
            w for w in self._working.get(instrument_id, ()) if w.active and not w.status.is_final
        ]

    def _activate(self, working: Working, ts: int, reports: list[Report]) -> None:
        """Bring an accepted order to the market (the rules' entry point)."""
        raise NotImplementedError

    def _fill(
        self,
        working: Working,
        price: float,
        quantity: float,
        liquidity: Liquidity,
        ts: int,
        reports: list[Report],
        basis: FillBasis,
    ) -> None:
        if quantity <= 0:
            return
        request = working.request
        instrument = self._instruments[request.instrument]
        fee = self.config.fees.fee(
            price=price,
            quantity=quantity,
            multiplier=float(instrument.multiplier),
            liquidity=liquidity,
        )
        sign = 1.0 if request.side == Side.BUY else -1.0
        slippage = (
            0.0 if math.isnan(working.reference_mid) else sign * (price - working.reference_mid)
        )
        reports.append(
            Fill(
                working.order_id,
                request.instrument,
                ts,
                request.side,
                quantity,
                price,
                fee,
                liquidity,
                slippage,
                basis,
            )
        )
        self._positions[request.instrument] += sign * quantity
        working.add_fill(price, quantity)
        done = working.remaining <= 1e-12 * max(1.0, working.quantity)
        status = OrderStatus.FILLED if done else OrderStatus.PARTIALLY_FILLED
        update = working.change(status, ts)
        reports.append(update)
        if done:
            self._retire(working, update.order)
            self._remove(working)
            self._on_final(working, ts, reports)
        if request.oco_group is not None:
            for other in list(self._working.get(request.instrument, ())):
                if other is not working and other.request.oco_group == request.oco_group:
                    self._close(other, OrderStatus.CANCELED, ts, reports)

    def _acknowledge(self, working: Working, ts: int, reports: list[Report]) -> None:
        """Report an arriving order ACCEPTED, once it has passed every check made on arrival.

        An order refused on arrival (a pre-trade check, post-only, no market) is
        reported REJECTED only.
        """
        if working.status == OrderStatus.SUBMITTED:
            reports.append(working.change(OrderStatus.ACCEPTED, ts))

    def _trigger(self, working: Working, ts: int, reports: list[Report]) -> None:
        working.triggered = True
        reports.append(working.change(OrderStatus.TRIGGERED, ts))

    def _close(
        self,
        working: Working,
        status: OrderStatus,
        ts: int,
        reports: list[Report],
        reason: RejectReason = RejectReason.NONE,
    ) -> None:
        if working.status.is_final:
            return
        self._remove(working)
        update = working.finish(status, ts, reason)
        reports.append(update)
        self._retire(working, update.order)
        self._on_final(working, ts, reports)

    def _reject(
        self, working: Working, ts: int, reason: RejectReason, reports: list[Report]
    ) -> None:
        """Refuse an order on arrival: it never rests, and is final at once."""
        update = working.finish(OrderStatus.REJECTED, ts, reason)
        reports.append(update)
        self._retire(working, update.order)

    def _retire(self, working: Working, final: Order) -> None:
        """A final order leaves the open orders for the log, as its last snapshot `final`."""
        self._orders.pop(working.order_id, None)
        self._finished.put(final)

    def _status(self, order_id: int) -> OrderStatus | None:
        """The status of order `order_id`, open or finished; None if it was never submitted."""
        working = self._orders.get(order_id)
        return working.status if working is not None else self._finished.status(order_id)

    def _refuse(self, order_id: int, ts: int, reports: list[Report]) -> Working | None:
        """The open order `order_id`; for a finished one, its refusal is reported (None).

        An unknown id is neither: None and no report.
        """
        working = self._orders.get(order_id)
        if working is not None and not working.status.is_final:
            return working
        if working is not None:
            reports.append(working.rejection(ts, RejectReason.ORDER_NOT_OPEN))
            return None
        final = self._finished.get(order_id)
        if final is not None:
            reports.append(OrderUpdate(ts, final, refused=RejectReason.ORDER_NOT_OPEN))
        return None

    def _on_final(self, working: Working, ts: int, reports: list[Report]) -> None:
        """Bracket children follow their parent once it is final."""
        for child in self._children.pop(working.order_id, ()):
            if not child.status.is_final and not child.active:
                self._follow_parent(child, working.filled, ts, reports)

    def _follow_parent(
        self, child: Working, parent_filled: float, ts: int, reports: list[Report]
    ) -> None:
        """A child of a final parent: active with at most the parent's fill, or cancelled."""
        quantity = min(child.quantity, parent_filled)
        if child.request.reduce_only:
            quantity = min(quantity, abs(self._positions[child.request.instrument]))
        if not quantity > 0:
            # No fill to follow (or, reduce-only, no position left to reduce).
            self._close(child, OrderStatus.CANCELED, ts, reports)
            return
        child.quantity = quantity
        child.active = True
        self._remove(child)
        self._activate(child, ts, reports)

    def _add(self, working: Working) -> None:
        orders = self._working.setdefault(working.request.instrument, [])
        if working not in orders:
            orders.append(working)
        if working.expire_ns is not None:
            self._next_expiry = min(self._next_expiry, working.expire_ns)

    def _remove(self, working: Working) -> None:
        orders = self._working.get(working.request.instrument)
        if orders and working in orders:
            orders.remove(working)
            if not orders:
                del self._working[working.request.instrument]

    def _expire(self, ts: int, reports: list[Report]) -> None:
        """Close the orders whose expiry is not after `ts`, each stamped with its expiry.

        They go in expiry order, then by id. An expiry can activate bracket
        children, which may expire in turn: the orders are scanned again
        whenever one added meanwhile expires before the next in line.
        """
        while ts >= self._next_expiry:
            due: list[tuple[int, int, Working]] = []
            upcoming = NEVER
            for orders in self._working.values():
                for working in orders:
                    expire_ns = working.expire_ns
                    if expire_ns is None:
                        continue
                    if expire_ns <= ts:
                        due.append((expire_ns, working.order_id, working))
                    elif expire_ns < upcoming:
                        upcoming = expire_ns
            due.sort(key=lambda d: (d[0], d[1]))
            self._next_expiry = upcoming  # lowered by `_add` for an order added meanwhile
            for expire_ns, _, working in due:
                if self._next_expiry <= expire_ns:
                    break  # an order added meanwhile expires first: scan again
                self._close(working, OrderStatus.EXPIRED, expire_ns, reports)
