"""The simulated exchange, compiled: `SimulatedExchange`'s rules for one instrument.

What the event-driven exchange (`tickdeck.execution.exchange`) does with a
spec strategy's orders on quotes or stored bars, restated over the arenas
of `_layout`: order arrival (checks, acceptance, taking the quote),
resting limit orders against later quotes or bar paths, cancels, DAY
expiries, and the reports each step sends back. The order of the reports and
every number in them are the Python exchange's; docs/fills.md states the
rules. Stops, brackets, OCO groups, trades and L2 books are not here: the
compiled path refuses specs and data that would need them.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

from tickdeck.spec._kernel._fill_kernels import (
    _away_from_taker,
    fee,
    is_off_grid,
    price_shift,
    take,
)
from tickdeck.spec._kernel._layout import (
    ACCEPTED,
    BASIS_BAR_PATH,
    BASIS_QUOTE,
    BUY,
    CANCELED,
    DAY,
    ERROR_FILL_PRICE,
    EXPIRED,
    F_BASIS,
    F_COLUMNS,
    F_LIQUIDITY,
    F_ORDER,
    F_TS,
    FF_COLUMNS,
    FF_FEE,
    FF_PRICE,
    FF_QUANTITY,
    FF_SLIPPAGE,
    FILLED,
    FOK,
    FOK_NOT_FILLABLE,
    INVALID_PRICE,
    INVALID_QUANTITY,
    IOC,
    MAKER,
    NEVER,
    NO_MARKET,
    O_COLUMNS,
    O_EXPIRE,
    O_REASON,
    O_SIDE,
    O_STATUS,
    O_TIF,
    O_UPDATED,
    OF_COLUMNS,
    OF_FILLED,
    OF_LIMIT,
    OF_NOTIONAL,
    OF_QUANTITY,
    OF_REFERENCE,
    PARTIALLY_FILLED,
    PF_LOT,
    PI_REPORT_LATENCY,
    PI_SESSION_END,
    R_COLUMNS,
    R_DETAIL,
    R_KIND,
    R_ORDER,
    R_SEQ,
    R_TIME,
    REASON_NONE,
    REJECTED,
    REPORT_FILL,
    REPORT_UPDATE,
    SF_ASK,
    SF_ASK_SIZE,
    SF_BID,
    SF_BID_SIZE,
    SF_ERROR_VALUE,
    SF_LAST_PRICE,
    SI_BARS_ONLY,
    SI_ERROR,
    SI_FILLS,
    SI_FILLS_AT,
    SI_FILLS_F_AT,
    SI_LAST_REPORT,
    SI_NEXT_EXPIRY,
    SI_ORDERS_AT,
    SI_ORDERS_F_AT,
    SI_R_TAIL,
    SI_REPORTS_AT,
    SI_REPORTS_F_AT,
    SI_SCRATCH_AT,
    SI_SEQ,
    SI_TAKE_F_AT,
    SI_WORKING,
    SI_WORKING_AT,
    SUBMITTED,
    TAKER,
)

_F64 = npt.NDArray[np.float64]
_I64 = npt.NDArray[np.int64]
_DAY_NS = 86_400_000_000_000

# Every function takes the two arenas of `_layout`: mi (int64) and mf (float64).


@njit(cache=True)
def push_report(
    mi: _I64, mf: _F64, ts: int, kind: int, order: int, detail: int, filled: float
) -> None:
    """Schedule a report's delivery: after the report latency, never before the previous one."""
    delivery = ts + mi[PI_REPORT_LATENCY]
    if delivery < mi[SI_LAST_REPORT]:
        delivery = mi[SI_LAST_REPORT]
    mi[SI_LAST_REPORT] = delivery
    mi[SI_SEQ] += 1
    tail = mi[SI_R_TAIL]
    row = mi[SI_REPORTS_AT] + tail * R_COLUMNS
    mi[row + R_TIME] = delivery
    mi[row + R_SEQ] = mi[SI_SEQ]
    mi[row + R_KIND] = kind
    mi[row + R_ORDER] = order
    mi[row + R_DETAIL] = detail
    mf[mi[SI_REPORTS_F_AT] + tail] = filled
    mi[SI_R_TAIL] = tail + 1


@njit(cache=True)
def _change(mi: _I64, mf: _F64, order: int, status: int, ts: int) -> None:
    row = mi[SI_ORDERS_AT] + order * O_COLUMNS
    mi[row + O_STATUS] = status
    mi[row + O_UPDATED] = ts
    filled = mf[mi[SI_ORDERS_F_AT] + order * OF_COLUMNS + OF_FILLED]
    push_report(mi, mf, ts, REPORT_UPDATE, order, status, filled)


