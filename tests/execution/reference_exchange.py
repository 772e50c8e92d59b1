"""A slow, obviously correct simulated exchange, written from docs/fills.md alone.

It is the oracle of tests/execution/test_exchange_vs_reference.py: the same
market events and order requests go through it and through
`tickdeck.execution.exchange.SimulatedExchange`, and the two must report the
same fills and order states. Nothing here is taken from the implementation;
every rule cites the sentence of docs/fills.md it implements. It trades one
instrument, keeps prices as integer ticks (so comparisons are exact), and
favours plain loops over speed.

Where docs/fills.md is silent, these conventions are used (each is stated
again where it applies):

- every fill is reported as the `Fill` followed by the order's new state;
- at equal times, expiries come first: an order is no longer live at its
  expiry time;
- orders meet each market event in the order in which they last entered the
  book (acceptance, trigger, modification or activation);
- a trade at our price while our level has never been the best (so the queue
  ahead is unknown) does not fill us;
- on a bar's path the walk visits every tick from one point to the next, so
  "prices move continuously" is taken literally: each order meets its own
  price exactly, in the order the path reaches it.

Rules the reference first had to assume and docs/fills.md now states: an
order refused on arrival reports only ``REJECTED``; a modification with a
price the order type does not have is refused; expiries before one event are
reported in expiry order, then by id; queue fills are whole lots; a child sent
after its parent ended follows it at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import pairwise

from tickdeck.core import (
    Bar,
    BookAction,
    BookDelta,
    BookSnapshot,
    Instrument,
    Liquidity,
    OrderStatus,
    OrderType,
    Quote,
    RejectReason,
    Side,
    TimeInForce,
    Trade,
)
from tickdeck.core.orders import OrderRequest
from tickdeck.execution import (
    BpsFee,
    FixedBpsSlippage,
    MakerTakerFee,
    NoFee,
    NoSlippage,
    PerUnitFee,
    SpreadFractionSlippage,
)
from tickdeck.execution.config import ExchangeConfig, SameBarRule
from tickdeck.execution.queue import ConservativeQueue, ProbabilisticQueue

__all__ = ["RefFill", "RefUpdate", "ReferenceExchange"]

DAY_NS = 86_400_000_000_000
FINAL = (OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.EXPIRED, OrderStatus.REJECTED)
STOPS = (OrderType.STOP, OrderType.STOP_LIMIT, OrderType.TRAILING_STOP)


@dataclass(frozen=True)
class RefFill:
    """A fill as the reference reports it; `slippage` is None when there was no mid."""

    ts: int
    order_id: int
    side: Side
    quantity: float
    price: float
    fee: float
    liquidity: Liquidity
    slippage: float | None


@dataclass(frozen=True)
class RefUpdate:
    """An order's state after a change (or a refused request, with `refused` set)."""

    ts: int
    order_id: int
    status: OrderStatus
    ts_updated: int
    filled: float
    average_price: float
    reject_reason: RejectReason
    refused: RejectReason
    quantity: float
    limit_price: float | None
    stop_price: float | None


RefReport = RefFill | RefUpdate


@dataclass
class _Order:
    order_id: int
    request: OrderRequest
    arrival_ns: int
    quantity: float
    limit: int | None  # ticks
    stop: int | None  # ticks; a trailing stop's current level
    status: OrderStatus = OrderStatus.SUBMITTED
    reason: RejectReason = RejectReason.NONE
    ts_updated: int = 0
    filled: float = 0.0
    fills: list[tuple[float, float]] = field(default_factory=list)
    active: bool = True  # False: a bracket child waiting for its parent
    triggered: bool = False
    waiting_for_open: bool = False  # a market order on bars waits for the next open
    best: int | None = None  # a trailing stop's best price since acceptance, ticks
    expire_ns: int | None = None
    arrival_mid: float = math.nan
    priority: int = 0
    # Queue position (docs/fills.md, "Trades"): None while unknown.
    ahead: float | None = None
    seen_size: float | None = None  # displayed size at our price when last seen as the best
    traded_since_seen: float = 0.0

    @property
    def side(self) -> Side:
        return self.request.side

    @property
    def remaining(self) -> float:
        return self.quantity - self.filled

    @property
    def is_final(self) -> bool:
        return self.status in FINAL

    @property
    def is_stop(self) -> bool:
        return self.request.order_type in STOPS


