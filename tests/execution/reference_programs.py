"""Programs for comparing `SimulatedExchange` with the reference, and how to run them.

A program is a list of timed steps: market events of one kind (L1 quotes,
trades, L2 deltas and snapshots, bars) and order requests (submit, cancel,
modify). `programs(mode)` generates them with hypothesis, pricing each order
near the market it has written so far; `run_both` feeds one program to
`SimulatedExchange` and to `ReferenceExchange`
(tests/execution/reference_exchange.py) and stops at the first step where
they disagree, with the history and the two report streams.

Reports are compared per order, in order: which of two orders is reported
first when one event moves both is not a rule of docs/fills.md. Slippage is
compared where the reference knows the mid on arrival.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import strategies as st
from tests.execution.reference_exchange import ReferenceExchange, RefFill, RefReport, RefUpdate

from tickdeck.core import (
    Bar,
    BookAction,
    BookDelta,
    BookSnapshot,
    Fill,
    Instrument,
    OrderType,
    Quote,
    RejectReason,
    Side,
    TimeInForce,
    Trade,
)
from tickdeck.core.orders import OrderRequest, OrderUpdate
from tickdeck.execution import (
    BpsFee,
    FixedBpsSlippage,
    MakerTakerFee,
    NoFee,
    NoSlippage,
    PerUnitFee,
    SpreadFractionSlippage,
)
from tickdeck.execution.config import ExchangeConfig, RiskLimits
from tickdeck.execution.exchange import Report, SimulatedExchange
from tickdeck.execution.matching import SyntheticDepth

ACME = Instrument("ACME", "XNAS", "0.01")
ID = ACME.id
T0 = 1_704_186_000_000_000_000  # 2024-01-02T09:00Z
SECOND = 1_000_000_000
HOUR = 3600 * SECOND
MINUTE = 60 * SECOND


def px(ticks: int) -> float:
    return float(ACME.ticks_to_prices([ticks])[0])


# -- steps of a program -------------------------------------------------------------


@dataclass(frozen=True)
class QuoteStep:
    bid: int
    ask: int
    bid_size: float
    ask_size: float


@dataclass(frozen=True)
class TradeStep:
    price: int
    size: float


@dataclass(frozen=True)
class DeltaStep:
    side: Side
    price: int
    size: float
    action: BookAction


@dataclass(frozen=True)
class SnapshotStep:
    bids: tuple[tuple[int, float], ...]
    asks: tuple[tuple[int, float], ...]


@dataclass(frozen=True)
class BarStep:
    open: int
    high: int
    low: int
    close: int


@dataclass(frozen=True)
class SubmitStep:
    order_id: int
    request: OrderRequest


@dataclass(frozen=True)
class CancelStep:
    order_id: int


@dataclass(frozen=True)
class ModifyStep:
    order_id: int
    quantity: float | None
    limit_price: float | None
    stop_price: float | None


Step = (
    QuoteStep
    | TradeStep
    | DeltaStep
    | SnapshotStep
    | BarStep
    | SubmitStep
    | CancelStep
    | ModifyStep
)
Program = list[tuple[int, Step]]


def apply(venue: Any, ts: int, step: Step) -> list[Any]:
    """One step through either exchange (they share the request and event API)."""
    if isinstance(step, QuoteStep):
        return venue.on_quote(  # type: ignore[no-any-return]
            Quote(ID, ts, ts, px(step.bid), px(step.ask), step.bid_size, step.ask_size)
        )
    if isinstance(step, TradeStep):
        return venue.on_trade(Trade(ID, ts, ts, px(step.price), step.size, 0, 0))  # type: ignore[no-any-return]
    if isinstance(step, DeltaStep):
        delta = BookDelta(ID, ts, ts, int(step.side), px(step.price), step.size, int(step.action))
        return venue.on_book_delta(delta)  # type: ignore[no-any-return]
    if isinstance(step, SnapshotStep):
        snapshot = BookSnapshot(
            ID,
            ts,
            ts,
            tuple(px(p) for p, _ in step.bids),
            tuple(s for _, s in step.bids),
            tuple(px(p) for p, _ in step.asks),
            tuple(s for _, s in step.asks),
        )
        return venue.on_book_snapshot(snapshot)  # type: ignore[no-any-return]
    if isinstance(step, BarStep):
        bar = Bar(
            ID, ts, ts, px(step.open), px(step.high), px(step.low), px(step.close), 1e3, MINUTE
        )
        return venue.on_bar(bar)  # type: ignore[no-any-return]
    if isinstance(step, SubmitStep):
        return venue.submit(step.order_id, step.request, ts)  # type: ignore[no-any-return]
    if isinstance(step, CancelStep):
        return venue.cancel(step.order_id, ts)  # type: ignore[no-any-return]
    return venue.modify(  # type: ignore[no-any-return]
        step.order_id,
        ts,
        quantity=step.quantity,
        limit_price=step.limit_price,
        stop_price=step.stop_price,
    )


# -- comparing report streams -------------------------------------------------------


def _num(value: float | None) -> object:
    """Floats compared to 12 significant digits (fees and averages are sums of products)."""
    if value is None:
        return None
    if math.isnan(value):
        return "nan"
    return float(f"{value:.12g}")


def as_reference(report: Report) -> RefReport:
    if isinstance(report, Fill):
        return RefFill(
            report.ts,
            report.order_id,
            report.side,
            report.quantity,
            report.price,
            report.fee,
            report.liquidity,
            report.slippage,
        )
    assert isinstance(report, OrderUpdate)
    order = report.order
    return RefUpdate(
        ts=report.ts,
        order_id=order.order_id,
        status=order.status,
        ts_updated=order.ts_updated,
        filled=order.filled_quantity,
        average_price=order.average_price,
        reject_reason=order.reject_reason,
        refused=getattr(report, "refused", RejectReason.NONE),
        quantity=order.request.quantity,
        limit_price=order.request.limit_price,
        stop_price=order.stop_price,
    )


def _row(report: RefReport, *, with_slippage: bool) -> tuple[object, ...]:
    if isinstance(report, RefFill):
        slippage = _num(report.slippage) if with_slippage else "-"
        return (
            "fill",
            report.ts,
            report.side.label,
            _num(report.quantity),
            report.price,
            _num(report.fee),
            report.liquidity.label,
            slippage,
        )
    return (
        "order",
        report.ts,
        report.status.label,
        report.ts_updated,
        _num(report.filled),
        _num(report.average_price),
        report.reject_reason.label,
        report.refused.label,
        _num(report.quantity),
        report.limit_price,
        report.stop_price,
    )


def by_order(
    reports: list[RefReport], slippage_known: dict[int, bool]
) -> dict[int, list[tuple[object, ...]]]:
    """Each order's reports, in order (an order refused on arrival reports REJECTED only)."""
    rows: dict[int, list[tuple[object, ...]]] = {}
    for report in reports:
        known = slippage_known.get(report.order_id, False)
        rows.setdefault(report.order_id, []).append(_row(report, with_slippage=known))
    return rows


