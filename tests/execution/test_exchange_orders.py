"""The simulated exchange: every order type, time in force and rejection, on L1 quotes."""

from __future__ import annotations

import math

import pytest

from tickdeck.core import (
    Fill,
    Instrument,
    Liquidity,
    OrderStatus,
    OrderType,
    Quote,
    RejectReason,
    Side,
    TimeInForce,
)
from tickdeck.core.orders import OrderRequest, OrderUpdate
from tickdeck.execution import BpsFee, FixedBpsSlippage
from tickdeck.execution.config import ExchangeConfig, RiskLimits
from tickdeck.execution.exchange import Report, SimulatedExchange
from tickdeck.execution.matching import SyntheticDepth

ACME = Instrument("ACME", "XNAS", "0.01")
ID = ACME.id
DAY = 86_400_000_000_000
T0 = 1_704_186_000_000_000_000  # 2024-01-02T09:00Z


def quote(ts: int, bid: float, ask: float, bid_size: float = 100, ask_size: float = 100) -> Quote:
    return Quote(ID, ts, ts, bid, ask, bid_size, ask_size)


def fills(reports: list[Report]) -> list[tuple[float, float]]:
    return [(r.price, r.quantity) for r in reports if isinstance(r, Fill)]


def statuses(reports: list[Report]) -> list[OrderStatus]:
    return [r.order.status for r in reports if isinstance(r, OrderUpdate)]


def last(reports: list[Report]) -> OrderUpdate:
    return [r for r in reports if isinstance(r, OrderUpdate)][-1]


@pytest.fixture
def exchange() -> SimulatedExchange:
    venue = SimulatedExchange({ID: ACME})
    venue.on_quote(quote(T0, 10.00, 10.02))
    return venue


def buy(quantity: float = 10, **kwargs: object) -> OrderRequest:
    return OrderRequest(ID, Side.BUY, quantity, **kwargs)  # type: ignore[arg-type]


def sell(quantity: float = 10, **kwargs: object) -> OrderRequest:
    return OrderRequest(ID, Side.SELL, quantity, **kwargs)  # type: ignore[arg-type]


def test_a_market_buy_crosses_the_spread(exchange: SimulatedExchange) -> None:
    reports = exchange.submit(1, buy(10), T0 + 1)
    assert statuses(reports) == [OrderStatus.ACCEPTED, OrderStatus.FILLED]
    assert fills(reports) == [(10.02, 10)]
    fill = next(r for r in reports if isinstance(r, Fill))
    assert fill.liquidity == Liquidity.TAKER
    assert fill.slippage == pytest.approx(0.01)  # half the spread against the mid
    assert exchange.position(ID) == 10


def test_size_beyond_the_top_walks_synthetic_depth(exchange: SimulatedExchange) -> None:
    reports = exchange.submit(1, sell(650), T0 + 1)
    # 100 at each of 5 levels one tick apart, the last 150 at the deepest level.
    assert fills(reports) == [(10.0, 100), (9.99, 100), (9.98, 100), (9.97, 100), (9.96, 250)]


def test_a_market_order_without_a_quote_is_rejected() -> None:
    venue = SimulatedExchange({ID: ACME})
    update = last(venue.submit(1, buy(), T0))
    assert update.order.status == OrderStatus.REJECTED
    assert update.order.reject_reason == RejectReason.NO_MARKET


def test_a_resting_limit_fills_when_the_market_comes_to_it(exchange: SimulatedExchange) -> None:
    reports = exchange.submit(1, buy(150, order_type=OrderType.LIMIT, limit_price=9.99), T0 + 1)
    assert statuses(reports) == [OrderStatus.ACCEPTED]
    assert exchange.on_quote(quote(T0 + 2, 9.98, 10.00)) == []
    partial = exchange.on_quote(quote(T0 + 3, 9.98, 9.99, ask_size=60))
    assert fills(partial) == [(9.99, 60)]
    assert statuses(partial) == [OrderStatus.PARTIALLY_FILLED]
    rest = exchange.on_quote(quote(T0 + 4, 9.97, 9.98, ask_size=500))
    assert fills(rest) == [(9.99, 90)]  # through our price: at our limit, as maker
    assert next(r for r in rest if isinstance(r, Fill)).liquidity == Liquidity.MAKER
    assert exchange.order(1).status == OrderStatus.FILLED
    assert exchange.order(1).average_price == pytest.approx(9.99)