class ReferenceExchange:
    """One instrument, the rules of docs/fills.md, one plain loop per event."""

    def __init__(self, instrument: Instrument, config: ExchangeConfig | None = None) -> None:
        self.instrument = instrument
        self.config = config or ExchangeConfig()
        self.position = 0.0
        self.orders: dict[int, _Order] = {}
        self._children: dict[int, list[_Order]] = {}
        self._entries = 0
        # The market: top of book (ticks, sizes), the L2 book when replayed, what was seen.
        self.bid: int | None = None
        self.ask: int | None = None
        self.bid_size = 0.0
        self.ask_size = 0.0
        self.book: dict[Side, dict[int, float]] = {Side.BUY: {}, Side.SELL: {}}
        self.has_book = False
        self.seen_quote = False
        self.seen_trade = False
        self.bars_only = False

    # -- prices ---------------------------------------------------------------

    def _decimal(self, value: float) -> Decimal:
        return Decimal(repr(float(value)))

    def on_grid(self, price: float) -> bool:
        return price > 0 and self._decimal(price) % self.instrument.tick_size == 0

    def ticks(self, price: float) -> int:
        exact = self._decimal(price) / self.instrument.tick_size
        assert exact == exact.to_integral_value(), f"{price} is off the grid"
        return int(exact)

    def price(self, ticks: int) -> float:
        return float(self.instrument.ticks_to_prices([ticks])[0])

    def _mid(self) -> float:
        if self.bid is None or self.ask is None:
            return math.nan
        return (self.price(self.bid) + self.price(self.ask)) / 2.0

    # -- reports --------------------------------------------------------------

    def _snapshot(self, order: _Order, ts: int, refused: RejectReason) -> RefUpdate:
        filled = sum(q for _, q in order.fills)
        notional = sum(p * q for p, q in order.fills)
        request = order.request
        return RefUpdate(
            ts=ts,
            order_id=order.order_id,
            status=order.status,
            ts_updated=order.ts_updated,
            filled=filled,
            average_price=notional / filled if filled else math.nan,
            reject_reason=order.reason,
            refused=refused,
            quantity=order.quantity,
            limit_price=None if order.limit is None else self.price(order.limit),
            stop_price=None
            if request.order_type not in STOPS or order.stop is None
            else self.price(order.stop),
        )

    def _change(self, order: _Order, status: OrderStatus, ts: int, out: list[RefReport]) -> None:
        order.status = status
        order.ts_updated = ts
        out.append(self._snapshot(order, ts, RejectReason.NONE))

    def _enter_book(self, order: _Order) -> None:
        """Convention: orders meet events in the order they last entered the book."""
        self._entries += 1
        order.priority = self._entries

    def _live(self) -> list[_Order]:
        return sorted(
            (o for o in self.orders.values() if not o.is_final and o.active),
            key=lambda o: o.priority,
        )

    # -- requests -------------------------------------------------------------

    def submit(self, order_id: int, request: OrderRequest, ts: int) -> list[RefReport]:
        out: list[RefReport] = []
        self._expire(ts, out)
        order = _Order(
            order_id,
            request,
            ts,
            request.quantity,
            None if request.limit_price is None else self._maybe_ticks(request.limit_price),
            None if request.stop_price is None else self._maybe_ticks(request.stop_price),
            ts_updated=ts,
        )
        self.orders[order_id] = order
        reason = self._pre_trade_check(order, ts)
        parent_missing = request.parent_id is not None and request.parent_id not in self.orders
        if reason is RejectReason.NONE and parent_missing:
            reason = RejectReason.ORDER_NOT_OPEN
        if reason is not RejectReason.NONE:
            order.reason = reason
            self._change(order, OrderStatus.REJECTED, ts, out)
            return out
        # "reduce_only ... trims one that would reverse it" (a bracket child: on activation).
        if request.reduce_only and request.parent_id is None:
            order.quantity = min(order.quantity, abs(self.position))
        if request.time_in_force == TimeInForce.DAY:
            # "expires at the first session end after acceptance (UTC midnight plus session_end_ns)"
            offset = self.config.session_end_ns
            order.expire_ns = ((ts - offset) // DAY_NS + 1) * DAY_NS + offset
        elif request.time_in_force == TimeInForce.GTD:
            order.expire_ns = request.expire_ns
        # "A fill records its slippage against the mid when the order reached the exchange."
        order.arrival_mid = self._mid()
        if request.parent_id is not None:
            # "A child order (parent_id) is accepted but inactive until its parent is
            # completely filled"; a parent that already ended decides at once.
            parent = self.orders[request.parent_id]
            self._children.setdefault(parent.order_id, []).append(order)
            order.active = False
            self._change(order, OrderStatus.ACCEPTED, ts, out)
            self._enter_book(order)
            self._settle_children(parent, ts, out)
            return out
        self._arrive(order, ts, out)
        return out

    def _maybe_ticks(self, price: float) -> int | None:
        return self.ticks(price) if self.on_grid(price) else None

    def _pre_trade_check(self, order: _Order, ts: int) -> RejectReason:
        """docs/fills.md, "Pre-trade checks", in the order stated there."""
        request = order.request
        if request.instrument != self.instrument.id:
            return RejectReason.UNKNOWN_INSTRUMENT
        prices = [p for p in (request.limit_price, request.stop_price) if p is not None]
        if any(not self.on_grid(p) for p in prices):
            return RejectReason.INVALID_PRICE
        if self._decimal(request.quantity) % self.instrument.lot_size != 0:
            return RejectReason.INVALID_QUANTITY
        if request.time_in_force == TimeInForce.GTD and (request.expire_ns or 0) <= ts:
            return RejectReason.EXPIRE_TIME_PASSED
        signed = request.quantity if request.side == Side.BUY else -request.quantity
        increases = self.position == 0 or (self.position > 0) == (signed > 0)
        if request.reduce_only and request.parent_id is None and increases:
            return RejectReason.REDUCE_ONLY_WOULD_INCREASE
        risk = self.config.risk
        # The docs do not say which price values an order's notional or exposure: the
        # reference leaves those two checks to tests/execution/test_every_order_type_and_reason.py.
        assert risk.max_order_notional is None
        assert risk.max_leverage is None
        if risk.max_order_quantity is not None and request.quantity > risk.max_order_quantity:
            return RejectReason.MAX_ORDER_SIZE
        if risk.max_position is not None and abs(self.position + signed) > risk.max_position:
            return RejectReason.MAX_POSITION
        return RejectReason.NONE

    def cancel(self, order_id: int, ts: int) -> list[RefReport]:
        out: list[RefReport] = []
        self._expire(ts, out)
        order = self.orders[order_id]
        if order.is_final:
            # "cancelling or modifying an order that is no longer open is reported with
            # ORDER_NOT_OPEN"
            out.append(self._snapshot(order, ts, RejectReason.ORDER_NOT_OPEN))
            return out
        self._close(order, OrderStatus.CANCELED, ts, out)
        return out

    def modify(
        self,
        order_id: int,
        ts: int,
        *,
        quantity: float | None = None,
        limit_price: float | None = None,
        stop_price: float | None = None,
    ) -> list[RefReport]:
        """New terms; the order then meets the market as a new order would (a new queue place)."""
        out: list[RefReport] = []
        self._expire(ts, out)
        order = self.orders[order_id]
        refused = RejectReason.NONE
        if order.is_final:
            refused = RejectReason.ORDER_NOT_OPEN
        elif quantity is not None and not quantity > order.filled:
            refused = RejectReason.INVALID_QUANTITY
        elif any(p is not None and not self.on_grid(p) for p in (limit_price, stop_price)):
            refused = RejectReason.INVALID_PRICE
        elif (limit_price is not None and order.request.limit_price is None) or (
            stop_price is not None and order.request.stop_price is None
        ):
            # "a price the order type does not have (a limit on a stop, a stop on a limit or a
            # trailing stop) is refused with INVALID_PRICE"
            refused = RejectReason.INVALID_PRICE
        if refused is not RejectReason.NONE:
            out.append(self._snapshot(order, ts, refused))
            return out
        if quantity is not None:
            order.quantity = quantity
        if limit_price is not None:
            order.limit = self.ticks(limit_price)
        if stop_price is not None:
            order.stop = self.ticks(stop_price)
        self._change(order, order.status, ts, out)
        if order.active and not order.waiting_for_open:
            self._arrive(order, ts, out)
        return out

    # -- arrival: "matched against the market as it is when the order arrives" --

    def _arrive(self, order: _Order, ts: int, out: list[RefReport]) -> None:
        request = order.request
        if request.order_type == OrderType.TRAILING_STOP and not order.triggered:
            best = self.bid if request.side == Side.SELL else self.ask
            if best is not None and order.best is None:
                self._trail(order, best)
        if order.is_stop and not order.triggered:
            if not self._stop_reached(order, self.bid, self.ask):
                if order.status == OrderStatus.SUBMITTED:
                    self._change(order, OrderStatus.ACCEPTED, ts, out)
                self._enter_book(order)
                return
            if order.status == OrderStatus.SUBMITTED:
                self._change(order, OrderStatus.ACCEPTED, ts, out)
            self._trigger(order, ts, out)
        self._execute(order, ts, out)

    def _trail(self, order: _Order, price: int) -> None:
        """A trailing stop follows the best price since acceptance by `trail` (on the grid)."""
        trail = self.ticks(order.request.trail or 0.0)
        sell = order.side == Side.SELL
        if order.best is None or (price > order.best if sell else price < order.best):
            order.best = price
            order.stop = price - trail if sell else price + trail

    def _stop_reached(self, order: _Order, low: int | None, high: int | None) -> bool:
        """A buy stop when prices reach it from below, a sell stop from above."""
        if order.stop is None:
            return False
        if order.side == Side.BUY:
            return high is not None and high >= order.stop
        return low is not None and low <= order.stop

    def _trigger(self, order: _Order, ts: int, out: list[RefReport]) -> None:
        order.triggered = True
        self._change(order, OrderStatus.TRIGGERED, ts, out)

    def _execute(self, order: _Order, ts: int, out: list[RefReport]) -> None:
        """A market or limit order (or a triggered stop) meets the book: take, then rest."""
        request = order.request
        tif = request.time_in_force
        acknowledge = order.status == OrderStatus.SUBMITTED
        limit = order.limit
        ladder = self._ladder(order.side)
        if limit is None:
            if not ladder:
                if self.bars_only and tif not in (TimeInForce.IOC, TimeInForce.FOK):
                    # "A market order sent between bars fills at the next bar's open."
                    if acknowledge:
                        self._change(order, OrderStatus.ACCEPTED, ts, out)
                    order.waiting_for_open = True
                    self._enter_book(order)
                    return
                order.reason = RejectReason.NO_MARKET
                self._change(order, OrderStatus.REJECTED, ts, out)
                return
            takes = self._walk(order.side, ladder, order.remaining, None)
        else:
            opposite = self.ask if order.side == Side.BUY else self.bid
            crosses = opposite is not None and (
                limit >= opposite if order.side == Side.BUY else limit <= opposite
            )
            if crosses and request.post_only:
                # "post_only rejects a limit order that would take on arrival"
                order.reason = RejectReason.POST_ONLY_WOULD_TAKE
                self._change(order, OrderStatus.REJECTED, ts, out)
                return
            takes = self._walk(order.side, ladder, order.remaining, limit) if crosses else []
        if acknowledge:
            self._change(order, OrderStatus.ACCEPTED, ts, out)
        if tif == TimeInForce.FOK and sum(q for _, q in takes) < order.remaining:
            # "FOK: fills entirely on arrival or is cancelled with FOK_NOT_FILLABLE."
            self._close(order, OrderStatus.CANCELED, ts, out, RejectReason.FOK_NOT_FILLABLE)
            return
        for price, quantity in self._slipped(order.side, takes, limit):
            self._fill(order, price, quantity, Liquidity.TAKER, ts, out)
        if order.is_final:
            return
        if tif in (TimeInForce.IOC, TimeInForce.FOK) or limit is None:
            # "IOC: takes what it can on arrival; the rest is cancelled."
            self._close(order, OrderStatus.CANCELED, ts, out)
            return
        self._rest(order)

    def _ladder(self, side: Side) -> list[tuple[int, float]]:
        """The levels a taker on `side` meets, best first (docs/fills.md, L1 and L2)."""
        if self.has_book:
            levels = self.book[Side.SELL if side == Side.BUY else Side.BUY]
            return sorted(levels.items(), reverse=side == Side.SELL)
        top, size = (self.ask, self.ask_size) if side == Side.BUY else (self.bid, self.bid_size)
        if top is None:
            return []
        if not size > 0:
            return [(top, math.inf)]  # "A quote without sizes is treated as unbounded"
        depth = self.config.depth
        away = depth.step_ticks if side == Side.BUY else -depth.step_ticks
        ladder = [(top, size)]
        # "then a SyntheticDepth behind it: 5 levels in all by default (the displayed top
        # and 4 more), one tick apart each, each as large as the displayed top": `levels`
        # counts the top too.
        for level in range(1, depth.levels):
            price = top + level * away
            if price > 0:
                ladder.append((price, size * depth.size_multiple))
        return ladder

    def _walk(
        self, side: Side, ladder: list[tuple[int, float]], quantity: float, limit: int | None
    ) -> list[tuple[int, float]]:
        """Take levels best first, up to the limit; a market order takes everything it needs."""
        takes = []
        left = quantity
        for price, size in ladder:
            if left <= 0:
                break
            if limit is not None and (price > limit if side == Side.BUY else price < limit):
                break
            amount = min(left, size)
            takes.append((price, amount))
            left -= amount
        if left > 0 and limit is None and takes:
            # "Size beyond the last level fills at the last level's price."
            price, amount = takes[-1]
            takes[-1] = (price, amount + left)
        return takes

    def _slipped(
        self, side: Side, takes: list[tuple[int, float]], limit: int | None
    ) -> list[tuple[int, float]]:
        """ "Taker fills are shifted against the taker by the SlippageModel ... rounded onto
        the tick grid away from the taker, never beyond a limit price." One shift for the
        order, measured at the first level it takes."""
        model = self.config.slippage
        if isinstance(model, NoSlippage) or not takes:
            return takes
        tick = self.instrument.tick_size
        if isinstance(model, SpreadFractionSlippage):
            if self.bid is None or self.ask is None:
                return takes  # "0 when the spread is unknown"
            shift = self._decimal(model.fraction) * (self.ask - self.bid)  # in ticks
        else:
            assert isinstance(model, FixedBpsSlippage), "the reference knows these models only"
            top = tick * takes[0][0]
            shift = top * self._decimal(model.bps) / 10_000 / tick  # in ticks
        moved = []
        for price, quantity in takes:
            if side == Side.BUY:
                new = math.ceil(price + shift)
                new = new if limit is None else min(new, limit)
            else:
                new = math.floor(price - shift)
                new = new if limit is None else max(new, limit)
            moved.append((new, quantity))
        return moved

    def _rest(self, order: _Order) -> None:
        """A limit order starts resting; its queue place (docs/fills.md, "Trades")."""
        self._enter_book(order)
        best, size = (
            (self.bid, self.bid_size)
            if order.side == Side.BUY
            else (
                self.ask,
                self.ask_size,
            )
        )
        assert order.limit is not None
        order.seen_size = None
        order.traded_since_seen = 0.0
        better = best is None or (
            order.limit > best if order.side == Side.BUY else order.limit < best
        )
        if better:
            order.ahead = 0.0  # "at a better price, nothing is [ahead of it]"
        elif order.limit == best:
            order.ahead = size  # "everything displayed there is ahead of it"
            order.seen_size = size
        else:
            order.ahead = None  # "the displayed size when that level becomes the best"

    # -- fills and endings ----------------------------------------------------

    def _fee(self, price: float, quantity: float, liquidity: Liquidity) -> float:
        model = self.config.fees
        notional = price * quantity * float(self.instrument.multiplier)
        if isinstance(model, NoFee):
            return 0.0
        if isinstance(model, BpsFee):
            return notional * model.bps / 10_000
        if isinstance(model, MakerTakerFee):
            bps = model.maker_bps if liquidity == Liquidity.MAKER else model.taker_bps
            return notional * bps / 10_000
        if isinstance(model, PerUnitFee):
            return max(model.per_unit * quantity, model.minimum)
        raise AssertionError(f"the reference does not know {model!r}")

    def _fill(
        self,
        order: _Order,
        ticks: int,
        quantity: float,
        liquidity: Liquidity,
        ts: int,
        out: list[RefReport],
    ) -> None:
        quantity = min(quantity, order.remaining)
        if quantity <= 0:
            return
        price = self.price(ticks)
        sign = 1.0 if order.side == Side.BUY else -1.0
        mid = order.arrival_mid
        slippage = None if math.isnan(mid) else sign * (price - mid)
        fee = self._fee(price, quantity, liquidity)
        out.append(
            RefFill(ts, order.order_id, order.side, quantity, price, fee, liquidity, slippage)
        )
        self.position += sign * quantity
        order.fills.append((price, quantity))
        order.filled += quantity
        done = order.filled >= order.quantity - 1e-9
        self._change(order, OrderStatus.FILLED if done else OrderStatus.PARTIALLY_FILLED, ts, out)
        if done:
            self._settle_children(order, ts, out)
        # "Orders sharing an oco_group are cancelled as soon as one of them fills (fully or
        # partly)."
        group = order.request.oco_group
        if group is not None:
            for other in sorted(self.orders.values(), key=lambda o: o.priority):
                if other is not order and other.request.oco_group == group:
                    self._close(other, OrderStatus.CANCELED, ts, out)

    def _close(
        self,
        order: _Order,
        status: OrderStatus,
        ts: int,
        out: list[RefReport],
        reason: RejectReason = RejectReason.NONE,
    ) -> None:
        if order.is_final:
            return
        order.reason = reason
        self._change(order, status, ts, out)
        self._settle_children(order, ts, out)

    def _settle_children(self, parent: _Order, ts: int, out: list[RefReport]) -> None:
        """Once the parent ended: children activate on its fill, or are cancelled without one."""
        if not parent.is_final:
            return
        for child in self._children.get(parent.order_id, []):
            if child.is_final or child.active:
                continue
            # "it then becomes active with a quantity of at most the parent's filled quantity
            # (and, if reduce-only, at most the position)"
            quantity = min(child.quantity, parent.filled)
            if child.request.reduce_only:
                quantity = min(quantity, abs(self.position))
            if quantity > 0:
                child.quantity = quantity
                child.active = True
                self._arrive(child, ts, out)
            else:
                # "If the parent ends without any fill, its children are cancelled" (and a
                # reduce-only child with no position left to reduce: "cancelled too").
                self._close(child, OrderStatus.CANCELED, ts, out)

    def _expire(self, ts: int, out: list[RefReport]) -> None:
        """DAY and GTD orders whose time has come, earliest first, stamped with that time."""
        while True:
            due = [
                o
                for o in self.orders.values()
                if not o.is_final and o.expire_ns is not None and o.expire_ns <= ts
            ]
            if not due:
                return
            # "Several orders expiring by one event are reported in expiry order, then by id."
            order = min(due, key=lambda o: (o.expire_ns or 0, o.order_id))
            assert order.expire_ns is not None
            self._close(order, OrderStatus.EXPIRED, order.expire_ns, out)

    # -- market data ----------------------------------------------------------

    def on_quote(self, quote: Quote) -> list[RefReport]:
        out: list[RefReport] = []
        self._expire(quote.ts_event, out)
        self.seen_quote = True
        if not self.has_book:  # "the book replaces the quotes as the source of the top"
            self.bid = None if math.isnan(quote.bid_price) else self.ticks(quote.bid_price)
            self.ask = None if math.isnan(quote.ask_price) else self.ticks(quote.ask_price)
            self.bid_size, self.ask_size = quote.bid_size, quote.ask_size
        for order in self._live():
            if not order.is_final and order.active:
                self._update_queue(order)
                self._meet_top(order, quote.ts_event, out)
        return out

    def on_book_delta(self, delta: BookDelta) -> list[RefReport]:
        self.has_book = True
        levels = self.book[Side(delta.side)]
        if delta.action == BookAction.CLEAR:
            self.book[Side.BUY].clear()
            self.book[Side.SELL].clear()
        elif delta.action == BookAction.DELETE or not delta.size > 0:
            levels.pop(self.ticks(delta.price), None)
        else:
            levels[self.ticks(delta.price)] = delta.size
        return self._after_book(delta.ts_event)

    def on_book_snapshot(self, snapshot: BookSnapshot) -> list[RefReport]:
        self.has_book = True
        for side, prices, sizes in (
            (Side.BUY, snapshot.bid_prices, snapshot.bid_sizes),
            (Side.SELL, snapshot.ask_prices, snapshot.ask_sizes),
        ):
            self.book[side] = {
                self.ticks(p): s for p, s in zip(prices, sizes, strict=True) if s > 0 and p == p
            }
        return self._after_book(snapshot.ts_event)

    def _after_book(self, ts: int) -> list[RefReport]:
        out: list[RefReport] = []
        self._expire(ts, out)
        bids, asks = self.book[Side.BUY], self.book[Side.SELL]
        self.bid = max(bids) if bids else None
        self.bid_size = bids[self.bid] if self.bid is not None else 0.0
        self.ask = min(asks) if asks else None
        self.ask_size = asks[self.ask] if self.ask is not None else 0.0
        for order in self._live():
            if not order.is_final and order.active:
                self._meet_top(order, ts, out)
        return out

    def _meet_top(self, order: _Order, ts: int, out: list[RefReport]) -> None:
        """A live order against a new top of book (a quote, or the L2 book)."""
        if order.waiting_for_open:
            return
        if order.is_stop and not order.triggered:
            if order.request.order_type == OrderType.TRAILING_STOP:
                best = self.bid if order.side == Side.SELL else self.ask
                if best is not None:
                    self._trail(order, best)
            if self._stop_reached(order, self.bid, self.ask):
                self._trigger(order, ts, out)
                self._execute(order, ts, out)
            return
        if order.limit is None:
            return
        opposite, size = (
            (self.ask, self.ask_size) if order.side == Side.BUY else (self.bid, self.bid_size)
        )
        if opposite is None:
            return
        through = opposite < order.limit if order.side == Side.BUY else opposite > order.limit
        touches = opposite == order.limit
        # L1: "A resting limit buy fills at its limit when the ask comes down to it or through
        # it ... for at most the displayed size on the other side per quote". With trades:
        # "a quote that merely touches our price does not fill us (the queue decides), one
        # that crosses through it does".
        if through or (touches and not self.seen_trade):
            amount = order.remaining if not size > 0 else min(order.remaining, size)
            self._fill(order, order.limit, amount, Liquidity.MAKER, ts, out)

    def _update_queue(self, order: _Order) -> None:
        """Cancellations at our price, when it is the best: the queue model decides."""
        if order.limit is None or (order.is_stop and not order.triggered):
            return
        best, size = (
            (self.bid, self.bid_size)
            if order.side == Side.BUY
            else (
                self.ask,
                self.ask_size,
            )
        )
        if best != order.limit:
            return
        if order.ahead is None:
            order.ahead = size  # the level just became the best
        elif order.seen_size is not None:
            # "when the displayed size at our price falls without a trade": what trades at
            # our price took since we last saw it is not a cancellation.
            before = max(order.seen_size - order.traded_since_seen, 0.0)
            if size < before:
                order.ahead = self._queue_after_cancels(order.ahead, before, size)
        order.seen_size = size
        order.traded_since_seen = 0.0

    def _queue_after_cancels(self, ahead: float, before: float, after: float) -> float:
        model = self.config.queue
        if isinstance(model, ConservativeQueue):
            return min(ahead, after)  # "none of it" was ahead, but what is ahead is displayed
        assert isinstance(model, ProbabilisticQueue), "the reference knows these two models"
        share = float(
            (min(ahead, before) / before) ** model.power
        )  # "(ahead / displayed) ** power"
        return min(max(ahead - (before - after) * share, 0.0), after)

    def on_trade(self, trade: Trade) -> list[RefReport]:
        out: list[RefReport] = []
        ts = trade.ts_event
        self._expire(ts, out)
        self.seen_trade = True
        price = self.ticks(trade.price)
        for order in self._live():
            if order.is_final or not order.active or order.waiting_for_open:
                continue
            if order.is_stop and not order.triggered:
                if order.request.order_type == OrderType.TRAILING_STOP:
                    self._trail(order, price)
                if self._stop_reached(order, price, price):
                    self._trigger(order, ts, out)
                    self._execute(order, ts, out)  # "as a market order" / "as a limit order"
                continue
            if order.limit is None:
                continue
            if price == order.limit:
                order.traded_since_seen += trade.size
            through = price < order.limit if order.side == Side.BUY else price > order.limit
            if through:
                # "a trade through our price ... fills the whole remaining order"
                self._fill(order, order.limit, order.remaining, Liquidity.MAKER, ts, out)
            elif price == order.limit and order.ahead is not None:
                # "a trade at our price first eats the queue ahead; what is left of the trade
                # fills us"
                left = trade.size - order.ahead
                order.ahead = max(order.ahead - trade.size, 0.0)
                # "in whole lots: the part of a lot that reaches us is not a fill" (the
                # estimate ahead is a float: a billionth of a lot short counts as the lot)
                lot = float(self.instrument.lot_size)
                lots = math.floor(min(left, order.remaining) / lot + 1e-9)
                if left > 0 and lots > 0:
                    quantity = float(lots * self.instrument.lot_size)
                    self._fill(order, order.limit, quantity, Liquidity.MAKER, ts, out)
        return out

    def on_bar(self, bar: Bar) -> list[RefReport]:
        """ "With bars and no ticks, each bar is walked as a price path"."""
        out: list[RefReport] = []
        ts = bar.ts_event
        self._expire(ts, out)
        if not (self.seen_quote or self.seen_trade or self.has_book):
            self.bars_only = True
        if not self.bars_only:
            return out
        o, h, low, c = (self.ticks(p) for p in (bar.open, bar.high, bar.low, bar.close))
        self._same_bar(o, h, low, ts, out)
        # "open, low, high, close for a bar that closes at or above its open; open, high,
        # low, close otherwise". "Prices move continuously along the path": the walk visits
        # every tick from each point to the next, so an order meets its own price exactly.
        path = (o, low, h, c) if c >= o else (o, h, low, c)
        visited = [o]
        for start, end in pairwise(path):
            step = 1 if end > start else -1
            visited.extend(range(start + step, end + step, step) if end != start else ())
        for n, point in enumerate(visited):
            self.bid = self.ask = point  # the price is here now, for orders arriving meanwhile
            self.bid_size = self.ask_size = 0.0
            for order in self._live():
                if not order.is_final and order.active:
                    self._meet_path(order, point, n == 0, ts, out)
        self.bid = self.ask = None  # between bars there is no price to trade at
        return out

    def _meet_path(
        self, order: _Order, point: int, at_open: bool, ts: int, out: list[RefReport]
    ) -> None:
        """An order at one tick of the path. At the open "a gap through the price fills at the
        open"; after it the walk reaches each price exactly, so "a resting limit fills at its
        limit and a stop at its stop": both are `point`."""
        if order.waiting_for_open:
            # "A market order sent between bars fills at the next bar's open."
            assert at_open
            order.waiting_for_open = False
            self._take_at(order, point, ts, out)
            return
        if order.is_stop and not order.triggered:
            if order.request.order_type == OrderType.TRAILING_STOP:
                self._trail(order, point)
            if not self._stop_reached(order, point, point):
                return
            self._trigger(order, ts, out)
            # "stop: as a market order"; "stop-limit: as a limit order from then on", which
            # takes "if it crosses the spread" (the price is `point`), else rests.
            if order.limit is None or self._crosses(order, point):
                self._take_at(order, point, ts, out)
            else:
                self._enter_book(order)
            return
        if order.limit is None:
            return
        if self._crosses(order, point):
            self._fill(order, point, order.remaining, Liquidity.MAKER, ts, out)

    def _crosses(self, order: _Order, point: int) -> bool:
        """Whether the price `point` is at or through the order's limit."""
        assert order.limit is not None
        return point <= order.limit if order.side == Side.BUY else point >= order.limit

    def _take_at(self, order: _Order, point: int, ts: int, out: list[RefReport]) -> None:
        """A taker on the path: all of it at `point`; "Taker fills are shifted against the
        taker by the SlippageModel"."""
        for price, quantity in self._slipped(order.side, [(point, order.remaining)], order.limit):
            self._fill(order, price, quantity, Liquidity.TAKER, ts, out)

    def _same_bar(self, o: int, h: int, low: int, ts: int, out: list[RefReport]) -> None:
        """ "When one bar reaches both a stop-loss and a take-profit of the same OCO group,
        SameBarRule decides" (PATH: the path decides, above). A stop-loss is a stop or a
        trailing stop at its level when the bar opens, a take-profit a limit order; the
        winner fills at its price, or at the open if the bar opened through it."""
        rule = self.config.same_bar
        if rule == SameBarRule.PATH:
            return
        groups: dict[int, list[_Order]] = {}
        for order in self._live():
            if order.request.oco_group is not None and not order.waiting_for_open:
                groups.setdefault(order.request.oco_group, []).append(order)
        for members in groups.values():
            stops = [
                m
                for m in members
                if m.request.order_type in (OrderType.STOP, OrderType.TRAILING_STOP)
                and not m.triggered
                and self._stop_reached(m, low, h)
            ]
            targets = [
                m
                for m in members
                if m.request.order_type == OrderType.LIMIT
                and m.limit is not None
                and (low <= m.limit if m.side == Side.BUY else h >= m.limit)
            ]
            if not stops or not targets:
                continue
            if rule == SameBarRule.STOP_FIRST:
                stop = stops[0]
                assert stop.stop is not None
                gapped = o > stop.stop if stop.side == Side.BUY else o < stop.stop
                self._trigger(stop, ts, out)
                self.bid = self.ask = o if gapped else stop.stop
                self._take_at(stop, o if gapped else stop.stop, ts, out)
                self.bid = self.ask = None
            else:
                target = targets[0]
                assert target.limit is not None
                gapped = o < target.limit if target.side == Side.BUY else o > target.limit
                fill_at = o if gapped else target.limit
                self._fill(target, fill_at, target.remaining, Liquidity.MAKER, ts, out)