def describe(step: Step) -> str:
    """A step in one short line, for the failure message."""
    if not isinstance(step, SubmitStep):
        return repr(step)
    r = step.request
    terms = [r.side.label, f"{r.quantity:g}", r.order_type.label, r.time_in_force.label]
    for name in ("limit_price", "stop_price", "trail", "expire_ns", "parent_id", "oco_group"):
        if getattr(r, name) is not None:
            terms.append(f"{name}={getattr(r, name)}")
    terms.extend(name for name in ("post_only", "reduce_only") if getattr(r, name))
    return f"submit #{step.order_id}: " + " ".join(terms)


def run_both(program: Program, config: ExchangeConfig) -> None:
    """Feed the program to both exchanges; stop at the first step where they disagree."""
    real = SimulatedExchange({ID: ACME}, config)
    reference = ReferenceExchange(ACME, config)
    history: list[str] = []
    for number, (ts, step) in enumerate(program):
        history.append(f"{number}: t0+{ts - T0} {describe(step)}")
        want = apply(reference, ts, step)
        got = [as_reference(r) for r in apply(real, ts, step)]
        # Slippage is measured against the mid on arrival; the reference says when there was one.
        known = {r.order_id: r.slippage is not None for r in want if isinstance(r, RefFill)}
        actual, expected = by_order(got, known), by_order(want, known)
        if actual != expected:
            lines = [*history, "differs (exchange vs reference):"]
            for order_id in sorted(set(actual) | set(expected)):
                if actual.get(order_id) != expected.get(order_id):
                    lines.append(f"order {order_id}:")
                    lines.extend(f"  exchange  {row}" for row in actual.get(order_id, []))
                    lines.extend(f"  reference {row}" for row in expected.get(order_id, []))
            raise AssertionError("\n".join(lines))
        # Exact for whole lots; queue estimates can leave fractions summed in another order.
        assert real.position(ID) == pytest.approx(reference.position, abs=1e-9), "\n".join(history)