def test_a_marketable_limit_takes_up_to_its_price_and_rests_the_rest(
    exchange: SimulatedExchange,
) -> None:
    exchange.on_quote(quote(T0 + 1, 10.00, 10.02, ask_size=30))
    reports = exchange.submit(1, buy(100, order_type=OrderType.LIMIT, limit_price=10.03), T0 + 2)
    assert fills(reports) == [(10.02, 30), (10.03, 30)]
    assert exchange.order(1).status == OrderStatus.PARTIALLY_FILLED
    assert [o.order_id for o in exchange.open_orders()] == [1]


def test_post_only_rejects_an_order_that_would_take(exchange: SimulatedExchange) -> None:
    request = buy(order_type=OrderType.LIMIT, limit_price=10.02, post_only=True)
    update = last(exchange.submit(1, request, T0 + 1))
    assert update.order.reject_reason == RejectReason.POST_ONLY_WOULD_TAKE
    resting = buy(order_type=OrderType.LIMIT, limit_price=10.01, post_only=True)
    assert statuses(exchange.submit(2, resting, T0 + 2)) == [OrderStatus.ACCEPTED]


def test_ioc_fills_what_it_can_and_cancels_the_rest(exchange: SimulatedExchange) -> None:
    exchange.on_quote(quote(T0 + 1, 10.00, 10.02, ask_size=40))
    request = buy(100, order_type=OrderType.LIMIT, limit_price=10.02, time_in_force=TimeInForce.IOC)
    reports = exchange.submit(1, request, T0 + 2)
    assert fills(reports) == [(10.02, 40)]
    assert statuses(reports)[-1] == OrderStatus.CANCELED


def test_fok_is_all_or_nothing(exchange: SimulatedExchange) -> None:
    exchange.on_quote(quote(T0 + 1, 10.00, 10.02, ask_size=40))
    request = buy(100, order_type=OrderType.LIMIT, limit_price=10.02, time_in_force=TimeInForce.FOK)
    killed = last(exchange.submit(1, request, T0 + 2))
    assert killed.order.status == OrderStatus.CANCELED
    assert killed.order.reject_reason == RejectReason.FOK_NOT_FILLABLE
    enough = buy(100, order_type=OrderType.LIMIT, limit_price=10.04, time_in_force=TimeInForce.FOK)
    assert exchange.submit(2, enough, T0 + 3)[-1].order.status == OrderStatus.FILLED  # type: ignore[union-attr]


def test_a_stop_triggers_when_the_market_reaches_it_and_then_takes(
    exchange: SimulatedExchange,
) -> None:
    reports = exchange.submit(1, buy(order_type=OrderType.STOP, stop_price=10.05), T0 + 1)
    assert statuses(reports) == [OrderStatus.ACCEPTED]
    assert exchange.on_quote(quote(T0 + 2, 10.02, 10.04)) == []
    triggered = exchange.on_quote(quote(T0 + 3, 10.04, 10.06))
    assert statuses(triggered) == [OrderStatus.TRIGGERED, OrderStatus.FILLED]
    assert fills(triggered) == [(10.06, 10)]


def test_a_stop_limit_becomes_a_resting_limit(exchange: SimulatedExchange) -> None:
    request = sell(order_type=OrderType.STOP_LIMIT, stop_price=9.95, limit_price=9.96)
    exchange.submit(1, request, T0 + 1)
    gapped = exchange.on_quote(quote(T0 + 2, 9.94, 9.95))
    assert statuses(gapped) == [OrderStatus.TRIGGERED]  # the bid is below the limit: it rests
    assert fills(exchange.on_quote(quote(T0 + 3, 9.96, 9.97))) == [(9.96, 10)]


