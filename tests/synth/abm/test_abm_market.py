"""The closed loop: external orders enter the agents' book, move it, and get filled by them."""

from __future__ import annotations

import numpy as np
import pytest

from tickdeck.core import (
    DataKind,
    Fill,
    InputError,
    Instrument,
    Liquidity,
    OrderRequest,
    OrderStatus,
    OrderType,
    RejectReason,
    Side,
    TimeInForce,
)
from tickdeck.synth.abm import AbmConfig, AbmEvents, AbmMarket

ACME = Instrument("ACME", "XNAS", "0.01")
START = 1_704_153_600_000_000_000
SECOND = 1_000_000_000
KINDS = (
    DataKind.ORDER_EVENT,
    DataKind.TRADE,
    DataKind.QUOTE,
    DataKind.BOOK_DELTA,
    DataKind.BOOK_SNAPSHOT,
)


def config(**changes: object) -> AbmConfig:
    return AbmConfig(ACME, 100.0, start_ns=START, duration_ns=60 * SECOND).evolve(**changes)


def mids_every(market: AbmMarket, step_ns: int, count: int) -> list[float]:
    mids = []
    for _ in range(count):
        market.advance(market.now_ns + step_ns)
        mids.append(market.mid)
    return mids


def joined(parts: list[AbmEvents], kind: DataKind) -> bytes:
    return np.concatenate([p.records(kind) for p in parts]).tobytes()


def test_market_is_ready_at_the_start_with_a_two_sided_book() -> None:
    market = AbmMarket(config(), seed=3)
    assert market.now_ns == START
    assert market.best_bid < market.best_ask
    assert len(market.depth(Side.BUY)) == 10
    assert len(market.depth(Side.SELL)) == 10


def test_advancing_in_uneven_steps_gives_the_same_events_as_one_step() -> None:
    whole = AbmMarket(config(), seed=5)
    one = [whole.advance(START + 20 * SECOND)]
    pieces = AbmMarket(config(), seed=5)
    rng = np.random.default_rng(0)
    cuts = np.sort(rng.integers(START, START + 20 * SECOND, 30)).tolist()
    many = [pieces.advance(t) for t in [*cuts, START + 20 * SECOND]]
    for kind in KINDS:
        assert joined(one, kind) == joined(many, kind), kind


def test_an_aggressive_buy_moves_the_mid_up_against_the_same_seed_without_it() -> None:
    quiet, pushed = AbmMarket(config(), seed=11), AbmMarket(config(), seed=11)
    t0 = START + 10 * SECOND
    quiet.advance(t0)
    pushed.advance(t0)
    assert quiet.mid == pushed.mid
    ask_before = pushed.best_ask
    answer = pushed.submit(OrderRequest(ACME.id, Side.BUY, 150, OrderType.MARKET))
    assert answer.status == OrderStatus.FILLED
    assert max(f.price for f in answer.fills) > ask_before  # it swept several levels
    assert pushed.mid > quiet.mid
    quiet_mids = mids_every(quiet, SECOND // 10, 20)
    pushed_mids = mids_every(pushed, SECOND // 10, 20)
    # Over the next two seconds the agents trade in the book the order left behind.
    assert np.mean(pushed_mids) > np.mean(quiet_mids)
    # Only the book differs: the fundamental value follows the seed alone.
    assert pushed.fundamental_price == quiet.fundamental_price


def test_a_resting_order_is_filled_by_agent_flow_after_the_orders_ahead_of_it() -> None:
    market = AbmMarket(config(), seed=2)
    market.advance(START + 5 * SECOND)
    bid = market.best_bid
    ahead = {order_id for order_id, _ in market.queue(Side.BUY, bid)}
    assert ahead
    answer = market.submit(OrderRequest(ACME.id, Side.BUY, 3, OrderType.LIMIT, limit_price=bid))
    assert answer.status == OrderStatus.ACCEPTED
    ours = answer.order_id
    fills: list[Fill] = []
    executes: list[int] = []
    for _ in range(120):
        events = market.advance(market.now_ns + SECOND // 2)
        l3 = events.order_events
        at_bid = l3[(l3["action"] == 4) & (l3["side"] == 1) & (l3["price"] == bid)]
        executes.extend(at_bid["order_id"].tolist())
        fills.extend(events.fills)
        if market.resting_quantity(ours) == 0.0:
            break
    assert sum(f.quantity for f in fills) == 3.0
    assert all(f.order_id == ours and f.liquidity == Liquidity.MAKER for f in fills)
    assert all(f.price == bid and f.side == Side.BUY for f in fills)
    # Until ours executed, executions at its price only reached orders queued before it.
    before_ours = executes[: executes.index(ours)]
    assert set(before_ours) <= ahead


def test_a_cancelled_order_leaves_the_book_and_is_never_filled() -> None:
    market = AbmMarket(config(), seed=4)
    bid = market.best_bid
    answer = market.submit(OrderRequest(ACME.id, Side.BUY, 2, OrderType.LIMIT, limit_price=bid))
    assert market.resting_quantity(answer.order_id) == 2.0
    assert market.cancel(answer.order_id)
    assert not market.cancel(answer.order_id)
    assert market.modify(answer.order_id, quantity=1) == RejectReason.ORDER_NOT_OPEN
    events = market.advance(market.now_ns + 30 * SECOND)
    assert events.fills == ()
    cancels = events.order_events[events.order_events["order_id"] == answer.order_id]
    assert cancels["action"].tolist() == [1, 3]


def test_orders_the_market_cannot_take_are_rejected_or_refused() -> None:
    market = AbmMarket(config(), seed=1)
    other = OrderRequest("OTHER.XNAS", Side.BUY, 1)
    assert market.submit(other).reject_reason == RejectReason.UNKNOWN_INSTRUMENT
    odd_lot = OrderRequest(ACME.id, Side.BUY, 1.5)
    assert market.submit(odd_lot).reject_reason == RejectReason.INVALID_QUANTITY
    off_grid = OrderRequest(ACME.id, Side.BUY, 1, OrderType.LIMIT, limit_price=99.995)
    assert market.submit(off_grid).reject_reason == RejectReason.INVALID_PRICE
    with pytest.raises(InputError, match="order_type"):
        market.submit(OrderRequest(ACME.id, Side.BUY, 1, OrderType.STOP, stop_price=101.0))
    with pytest.raises(InputError, match="time_in_force"):
        market.submit(
            OrderRequest(
                ACME.id,
                Side.BUY,
                1,
                OrderType.LIMIT,
                limit_price=99.0,
                time_in_force=TimeInForce.GTD,
                expire_ns=START + SECOND,
            )
        )
    with pytest.raises(InputError, match="until_ns"):
        market.advance(START - 1)
    with pytest.raises(InputError, match="seed"):
        AbmMarket(config(), seed=-1)
