"""The compiled matching engine matches a slow reference book, order by order.

A market with every agent population switched off is a bare matching engine
that only external orders reach; hypothesis drives it and
`abm_reference_book.ReferenceBook` with the same random order sequences.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from tests.synth.abm.abm_reference_book import BUY, SELL, ReferenceBook

from tickdeck.core import (
    BookAction,
    Instrument,
    OrderRequest,
    OrderStatus,
    OrderType,
    RejectReason,
    Side,
    TimeInForce,
)
from tickdeck.synth.abm import (
    AbmConfig,
    AbmMarket,
    FundamentalTraderConfig,
    MarketMakerConfig,
    MomentumTraderConfig,
    NoiseTraderConfig,
)

ACME = Instrument("ACME", "XNAS", "0.01")
Command = tuple[Any, ...]  # ("limit", side, tick, lots, tif), ("market", side, lots), ...
START = 1_704_153_600_000_000_000


def bare_market() -> AbmMarket:
    config = AbmConfig(
        ACME,
        1.00,
        start_ns=START,
        duration_ns=10**9,
        warmup_ns=0,
        price_levels=64,
        max_resting_orders=512,
        noise=NoiseTraderConfig(limit_rate_per_s=0, market_rate_per_s=0),
        market_makers=MarketMakerConfig(count=0),
        momentum=MomentumTraderConfig(rate_per_s=0),
        fundamental=FundamentalTraderConfig(rate_per_s=0),
    )
    return AbmMarket(config, seed=0)


def price(tick: int) -> float:
    return float(ACME.ticks_to_prices([tick])[0])


def ticks(prices: object) -> list[int]:
    result: list[int] = ACME.prices_to_ticks(np.asarray(prices, dtype=float)).tolist()
    return result


def side_of(code: int) -> Side:
    return Side.BUY if code == BUY else Side.SELL


def book_of(market: AbmMarket, side: int) -> list[tuple[int, int]]:
    levels = market.depth(side_of(side), 64)
    return [(ticks([p])[0], round(size)) for p, size in levels]


sides = st.sampled_from([BUY, SELL])
limits = st.tuples(
    st.just("limit"),
    sides,
    st.integers(95, 105),
    st.integers(1, 12),
    st.sampled_from(["gtc", "ioc"]),
)
markets = st.tuples(st.just("market"), sides, st.integers(1, 30))
cancels = st.tuples(st.just("cancel"), st.integers(0, 1000))
modifies = st.tuples(
    st.just("modify"), st.integers(0, 1000), st.integers(95, 105), st.integers(1, 12)
)
commands = st.lists(st.one_of(limits, limits, limits, markets, cancels, modifies), max_size=60)


def run_both(sequence: list[Command]) -> tuple[AbmMarket, ReferenceBook]:
    """Apply `sequence` to the engine and the reference, checking each answer and the book."""
    market, reference = bare_market(), ReferenceBook()
    submitted: list[int] = []
    for command in sequence:
        if command[0] in ("limit", "market"):
            if command[0] == "limit":
                _, side, tick, lots, tif = command
                request = OrderRequest(
                    ACME.id,
                    side_of(side),
                    lots,
                    OrderType.LIMIT,
                    limit_price=price(tick),
                    time_in_force=TimeInForce.parse(tif),
                )
                expected_id, filled = reference.submit(side, tick, lots, tif == "gtc")
            else:
                _, side, lots = command
                request = OrderRequest(ACME.id, side_of(side), lots)
                expected_id, filled = reference.submit(side, None, lots, False)
            answer = market.submit(request)
            assert answer.order_id == expected_id
            assert answer.filled_quantity == filled
            assert all(f.side == side_of(side) for f in answer.fills)
            submitted.append(answer.order_id)
        elif submitted and command[0] == "cancel":
            order_id = submitted[command[1] % len(submitted)]
            assert market.cancel(order_id) == reference.cancel(order_id)
        elif submitted and command[0] == "modify":
            _, index, tick, lots = command
            order_id = submitted[index % len(submitted)]
            done = reference.modify(order_id, tick, lots)
            reason = market.modify(order_id, price=price(tick), quantity=lots)
            assert (reason == RejectReason.NONE) == done
        for side in (BUY, SELL):
            assert book_of(market, side) == reference.levels(side)
            for tick, _ in reference.levels(side):
                queue = [(i, round(s)) for i, s in market.queue(side_of(side), price(tick))]
                assert queue == reference.queue(side, tick)
        bid, ask = market.best_bid, market.best_ask
        assert not (bid >= ask)  # never crossed, nor locked (NaN compares false)
    return market, reference


@given(commands)
def test_engine_fills_and_books_match_the_reference_after_every_order(
    sequence: list[Command],
) -> None:
    run_both(sequence)


@given(commands)
def test_engine_event_streams_match_the_reference(sequence: list[Command]) -> None:
    market, reference = run_both(sequence)
    events = market.advance(market.now_ns)
    l3 = events.order_events
    got = list(
        zip(
            l3["action"].tolist(),
            l3["order_id"].tolist(),
            l3["side"].tolist(),
            ticks(l3["price"]),
            np.rint(l3["size"]).astype(int).tolist(),
            strict=True,
        )
    )
    assert got == reference.l3
    trades = events.trades
    got_trades = list(
        zip(
            ticks(trades["price"]),
            np.rint(trades["size"]).astype(int).tolist(),
            trades["aggressor"].tolist(),
            strict=True,
        )
    )
    assert got_trades == reference.trades
    assert trades["trade_id"].tolist() == list(range(1, len(reference.trades) + 1))


@given(commands)
def test_l2_deltas_and_quotes_rebuild_the_final_book(sequence: list[Command]) -> None:
    market, reference = run_both(sequence)
    events = market.advance(market.now_ns)
    levels: dict[int, dict[int, int]] = {BUY: {}, SELL: {}}
    for row in events.book_deltas:
        tick, size = ticks([row["price"]])[0], round(row["size"])
        if row["action"] == BookAction.DELETE:
            assert size == 0
            del levels[int(row["side"])][tick]
        else:
            assert (row["action"] == BookAction.ADD) == (tick not in levels[int(row["side"])])
            levels[int(row["side"])][tick] = size
    for side in (BUY, SELL):
        rebuilt = sorted(levels[side].items(), reverse=side == BUY)
        assert rebuilt == reference.levels(side)
    if len(events.quotes):
        last = events.quotes[-1]
        for side, name in ((BUY, "bid"), (SELL, "ask")):
            book = reference.levels(side)
            if book:
                assert ticks([last[f"{name}_price"]])[0] == book[0][0]
                assert last[f"{name}_size"] == book[0][1]
            else:
                assert np.isnan(last[f"{name}_price"])
                assert last[f"{name}_size"] == 0


@given(commands)
def test_executed_volume_equals_the_decrease_of_both_sides(sequence: list[Command]) -> None:
    market, _ = run_both(sequence)
    events = market.advance(market.now_ns)
    l3 = events.order_events
    added: dict[int, float] = defaultdict(float)
    executed: dict[int, float] = defaultdict(float)
    for row in l3:
        if row["action"] == 1:
            added[int(row["order_id"])] = float(row["size"])
        elif row["action"] == 4:
            executed[int(row["order_id"])] += float(row["size"])
    # Every execution is one trade: the resting side lost what the trade printed.
    assert sum(executed.values()) == float(events.trades["size"].sum())
    assert all(executed[i] <= added[i] for i in executed)


def test_price_time_priority_within_a_level() -> None:
    market = bare_market()
    first = market.submit(OrderRequest(ACME.id, Side.SELL, 5, OrderType.LIMIT, limit_price=1.01))
    second = market.submit(OrderRequest(ACME.id, Side.SELL, 5, OrderType.LIMIT, limit_price=1.01))
    better = market.submit(OrderRequest(ACME.id, Side.SELL, 2, OrderType.LIMIT, limit_price=1.02))
    assert market.queue(Side.SELL, 1.01) == [(first.order_id, 5.0), (second.order_id, 5.0)]
    buy = market.submit(OrderRequest(ACME.id, Side.BUY, 7, OrderType.LIMIT, limit_price=1.02))
    assert [(f.price, f.quantity) for f in buy.fills] == [(1.01, 5.0), (1.01, 2.0)]
    assert buy.status == OrderStatus.FILLED
    assert market.resting_quantity(first.order_id) == 0.0
    assert market.resting_quantity(second.order_id) == 3.0
    assert market.resting_quantity(better.order_id) == 2.0
    events = market.advance(market.now_ns)
    makers = [(f.order_id, f.quantity) for f in events.fills]
    assert makers == [(first.order_id, 5.0), (second.order_id, 2.0)]


def test_modify_keeps_priority_only_when_reducing_size_in_place() -> None:
    market = bare_market()
    a = market.submit(
        OrderRequest(ACME.id, Side.BUY, 5, OrderType.LIMIT, limit_price=0.99)
    ).order_id
    b = market.submit(
        OrderRequest(ACME.id, Side.BUY, 5, OrderType.LIMIT, limit_price=0.99)
    ).order_id
    assert market.modify(a, quantity=3) == RejectReason.NONE
    assert [i for i, _ in market.queue(Side.BUY, 0.99)] == [a, b]
    assert market.modify(a, quantity=4) == RejectReason.NONE
    assert [i for i, _ in market.queue(Side.BUY, 0.99)] == [b, a]
    market.submit(OrderRequest(ACME.id, Side.SELL, 1, OrderType.LIMIT, limit_price=1.01))
    assert market.modify(b, price=1.01) == RejectReason.POST_ONLY_WOULD_TAKE
    assert market.modify(b, price=0.98) == RejectReason.NONE
    assert market.queue(Side.BUY, 0.98) == [(b, 5.0)]


def test_fok_post_only_and_ioc_follow_their_time_in_force() -> None:
    market = bare_market()
    market.submit(OrderRequest(ACME.id, Side.SELL, 4, OrderType.LIMIT, limit_price=1.01))
    fok = market.submit(
        OrderRequest(
            ACME.id, Side.BUY, 5, OrderType.LIMIT, limit_price=1.01, time_in_force=TimeInForce.FOK
        )
    )
    assert fok.status == OrderStatus.REJECTED
    assert fok.reject_reason == RejectReason.FOK_NOT_FILLABLE
    post = market.submit(
        OrderRequest(ACME.id, Side.BUY, 1, OrderType.LIMIT, limit_price=1.01, post_only=True)
    )
    assert post.reject_reason == RejectReason.POST_ONLY_WOULD_TAKE
    ioc = market.submit(
        OrderRequest(
            ACME.id, Side.BUY, 6, OrderType.LIMIT, limit_price=1.01, time_in_force=TimeInForce.IOC
        )
    )
    assert ioc.status == OrderStatus.CANCELED
    assert ioc.filled_quantity == 4.0
    assert ioc.resting_quantity == 0.0
    assert np.isnan(market.best_ask)
    assert np.isnan(market.best_bid)
