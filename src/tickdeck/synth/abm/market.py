"""`AbmMarket`: the agent-based limit order book, run forward in time, open to outside orders.

An `AbmMarket` is the closed-loop counterpart of replay. Between calls to
`AbmMarket.advance`, which runs the agents up to a time, a strategy (or the
backtest engine on its behalf) can `submit`, `cancel` and `modify` orders
that enter the *same* book as the agents' orders: they take liquidity the
agents posted, rest in the queues with price-time priority, get filled by
the agents' flow, and move the prices the agents react to.

External orders act at the market's clock, `AbmMarket.now_ns` (the `until_ns`
of the last advance). Their fills come back at once for the part that
trades on arrival (`Submission.fills`) and with the next `advance` for
resting orders that agent flow reaches (`AbmEvents.fills`). Every event
they cause (L3, trades, quotes, L2) is in the next `AbmEvents` too, in
the order it happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from tickdeck.core import (
    DataKind,
    Fill,
    FillBasis,
    InputError,
    Liquidity,
    OrderRequest,
    OrderStatus,
    OrderType,
    RejectReason,
    Side,
    TimeInForce,
    layout,
)
from tickdeck.synth.abm import _agents as agents
from tickdeck.synth.abm import _kernels as kernels
from tickdeck.synth.abm._state import (
    KINDS,
    Buffers,
    agent_parameters,
    convert,
    lots_to_sizes,
    step_margin,
)
from tickdeck.synth.abm.config import AbmConfig

__all__ = ["AbmEvents", "AbmMarket", "Submission"]

_Records = npt.NDArray[np.void]


def _whole(name: str, value: object, expected: str) -> int:
    """`value` as a non-negative int (numpy integers too), or an InputError."""
    if isinstance(value, bool) or not isinstance(value, Integral) or int(value) < 0:
        raise InputError(name, value, expected)
    return int(value)


@dataclass(frozen=True)
class AbmEvents:
    """What the market produced since the previous call, as records of the core layouts.

    `fills` are the executions of external resting orders against other
    orders (liquidity MAKER); fills on arrival are in `Submission.fills`.
    """

    order_events: _Records
    trades: _Records
    quotes: _Records
    book_deltas: _Records
    book_snapshots: _Records
    fills: tuple[Fill, ...]

    def records(self, kind: DataKind) -> _Records:
        """The records of one data kind."""
        return {
            DataKind.ORDER_EVENT: self.order_events,
            DataKind.TRADE: self.trades,
            DataKind.QUOTE: self.quotes,
            DataKind.BOOK_DELTA: self.book_deltas,
            DataKind.BOOK_SNAPSHOT: self.book_snapshots,
        }[DataKind.parse(kind, field="kind")]

    def table(self, kind: DataKind) -> pa.Table:
        """The records of one data kind as an Arrow table in the catalog's schema."""
        records = self.records(kind)
        schema = layout(kind).arrow_schema
        return pa.Table.from_arrays([pa.array(records[n]) for n in schema.names], schema=schema)


@dataclass(frozen=True)
class Submission:
    """The market's answer to one external order.

    `status` is FILLED, PARTIALLY_FILLED (the rest rests), ACCEPTED (resting,
    nothing filled yet), CANCELED (the unfilled rest of a market, IOC or FOK
    order, after any fills) or REJECTED with `reject_reason`. A rejected
    order has `order_id` 0.
    """

    order_id: int
    status: OrderStatus
    fills: tuple[Fill, ...] = ()
    resting_quantity: float = 0.0
    reject_reason: RejectReason = RejectReason.NONE

    @property
    def filled_quantity(self) -> float:
        return sum(f.quantity for f in self.fills)