# -- generating programs ------------------------------------------------------------


@dataclass(frozen=True)
class Mode:
    """What a program may contain."""

    data: tuple[str, ...]
    order_types: tuple[OrderType, ...]
    tifs: tuple[TimeInForce, ...] = (TimeInForce.GTC,)
    post_only: bool = False
    reduce_only: bool = False
    cancels: bool = True
    modifies: bool = False
    brackets: bool = False
    oco_pairs: bool = False
    sizes: tuple[float, ...] = (1.0, 5.0, 10.0, 40.0)
    opens_with_quote: bool = False
    moves: tuple[int, ...] = (-3, -2, -1, 0, 1, 2, 3)  # how far the market moves per event
    joins_touch: bool = False  # limits often join the best bid (buys) or offer (sells)


@dataclass
class _Market:
    """What the generator knows of the market it is writing, to price orders near it."""

    bid: int = 1000
    ask: int = 1002
    submitted: list[int] = field(default_factory=list)
    types: dict[int, OrderType] = field(default_factory=dict)
    next_id: int = 1
    group: int = 0


def _market_step(draw: st.DrawFn, mode: Mode, market: _Market) -> Step:
    kind = draw(st.sampled_from(mode.data))
    move = draw(st.sampled_from(mode.moves))
    if kind == "quote":
        market.bid = max(market.bid + move, 10)
        market.ask = market.bid + draw(st.integers(1, 3))
        sizes = st.sampled_from(mode.sizes)
        return QuoteStep(market.bid, market.ask, draw(sizes), draw(sizes))
    if kind == "trade":
        # Mostly at the touch, where queues are; sometimes through it.
        near = (market.bid, market.bid, market.ask, market.ask, market.bid - 1, market.ask + 1)
        price = draw(st.sampled_from(near))
        return TradeStep(price, draw(st.sampled_from((1.0, 3.0, 10.0, 25.0, 60.0))))
    if kind == "delta":
        side = draw(st.sampled_from((Side.BUY, Side.SELL)))
        depth = draw(st.integers(0, 3))
        price = market.bid - depth if side == Side.BUY else market.ask + depth
        size = draw(st.sampled_from((0.0, 2.0, 7.0, 20.0)))
        action = (
            BookAction.DELETE
            if size == 0
            else draw(st.sampled_from((BookAction.ADD, BookAction.UPDATE)))
        )
        return DeltaStep(side, price, size, action)
    if kind == "snapshot":
        market.bid = max(market.bid + move, 10)
        market.ask = market.bid + draw(st.integers(1, 3))
        level_sizes = st.sampled_from((0.0, 3.0, 8.0, 25.0))
        bids = tuple((market.bid - i, draw(level_sizes)) for i in range(3))
        asks = tuple((market.ask + i, draw(level_sizes)) for i in range(3))
        return SnapshotStep(bids, asks)
    assert kind == "bar"
    open_ = max(market.bid + move, 20)
    close = max(open_ + draw(st.integers(-4, 4)), 20)
    high = max(open_, close) + draw(st.integers(0, 3))
    low = max(min(open_, close) - draw(st.integers(0, 3)), 10)
    market.bid = market.ask = close
    return BarStep(open_, high, low, close)


