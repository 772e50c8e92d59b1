"""The spec strategy, compiled: what `SpecStrategy` and its `Orders` compute.

Risk exits, the rules, sizing, and `Orders`' accounting of orders in flight
(`move_to`, cancels, what reports do to it), as `tickdeck.spec._compile` and
`tickdeck.spec._orders` run them. The rules arrive as bits per evaluation
(`RULE_*`): indicators and conditions do not depend on trading, so the shell
computes them for every evaluation first. The account the strategy reads is
`_portfolio_kernels`.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numba import njit

from tickdeck.spec._kernel._fill_kernels import round_decimal
from tickdeck.spec._kernel._layout import (
    A_COLUMNS,
    A_KIND,
    A_ORDER,
    A_SEQ,
    A_TIME,
    ARRIVE_CANCEL,
    ARRIVE_ORDER,
    BUY,
    LIMIT,
    MARKET,
    NEVER,
    O_COLUMNS,
    O_CREATED,
    O_EXPIRE,
    O_REASON,
    O_SIDE,
    O_STATUS,
    O_TAG,
    O_TIF,
    O_TYPE,
    O_UPDATED,
    OF_COLUMNS,
    OF_FILLED,
    OF_LIMIT,
    OF_NOTIONAL,
    OF_QUANTITY,
    OF_REFERENCE,
    PE_COLUMNS,
    PE_COUNTED,
    PE_FINAL,
    PE_ORDER,
    PEF_COLUMNS,
    PEF_DELIVERED,
    PEF_QUANTITY,
    PEF_SIGN,
    PF_CAP,
    PF_LIMIT_TICK,
    PF_PERCENT,
    PF_PERIODS_PER_YEAR,
    PF_QUANTITY,
    PF_RISK_STOP,
    PF_SIZE_LOT,
    PF_STOP,
    PF_TAKE,
    PF_TRAIL,
    PI_CAP,
    PI_DECIMALS,
    PI_LIMIT,
    PI_MAX_BARS,
    PI_MAX_NS,
    PI_OFFSET,
    PI_ORDER_LATENCY,
    PI_SIZING,
    PI_STOP,
    PI_TAKE,
    PI_TIF,
    PI_TRAIL,
    REASON_NONE,
    RULE_LONG_ENTRY,
    RULE_LONG_EXIT,
    RULE_SHORT_ENTRY,
    RULE_SHORT_EXIT,
    SELL,
    SF_BEST,
    SF_ENTRY,
    SF_POSITION,
    SF_TARGET,
    SI_A_TAIL,
    SI_ARRIVALS_AT,
    SI_ENTRY_NS,
    SI_EVALUATIONS,
    SI_LAST_ARRIVAL,
    SI_NOW,
    SI_ORDERS,
    SI_ORDERS_AT,
    SI_ORDERS_F_AT,
    SI_PENDING,
    SI_PENDING_AT,
    SI_PENDING_F_AT,
    SI_SEQ,
    SIZING_FIXED,
    SIZING_PERCENT,
    SIZING_RISK,
    SUBMITTED,
    TAG_LONG_ENTRY,
    TAG_LONG_EXIT,
    TAG_SHORT_ENTRY,
    TAG_SHORT_EXIT,
    TAG_STOP_LOSS,
    TAG_TAKE_PROFIT,
    TAG_TIME_EXIT,
    TAG_TRAILING_STOP,
)
from tickdeck.spec._kernel._portfolio_kernels import equity

_F64 = npt.NDArray[np.float64]
_I64 = npt.NDArray[np.int64]

# Every function takes the two arenas of `_layout`: mi (int64) and mf (float64).

# -- orders in flight (tickdeck.spec._orders.Orders) -------------------------------------------


@njit(cache=True)
def _find_pending(mi: _I64, order: int) -> int:
    rows = mi[SI_PENDING_AT]
    for k in range(mi[SI_PENDING]):
        if mi[rows + k * PE_COLUMNS + PE_ORDER] == order:
            return k
    return -1


@njit(cache=True)
def _forget_if_done(mi: _I64, mf: _F64, k: int) -> None:
    values = mi[SI_PENDING_F_AT]
    quantity = mf[values + k * PEF_COLUMNS + PEF_QUANTITY]
    if quantity - mf[values + k * PEF_COLUMNS + PEF_DELIVERED] <= 1e-9 * max(1.0, quantity):
        rows = mi[SI_PENDING_AT]
        count = mi[SI_PENDING]
        for j in range(k * PE_COLUMNS, (count - 1) * PE_COLUMNS):
            mi[rows + j] = mi[rows + j + PE_COLUMNS]
        for j in range(k * PEF_COLUMNS, (count - 1) * PEF_COLUMNS):
            mf[values + j] = mf[values + j + PEF_COLUMNS]
        mi[SI_PENDING] = count - 1


@njit(cache=True)
def pending_fill(mi: _I64, mf: _F64, order: int, quantity: float) -> None:
    """`Orders.on_fill`."""
    k = _find_pending(mi, order)
    if k >= 0:
        mf[mi[SI_PENDING_F_AT] + k * PEF_COLUMNS + PEF_DELIVERED] += quantity
        _forget_if_done(mi, mf, k)


@njit(cache=True)
def pending_final(mi: _I64, mf: _F64, order: int, filled: float) -> None:
    """`Orders.on_order` for a final status: the order will fill no more than `filled`."""
    k = _find_pending(mi, order)
    if k >= 0:
        mf[mi[SI_PENDING_F_AT] + k * PEF_COLUMNS + PEF_QUANTITY] = filled
        mi[mi[SI_PENDING_AT] + k * PE_COLUMNS + PE_FINAL] = 1
        _forget_if_done(mi, mf, k)


@njit(cache=True)
def _arrival(mi: _I64, kind: int, order: int) -> None:
    """`_Engine._order_arrival`: one session, so messages arrive in the order sent."""
    arrival = mi[SI_NOW] + mi[PI_ORDER_LATENCY]
    if arrival < mi[SI_LAST_ARRIVAL]:
        arrival = mi[SI_LAST_ARRIVAL]
    mi[SI_LAST_ARRIVAL] = arrival
    mi[SI_SEQ] += 1
    tail = mi[SI_A_TAIL]
    row = mi[SI_ARRIVALS_AT] + tail * A_COLUMNS
    mi[row + A_TIME] = arrival
    mi[row + A_SEQ] = mi[SI_SEQ]
    mi[row + A_KIND] = kind
    mi[row + A_ORDER] = order
    mi[SI_A_TAIL] = tail + 1


@njit(cache=True)
def _limit_price(side: int, price: float, mi: _I64, mf: _F64) -> float:
    """`Orders._limit_price`; NaN where it returns None."""
    tick = mf[PF_LIMIT_TICK]
    if price - price != 0.0:
        return np.nan
    if side == BUY:
        ticks = int(np.floor(price / tick + 1e-9)) - mi[PI_OFFSET]
    else:
        ticks = int(np.ceil(price / tick - 1e-9)) + mi[PI_OFFSET]
    if ticks <= 0:
        return np.nan
    return round_decimal(ticks * tick, mi[PI_DECIMALS])


@njit(cache=True)
def _move_to(mi: _I64, mf: _F64, target: float, price: float, changed: bool, tag: int) -> None:
    """`Orders.move_to`: one order for the gap to `target`, counting orders in flight."""
    limit_orders = mi[PI_LIMIT] == 1
    rows = mi[SI_PENDING_AT]
    values = mi[SI_PENDING_F_AT]
    if changed and limit_orders:
        for k in range(mi[SI_PENDING]):
            row = rows + k * PE_COLUMNS
            if mi[row + PE_COUNTED] == 1 and mi[row + PE_FINAL] == 0:
                mi[row + PE_COUNTED] = 0
                _arrival(mi, ARRIVE_CANCEL, mi[row + PE_ORDER])
    in_flight = 0.0
    for k in range(mi[SI_PENDING]):
        if mi[rows + k * PE_COLUMNS + PE_COUNTED] == 1:
            value = values + k * PEF_COLUMNS
            in_flight += mf[value + PEF_SIGN] * (
                mf[value + PEF_QUANTITY] - mf[value + PEF_DELIVERED]
            )
    gap = target - (mf[SF_POSITION] + in_flight)
    quantity = round_decimal(abs(gap), 9)
    if quantity <= 1e-9 * max(1.0, abs(target)):
        return
    side = BUY if gap > 0 else SELL
    limit = np.nan
    if limit_orders:
        limit = _limit_price(side, price, mi, mf)
        if limit != limit:
            return  # the offset leaves no positive price on the grid
    order = mi[SI_ORDERS]
    mi[SI_ORDERS] = order + 1
    row_i = mi[SI_ORDERS_AT] + order * O_COLUMNS
    row_f = mi[SI_ORDERS_F_AT] + order * OF_COLUMNS
    mi[row_i + O_SIDE] = side
    mi[row_i + O_TYPE] = LIMIT if limit_orders else MARKET
    mi[row_i + O_TIF] = mi[PI_TIF]
    mi[row_i + O_TAG] = tag
    mi[row_i + O_STATUS] = SUBMITTED
    mi[row_i + O_CREATED] = mi[SI_NOW]
    mi[row_i + O_UPDATED] = mi[SI_NOW]
    mi[row_i + O_REASON] = REASON_NONE
    mi[row_i + O_EXPIRE] = NEVER
    mf[row_f + OF_QUANTITY] = quantity
    mf[row_f + OF_LIMIT] = limit
    mf[row_f + OF_FILLED] = 0.0
    mf[row_f + OF_NOTIONAL] = 0.0
    mf[row_f + OF_REFERENCE] = np.nan
    k = mi[SI_PENDING]
    row = rows + k * PE_COLUMNS
    value = values + k * PEF_COLUMNS
    mi[row + PE_ORDER] = order
    mi[row + PE_COUNTED] = 1
    mi[row + PE_FINAL] = 0
    mf[value + PEF_SIGN] = 1.0 if gap > 0 else -1.0
    mf[value + PEF_QUANTITY] = quantity
    mf[value + PEF_DELIVERED] = 0.0
    mi[SI_PENDING] = k + 1
    _arrival(mi, ARRIVE_ORDER, order)


# -- the strategy (tickdeck.spec._compile.SpecStrategy) ----------------------------------------


@njit(cache=True)
def track_entry(mi: _I64, mf: _F64, side: int, quantity: float, price: float, ts: int) -> None:
    """`SpecStrategy._track_entry`: average entry price, first fill time, best price."""
    after = mf[SF_POSITION]
    before = after - (quantity if side == BUY else -quantity)
    if abs(after) <= 1e-9 * max(1.0, abs(before)):
        mf[SF_ENTRY] = np.nan
        mf[SF_BEST] = np.nan
    elif abs(before) <= 1e-9 * max(1.0, abs(after)) or (before > 0) != (after > 0):
        mf[SF_ENTRY] = price
        mf[SF_BEST] = price
        mi[SI_ENTRY_NS] = ts
        mi[SI_EVALUATIONS] = 0
    elif abs(after) > abs(before):
        mf[SF_ENTRY] = (mf[SF_ENTRY] * abs(before) + price * quantity) / abs(after)


@njit(cache=True)
def _size(mi: _I64, mf: _F64, price: float, sigma: float) -> float:
    """`SpecStrategy._size`: units for a new position at `price`, capped."""
    sizing = mi[PI_SIZING]
    if sizing == SIZING_FIXED:
        quantity = mf[PF_QUANTITY]
    else:
        if not price > 0:
            return 0.0
        wealth = equity(mf)
        if sizing == SIZING_PERCENT:
            raw = wealth * mf[PF_PERCENT] / 100.0 / price
        elif sizing == SIZING_RISK:
            raw = wealth * mf[PF_PERCENT] / mf[PF_RISK_STOP] / price
        else:
            if not sigma > 0:
                return 0.0
            annual = sigma * math.sqrt(mf[PF_PERIODS_PER_YEAR])
            raw = wealth * mf[PF_PERCENT] / 100.0 / (price * annual)
        lot = mf[PF_SIZE_LOT]
        quantity = np.floor(raw / lot + 1e-9) * lot
    if mi[PI_CAP] == 1 and mf[PF_CAP] < quantity:
        return float(mf[PF_CAP])
    return float(quantity)


@njit(cache=True)
def _risk_exit(mi: _I64, mf: _F64, price: float) -> bool:
    """`SpecStrategy._risk_exit`: whether a risk rule closed the position now."""
    entry = mf[SF_ENTRY]
    position = mf[SF_POSITION]
    if entry != entry or position == 0.0:
        return False
    mi[SI_EVALUATIONS] += 1
    best = mf[SF_BEST]
    if position > 0:
        best = price if price > best else best
        move = (price / entry - 1.0) * 100.0
        from_best = (price / best - 1.0) * 100.0
    else:
        best = price if price < best else best
        move = (1.0 - price / entry) * 100.0
        from_best = (1.0 - price / best) * 100.0
    mf[SF_BEST] = best
    max_bars = mi[PI_MAX_BARS]
    max_ns = mi[PI_MAX_NS]
    if mi[PI_STOP] == 1 and move <= -mf[PF_STOP]:
        tag = TAG_STOP_LOSS
    elif mi[PI_TAKE] == 1 and move >= mf[PF_TAKE]:
        tag = TAG_TAKE_PROFIT
    elif mi[PI_TRAIL] == 1 and from_best <= -mf[PF_TRAIL]:
        tag = TAG_TRAILING_STOP
    elif (max_bars > 0 and mi[SI_EVALUATIONS] >= max_bars) or (
        max_ns != NEVER and mi[SI_NOW] - mi[SI_ENTRY_NS] >= max_ns
    ):
        tag = TAG_TIME_EXIT
    else:
        return False
    changed = mf[SF_TARGET] != 0.0
    mf[SF_TARGET] = 0.0
    _move_to(mi, mf, 0.0, price, changed, tag)
    return True


@njit(cache=True)
def evaluate(mi: _I64, mf: _F64, price: float, rules: int, sigma: float, has_risk: bool) -> None:
    """`SpecStrategy._evaluate` once its indicators are updated: risk exits, then the rules."""
    if has_risk and _risk_exit(mi, mf, price):
        return
    target = mf[SF_TARGET]
    if rules & RULE_LONG_ENTRY:
        tag = TAG_LONG_ENTRY
        if target <= 0:
            quantity = _size(mi, mf, price, sigma)
            if quantity <= 0:
                return
            target = quantity
    elif rules & RULE_SHORT_ENTRY:
        tag = TAG_SHORT_ENTRY
        if target >= 0:
            quantity = _size(mi, mf, price, sigma)
            if quantity <= 0:
                return
            target = -quantity
    elif target > 0 and rules & RULE_LONG_EXIT:
        tag = TAG_LONG_EXIT
        target = 0.0
    elif target < 0 and rules & RULE_SHORT_EXIT:
        tag = TAG_SHORT_EXIT
        target = 0.0
    else:
        return
    changed = target != mf[SF_TARGET]
    mf[SF_TARGET] = target
    _move_to(mi, mf, target, price, changed, tag)