@njit(cache=True)
def _finish(mi: _I64, mf: _F64, order: int, status: int, ts: int, reason: int) -> None:
    mi[mi[SI_ORDERS_AT] + order * O_COLUMNS + O_REASON] = reason
    _change(mi, mf, order, status, ts)


@njit(cache=True)
def _add(mi: _I64, order: int) -> None:
    working = mi[SI_WORKING_AT]
    count = mi[SI_WORKING]
    for k in range(count):
        if mi[working + k] == order:
            return
    mi[working + count] = order
    mi[SI_WORKING] = count + 1
    expire = mi[mi[SI_ORDERS_AT] + order * O_COLUMNS + O_EXPIRE]
    if expire < mi[SI_NEXT_EXPIRY]:
        mi[SI_NEXT_EXPIRY] = expire


@njit(cache=True)
def _remove(mi: _I64, order: int) -> None:
    working = mi[SI_WORKING_AT]
    count = mi[SI_WORKING]
    for k in range(count):
        if mi[working + k] == order:
            for j in range(k, count - 1):
                mi[working + j] = mi[working + j + 1]
            mi[SI_WORKING] = count - 1
            return


@njit(cache=True)
def _is_final(mi: _I64, order: int) -> bool:
    return bool(mi[mi[SI_ORDERS_AT] + order * O_COLUMNS + O_STATUS] >= FILLED)


@njit(cache=True)
def _close(mi: _I64, mf: _F64, order: int, status: int, ts: int, reason: int) -> None:
    if _is_final(mi, order):
        return
    _remove(mi, order)
    _finish(mi, mf, order, status, ts, reason)


@njit(cache=True)
def _fill(
    mi: _I64,
    mf: _F64,
    order: int,
    price: float,
    quantity: float,
    liquidity: int,
    ts: int,
    basis: int,
) -> None:
    """`Ledger._fill`: a fill report, then the order's new status."""
    if quantity <= 0.0:
        return
    row_f = mi[SI_ORDERS_F_AT] + order * OF_COLUMNS
    charged = fee(price, quantity, liquidity, mi, mf)
    sign = 1.0 if mi[mi[SI_ORDERS_AT] + order * O_COLUMNS + O_SIDE] == BUY else -1.0
    reference = mf[row_f + OF_REFERENCE]
    slippage = 0.0 if reference != reference else sign * (price - reference)
    if not (price > 0.0 and price < np.inf):
        mi[SI_ERROR] = ERROR_FILL_PRICE  # `Fill` refuses it: the event path raises there
        mf[SF_ERROR_VALUE] = price
        return
    n = mi[SI_FILLS]
    fill_i = mi[SI_FILLS_AT] + n * F_COLUMNS
    fill_f = mi[SI_FILLS_F_AT] + n * FF_COLUMNS
    mi[fill_i + F_ORDER] = order
    mi[fill_i + F_TS] = ts
    mi[fill_i + F_LIQUIDITY] = liquidity
    mi[fill_i + F_BASIS] = basis
    mf[fill_f + FF_QUANTITY] = quantity
    mf[fill_f + FF_PRICE] = price
    mf[fill_f + FF_FEE] = charged
    mf[fill_f + FF_SLIPPAGE] = slippage
    mi[SI_FILLS] = n + 1
    push_report(mi, mf, ts, REPORT_FILL, order, n, 0.0)
    mf[row_f + OF_FILLED] += quantity
    mf[row_f + OF_NOTIONAL] += price * quantity
    total = mf[row_f + OF_QUANTITY]
    remaining = total - mf[row_f + OF_FILLED]
    done = remaining <= 1e-12 * max(1.0, total)
    _change(mi, mf, order, FILLED if done else PARTIALLY_FILLED, ts)
    if done:
        _remove(mi, order)


@njit(cache=True)
def _snapshot(mi: _I64) -> int:
    """Copy the working list to the scratch region (the Python loops iterate over a copy)."""
    count = int(mi[SI_WORKING])
    working = mi[SI_WORKING_AT]
    scratch = mi[SI_SCRATCH_AT]
    for k in range(count):
        mi[scratch + k] = mi[working + k]
    return count


