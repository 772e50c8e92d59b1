"""How orders fill from each kind of data: trades with a queue, bars with a path, an L2 book."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tickdeck.core import (
    Bar,
    BookAction,
    BookDelta,
    Fill,
    Instrument,
    OrderStatus,
    OrderType,
    Quote,
    Side,
    Trade,
)
from tickdeck.core.orders import OrderRequest
from tickdeck.execution.config import ExchangeConfig, SameBarRule
from tickdeck.execution.exchange import Report, SimulatedExchange
from tickdeck.execution.queue import ConservativeQueue, ProbabilisticQueue

ACME = Instrument("ACME", "XNAS", "0.01")
ID = ACME.id
T0 = 1_704_186_000_000_000_000
MINUTE = 60_000_000_000


def fills(reports: list[Report]) -> list[tuple[float, float]]:
    return [(r.price, r.quantity) for r in reports if isinstance(r, Fill)]


def trade(ts: int, price: float, size: float) -> Trade:
    return Trade(ID, ts, ts, price, size, 0, 0)


def quote(ts: int, bid: float, ask: float, bid_size: float = 100, ask_size: float = 100) -> Quote:
    return Quote(ID, ts, ts, bid, ask, bid_size, ask_size)


def bar(ts: int, o: float, h: float, low: float, c: float) -> Bar:
    return Bar(ID, ts, ts, o, h, low, c, 1000.0, MINUTE)


def resting_bid(venue: SimulatedExchange, quantity: float = 10, price: float = 10.00) -> None:
    request = OrderRequest(ID, Side.BUY, quantity, OrderType.LIMIT, limit_price=price)
    venue.submit(1, request, T0 + 1)


def test_trades_at_our_price_first_eat_the_queue_ahead() -> None:
    venue = SimulatedExchange({ID: ACME})
    venue.on_trade(trade(T0, 10.01, 1))
    venue.on_quote(quote(T0, 10.00, 10.02, bid_size=50))
    resting_bid(venue)  # 50 displayed ahead of us at 10.00
    assert fills(venue.on_trade(trade(T0 + 2, 10.00, 30))) == []
    assert fills(venue.on_trade(trade(T0 + 3, 10.00, 26))) == [(10.00, 6)]
    assert fills(venue.on_trade(trade(T0 + 4, 10.00, 100))) == [(10.00, 4)]
    assert venue.order(1).status == OrderStatus.FILLED


def test_a_trade_through_our_price_fills_us_in_full() -> None:
    venue = SimulatedExchange({ID: ACME})
    venue.on_trade(trade(T0, 10.01, 1))
    venue.on_quote(quote(T0, 10.00, 10.02, bid_size=500))
    resting_bid(venue)
    assert fills(venue.on_trade(trade(T0 + 2, 9.99, 1))) == [(10.00, 10)]


def test_with_trades_a_quote_locked_at_our_price_does_not_fill_us() -> None:
    venue = SimulatedExchange({ID: ACME})
    venue.on_trade(trade(T0, 10.01, 1))
    venue.on_quote(quote(T0, 10.00, 10.02, bid_size=50))
    resting_bid(venue)
    assert (
        fills(venue.on_quote(quote(T0 + 2, 9.99, 10.00))) == []
    )  # the queue decides, not the quote


@pytest.mark.parametrize(
    ("model", "filled"), [(ConservativeQueue(), 2.0), (ProbabilisticQueue(), 10.0)]
)
def test_cancellations_ahead_depend_on_the_queue_model(model: object, filled: float) -> None:
    venue = SimulatedExchange({ID: ACME}, ExchangeConfig(queue=model))  # type: ignore[arg-type]
    venue.on_trade(trade(T0, 10.01, 1))
    venue.on_quote(quote(T0, 10.00, 10.02, bid_size=40))
    resting_bid(venue)  # 40 ahead of us
    venue.on_quote(quote(T0 + 2, 10.00, 10.02, bid_size=80))  # 40 join behind us
    venue.on_quote(quote(T0 + 3, 10.00, 10.02, bid_size=60))  # 20 cancel, from where?
    # Conservative: from behind, 40 still ahead. Probabilistic: half of them ahead, 30 left.
    got = fills(venue.on_trade(trade(T0 + 4, 10.00, 42)))
    assert sum(q for _, q in got) == filled


def test_queue_models_never_put_more_ahead_than_is_displayed() -> None:
    for model in (ConservativeQueue(), ProbabilisticQueue(), ProbabilisticQueue(power=3)):
        assert model.on_size_decrease(80.0, 100.0, 30.0) <= 30.0
        assert model.on_size_decrease(0.0, 100.0, 30.0) == 0.0


def test_bars_fill_a_limit_when_the_path_reaches_it() -> None:
    venue = SimulatedExchange({ID: ACME})
    venue.on_bar(bar(T0, 10.00, 10.05, 9.98, 10.03))
    resting_bid(venue, price=9.95)
    assert fills(venue.on_bar(bar(T0 + MINUTE, 10.03, 10.04, 9.96, 9.99))) == []
    assert fills(venue.on_bar(bar(T0 + 2 * MINUTE, 9.99, 10.00, 9.94, 9.97))) == [(9.95, 10)]


def test_a_bar_that_gaps_through_a_limit_fills_at_the_open() -> None:
    venue = SimulatedExchange({ID: ACME})
    venue.on_bar(bar(T0, 10.00, 10.05, 9.98, 10.03))
    resting_bid(venue, price=9.95)
    assert fills(venue.on_bar(bar(T0 + MINUTE, 9.90, 9.93, 9.85, 9.92))) == [(9.90, 10)]


def test_a_market_order_on_bars_fills_at_the_next_open() -> None:
    venue = SimulatedExchange({ID: ACME})
    venue.on_bar(bar(T0, 10.00, 10.05, 9.98, 10.03))
    reports = venue.submit(1, OrderRequest(ID, Side.BUY, 5), T0 + 1)
    assert fills(reports) == []
    assert fills(venue.on_bar(bar(T0 + MINUTE, 10.04, 10.06, 10.01, 10.02))) == [(10.04, 5)]


@pytest.mark.parametrize(
    ("rule", "expected"), [(SameBarRule.STOP_FIRST, 9.90), (SameBarRule.TARGET_FIRST, 10.20)]
)
def test_stop_and_target_in_one_bar_follow_the_configured_rule(
    rule: SameBarRule, expected: float
) -> None:
    venue = SimulatedExchange({ID: ACME}, ExchangeConfig(same_bar=rule))
    venue.on_bar(bar(T0, 10.00, 10.05, 9.98, 10.03))
    venue.submit(1, OrderRequest(ID, Side.BUY, 10), T0 + 1)
    venue.on_bar(bar(T0 + MINUTE, 10.03, 10.04, 10.01, 10.02))
    assert venue.position(ID) == 10
    stop = OrderRequest(ID, Side.SELL, 10, OrderType.STOP, stop_price=9.90, oco_group=1)
    target = OrderRequest(ID, Side.SELL, 10, OrderType.LIMIT, limit_price=10.20, oco_group=1)
    venue.submit(2, stop, T0 + MINUTE + 1)
    venue.submit(3, target, T0 + MINUTE + 2)
    both = venue.on_bar(bar(T0 + 2 * MINUTE, 10.02, 10.30, 9.80, 10.00))
    assert fills(both) == [(expected, 10)]
    assert venue.position(ID) == 0


def test_the_path_rule_visits_the_low_first_on_an_up_bar() -> None:
    venue = SimulatedExchange({ID: ACME}, ExchangeConfig(same_bar=SameBarRule.PATH))
    venue.on_bar(bar(T0, 10.00, 10.05, 9.98, 10.03))
    venue.submit(1, OrderRequest(ID, Side.BUY, 10), T0 + 1)
    venue.on_bar(bar(T0 + MINUTE, 10.03, 10.04, 10.01, 10.02))
    venue.submit(
        2,
        OrderRequest(ID, Side.SELL, 10, OrderType.STOP, stop_price=9.90, oco_group=1),
        T0 + MINUTE,
    )
    venue.submit(
        3,
        OrderRequest(ID, Side.SELL, 10, OrderType.LIMIT, limit_price=10.20, oco_group=1),
        T0 + MINUTE,
    )
    up_bar = venue.on_bar(bar(T0 + 2 * MINUTE, 10.02, 10.30, 9.80, 10.25))
    assert fills(up_bar) == [(9.90, 10)]  # open, low (stop), high, close


def test_a_market_order_walks_the_l2_book() -> None:
    venue = SimulatedExchange({ID: ACME})
    for price, size in ((10.02, 5), (10.03, 7), (10.05, 100)):
        venue.on_book_delta(BookDelta(ID, T0, T0, Side.SELL, price, size, BookAction.ADD))
    venue.on_book_delta(BookDelta(ID, T0, T0, Side.BUY, 10.00, 9, BookAction.ADD))
    reports = venue.submit(1, OrderRequest(ID, Side.BUY, 20), T0 + 1)
    assert fills(reports) == [(10.02, 5), (10.03, 7), (10.05, 8)]


@given(
    st.lists(
        st.tuples(st.integers(1, 30), st.integers(1, 50)),
        min_size=1,
        max_size=8,
        unique_by=lambda x: x[0],
    ),
    st.integers(1, 400),
)
def test_walking_the_book_matches_a_naive_reference(
    levels: list[tuple[int, int]], quantity: int
) -> None:
    venue = SimulatedExchange({ID: ACME})
    book = sorted((10.0 + ticks / 100, size) for ticks, size in levels)
    for price, size in book:
        venue.on_book_delta(BookDelta(ID, T0, T0, Side.SELL, price, size, BookAction.ADD))
    got = fills(venue.submit(1, OrderRequest(ID, Side.BUY, quantity), T0 + 1))
    expected: list[tuple[float, float]] = []
    left = quantity
    for price, size in book:
        if left == 0:
            break
        expected.append((price, min(size, left)))
        left -= min(size, left)
    if left:
        expected[-1] = (expected[-1][0], expected[-1][1] + left)  # beyond the book: the last level
    assert got == expected
    assert sum(q for _, q in got) == quantity
    assert not math.isnan(venue.order(1).average_price)
