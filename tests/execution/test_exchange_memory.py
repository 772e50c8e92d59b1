"""A finished order leaves the exchange's working state, and is still answered for.

The exchange keeps a mutable `Working` per open order only; once an order is
final its last snapshot goes into a columnar log of finished orders, so a run
of millions of orders holds no object per finished one. What the strategy
sees must not change: a late cancel or modify is refused with the order as it
ended, an id cannot be reused, a bracket child finds its finished parent.
"""

from __future__ import annotations

import pytest

from tickdeck.core import Fill, InputError, Instrument, OrderStatus, Quote, RejectReason, Side
from tickdeck.core.enums import OrderType
from tickdeck.core.orders import Order, OrderRequest, OrderUpdate
from tickdeck.execution.exchange import Report, SimulatedExchange
from tickdeck.results._order_columns import OrderColumns

ACME = Instrument("ACME", "XNAS", "0.01")
ID = ACME.id
T0 = 1_704_186_000_000_000_000  # 2024-01-02T09:00Z


def quote(ts: int, bid: float, ask: float) -> Quote:
    return Quote(ID, ts, ts, bid, ask, 100.0, 100.0)


def updates(reports: list[Report]) -> list[OrderUpdate]:
    return [r for r in reports if isinstance(r, OrderUpdate)]


def final(reports: list[Report]) -> Order:
    return updates(reports)[-1].order


@pytest.fixture
def exchange() -> SimulatedExchange:
    venue = SimulatedExchange({ID: ACME})
    venue.on_quote(quote(T0, 10.00, 10.02))
    return venue


def test_a_cancel_after_the_fill_is_refused_with_the_order_as_it_ended(
    exchange: SimulatedExchange,
) -> None:
    filled = final(exchange.submit(1, OrderRequest(ID, Side.BUY, 10.0), T0 + 1))
    assert filled.status == OrderStatus.FILLED
    [refusal] = exchange.cancel(1, T0 + 2)
    assert isinstance(refusal, OrderUpdate)
    assert (refusal.ts, refusal.refused, refusal.order) == (
        T0 + 2,
        RejectReason.ORDER_NOT_OPEN,
        filled,
    )


def test_a_modify_after_a_cancel_is_refused_and_changes_nothing(
    exchange: SimulatedExchange,
) -> None:
    limit = OrderRequest(ID, Side.BUY, 10.0, OrderType.LIMIT, limit_price=9.5)
    exchange.submit(1, limit, T0 + 1)
    canceled = final(exchange.cancel(1, T0 + 2))
    assert canceled.status == OrderStatus.CANCELED
    [refusal] = exchange.modify(1, T0 + 3, limit_price=9.9)
    assert isinstance(refusal, OrderUpdate)
    assert refusal.refused == RejectReason.ORDER_NOT_OPEN
    assert refusal.order == canceled == exchange.order(1)
    assert not exchange.on_quote(quote(T0 + 4, 9.80, 9.90))  # nothing rests at 9.9


def test_an_order_rejected_on_arrival_is_answered_for_too() -> None:
    venue = SimulatedExchange({ID: ACME})  # no quote yet: a market order has no market
    rejected = final(venue.submit(1, OrderRequest(ID, Side.SELL, 1.0), T0))
    assert rejected.reject_reason == RejectReason.NO_MARKET
    assert venue.order(1) == rejected
    [refusal] = venue.cancel(1, T0 + 1)
    assert isinstance(refusal, OrderUpdate)
    assert refusal.order == rejected


def test_finished_orders_keep_no_working_state(exchange: SimulatedExchange) -> None:
    reports: dict[int, list[Report]] = {}
    for order_id in range(1, 301):
        side = Side.BUY if order_id % 2 else Side.SELL
        reports[order_id] = exchange.submit(order_id, OrderRequest(ID, side, 5.0), T0 + order_id)
    resting = OrderRequest(ID, Side.BUY, 5.0, OrderType.LIMIT, limit_price=9.0)
    exchange.submit(301, resting, T0 + 400)
    # Private state, read on purpose: no public read says what the exchange holds.
    assert list(exchange._orders) == [301]
    assert [o.order_id for o in exchange.open_orders()] == [301]
    for order_id, made in reports.items():
        assert exchange.order(order_id) == final(made)
    fills = [r for made in reports.values() for r in made if isinstance(r, Fill)]
    assert len(fills) == 300


def test_an_id_stays_used_after_its_order_finished(exchange: SimulatedExchange) -> None:
    exchange.submit(7, OrderRequest(ID, Side.BUY, 1.0), T0 + 1)
    with pytest.raises(InputError, match="order_id"):
        exchange.submit(7, OrderRequest(ID, Side.SELL, 1.0), T0 + 2)


def test_a_child_sent_after_its_parent_filled_starts_at_once(
    exchange: SimulatedExchange,
) -> None:
    exchange.submit(1, OrderRequest(ID, Side.BUY, 10.0), T0 + 1)
    target = OrderRequest(
        ID, Side.SELL, 10.0, OrderType.LIMIT, limit_price=10.01, parent_id=1, reduce_only=True
    )
    assert [u.order.status for u in updates(exchange.submit(2, target, T0 + 2))] == [
        OrderStatus.ACCEPTED
    ]
    fills = [r for r in exchange.on_quote(quote(T0 + 3, 10.01, 10.03)) if isinstance(r, Fill)]
    assert [(f.order_id, f.price, f.quantity) for f in fills] == [(2, 10.01, 10.0)]


def test_unknown_ids_are_not_answered_for(exchange: SimulatedExchange) -> None:
    assert exchange.cancel(99, T0 + 1) == []
    with pytest.raises(KeyError):
        exchange.order(99)


def test_finished_orders_go_to_the_log_the_exchange_was_given() -> None:
    log = OrderColumns()
    venue = SimulatedExchange({ID: ACME}, finished=log)
    venue.on_quote(quote(T0, 10.00, 10.02))
    filled = final(venue.submit(1, OrderRequest(ID, Side.BUY, 3.0), T0 + 1))
    venue.submit(2, OrderRequest(ID, Side.BUY, 3.0, OrderType.LIMIT, limit_price=9.0), T0 + 2)
    assert log.get(1) == filled
    assert log.get(2) is None  # still open: not in the log of finished orders