@njit(cache=True)
def _expire(mi: _I64, mf: _F64, ts: int) -> None:
    if ts < mi[SI_NEXT_EXPIRY]:
        return
    upcoming = NEVER
    count = _snapshot(mi)
    scratch = mi[SI_SCRATCH_AT]
    for k in range(count):
        order = mi[scratch + k]
        expire = mi[mi[SI_ORDERS_AT] + order * O_COLUMNS + O_EXPIRE]
        if expire == NEVER:
            continue
        if expire <= ts:
            _close(mi, mf, order, EXPIRED, expire, REASON_NONE)
        elif expire < upcoming:
            upcoming = expire
    mi[SI_NEXT_EXPIRY] = upcoming


@njit(cache=True)
def _rest_or_take(mi: _I64, mf: _F64, order: int, ts: int) -> None:
    """`SimulatedExchange._rest_or_take`: take what crosses, rest the rest."""
    row_i = mi[SI_ORDERS_AT] + order * O_COLUMNS
    row_f = mi[SI_ORDERS_F_AT] + order * OF_COLUMNS
    side = mi[row_i + O_SIDE]
    buy = side == BUY
    tif = mi[row_i + O_TIF]
    limit = mf[row_f + OF_LIMIT]
    market = limit != limit
    bid = mf[SF_BID]
    ask = mf[SF_ASK]
    if market and (ask != ask if buy else bid != bid):
        # Without a quote a market order waits for the next bar's open (IOC/FOK cannot).
        if mi[SI_BARS_ONLY] == 1 and tif not in (IOC, FOK):
            _add(mi, order)
            return
        _close(mi, mf, order, REJECTED, ts, NO_MARKET)
        return
    crosses = market or (limit >= ask if buy else limit <= bid)
    remaining = mf[row_f + OF_QUANTITY] - mf[row_f + OF_FILLED]
    count = take(side, remaining, limit, mi, mf) if crosses else 0
    fills = mi[SI_TAKE_F_AT]
    if tif == FOK:
        total = 0.0
        for j in range(count):
            total += mf[fills + 3 * j + 1]
        if total < remaining - 1e-12:
            _close(mi, mf, order, CANCELED, ts, FOK_NOT_FILLABLE)
            return
    for j in range(count):
        row = fills + 3 * j
        _fill(mi, mf, order, mf[row], mf[row + 1], TAKER, ts, int(mf[row + 2]))
    if _is_final(mi, order):
        return
    if tif in (IOC, FOK) or market:
        _close(mi, mf, order, CANCELED, ts, REASON_NONE)
        return
    _add(mi, order)


