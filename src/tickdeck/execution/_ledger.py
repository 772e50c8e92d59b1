"""The exchange's order ledger: working orders, positions, fills, closes and expiries.

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

from tickdeck.core import Fill, FillBasis, Instrument, Liquidity, OrderStatus, RejectReason, Side
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
        """Bracket children follow their parent: activated by its fill, cancelled without one."""
        for child in self._children.pop(working.order_id, ()):
            if child.status.is_final or child.active:
                continue
            if working.filled > 0:
                child.quantity = min(child.quantity, working.filled)
                if child.request.reduce_only:
                    child.quantity = min(
                        child.quantity, abs(self._positions[child.request.instrument])
                    )
                child.active = True
                self._remove(child)
                self._activate(child, ts, reports)
            else:
                self._close(child, OrderStatus.CANCELED, ts, reports)

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
        if ts < self._next_expiry:
            return
        upcoming = NEVER
        for orders in list(self._working.values()):
            for working in list(orders):
                if working.expire_ns is None:
                    continue
                if working.expire_ns <= ts:
                    self._close(working, OrderStatus.EXPIRED, working.expire_ns, reports)
                else:
                    upcoming = min(upcoming, working.expire_ns)
        self._next_expiry = upcoming