STOP_TYPES = (OrderType.STOP, OrderType.STOP_LIMIT, OrderType.TRAILING_STOP)
LIMIT_TYPES = (OrderType.LIMIT, OrderType.STOP_LIMIT)
PLAIN_STOPS = (OrderType.STOP, OrderType.STOP_LIMIT)


def _tif(draw: st.DrawFn, mode: Mode, kind: OrderType, ts: int) -> dict[str, Any]:
    tifs = mode.tifs
    # IOC and FOK decide on arrival: stops (and market orders on bars) have nothing to take then.
    if kind in STOP_TYPES or (kind == OrderType.MARKET and "bar" in mode.data):
        tifs = tuple(t for t in tifs if t not in (TimeInForce.IOC, TimeInForce.FOK)) or (
            TimeInForce.GTC,
        )
    tif = draw(st.sampled_from(tifs))
    options: dict[str, Any] = {"time_in_force": tif}
    if tif == TimeInForce.GTD:
        options["expire_ns"] = ts + draw(st.sampled_from((1, SECOND, 3 * SECOND, 10 * SECOND)))
    return options


def _request(draw: st.DrawFn, mode: Mode, market: _Market, ts: int) -> OrderRequest:
    kind = draw(st.sampled_from(mode.order_types))
    side = draw(st.sampled_from((Side.BUY, Side.SELL)))
    quantity = float(draw(st.sampled_from((1, 3, 10, 25, 60))))
    options: dict[str, Any] = _tif(draw, mode, kind, ts)
    toward = 1 if side == Side.BUY else -1
    near = market.ask if side == Side.BUY else market.bid
    if kind in (OrderType.LIMIT, OrderType.STOP_LIMIT):
        # From passive (a few ticks away) to marketable (through the far side); or in the
        # queue at the touch, where trades and size changes move it forward.
        touch = market.bid if side == Side.BUY else market.ask
        joins = mode.joins_touch and kind == OrderType.LIMIT and draw(st.booleans())
        offset = draw(st.integers(-4, 2))
        options["limit_price"] = px(touch if joins else near + toward * offset)
    if kind in (OrderType.STOP, OrderType.STOP_LIMIT):
        stop = near + toward * draw(st.integers(-1, 4))
        options["stop_price"] = px(max(stop, 1))
        if kind == OrderType.STOP_LIMIT:
            options["limit_price"] = px(max(stop + toward * draw(st.integers(-1, 2)), 1))
    if kind == OrderType.TRAILING_STOP:
        options["trail"] = px(draw(st.integers(1, 4)))
    resting = options["time_in_force"] not in (TimeInForce.IOC, TimeInForce.FOK)
    if mode.post_only and kind == OrderType.LIMIT and resting:
        options["post_only"] = draw(st.booleans())
    if mode.reduce_only:
        options["reduce_only"] = draw(st.sampled_from((False, False, True)))
    return OrderRequest(ID, side, quantity, kind, **options)


