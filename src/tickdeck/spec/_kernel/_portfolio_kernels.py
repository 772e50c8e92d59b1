"""The spec strategy's account, compiled: what `Portfolio`, `LotBook` and the recorder compute.

Cash, the FIFO lot book (positions, open lots, the closed lot portions it
writes, its flat tolerance), the mark, and the equity and exposure samples,
with `tickdeck.portfolio`'s float operations in their order, in the base
currency (the compiled path refuses instruments quoted in another).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

from tickdeck.spec._kernel._layout import (
    BUY,
    C_COLUMNS,
    C_ENTRY_ORDER,
    C_ENTRY_TS,
    C_EXIT_ORDER,
    C_EXIT_TS,
    C_SIDE,
    CF_COLUMNS,
    CF_ENTRY_PRICE,
    CF_EXIT_PRICE,
    CF_FEES,
    CF_GROSS,
    CF_QUANTITY,
    ERROR_SAMPLE_TIME,
    L_COLUMNS,
    L_ORDER,
    L_TS,
    LF_COLUMNS,
    LF_FEE_PER_UNIT,
    LF_PRICE,
    LF_QUANTITY,
    LF_UNIT_COST,
    PF_FLAT,
    PF_MULTIPLIER,
    S_CASH,
    S_COLUMNS,
    S_EQUITY,
    S_GROSS,
    S_NET,
    S_PRICE,
    SELL,
    SF_CASH,
    SF_FILL_PRICE,
    SF_MARK,
    SF_POSITION,
    SI_BOOK_SIGN,
    SI_CLOSED,
    SI_CLOSED_AT,
    SI_CLOSED_F_AT,
    SI_ERROR,
    SI_L_HEAD,
    SI_L_TAIL,
    SI_LOTS_AT,
    SI_LOTS_F_AT,
    SI_SAMPLES,
    SI_SAMPLES_AT,
    SI_SAMPLES_F_AT,
)

_F64 = npt.NDArray[np.float64]
_I64 = npt.NDArray[np.int64]

# Every function takes the two arenas of `_layout`: mi (int64) and mf (float64).


@njit(cache=True)
def _close_lots(
    mi: _I64, mf: _F64, quantity: float, price: float, ts: int, order: int, fee_per_unit: float
) -> float:
    """`LotBook._close`: close up to `quantity` against the oldest lots; returns what is left.

    Each closed portion is written as a `ClosedLot` record.
    """
    lots = mi[SI_LOTS_AT]
    lots_f = mi[SI_LOTS_F_AT]
    tolerance = mf[PF_FLAT]
    book = mi[SI_BOOK_SIGN]
    unit_value = price * mf[PF_MULTIPLIER] * 1.0
    head = mi[SI_L_HEAD]
    tail = mi[SI_L_TAIL]
    while head < tail and quantity > tolerance:
        lot = lots + head * L_COLUMNS
        lot_f = lots_f + head * LF_COLUMNS
        size = mf[lot_f + LF_QUANTITY]
        if quantity >= size - tolerance:
            portion = size  # the whole lot; a residue-sized gap counts as closed
            head += 1
        else:
            portion = quantity
            mf[lot_f + LF_QUANTITY] = size - portion
        quantity -= portion
        n = mi[SI_CLOSED]
        closed = mi[SI_CLOSED_AT] + n * C_COLUMNS
        closed_f = mi[SI_CLOSED_F_AT] + n * CF_COLUMNS
        mi[closed + C_SIDE] = BUY if book > 0 else SELL
        mi[closed + C_ENTRY_TS] = mi[lot + L_TS]
        mi[closed + C_ENTRY_ORDER] = mi[lot + L_ORDER]
        mi[closed + C_EXIT_TS] = ts
        mi[closed + C_EXIT_ORDER] = order
        mf[closed_f + CF_QUANTITY] = portion
        mf[closed_f + CF_ENTRY_PRICE] = mf[lot_f + LF_PRICE]
        mf[closed_f + CF_EXIT_PRICE] = price
        mf[closed_f + CF_GROSS] = book * portion * (unit_value - mf[lot_f + LF_UNIT_COST])
        mf[closed_f + CF_FEES] = portion * (mf[lot_f + LF_FEE_PER_UNIT] + fee_per_unit)
        mi[SI_CLOSED] = n + 1
        mf[SF_POSITION] -= book * portion
    if head == tail:
        # Flat: drop the float residue of the running sums, not just the lots.
        head = tail = 0
        mi[SI_BOOK_SIGN] = 0
        mf[SF_POSITION] = 0.0
    mi[SI_L_HEAD] = head
    mi[SI_L_TAIL] = tail
    return float(quantity if quantity >= 0.0 else 0.0)


@njit(cache=True)
def apply_fill(
    mi: _I64,
    mf: _F64,
    side: int,
    quantity: float,
    price: float,
    fee: float,
    order: int,
    ts: int,
) -> None:
    """`Portfolio.apply` in the base currency: the lot book, then cash, then the last price.

    The lot book is `LotBook.trade`: a fill against the position closes the
    oldest lots first; what is left opens a lot on the fill's side.
    """
    fee_per_unit = fee / quantity
    remaining = quantity
    if mi[SI_BOOK_SIGN] == -side:
        remaining = _close_lots(mi, mf, remaining, price, ts, order, fee_per_unit)
    if remaining > mf[PF_FLAT]:
        tail = mi[SI_L_TAIL]
        lot = mi[SI_LOTS_AT] + tail * L_COLUMNS
        lot_f = mi[SI_LOTS_F_AT] + tail * LF_COLUMNS
        mi[lot + L_TS] = ts
        mi[lot + L_ORDER] = order
        mf[lot_f + LF_QUANTITY] = remaining
        mf[lot_f + LF_PRICE] = price
        mf[lot_f + LF_UNIT_COST] = price * mf[PF_MULTIPLIER] * 1.0
        mf[lot_f + LF_FEE_PER_UNIT] = fee_per_unit
        mi[SI_L_TAIL] = tail + 1
        mi[SI_BOOK_SIGN] = side
        mf[SF_POSITION] += side * remaining
    signed = quantity if side == BUY else -quantity
    mf[SF_CASH] += -(signed * price * mf[PF_MULTIPLIER] * 1.0 + fee)
    mf[SF_FILL_PRICE] = price


@njit(cache=True)
def _value(mf: _F64) -> float:
    """The position's value, ``math.fsum`` of the open holdings (0.0 when flat)."""
    position = mf[SF_POSITION]
    if position == 0.0:
        return 0.0
    mark = mf[SF_MARK]
    price = mf[SF_FILL_PRICE] if mark != mark else mark
    # fsum of one value is the value, except that it turns -0.0 into 0.0, as `+ 0.0` does.
    return float(position * price * mf[PF_MULTIPLIER] * 1.0 + 0.0)


@njit(cache=True)
def equity(mf: _F64) -> float:
    """`Portfolio.equity`: cash plus the marked value of the position."""
    return float(mf[SF_CASH] + _value(mf))


@njit(cache=True)
def sample(mi: _I64, mf: _F64, ts: int) -> None:
    """`EquityRecorder.sample` and the engine's price mark beside it."""
    n = mi[SI_SAMPLES]
    times = mi[SI_SAMPLES_AT]
    if n > 0 and ts < mi[times + n - 1]:
        mi[SI_ERROR] = ERROR_SAMPLE_TIME  # the recorder refuses time going backwards
        return
    value = _value(mf)
    row = mi[SI_SAMPLES_F_AT] + n * S_COLUMNS
    mi[times + n] = ts
    mf[row + S_EQUITY] = mf[SF_CASH] + value
    mf[row + S_CASH] = mf[SF_CASH]
    mf[row + S_GROSS] = abs(value)
    mf[row + S_NET] = value
    mark = mf[SF_MARK]
    mf[row + S_PRICE] = mf[SF_FILL_PRICE] if mark != mark else mark
    mi[SI_SAMPLES] = n + 1
