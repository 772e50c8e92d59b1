"""Every order type, time in force and rejection reason has a case that produces it.

Each enum of the order vocabulary in `tickdeck.core` maps, member by member,
to a scenario run through the public `SimulatedExchange`, with the outcome
docs/fills.md gives for it. The tests are parametrised over the enum members
themselves, not over the scenarios: a member added to `OrderType`,
`TimeInForce` or `RejectReason` without a scenario here fails its own case,
and so does one that docs/fills.md does not mention.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from tickdeck.core import (
    Bar,
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
from tickdeck.engine._abm_venue import AbmVenue
from tickdeck.execution.config import ExchangeConfig, RiskLimits
from tickdeck.execution.exchange import Report, SimulatedExchange
from tickdeck.synth.abm import AbmConfig, AbmMarket

ACME = Instrument("ACME", "XNAS", "0.01")
ID = ACME.id
T0 = 1_704_186_000_000_000_000  # 2024-01-02T09:00Z
MIDNIGHT = 1_704_240_000_000_000_000  # 2024-01-03T00:00Z
MINUTE = 60_000_000_000
DOCS = Path(__file__).resolve().parents[2] / "docs" / "fills.md"


def quote(ts: int, bid: float, ask: float, size: float = 100.0) -> Quote:
    return Quote(ID, ts, ts, bid, ask, size, size)


def venue(
    config: ExchangeConfig | None = None, *, equity: float | None = None
) -> SimulatedExchange:
    """An exchange whose market is 10.00 bid, 10.02 offered, 100 each."""
    exchange = SimulatedExchange(
        {ID: ACME}, config, equity=None if equity is None else (lambda: equity)
    )
    exchange.on_quote(quote(T0, 10.00, 10.02))
    return exchange


def request(side: Side, quantity: float, **terms: object) -> OrderRequest:
    return OrderRequest(ID, side, quantity, **terms)  # type: ignore[arg-type]


def fills(reports: object) -> list[tuple[float, float, Liquidity]]:
    return [(r.price, r.quantity, r.liquidity) for r in reports if isinstance(r, Fill)]  # type: ignore[attr-defined]


def statuses(reports: object) -> list[OrderStatus]:
    return [r.order.status for r in reports if isinstance(r, OrderUpdate)]  # type: ignore[attr-defined]


def last_update(reports: object) -> OrderUpdate:
    return [r for r in reports if isinstance(r, OrderUpdate)][-1]  # type: ignore[attr-defined]


# -- order types ----------------------------------------------------------------------


def market_order() -> None:
    """Takes the opposite side at once."""
    exchange = venue()
    reports = exchange.submit(1, request(Side.BUY, 10), T0 + 1)
    assert fills(reports) == [(10.02, 10, Liquidity.TAKER)]
    assert statuses(reports)[-1] == OrderStatus.FILLED


def limit_order() -> None:
    """Rests below the market, then fills at its limit as a maker when the ask comes to it."""
    exchange = venue()
    order = request(Side.BUY, 10, order_type=OrderType.LIMIT, limit_price=10.01)
    assert statuses(exchange.submit(1, order, T0 + 1)) == [OrderStatus.ACCEPTED]
    assert fills(exchange.on_quote(quote(T0 + 2, 10.00, 10.01))) == [(10.01, 10, Liquidity.MAKER)]


def stop_order() -> None:
    """Waits for the ask to reach the stop, then takes as a market order."""
    exchange = venue()
    order = request(Side.BUY, 10, order_type=OrderType.STOP, stop_price=10.04)
    exchange.submit(1, order, T0 + 1)
    assert exchange.on_quote(quote(T0 + 2, 10.01, 10.03)) == []
    reports = exchange.on_quote(quote(T0 + 3, 10.03, 10.05))
    assert statuses(reports)[0] == OrderStatus.TRIGGERED
    assert fills(reports) == [(10.05, 10, Liquidity.TAKER)]


def stop_limit_order() -> None:
    """Once triggered it is a limit order: it rests when the market is beyond its limit."""
    exchange = venue()
    order = request(
        Side.SELL, 10, order_type=OrderType.STOP_LIMIT, stop_price=9.98, limit_price=9.97
    )
    exchange.submit(1, order, T0 + 1)
    assert statuses(exchange.on_quote(quote(T0 + 2, 9.96, 9.98))) == [OrderStatus.TRIGGERED]
    assert fills(exchange.on_quote(quote(T0 + 3, 9.97, 9.99))) == [(9.97, 10, Liquidity.MAKER)]


def trailing_stop_order() -> None:
    """The stop follows the best bid by the trail and fires when the bid falls back to it."""
    exchange = venue()
    exchange.submit(1, request(Side.SELL, 10, order_type=OrderType.TRAILING_STOP, trail=0.03), T0)
    exchange.on_quote(quote(T0 + 2, 10.10, 10.12))
    assert exchange.order(1).stop_price == 10.07
    assert exchange.on_quote(quote(T0 + 3, 10.08, 10.10)) == []
    assert fills(exchange.on_quote(quote(T0 + 4, 10.07, 10.09))) == [(10.07, 10, Liquidity.TAKER)]


ORDER_TYPE_CASES: dict[OrderType, Callable[[], None]] = {
    OrderType.MARKET: market_order,
    OrderType.LIMIT: limit_order,
    OrderType.STOP: stop_order,
    OrderType.STOP_LIMIT: stop_limit_order,
    OrderType.TRAILING_STOP: trailing_stop_order,
}


def on_bars(kind: OrderType) -> list[tuple[float, float, Liquidity]]:
    """One order of `kind` sent between two bars, and the fills the second bar gives it.

    The second bar closes down: open 10.00, high 10.06, low 9.95, close 9.97.
    """
    terms: dict[OrderType, dict[str, object]] = {
        OrderType.MARKET: {},
        OrderType.LIMIT: {"limit_price": 9.98},
        OrderType.STOP: {"stop_price": 9.96},
        OrderType.STOP_LIMIT: {"stop_price": 10.05, "limit_price": 10.04},
        OrderType.TRAILING_STOP: {"trail": 0.04},
    }
    side = Side.BUY if kind in (OrderType.LIMIT, OrderType.STOP_LIMIT) else Side.SELL
    exchange = SimulatedExchange({ID: ACME})
    exchange.on_bar(Bar(ID, T0, T0, 10.0, 10.03, 9.99, 10.01, 1e3, MINUTE))
    exchange.submit(1, request(side, 10, order_type=kind, **terms[kind]), T0 + 1)
    second = Bar(ID, T0 + MINUTE, T0 + MINUTE, 10.00, 10.06, 9.95, 9.97, 1e3, MINUTE)
    return fills(exchange.on_bar(second))


BAR_CASES: dict[OrderType, list[tuple[float, float, Liquidity]]] = {
    # "A market order sent between bars fills at the next bar's open."
    OrderType.MARKET: [(10.00, 10, Liquidity.TAKER)],
    # The path is open, high, low, close: the limit at 9.98 fills at its price on the way down.
    OrderType.LIMIT: [(9.98, 10, Liquidity.MAKER)],
    # The sell stop at 9.96 fills at its stop: prices move continuously along the path.
    OrderType.STOP: [(9.96, 10, Liquidity.TAKER)],
    # Triggered at 10.05 on the way up, a buy limit at 10.04 fills on the way down.
    OrderType.STOP_LIMIT: [(10.04, 10, Liquidity.MAKER)],
    # Trailing from the open (stop 9.96), up to the high (stop 10.02), hit on the way down.
    OrderType.TRAILING_STOP: [(10.02, 10, Liquidity.TAKER)],
}


@pytest.mark.parametrize("kind", list(OrderType), ids=lambda k: k.label)
def test_every_order_type_behaves_as_documented_on_quotes(kind: OrderType) -> None:
    case = ORDER_TYPE_CASES.get(kind)
    if case is None:
        pytest.fail(f"OrderType.{kind.name} has no case here: add one")
    case()


@pytest.mark.parametrize("kind", list(OrderType), ids=lambda k: k.label)
def test_every_order_type_behaves_as_documented_on_bars(kind: OrderType) -> None:
    if kind not in BAR_CASES:
        pytest.fail(f"OrderType.{kind.name} has no bar case here: add one")
    assert on_bars(kind) == BAR_CASES[kind]


# -- time in force ----------------------------------------------------------------------


def good_till_cancelled() -> None:
    """Still working after a session end; gone only when cancelled."""
    exchange = venue()
    exchange.submit(1, request(Side.BUY, 10, order_type=OrderType.LIMIT, limit_price=9.5), T0)
    assert exchange.on_quote(quote(MIDNIGHT + 1, 10.00, 10.02)) == []
    assert exchange.order(1).status == OrderStatus.ACCEPTED
    assert statuses(exchange.cancel(1, MIDNIGHT + 2)) == [OrderStatus.CANCELED]


def day() -> None:
    """Expires at the first session end after acceptance, stamped with that time."""
    exchange = venue(ExchangeConfig(session_end_ns=21 * 3_600_000_000_000))
    terms = {"order_type": OrderType.LIMIT, "limit_price": 9.5}
    exchange.submit(1, request(Side.BUY, 10, time_in_force=TimeInForce.DAY, **terms), T0)
    session_end = T0 - 9 * 3_600_000_000_000 + 21 * 3_600_000_000_000  # 21:00 the same day
    assert exchange.on_quote(quote(session_end - 1, 10.00, 10.02)) == []
    update = last_update(exchange.on_quote(quote(session_end + 5, 10.00, 10.02)))
    assert (update.order.status, update.order.ts_updated) == (OrderStatus.EXPIRED, session_end)


def immediate_or_cancel() -> None:
    """Takes what it can within its limit on arrival; the rest is cancelled."""
    exchange = venue()
    terms = {"order_type": OrderType.LIMIT, "limit_price": 10.03}
    reports = exchange.submit(
        1, request(Side.BUY, 300, time_in_force=TimeInForce.IOC, **terms), T0 + 1
    )
    # 100 at the top (10.02) and 100 at the first synthetic level (10.03), then its limit.
    assert [(p, q) for p, q, _ in fills(reports)] == [(10.02, 100), (10.03, 100)]
    assert last_update(reports).order.status == OrderStatus.CANCELED
    assert last_update(reports).order.filled_quantity == 200


def fill_or_kill() -> None:
    """Fills entirely on arrival, or not at all."""
    exchange = venue()
    terms = {"order_type": OrderType.LIMIT, "limit_price": 10.02}
    reports = exchange.submit(
        1, request(Side.BUY, 150, time_in_force=TimeInForce.FOK, **terms), T0 + 1
    )
    assert fills(reports) == []
    assert last_update(reports).order.reject_reason == RejectReason.FOK_NOT_FILLABLE
    small = exchange.submit(
        2, request(Side.BUY, 100, time_in_force=TimeInForce.FOK, **terms), T0 + 2
    )
    assert [(p, q) for p, q, _ in fills(small)] == [(10.02, 100)]


def good_till_date() -> None:
    """Expires at its own time."""
    exchange = venue()
    terms = {"order_type": OrderType.LIMIT, "limit_price": 9.5, "expire_ns": T0 + 500}
    exchange.submit(1, request(Side.BUY, 10, time_in_force=TimeInForce.GTD, **terms), T0 + 1)
    assert exchange.on_quote(quote(T0 + 499, 10.00, 10.02)) == []
    update = last_update(exchange.on_quote(quote(T0 + 900, 10.00, 10.02)))
    assert (update.order.status, update.order.ts_updated) == (OrderStatus.EXPIRED, T0 + 500)


TIME_IN_FORCE_CASES: dict[TimeInForce, Callable[[], None]] = {
    TimeInForce.GTC: good_till_cancelled,
    TimeInForce.DAY: day,
    TimeInForce.IOC: immediate_or_cancel,
    TimeInForce.FOK: fill_or_kill,
    TimeInForce.GTD: good_till_date,
}


@pytest.mark.parametrize("tif", list(TimeInForce), ids=lambda t: t.label)
def test_every_time_in_force_behaves_as_documented(tif: TimeInForce) -> None:
    case = TIME_IN_FORCE_CASES.get(tif)
    if case is None:
        pytest.fail(f"TimeInForce.{tif.name} has no case here: add one")
    case()


# -- rejection reasons ------------------------------------------------------------------

Outcome = tuple[SimulatedExchange | AbmVenue, Sequence[Report]]


def accepted() -> Outcome:
    exchange = venue()
    return exchange, exchange.submit(1, request(Side.BUY, 10), T0 + 1)


def invalid_quantity() -> Outcome:
    exchange = venue()
    return exchange, exchange.submit(1, request(Side.BUY, 2.5), T0 + 1)


def invalid_price() -> Outcome:
    exchange = venue()
    terms = {"order_type": OrderType.LIMIT, "limit_price": 10.005}
    return exchange, exchange.submit(1, request(Side.BUY, 10, **terms), T0 + 1)


def unknown_instrument() -> Outcome:
    exchange = venue()
    return exchange, exchange.submit(1, OrderRequest("NOPE.XNAS", Side.BUY, 10), T0 + 1)


def no_market() -> Outcome:
    exchange = SimulatedExchange({ID: ACME})
    return exchange, exchange.submit(1, request(Side.SELL, 10), T0)


def post_only_would_take() -> Outcome:
    exchange = venue()
    terms = {"order_type": OrderType.LIMIT, "limit_price": 10.02, "post_only": True}
    return exchange, exchange.submit(1, request(Side.BUY, 10, **terms), T0 + 1)


def reduce_only_would_increase() -> Outcome:
    exchange = venue()
    exchange.submit(1, request(Side.BUY, 10), T0 + 1)
    return exchange, exchange.submit(2, request(Side.BUY, 5, reduce_only=True), T0 + 2)


def fok_not_fillable() -> Outcome:
    exchange = venue()
    terms = {"order_type": OrderType.LIMIT, "limit_price": 10.01}
    return exchange, exchange.submit(
        1, request(Side.BUY, 10, time_in_force=TimeInForce.FOK, **terms), T0 + 1
    )


def max_position() -> Outcome:
    exchange = venue(ExchangeConfig(risk=RiskLimits(max_position=15)))
    exchange.submit(1, request(Side.BUY, 10), T0 + 1)
    return exchange, exchange.submit(2, request(Side.BUY, 10), T0 + 2)


def max_order_size() -> Outcome:
    exchange = venue(ExchangeConfig(risk=RiskLimits(max_order_quantity=5)))
    return exchange, exchange.submit(1, request(Side.BUY, 10), T0 + 1)


def max_order_notional() -> Outcome:
    exchange = venue(ExchangeConfig(risk=RiskLimits(max_order_notional=1_000.0)))
    terms = {"order_type": OrderType.LIMIT, "limit_price": 9.90}
    return exchange, exchange.submit(1, request(Side.BUY, 200, **terms), T0 + 1)


def max_leverage() -> Outcome:
    # 200 * 10.02 = 2,004 of exposure on 1,000 of equity: a leverage of 2 > 1.5.
    exchange = venue(ExchangeConfig(risk=RiskLimits(max_leverage=1.5)), equity=1_000.0)
    return exchange, exchange.submit(1, request(Side.BUY, 200), T0 + 1)


def order_not_open() -> Outcome:
    exchange = venue()
    exchange.submit(1, request(Side.BUY, 10), T0 + 1)
    return exchange, exchange.cancel(1, T0 + 2)


def expire_time_passed() -> Outcome:
    exchange = venue()
    terms = {"order_type": OrderType.LIMIT, "limit_price": 9.5, "expire_ns": T0 + 1}
    return exchange, exchange.submit(
        1, request(Side.BUY, 10, time_in_force=TimeInForce.GTD, **terms), T0 + 1
    )


def unsupported_by_venue() -> Outcome:
    # The closed loop's agent-based market "takes market and limit orders ... and nothing
    # else": a stop sent there is rejected.
    config = AbmConfig(instrument=ACME, initial_price=10.0, start_ns=T0, duration_ns=MINUTE)
    venue = AbmVenue(AbmMarket(config, 1), end_ns=T0 + MINUTE)
    terms = {"order_type": OrderType.STOP, "stop_price": 9.9}
    return venue, venue.submit(1, request(Side.SELL, 10, **terms), T0)


# A reason with no scenario is a reason the exchange cannot give: the test says so.
REASON_CASES: dict[RejectReason, Callable[[], Outcome]] = {
    RejectReason.NONE: accepted,
    RejectReason.INVALID_QUANTITY: invalid_quantity,
    RejectReason.INVALID_PRICE: invalid_price,
    RejectReason.UNKNOWN_INSTRUMENT: unknown_instrument,
    RejectReason.NO_MARKET: no_market,
    RejectReason.POST_ONLY_WOULD_TAKE: post_only_would_take,
    RejectReason.REDUCE_ONLY_WOULD_INCREASE: reduce_only_would_increase,
    RejectReason.FOK_NOT_FILLABLE: fok_not_fillable,
    RejectReason.MAX_POSITION: max_position,
    RejectReason.MAX_ORDER_SIZE: max_order_size,
    RejectReason.MAX_ORDER_NOTIONAL: max_order_notional,
    RejectReason.MAX_LEVERAGE: max_leverage,
    RejectReason.ORDER_NOT_OPEN: order_not_open,
    RejectReason.EXPIRE_TIME_PASSED: expire_time_passed,
    RejectReason.UNSUPPORTED_BY_VENUE: unsupported_by_venue,
}


@pytest.mark.parametrize("reason", list(RejectReason), ids=lambda r: r.label)
def test_every_rejection_reason_is_produced_by_its_case(reason: RejectReason) -> None:
    case = REASON_CASES.get(reason)
    if case is None:
        pytest.fail(
            f"RejectReason.{reason.name}: no scenario produces it, and docs/fills.md names no "
            "rule that would; document and implement the check, or remove the member"
        )
    exchange, reports = case()
    update = last_update(reports)
    if reason == RejectReason.NONE:
        assert update.order.status == OrderStatus.FILLED
        assert update.order.reject_reason == RejectReason.NONE
    elif reason == RejectReason.ORDER_NOT_OPEN:
        # A refused request: the order is reported unchanged, the refusal on the update.
        assert update.refused == RejectReason.ORDER_NOT_OPEN
        assert update.order.status == OrderStatus.FILLED
    else:
        assert update.order.reject_reason == reason
        assert update.order.status == (
            OrderStatus.CANCELED
            if reason == RejectReason.FOK_NOT_FILLABLE
            else OrderStatus.REJECTED
        )
        assert fills(reports) == []
    if reason not in (RejectReason.NONE, RejectReason.ORDER_NOT_OPEN):
        # Nothing rests: a cancel of the rejected order is refused, it is no longer open.
        order_id = update.order.order_id
        refusal = last_update(exchange.cancel(order_id, update.ts + 1))
        assert (refusal.refused, refusal.order.status) == (
            RejectReason.ORDER_NOT_OPEN,
            update.order.status,
        )
        if isinstance(exchange, SimulatedExchange):
            assert exchange.open_orders() == []


@pytest.mark.parametrize(
    "reason", [r for r in RejectReason if r != RejectReason.NONE], ids=lambda r: r.label
)
def test_every_rejection_reason_is_documented_in_the_fills_page(reason: RejectReason) -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert re.search(reason.name, text, re.IGNORECASE), f"docs/fills.md never names {reason.name}"


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        # "price off the tick grid (INVALID_PRICE), quantity not a multiple of the lot size
        # (INVALID_QUANTITY), GTD expiry passed, reduce-only increasing the position,
        # max_order_quantity (MAX_ORDER_SIZE), max_order_notional, max_position, max_leverage"
        (
            lambda: request(Side.BUY, 2.5, order_type=OrderType.LIMIT, limit_price=10.005),
            RejectReason.INVALID_PRICE,
        ),
        (
            lambda: request(
                Side.BUY,
                2.5,
                order_type=OrderType.LIMIT,
                limit_price=9.5,
                time_in_force=TimeInForce.GTD,
                expire_ns=T0,
            ),
            RejectReason.INVALID_QUANTITY,
        ),
        (
            lambda: request(
                Side.SELL,
                500,
                reduce_only=True,
                order_type=OrderType.LIMIT,
                limit_price=9.5,
                time_in_force=TimeInForce.GTD,
                expire_ns=T0,
            ),
            RejectReason.EXPIRE_TIME_PASSED,
        ),
        (
            lambda: request(Side.SELL, 500, reduce_only=True),
            RejectReason.REDUCE_ONLY_WOULD_INCREASE,
        ),
        (lambda: request(Side.BUY, 500), RejectReason.MAX_ORDER_SIZE),
        (lambda: request(Side.BUY, 60), RejectReason.MAX_ORDER_NOTIONAL),
        (lambda: request(Side.BUY, 40), RejectReason.MAX_POSITION),
    ],
    ids=[
        "price_before_quantity",
        "quantity_before_expiry",
        "expiry_before_reduce_only",
        "reduce_only_before_size",
        "size_before_notional",
        "notional_before_position",
        "position_before_leverage",
    ],
)
def test_the_first_breached_check_in_the_documented_order_gives_the_reason(
    make: Callable[[], OrderRequest], expected: RejectReason
) -> None:
    limits = RiskLimits(
        max_order_quantity=100, max_order_notional=500.0, max_position=30, max_leverage=0.01
    )
    exchange = venue(ExchangeConfig(risk=limits), equity=1_000.0)
    assert last_update(exchange.submit(1, make(), T0 + 1)).order.reject_reason == expected


@pytest.mark.parametrize(
    "case", [no_market, post_only_would_take, invalid_price], ids=lambda c: c.__name__
)
def test_an_order_refused_on_arrival_is_never_reported_accepted(
    case: Callable[[], Outcome],
) -> None:
    """A rejected order was never accepted: its only report is the rejection."""
    _, reports = case()
    assert statuses(reports) == [OrderStatus.REJECTED]


def test_an_order_with_a_known_instrument_never_raises_for_its_terms() -> None:
    """Rejections are records, not exceptions: one of each kind in a row, all reported."""
    exchange = venue()
    outcomes = [exchange.submit(i, r, T0 + i) for i, r in enumerate(_malformed(), 1)]
    assert all(statuses(o) == [OrderStatus.REJECTED] for o in outcomes)
    assert exchange.position(ID) == 0


def _malformed() -> list[OrderRequest]:
    return [
        request(Side.BUY, 2.5),
        request(Side.BUY, 10, order_type=OrderType.LIMIT, limit_price=10.001),
        request(Side.BUY, 10, order_type=OrderType.STOP, stop_price=10.037),
        request(Side.SELL, 10, reduce_only=True),
    ]