def test_a_trailing_stop_follows_the_best_price(exchange: SimulatedExchange) -> None:
    exchange.submit(1, sell(order_type=OrderType.TRAILING_STOP, trail=0.05), T0 + 1)
    assert exchange.order(1).stop_price == pytest.approx(9.95)
    exchange.on_quote(quote(T0 + 2, 10.20, 10.22))
    assert exchange.on_quote(quote(T0 + 3, 10.16, 10.18)) == []
    assert exchange.order(1).stop_price == pytest.approx(10.15)
    hit = exchange.on_quote(quote(T0 + 4, 10.15, 10.17))
    assert fills(hit) == [(10.15, 10)]


def test_day_orders_expire_at_the_session_end(exchange: SimulatedExchange) -> None:
    exchange.submit(
        1, buy(order_type=OrderType.LIMIT, limit_price=9.5, time_in_force=TimeInForce.DAY), T0 + 1
    )
    assert exchange.on_quote(quote(T0 + 3600 * 10**9, 10.0, 10.02)) == []
    next_day = exchange.on_quote(quote(T0 + DAY, 10.0, 10.02))
    assert statuses(next_day) == [OrderStatus.EXPIRED]
    assert last(next_day).order.ts_updated == 1_704_240_000_000_000_000  # midnight UTC


def test_gtd_orders_expire_at_their_time_and_must_be_in_the_future(
    exchange: SimulatedExchange,
) -> None:
    request = buy(
        order_type=OrderType.LIMIT,
        limit_price=9.5,
        time_in_force=TimeInForce.GTD,
        expire_ns=T0 + 50,
    )
    exchange.submit(1, request, T0 + 1)
    assert statuses(exchange.on_quote(quote(T0 + 60, 10.0, 10.02))) == [OrderStatus.EXPIRED]
    late = buy(
        order_type=OrderType.LIMIT, limit_price=9.5, time_in_force=TimeInForce.GTD, expire_ns=T0
    )
    assert (
        last(exchange.submit(2, late, T0 + 100)).order.reject_reason
        == RejectReason.EXPIRE_TIME_PASSED
    )


def test_cancel_and_modify(exchange: SimulatedExchange) -> None:
    exchange.submit(1, buy(order_type=OrderType.LIMIT, limit_price=9.5), T0 + 1)
    moved = exchange.modify(1, T0 + 2, limit_price=10.02)
    assert fills(moved) == [(10.02, 10)]
    exchange.submit(2, buy(order_type=OrderType.LIMIT, limit_price=9.5), T0 + 3)
    assert statuses(exchange.cancel(2, T0 + 4)) == [OrderStatus.CANCELED]
    again = last(exchange.cancel(2, T0 + 5))
    assert again.refused == RejectReason.ORDER_NOT_OPEN
    # The refusal reports the order as it is: canceled at T0 + 4, with no reason of its own.
    assert again.order.status == OrderStatus.CANCELED
    assert again.order.reject_reason == RejectReason.NONE
    assert again.order.ts_updated == T0 + 4
    refused = last(exchange.modify(2, T0 + 6, limit_price=9.6))
    assert refused.refused == RejectReason.ORDER_NOT_OPEN
    assert refused.order.request.limit_price == 9.5


def test_a_modified_order_reports_the_terms_it_now_works_with(
    exchange: SimulatedExchange,
) -> None:
    exchange.submit(1, buy(order_type=OrderType.LIMIT, limit_price=9.5), T0 + 1)
    update = last(exchange.modify(1, T0 + 2, limit_price=9.6, quantity=25))
    assert update.refused == RejectReason.NONE
    assert (update.order.request.limit_price, update.order.request.quantity) == (9.6, 25)
    assert update.order.remaining == 25


def test_reduce_only_never_increases_a_position(exchange: SimulatedExchange) -> None:
    assert last(exchange.submit(1, sell(5, reduce_only=True), T0 + 1)).order.reject_reason == (
        RejectReason.REDUCE_ONLY_WOULD_INCREASE
    )
    exchange.submit(2, buy(30), T0 + 2)
    trimmed = exchange.submit(3, sell(50, reduce_only=True), T0 + 3)
    assert fills(trimmed) == [(10.0, 30)]
    assert exchange.position(ID) == 0