@njit(cache=True)
def submit(mi: _I64, mf: _F64, order: int, ts: int) -> None:
    """`SimulatedExchange.submit`: an order arrives at `ts`."""
    row_i = mi[SI_ORDERS_AT] + order * O_COLUMNS
    row_f = mi[SI_ORDERS_F_AT] + order * OF_COLUMNS
    _expire(mi, mf, ts)
    mi[row_i + O_STATUS] = SUBMITTED
    # O_CREATED keeps the strategy's send time (the engine passes it as `created_ns`).
    mi[row_i + O_UPDATED] = ts
    reason = REASON_NONE
    lots = mf[row_f + OF_QUANTITY] / mf[PF_LOT]
    limit = mf[row_f + OF_LIMIT]
    # `pre_trade_check`'s order: the price grid first, then the lot size.
    if limit == limit and is_off_grid(limit, mf):
        reason = INVALID_PRICE
    elif abs(lots - np.rint(lots)) > 1e-9 * max(1.0, lots):
        reason = INVALID_QUANTITY
    if reason != REASON_NONE:
        _finish(mi, mf, order, REJECTED, ts, reason)
        return
    if mi[row_i + O_TIF] == DAY:
        session_end = mi[PI_SESSION_END]
        mi[row_i + O_EXPIRE] = ((ts - session_end) // _DAY_NS + 1) * _DAY_NS + session_end
    _change(mi, mf, order, ACCEPTED, ts)
    bid = mf[SF_BID]
    ask = mf[SF_ASK]
    has_quote = bid == bid and ask == ask
    mf[row_f + OF_REFERENCE] = (bid + ask) / 2.0 if has_quote else mf[SF_LAST_PRICE]
    _rest_or_take(mi, mf, order, ts)


@njit(cache=True)
def cancel(mi: _I64, mf: _F64, order: int, ts: int) -> None:
    """`SimulatedExchange.cancel`: a closed order's cancel is refused with a report."""
    _expire(mi, mf, ts)
    if _is_final(mi, order):
        status = mi[mi[SI_ORDERS_AT] + order * O_COLUMNS + O_STATUS]
        filled = mf[mi[SI_ORDERS_F_AT] + order * OF_COLUMNS + OF_FILLED]
        push_report(mi, mf, ts, REPORT_UPDATE, order, status, filled)
        return
    _close(mi, mf, order, CANCELED, ts, REASON_NONE)


@njit(cache=True)
def on_quote(
    mi: _I64,
    mf: _F64,
    ts: int,
    bid: float,
    ask: float,
    bid_size: float,
    ask_size: float,
) -> None:
    """`SimulatedExchange.on_quote`: the new top, then resting limit orders against it."""
    mf[SF_BID] = bid
    mf[SF_ASK] = ask
    mf[SF_BID_SIZE] = bid_size
    mf[SF_ASK_SIZE] = ask_size
    if mi[SI_WORKING] == 0 and ts < mi[SI_NEXT_EXPIRY]:
        return
    _expire(mi, mf, ts)
    count = _snapshot(mi)
    scratch = mi[SI_SCRATCH_AT]
    for k in range(count):
        order = mi[scratch + k]
        if _is_final(mi, order):
            continue
        row_f = mi[SI_ORDERS_F_AT] + order * OF_COLUMNS
        limit = mf[row_f + OF_LIMIT]
        if limit != limit:  # a market order that waited for a price
            if bid == bid and ask == ask:
                _remove(mi, order)
                _rest_or_take(mi, mf, order, ts)
            continue
        buy = mi[mi[SI_ORDERS_AT] + order * O_COLUMNS + O_SIDE] == BUY
        opposite = ask if buy else bid
        size = ask_size if buy else bid_size
        if opposite != opposite:
            continue
        through = opposite < limit if buy else opposite > limit
        # Quotes only: no trades to queue behind, so reaching the limit fills.
        if through or opposite == limit:
            remaining = mf[row_f + OF_QUANTITY] - mf[row_f + OF_FILLED]
            amount = remaining if size <= 0.0 else (size if size < remaining else remaining)
            _fill(mi, mf, order, limit, amount, MAKER, ts, BASIS_QUOTE)


@njit(cache=True)
def on_bar(
    mi: _I64,
    mf: _F64,
    ts: int,
    open_: float,
    high: float,
    low: float,
    close: float,
) -> None:
    """`SimulatedExchange.on_bar` on bars only: the path open, extreme, extreme, close."""
    mi[SI_BARS_ONLY] = 1
    _expire(mi, mf, ts)
    up = close >= open_
    for step in range(4):
        if step == 0:
            price = open_
        elif step == 3:
            price = close
        elif (step == 1) == up:
            price = low
        else:
            price = high
        mf[SF_BID] = price
        mf[SF_ASK] = price
        mf[SF_LAST_PRICE] = price
        mf[SF_BID_SIZE] = 0.0
        mf[SF_ASK_SIZE] = 0.0
        count = _snapshot(mi)
        scratch = mi[SI_SCRATCH_AT]
        for k in range(count):
            order = mi[scratch + k]
            if _is_final(mi, order):
                continue
            row_f = mi[SI_ORDERS_F_AT] + order * OF_COLUMNS
            remaining = mf[row_f + OF_QUANTITY] - mf[row_f + OF_FILLED]
            limit = mf[row_f + OF_LIMIT]
            if limit != limit:
                # A taker on the path pays the slippage model (spread 0 on a bar).
                at = price
                shift = price_shift(price, remaining, 0.0, mi, mf)
                if shift > 0.0:
                    side = mi[mi[SI_ORDERS_AT] + order * O_COLUMNS + O_SIDE]
                    sign = 1.0 if side == BUY else -1.0
                    at = _away_from_taker(side, price + sign * shift, mi, mf)
                _fill(mi, mf, order, at, remaining, TAKER, ts, BASIS_BAR_PATH)
                continue
            buy = mi[mi[SI_ORDERS_AT] + order * O_COLUMNS + O_SIDE] == BUY
            through = price < limit if buy else price > limit
            if through:
                at = price if step == 0 else limit  # a gap through the limit fills at the open
                _fill(mi, mf, order, at, remaining, MAKER, ts, BASIS_BAR_PATH)
            elif price == limit:
                _fill(mi, mf, order, limit, remaining, MAKER, ts, BASIS_BAR_PATH)
    # Between bars there is no price to trade at: the next one is the next open.
    mf[SF_BID] = np.nan
    mf[SF_ASK] = np.nan
    mf[SF_LAST_PRICE] = close