def _order_steps(draw: st.DrawFn, mode: Mode, market: _Market, ts: int) -> list[Step]:
    choices = ["submit", "submit", "submit"]
    if mode.cancels and market.submitted:
        choices.append("cancel")
    if mode.modifies and market.submitted:
        choices.append("modify")
    if mode.brackets:
        choices.append("bracket")
    if mode.oco_pairs:
        choices.append("oco")
    action = draw(st.sampled_from(choices))
    steps: list[Step] = []

    def submit(request: OrderRequest) -> None:
        steps.append(SubmitStep(market.next_id, request))
        market.types[market.next_id] = request.order_type
        market.submitted.append(market.next_id)
        market.next_id += 1

    if action == "submit":
        submit(_request(draw, mode, market, ts))
    elif action == "cancel":
        steps.append(CancelStep(draw(st.sampled_from(market.submitted))))
    elif action == "modify":
        # New terms the order has: a limit for limits, a stop for stops, a quantity for all;
        # now and then a price of a kind the order does not have, which must be refused.
        target = draw(st.sampled_from(market.submitted))
        kind = market.types[target]
        quantity = draw(st.sampled_from((None, None, 2.0, 10.0, 50.0)))
        prices = st.one_of(st.none(), st.integers(market.bid - 3, market.ask + 3))
        mistaken = draw(st.sampled_from((False, False, False, False, True)))
        limit = draw(prices) if kind in LIMIT_TYPES or mistaken else None
        stop = draw(prices) if kind in PLAIN_STOPS or mistaken else None
        steps.append(
            ModifyStep(
                target,
                quantity,
                None if limit is None else px(limit),
                None if stop is None else px(stop),
            )
        )
    elif action == "bracket":
        # An entry limit near the market, then a stop-loss and a take-profit as its children.
        side = draw(st.sampled_from((Side.BUY, Side.SELL)))
        toward = 1 if side == Side.BUY else -1
        near = market.ask if side == Side.BUY else market.bid
        entry = near + toward * draw(st.integers(-3, 1))
        quantity = float(draw(st.sampled_from((5, 10, 30))))
        tif = draw(st.sampled_from((TimeInForce.GTC, TimeInForce.DAY)))
        parent = market.next_id
        submit(
            OrderRequest(
                ID, side, quantity, OrderType.LIMIT, limit_price=px(entry), time_in_force=tif
            )
        )
        market.group += 1
        exit_side = Side.SELL if side == Side.BUY else Side.BUY
        child_quantity = quantity if draw(st.booleans()) else quantity / 5
        loss = entry - toward * draw(st.integers(1, 4))
        profit = entry + toward * draw(st.integers(1, 4))
        submit(
            OrderRequest(
                ID,
                exit_side,
                child_quantity,
                OrderType.STOP,
                stop_price=px(loss),
                parent_id=parent,
                oco_group=market.group,
            )
        )
        submit(
            OrderRequest(
                ID,
                exit_side,
                child_quantity,
                OrderType.LIMIT,
                limit_price=px(profit),
                parent_id=parent,
                oco_group=market.group,
            )
        )
    else:
        # A protective pair: a stop and a limit on the same side, on either side of the market.
        side = draw(st.sampled_from((Side.BUY, Side.SELL)))
        toward = 1 if side == Side.BUY else -1
        near = market.ask if side == Side.BUY else market.bid
        quantity = float(draw(st.sampled_from((5, 10))))
        market.group += 1
        stop = near + toward * draw(st.integers(1, 5))
        target = near - toward * draw(st.integers(1, 5))
        submit(
            OrderRequest(
                ID,
                side,
                quantity,
                OrderType.STOP,
                stop_price=px(stop),
                oco_group=market.group,
            )
        )
        submit(
            OrderRequest(
                ID,
                side,
                quantity,
                OrderType.LIMIT,
                limit_price=px(max(target, 1)),
                oco_group=market.group,
            )
        )
    return steps


@st.composite
def programs(draw: st.DrawFn, mode: Mode) -> Program:
    market = _Market()
    ts = T0
    program: Program = []
    if mode.opens_with_quote:
        program.append((ts, QuoteStep(market.bid, market.ask, 10.0, 10.0)))
    for _ in range(draw(st.integers(4, 30))):
        # Mostly close together; sometimes half a day, so that DAY orders meet a session end.
        ts += draw(st.sampled_from((1, SECOND, SECOND, 2 * SECOND, 13 * HOUR)))
        if draw(st.booleans()):
            program.append((ts, _market_step(draw, mode, market)))
        else:
            program.extend((ts, s) for s in _order_steps(draw, mode, market, ts))
    return program


depths = st.builds(
    SyntheticDepth,
    levels=st.integers(1, 3),
    step_ticks=st.integers(1, 2),
    size_multiple=st.sampled_from((1.0, 2.0)),
)
fees = st.sampled_from(
    (NoFee(), BpsFee(2.0), MakerTakerFee(maker_bps=-1.0, taker_bps=3.0), PerUnitFee(0.01, 0.5))
)
slippages = st.sampled_from(
    (
        NoSlippage(),
        SpreadFractionSlippage(0.5),
        SpreadFractionSlippage(1),
        FixedBpsSlippage(5.0),
        FixedBpsSlippage(20.0),
    )
)
limits = st.sampled_from(
    (RiskLimits(), RiskLimits(max_position=50.0), RiskLimits(max_order_quantity=30.0))
)
ALL_TIFS = tuple(TimeInForce)