@pytest.mark.parametrize(
    ("limits", "request_", "reason"),
    [
        (RiskLimits(max_order_quantity=50), buy(60), RejectReason.MAX_ORDER_SIZE),
        (RiskLimits(max_order_notional=500.0), buy(60), RejectReason.MAX_ORDER_NOTIONAL),
        (RiskLimits(max_position=50), buy(60), RejectReason.MAX_POSITION),
        (RiskLimits(max_leverage=1.0), buy(200), RejectReason.MAX_LEVERAGE),
    ],
)
def test_risk_limits_reject_with_their_reason(
    limits: RiskLimits, request_: OrderRequest, reason: RejectReason
) -> None:
    venue = SimulatedExchange({ID: ACME}, ExchangeConfig(risk=limits), equity=lambda: 1000.0)
    venue.on_quote(quote(T0, 10.00, 10.02))
    update = last(venue.submit(1, request_, T0 + 1))
    assert update.order.status == OrderStatus.REJECTED
    assert update.order.reject_reason == reason
    assert venue.position(ID) == 0


@pytest.mark.parametrize(
    ("request_", "reason"),
    [
        (buy(order_type=OrderType.LIMIT, limit_price=10.005), RejectReason.INVALID_PRICE),
        (OrderRequest("NOPE.X", Side.BUY, 1), RejectReason.UNKNOWN_INSTRUMENT),
        (buy(0.5), RejectReason.INVALID_QUANTITY),
        (buy(parent_id=99), RejectReason.ORDER_NOT_OPEN),
    ],
)
def test_malformed_orders_are_rejected_not_raised(
    exchange: SimulatedExchange, request_: OrderRequest, reason: RejectReason
) -> None:
    assert last(exchange.submit(1, request_, T0 + 1)).order.reject_reason == reason


def test_a_bracket_activates_its_children_on_fill_and_they_cancel_each_other(
    exchange: SimulatedExchange,
) -> None:
    exchange.submit(1, buy(10, order_type=OrderType.LIMIT, limit_price=9.99), T0 + 1)
    stop = sell(
        10, order_type=OrderType.STOP, stop_price=9.90, parent_id=1, oco_group=7, reduce_only=True
    )
    target = sell(
        10,
        order_type=OrderType.LIMIT,
        limit_price=10.10,
        parent_id=1,
        oco_group=7,
        reduce_only=True,
    )
    exchange.submit(2, stop, T0 + 2)
    exchange.submit(3, target, T0 + 3)
    assert exchange.on_quote(quote(T0 + 4, 9.85, 10.00)) == []  # children wait for the entry
    entry = exchange.on_quote(quote(T0 + 5, 9.97, 9.98))
    assert fills(entry) == [(9.99, 10)]
    out = exchange.on_quote(quote(T0 + 6, 10.11, 10.12))
    assert fills(out) == [(10.10, 10)]
    assert exchange.order(2).status == OrderStatus.CANCELED
    assert exchange.position(ID) == 0


def test_a_cancelled_bracket_entry_cancels_its_children(exchange: SimulatedExchange) -> None:
    exchange.submit(1, buy(10, order_type=OrderType.LIMIT, limit_price=9.5), T0 + 1)
    exchange.submit(2, sell(10, order_type=OrderType.STOP, stop_price=9.0, parent_id=1), T0 + 2)
    exchange.cancel(1, T0 + 3)
    assert exchange.order(2).status == OrderStatus.CANCELED


def test_fees_and_slippage_models_apply_to_taker_fills() -> None:
    config = ExchangeConfig(
        fees=BpsFee(10), slippage=FixedBpsSlippage(20), depth=SyntheticDepth(levels=1)
    )
    venue = SimulatedExchange({ID: ACME}, config)
    venue.on_quote(quote(T0, 10.00, 10.02))
    fill = next(r for r in venue.submit(1, buy(10), T0 + 1) if isinstance(r, Fill))
    assert fill.price == pytest.approx(10.05)  # 10.02 + 20 bps, rounded up to the tick
    assert fill.fee == pytest.approx(10.05 * 10 * 10e-4)


def test_quotes_without_sizes_fill_the_whole_order_at_the_top() -> None:
    venue = SimulatedExchange({ID: ACME})
    venue.on_quote(quote(T0, 10.00, 10.02, bid_size=0, ask_size=0))
    assert fills(venue.submit(1, buy(1000), T0 + 1)) == [(10.02, 1000)]
    assert math.isnan(venue.market(ID).traded_volume)