class AbmMarket:
    """An agent-based limit order book for one instrument, ready at `config.start_ns`.

    The constructor runs the warm-up (`config.warmup_ns` of agent activity
    before the start, discarded), so the book is populated when it returns.
    The same `config` and `seed` always give the same events, bit for bit,
    whatever the sequence of `advance` times; external orders change what
    happens only through the book they change.
    """

    def __init__(self, config: AbmConfig, seed: int) -> None:
        if not isinstance(config, AbmConfig):
            raise InputError("config", type(config).__name__, "an AbmConfig")
        self.config = config
        self.seed = _whole("seed", seed, "a whole number >= 0")
        self.instrument = config.instrument
        self._levels = config.price_levels
        self._fp, self._ip = agent_parameters(config)
        self._margin = step_margin(config)
        streams = np.random.default_rng(self.seed).integers(
            0, 2**64, size=2, dtype=np.uint64, endpoint=False
        )
        self._rng = streams.copy()
        initial = int(self.instrument.prices_to_ticks([config.initial_price])[0])
        # Keep every level's price positive: the window starts at tick 1 at the lowest.
        origin = max(1, initial - self._levels // 2)
        self._lv, self._ob, self._hp, self._st = kernels.new_book(
            self._levels, config.max_resting_orders, config.market_makers.count
        )
        start = config.start_ns - config.warmup_ns
        st = self._st
        st[kernels.ORIGIN] = origin
        st[kernels.REF2] = 2 * (initial - origin)
        st[kernels.NOW] = start
        st[kernels.NEXT_SNAP] = config.start_ns + config.snapshot_interval_ns
        st[kernels.SNAP_EVERY] = config.snapshot_interval_ns
        st[kernels.NEXT_FUND] = start + config.fundamental.update_interval_ns
        self._fs = np.zeros(agents.FS_SIZE, dtype=np.float64)
        self._fs[agents.F_FUND] = float(initial - origin)
        agents.schedule_arrival(self._rng, st, self._fp, self._ip, start)
        self._buffers = Buffers(self._st, max(1 << 16, 4 * self._margin))
        self._open: dict[int, int] = {}
        if config.warmup_ns > 0:
            self._run(config.start_ns)
            self._buffers.take()  # the warm-up is not recorded

    # -- reading the market -----------------------------------------------------

    @property
    def now_ns(self) -> int:
        """The market's clock: every agent event before it has happened."""
        return int(self._st[kernels.NOW])

    def _price(self, level: int) -> float:
        return float(self.instrument.ticks_to_prices([self._st[kernels.ORIGIN] + level])[0])

    @property
    def best_bid(self) -> float:
        """The best bid price, NaN when no bid rests."""
        b = int(self._st[kernels.BEST_BID])
        return self._price(b) if b >= 0 else float("nan")

    @property
    def best_ask(self) -> float:
        """The best ask price, NaN when no ask rests."""
        a = int(self._st[kernels.BEST_ASK])
        return self._price(a) if a < self._levels else float("nan")

    @property
    def mid(self) -> float:
        """The mid price, NaN unless both sides have orders."""
        return (self.best_bid + self.best_ask) / 2.0

    @property
    def fundamental_price(self) -> float:
        """The fundamental traders' value now, in price units (not on the tick grid)."""
        ticks = self._st[kernels.ORIGIN] + self._fs[agents.F_FUND]
        return float(ticks) * float(self.instrument.tick_size)

    @property
    def dropped_orders(self) -> int:
        """Agent orders not placed because they fell outside the window or the book was full."""
        return int(self._st[kernels.DROPPED])

    @property
    def resting_orders(self) -> int:
        """How many orders rest in the book."""
        return int(self._st[kernels.LIVE])

    def depth(self, side: Side | str, levels: int = 10) -> list[tuple[float, float]]:
        """The best `levels` non-empty levels of one side as (price, size), best first."""
        s = kernels.BID if Side.parse(side, field="side") == Side.BUY else kernels.ASK
        ticks = np.zeros(levels, dtype=np.int64)
        lots = np.zeros(levels, dtype=np.int64)
        n = kernels.levels_of(self._lv, self._st, s, levels, ticks, lots)
        prices = self.instrument.ticks_to_prices(ticks[:n])
        return list(zip(prices.tolist(), self._sizes(lots[:n]).tolist(), strict=True))

    def queue(self, side: Side | str, price: float) -> list[tuple[int, float]]:
        """The orders resting at one price as (order id, size), first in line first."""
        s = kernels.BID if Side.parse(side, field="side") == Side.BUY else kernels.ASK
        level = self._level(price, field="price")
        if level is None:
            return []
        n = self.resting_orders
        ids = np.zeros(n, dtype=np.int64)
        lots = np.zeros(n, dtype=np.int64)
        count = kernels.queue_of(self._lv, self._ob, s, level, ids, lots)
        return list(zip(ids[:count].tolist(), self._sizes(lots[:count]).tolist(), strict=True))

    def resting_quantity(self, order_id: int) -> float:
        """What is left of an external order in the book, 0 once it is filled or cancelled."""
        slot = self._slot(order_id)
        return 0.0 if slot is None else float(self._sizes(self._ob[slot, kernels.LOTS]))

    # -- running ----------------------------------------------------------------

    def advance(self, until_ns: int) -> AbmEvents:
        """Run the agents over ``[now_ns, until_ns)``; return what happened since the last call."""
        until = _whole("until_ns", until_ns, "a time in ns")
        if until < self.now_ns:
            raise InputError("until_ns", until_ns, f"a time at or after now ({self.now_ns})")
        self._run(until)
        return self._collect()

    def image(self) -> AbmEvents:
        """What happened since the last call, then the whole book at `now_ns` as events.

        The book comes as an L3 ADD per resting order and an L2 ADD per level
        (best first, queue order kept), a quote and a snapshot, so a consumer
        can rebuild the book from this point on.
        """
        self._emit_image()
        return self._collect()

    def _emit_image(self) -> None:
        self._buffers.ensure_room(2 * self.resting_orders + 8)
        now = self.now_ns
        kernels.image(self._lv, self._ob, self._st, self._buffers.log, now)
        kernels.snapshot(self._lv, self._st, self._buffers.sn, now)

    def _run(self, until: int) -> None:
        while agents.run_agents(
            self._lv,
            self._ob,
            self._hp,
            self._st,
            self._buffers.log,
            self._buffers.sn,
            self._rng,
            self._fs,
            self._fp,
            self._ip,
            until,
            self._margin,
        ):
            self._buffers.drain()

    def _collect(self) -> AbmEvents:
        log, snapshots = self._buffers.take()
        records = {
            kind: convert(self.instrument, kind, log[log[:, 0] == r]) for r, kind in KINDS.items()
        }
        fills = log[log[:, 0] == kernels.R_FILL]
        makers = fills[fills[:, 6] == kernels.MAKER]
        for order_id in np.unique(makers[:, 2]).tolist():
            self._slot(order_id)  # forget orders that are gone
        return AbmEvents(
            order_events=records[DataKind.ORDER_EVENT],
            trades=records[DataKind.TRADE],
            quotes=records[DataKind.QUOTE],
            book_deltas=records[DataKind.BOOK_DELTA],
            book_snapshots=convert(self.instrument, DataKind.BOOK_SNAPSHOT, snapshots),
            fills=self._fills(makers, Liquidity.MAKER),
        )

    # -- external orders ----------------------------------------------------------

    def submit(self, request: OrderRequest) -> Submission:
        """Send an external order into the book at `now_ns`.

        Market and limit orders are matched; GTC limits rest, IOC and FOK
        never rest, ``post_only`` limits that would trade are rejected. Stop
        orders, DAY/GTD, reduce-only, brackets and OCO belong to the engine
        and raise an InputError here.
        """
        if not isinstance(request, OrderRequest):
            raise InputError("request", type(request).__name__, "an OrderRequest")
        self._supported(request)
        if request.instrument != self.instrument.id:
            return Submission(
                0, OrderStatus.REJECTED, reject_reason=RejectReason.UNKNOWN_INSTRUMENT
            )
        lots = self._lots(request.quantity)
        if lots is None:
            return Submission(0, OrderStatus.REJECTED, reject_reason=RejectReason.INVALID_QUANTITY)
        s = kernels.BID if request.side == Side.BUY else kernels.ASK
        if request.order_type == OrderType.LIMIT:
            level = self._level(request.limit_price, field="limit_price")
            if level is None:
                return Submission(0, OrderStatus.REJECTED, reject_reason=RejectReason.INVALID_PRICE)
        else:
            level = self._levels - 1 if s == kernels.BID else 0
        may_rest = (
            request.order_type == OrderType.LIMIT and request.time_in_force == TimeInForce.GTC
        )
        if request.post_only and kernels.available(self._lv, self._st, s, level, 1) > 0:
            return Submission(
                0, OrderStatus.REJECTED, reject_reason=RejectReason.POST_ONLY_WOULD_TAKE
            )
        if request.time_in_force == TimeInForce.FOK and (
            kernels.available(self._lv, self._st, s, level, lots) < lots
        ):
            return Submission(0, OrderStatus.REJECTED, reject_reason=RejectReason.FOK_NOT_FILLABLE)
        if may_rest and self._st[kernels.FREE] < 0:
            raise InputError(
                "abm.max_resting_orders",
                self.config.max_resting_orders,
                "room for one more resting order",
                hint="raise max_resting_orders",
            )
        # Per resting order reached at most: an L3 row, a trade, two fills and a delta.
        self._buffers.ensure_room(5 * min(lots, self.resting_orders) + 16)
        first = self._buffers.log_rows
        now = self.now_ns
        order_id, left, slot = kernels.submit(
            *self._state, s, level, lots, kernels.EXTERNAL, now, may_rest
        )
        kernels.quote_if_changed(self._lv, self._st, self._buffers.log, now, False)
        rows = self._buffers.fresh_rows(first)
        mine = rows[
            (rows[:, 0] == kernels.R_FILL)
            & (rows[:, 2] == order_id)
            & (rows[:, 6] == kernels.TAKER)
        ]
        fills = self._fills(mine, Liquidity.TAKER)
        if slot >= 0:
            self._open[int(order_id)] = int(slot)
            status = OrderStatus.PARTIALLY_FILLED if fills else OrderStatus.ACCEPTED
        else:
            status = OrderStatus.CANCELED if left > 0 else OrderStatus.FILLED
        resting = float(self._sizes(left)) if slot >= 0 else 0.0
        return Submission(int(order_id), status, fills, resting)

    def cancel(self, order_id: int) -> bool:
        """Cancel a resting external order at `now_ns`; False if it is no longer open."""
        slot = self._slot(order_id)
        if slot is None:
            return False
        self._buffers.ensure_room(8)
        kernels.cancel_slot(*self._state, slot, self.now_ns)
        kernels.quote_if_changed(self._lv, self._st, self._buffers.log, self.now_ns, False)
        del self._open[order_id]
        return True

    def modify(
        self, order_id: int, *, price: float | None = None, quantity: float | None = None
    ) -> RejectReason:
        """Change a resting external order's price and/or quantity at `now_ns`.

        Returns NONE when done. Only a smaller quantity at the same price
        keeps the order's place in its queue. A price that would trade is
        refused (POST_ONLY_WOULD_TAKE): a modify never executes.
        """
        slot = self._slot(order_id)
        if slot is None:
            return RejectReason.ORDER_NOT_OPEN
        ob = self._ob
        level = int(ob[slot, kernels.LVL]) if price is None else self._level(price, field="price")
        lots = int(ob[slot, kernels.LOTS]) if quantity is None else self._lots(quantity)
        if level is None:
            return RejectReason.INVALID_PRICE
        if lots is None:
            return RejectReason.INVALID_QUANTITY
        self._buffers.ensure_room(8)
        code = kernels.modify_slot(*self._state, slot, level, lots, self.now_ns)
        if code == kernels.REJ_POST_ONLY:
            return RejectReason.POST_ONLY_WOULD_TAKE
        # A moved order rests in the slot it left (the top of the free stack), so _open holds.
        kernels.quote_if_changed(self._lv, self._st, self._buffers.log, self.now_ns, False)
        return RejectReason.NONE

    # -- helpers ------------------------------------------------------------------

    @property
    def _state(self) -> tuple[npt.NDArray[np.int64], ...]:
        """The arguments every mutating kernel starts with: the book and the log."""
        return self._lv, self._ob, self._hp, self._st, self._buffers.log

    @staticmethod
    def _supported(request: OrderRequest) -> None:
        if request.order_type not in (OrderType.MARKET, OrderType.LIMIT):
            raise InputError(
                "order_type",
                request.order_type.label,
                "market or limit",
                hint="the agent-based market matches market and limit orders only",
            )
        if request.time_in_force not in (TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK):
            raise InputError("time_in_force", request.time_in_force.label, "gtc, ioc or fok")
        for name in ("reduce_only", "parent_id", "oco_group"):
            if getattr(request, name) not in (False, None):
                raise InputError(name, getattr(request, name), "not set: the engine handles it")

    def _slot(self, order_id: int) -> int | None:
        """The slot of an open external order, forgetting it if it is gone."""
        slot = self._open.get(order_id)
        if slot is None:
            return None
        if self._ob[slot, kernels.OID] != order_id:
            del self._open[order_id]
            return None
        return slot

    def _level(self, price: float | None, *, field: str) -> int | None:
        """The book level of a price, None if off the grid or outside the window."""
        if price is None or not np.isfinite(price) or price <= 0:
            raise InputError(field, price, "a positive finite price")
        if bool(self.instrument.off_grid([price])[0]):
            return None
        level = int(self.instrument.prices_to_ticks([price])[0]) - int(self._st[kernels.ORIGIN])
        return level if 0 <= level < self._levels else None

    def _lots(self, quantity: float) -> int | None:
        """Whole lots in a quantity, None if it is not a positive multiple of the lot size."""
        lot = float(self.instrument.lot_size)
        count = quantity / lot
        lots = round(count)
        if lots < 1 or abs(count - lots) > 1e-6 * max(1.0, abs(count)):
            return None
        return int(lots)

    def _sizes(self, lots: npt.ArrayLike) -> npt.NDArray[np.float64]:
        return lots_to_sizes(self.instrument.lot_size, np.asarray(lots, dtype=np.int64))

    def _fills(self, rows: npt.NDArray[np.int64], liquidity: Liquidity) -> tuple[Fill, ...]:
        if rows.shape[0] == 0:
            return ()
        prices = self.instrument.ticks_to_prices(rows[:, 4]).tolist()
        sizes = self._sizes(rows[:, 5]).tolist()
        return tuple(
            Fill(
                order_id=int(row[2]),
                instrument=self.instrument.id,
                ts=int(row[1]),
                side=Side(int(row[3])),
                quantity=size,
                price=price,
                liquidity=liquidity,
                basis=FillBasis.BOOK,
            )
            for row, price, size in zip(rows.tolist(), prices, sizes, strict=True)
        )
