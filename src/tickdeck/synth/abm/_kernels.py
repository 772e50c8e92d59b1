"""The compiled matching engine: a price-time-priority limit order book over arrays.

Prices are *levels*: integer ticks relative to the book's origin
(``tick = origin + level``), inside a window of ``L`` levels. Sizes are
integer lots. Nothing here allocates or touches a Python object per event.

The book is four arrays, passed explicitly (a tuple of arrays would cost a
reference count update per access, which dominated the run time):

- ``lv[HEAD|TAIL|QTY, s, l]``: first and last order slot of level ``l`` on
  side ``s`` (0 bid, 1 ask), -1 when empty, and its total lots. The orders
  of a level form a doubly linked FIFO list, so a cancel is O(1).
- ``ob[slot]``: one order slot (columns ``NXT .. HPOS``); free slots form a
  singly linked list through ``NXT`` starting at ``st[FREE]``.
- ``hp``: the expiry times of orders that have one (noise orders), a binary
  min-heap of ``(time, slot)`` rows; ``ob[slot, HPOS]`` is the slot's heap
  position, so a filled order leaves the heap at once.
- ``st``: scalar state (indices below), then 5 columns per market maker.

Outputs go to ``log``, one int64 row per event in the order they happen
(first column the row kind, second the time), and ``sn`` for book
snapshots; ``st[N_LOG]`` and ``st[N_SN]`` count the rows written. Callers
make room before each call (see `_state.Buffers`). Row kinds and columns:

- ``R_L3``: order_id, side code, tick, lots, OrderAction (lots: remaining
  after the event, executed lots on EXECUTE, 0 on CANCEL)
- ``R_TRADE``: tick, lots, aggressor code, trade_id
- ``R_QUOTE``: bid tick, ask tick, bid lots, ask lots (0 lots: side empty)
- ``R_DELTA``: side code, tick, new level lots, BookAction
- ``R_FILL``: a fill of an external order: order_id, side code, tick, lots, Liquidity
- ``sn`` rows: ts, then (tick, lots) for 10 bid levels, then 10 ask levels

Matching rules (docs/synth-abm.md): an incoming order takes from the best
opposite level while its limit allows, oldest order first, each execution at
the resting order's price for ``min(remaining, resting)`` lots; what is left
of a limit order that may rest joins the tail of its level.
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: The decorator of every kernel here and in `_agents`: ``njit(cache=True)`` without the
#: runtime's reference counting. No kernel allocates, keeps or returns an array, so the
#: counts are never needed; with them, each call between kernels paid an atomic increment
#: and decrement per array argument, which made a simulation three times slower.
kernel = njit(cache=True, _nrt=False)  # type: ignore[call-overload]

# Sides inside kernels; the side code in outputs is ``1 - 2 * s`` (1 buy/bid, -1 sell/ask).
BID, ASK = 0, 1
HEAD, TAIL, QTY = 0, 1, 2
# Columns of ob.
NXT, PRV, OID, LOTS, LVL, SIDE, OWNER, HPOS = 0, 1, 2, 3, 4, 5, 6, 7
OB_COLUMNS = 8
# Indices of st.
BEST_BID, BEST_ASK, NEXT_ID, NOW, FREE, LIVE, TRADE_ID, ORIGIN, HEAP_N = range(9)
Q_BID, Q_ASK, Q_BID_LOTS, Q_ASK_LOTS, NEXT_SNAP, SNAP_EVERY = range(9, 15)
NEXT_ARRIVAL, NEXT_FUND, DROPPED, REF2, EMA_T, N_LOG, N_SN = range(15, 22)
ST_SIZE = 24
# Market maker k's state is st[MM + MM_WIDTH * k + column] (columns in _agents).
MM, MM_WIDTH, MM_INV = ST_SIZE, 5, 4
# Rows of log.
R_L3, R_TRADE, R_QUOTE, R_DELTA, R_FILL = 0, 1, 2, 3, 4
LOG_WIDTH = 7
SNAP_DEPTH = 10
SN_WIDTH = 1 + 4 * SNAP_DEPTH
# Owners: who placed an order. Market maker k is MAKER0 + k.
EXTERNAL, NOISE, MOMENTUM, FUNDAMENTAL, MAKER0 = 0, 1, 2, 3, 4
# Enum codes written to outputs (the values of tickdeck.core enums).
ADD, MODIFY, CANCEL, EXECUTE = 1, 2, 3, 4  # OrderAction
L2_ADD, L2_UPDATE, L2_DELETE = 1, 2, 3  # BookAction
MAKER, TAKER = 1, 2  # Liquidity
# Results of modify_slot.
OK, REJ_POST_ONLY = 0, 3


@kernel
def _log(log, st, kind, ts, a, b, c, d, e):  # type: ignore[no-untyped-def]
    i = st[N_LOG]
    st[N_LOG] = i + 1
    log[i, 0] = kind
    log[i, 1] = ts
    log[i, 2] = a
    log[i, 3] = b
    log[i, 4] = c
    log[i, 5] = d
    log[i, 6] = e


@kernel
def _level_delta(log, st, ts, s, tick, old, new):  # type: ignore[no-untyped-def]
    """An L2 delta for a level whose total went from `old` to `new` lots."""
    if old != new:
        action = L2_ADD if old == 0 else (L2_DELETE if new == 0 else L2_UPDATE)
        _log(log, st, R_DELTA, ts, 1 - 2 * s, tick, new, action, 0)


# -- expiry heap ---------------------------------------------------------------


@kernel
def _heap_less(hp, i, j):  # type: ignore[no-untyped-def]
    return hp[i, 0] < hp[j, 0] or (hp[i, 0] == hp[j, 0] and hp[i, 1] < hp[j, 1])


@kernel
def _heap_swap(hp, ob, i, j):  # type: ignore[no-untyped-def]
    t, s = hp[i, 0], hp[i, 1]
    hp[i, 0] = hp[j, 0]
    hp[i, 1] = hp[j, 1]
    hp[j, 0] = t
    hp[j, 1] = s
    ob[hp[i, 1], HPOS] = i
    ob[hp[j, 1], HPOS] = j


@kernel
def _heap_fix(hp, ob, n, i):  # type: ignore[no-untyped-def]
    """Restore the heap order of `n` rows around position `i` (sift up, else down)."""
    while i > 0 and _heap_less(hp, i, (i - 1) // 2):
        _heap_swap(hp, ob, i, (i - 1) // 2)
        i = (i - 1) // 2
    while True:
        c = 2 * i + 1
        if c >= n:
            break
        if c + 1 < n and _heap_less(hp, c + 1, c):
            c += 1
        if not _heap_less(hp, c, i):
            break
        _heap_swap(hp, ob, i, c)
        i = c


@kernel
def heap_push(ob, hp, st, t, slot):  # type: ignore[no-untyped-def]
    i = st[HEAP_N]
    st[HEAP_N] = i + 1
    hp[i, 0] = t
    hp[i, 1] = slot
    ob[slot, HPOS] = i
    _heap_fix(hp, ob, i + 1, i)


@kernel
def _heap_remove(ob, hp, st, i):  # type: ignore[no-untyped-def]
    ob[hp[i, 1], HPOS] = -1
    last = st[HEAP_N] - 1
    st[HEAP_N] = last
    if i != last:
        hp[i, 0] = hp[last, 0]
        hp[i, 1] = hp[last, 1]
        ob[hp[i, 1], HPOS] = i
        _heap_fix(hp, ob, last, i)


# -- the book ------------------------------------------------------------------


@kernel
def _unlink(lv, ob, hp, st, slot):  # type: ignore[no-untyped-def]
    """Take an order out of its level and free its slot; fix the best level."""
    s, lvl = ob[slot, SIDE], ob[slot, LVL]
    p, nx = ob[slot, PRV], ob[slot, NXT]
    if p >= 0:
        ob[p, NXT] = nx
    else:
        lv[HEAD, s, lvl] = nx
    if nx >= 0:
        ob[nx, PRV] = p
    else:
        lv[TAIL, s, lvl] = p
    lv[QTY, s, lvl] -= ob[slot, LOTS]
    if ob[slot, HPOS] >= 0:
        _heap_remove(ob, hp, st, ob[slot, HPOS])
    ob[slot, OID] = -1
    ob[slot, NXT] = st[FREE]
    st[FREE] = slot
    st[LIVE] -= 1
    if lv[QTY, s, lvl] == 0:
        if s == BID and lvl == st[BEST_BID]:
            b = lvl
            while b >= 0 and lv[QTY, BID, b] == 0:
                b -= 1
            st[BEST_BID] = b
        elif s == ASK and lvl == st[BEST_ASK]:
            levels = lv.shape[2]
            a = lvl
            while a < levels and lv[QTY, ASK, a] == 0:
                a += 1
            st[BEST_ASK] = a


@kernel
def rest(lv, ob, st, log, s, lvl, lots, oid, owner, ts, action):  # type: ignore[no-untyped-def]
    """Append an order to the tail of its level; returns its slot, or -1 if the book is full."""
    slot = st[FREE]
    if slot < 0:
        return -1
    st[FREE] = ob[slot, NXT]
    st[LIVE] += 1
    last = lv[TAIL, s, lvl]
    ob[slot, NXT] = -1
    ob[slot, PRV] = last
    ob[slot, OID] = oid
    ob[slot, LOTS] = lots
    ob[slot, LVL] = lvl
    ob[slot, SIDE] = s
    ob[slot, OWNER] = owner
    ob[slot, HPOS] = -1
    if last >= 0:
        ob[last, NXT] = slot
    else:
        lv[HEAD, s, lvl] = slot
    lv[TAIL, s, lvl] = slot
    old = lv[QTY, s, lvl]
    lv[QTY, s, lvl] = old + lots
    if s == BID and lvl > st[BEST_BID]:
        st[BEST_BID] = lvl
    elif s == ASK and lvl < st[BEST_ASK]:
        st[BEST_ASK] = lvl
    tick = st[ORIGIN] + lvl
    _log(log, st, R_L3, ts, oid, 1 - 2 * s, tick, lots, action)
    _level_delta(log, st, ts, s, tick, old, old + lots)
    return slot


@kernel
def cancel_slot(lv, ob, hp, st, log, slot, ts):  # type: ignore[no-untyped-def]
    """Cancel a resting order: an L3 CANCEL (0 lots remain) and the level's new total."""
    s, lvl = ob[slot, SIDE], ob[slot, LVL]
    tick = st[ORIGIN] + lvl
    old = lv[QTY, s, lvl]
    _log(log, st, R_L3, ts, ob[slot, OID], 1 - 2 * s, tick, 0, CANCEL)
    _level_delta(log, st, ts, s, tick, old, old - ob[slot, LOTS])
    _unlink(lv, ob, hp, st, slot)


@kernel
def _crosses(st, levels, s, limit):  # type: ignore[no-untyped-def]
    """Whether the best opposite level is within a `s`-side limit."""
    if s == BID:
        return st[BEST_ASK] < levels and st[BEST_ASK] <= limit
    return st[BEST_BID] >= 0 and st[BEST_BID] >= limit


@kernel
def available(lv, st, s, limit, need):  # type: ignore[no-untyped-def]
    """Lots resting on the side opposite `s` within `limit`, counted up to `need`."""
    levels = lv.shape[2]
    o = 1 - s
    step = 1 if s == BID else -1
    total = 0
    lvl = st[BEST_ASK] if s == BID else st[BEST_BID]
    while 0 <= lvl < levels and total < need:
        if (s == BID and lvl > limit) or (s == ASK and lvl < limit):
            break
        total += lv[QTY, o, lvl]
        lvl += step
    return total


@kernel
def take(lv, ob, hp, st, log, s, limit, lots, owner, oid, ts):  # type: ignore[no-untyped-def]
    """Match an incoming `s`-side order of `lots` against the book up to level `limit`.

    Returns the lots left unmatched. Each execution is one L3 EXECUTE of the
    resting order and one trade; each level touched gets one L2 delta.
    """
    levels = lv.shape[2]
    o = 1 - s
    aggressor = 1 - 2 * s
    while lots > 0 and _crosses(st, levels, s, limit):
        lvl = st[BEST_ASK] if s == BID else st[BEST_BID]
        tick = st[ORIGIN] + lvl
        old = lv[QTY, o, lvl]
        slot = lv[HEAD, o, lvl]
        while slot >= 0 and lots > 0:
            q = min(lots, ob[slot, LOTS])
            maker_id, maker_owner = ob[slot, OID], ob[slot, OWNER]
            _log(log, st, R_L3, ts, maker_id, 1 - 2 * o, tick, q, EXECUTE)
            st[TRADE_ID] += 1
            _log(log, st, R_TRADE, ts, tick, q, aggressor, st[TRADE_ID], 0)
            if maker_owner == EXTERNAL:
                _log(log, st, R_FILL, ts, maker_id, 1 - 2 * o, tick, q, MAKER)
            elif maker_owner >= MAKER0:
                # A maker's bid filling makes it longer; its ask, shorter.
                st[MM + MM_WIDTH * (maker_owner - MAKER0) + MM_INV] += q if o == BID else -q
            if owner == EXTERNAL:
                _log(log, st, R_FILL, ts, oid, aggressor, tick, q, TAKER)
            ob[slot, LOTS] -= q
            lv[QTY, o, lvl] -= q
            lots -= q
            nxt = ob[slot, NXT]
            if ob[slot, LOTS] == 0:
                _unlink(lv, ob, hp, st, slot)
            slot = nxt
        _level_delta(log, st, ts, o, tick, old, lv[QTY, o, lvl])
    return lots


@kernel
def submit(lv, ob, hp, st, log, s, limit, lots, owner, ts, may_rest):  # type: ignore[no-untyped-def]
    """A new order: take what crosses, then rest the remainder if `may_rest`.

    Returns (order id, lots left unmatched, slot or -1); the remainder of an
    order that may not rest is dropped without an L3 event (it never rested).
    """
    oid = st[NEXT_ID]
    st[NEXT_ID] = oid + 1
    left = take(lv, ob, hp, st, log, s, limit, lots, owner, oid, ts)
    slot = -1
    if left > 0 and may_rest:
        slot = rest(lv, ob, st, log, s, limit, left, oid, owner, ts, ADD)
        if slot < 0:
            st[DROPPED] += 1
    return oid, left, slot


@kernel
def modify_slot(lv, ob, hp, st, log, slot, lvl, lots, ts):  # type: ignore[no-untyped-def]
    """Change a resting order's level and/or size; returns OK or REJ_POST_ONLY.

    A size decrease at the same price keeps the order's place in the queue;
    any other change moves it to the tail of its (new) level. A new price
    that would cross the opposite best is refused: modifies never trade.
    """
    levels = lv.shape[2]
    s, old_lvl, old_lots = ob[slot, SIDE], ob[slot, LVL], ob[slot, LOTS]
    if lvl != old_lvl and _crosses(st, levels, s, lvl):
        return REJ_POST_ONLY
    if lvl == old_lvl and lots <= old_lots:
        tick = st[ORIGIN] + lvl
        old = lv[QTY, s, lvl]
        ob[slot, LOTS] = lots
        lv[QTY, s, lvl] = old - old_lots + lots
        _log(log, st, R_L3, ts, ob[slot, OID], 1 - 2 * s, tick, lots, MODIFY)
        _level_delta(log, st, ts, s, tick, old, old - old_lots + lots)
        return OK
    oid, owner = ob[slot, OID], ob[slot, OWNER]
    old_tick = st[ORIGIN] + old_lvl
    old = lv[QTY, s, old_lvl]
    _unlink(lv, ob, hp, st, slot)
    _level_delta(log, st, ts, s, old_tick, old, old - old_lots)
    # The freed slot heads the free list, so the order keeps its slot and cannot fail to rest.
    rest(lv, ob, st, log, s, lvl, lots, oid, owner, ts, MODIFY)
    return OK


@kernel
def quote_if_changed(lv, st, log, ts, force):  # type: ignore[no-untyped-def]
    """Log the top of book if it differs from the last one logged (or if `force`)."""
    levels = lv.shape[2]
    b, a = st[BEST_BID], st[BEST_ASK]
    bl = lv[QTY, BID, b] if b >= 0 else 0
    al = lv[QTY, ASK, a] if a < levels else 0
    bt = st[ORIGIN] + b if b >= 0 else 0
    at = st[ORIGIN] + a if a < levels else 0
    if b >= 0 and a < levels:
        st[REF2] = b + a
    same = bt == st[Q_BID] and at == st[Q_ASK] and bl == st[Q_BID_LOTS] and al == st[Q_ASK_LOTS]
    if same and not force:
        return
    st[Q_BID] = bt
    st[Q_ASK] = at
    st[Q_BID_LOTS] = bl
    st[Q_ASK_LOTS] = al
    _log(log, st, R_QUOTE, ts, bt, at, bl, al, 0)


@kernel
def snapshot(lv, st, sn, ts):  # type: ignore[no-untyped-def]
    """Write the best SNAP_DEPTH non-empty levels of each side (0 lots where there are fewer)."""
    levels = lv.shape[2]
    i = st[N_SN]
    st[N_SN] = i + 1
    sn[i, 0] = ts
    sn[i, 1:] = 0
    for s in range(2):
        lvl = st[BEST_BID] if s == BID else st[BEST_ASK]
        step = -1 if s == BID else 1
        col = 1 + s * 2 * SNAP_DEPTH
        while col < 1 + (s + 1) * 2 * SNAP_DEPTH and 0 <= lvl < levels:
            if lv[QTY, s, lvl] > 0:
                sn[i, col] = st[ORIGIN] + lvl
                sn[i, col + 1] = lv[QTY, s, lvl]
                col += 2
            lvl += step


@kernel
def image(lv, ob, st, log, ts):  # type: ignore[no-untyped-def]
    """The whole resting book as events at `ts`: an L3 ADD per order and an L2 ADD per level.

    Levels go from the best outwards, orders in queue order, so replaying
    these events rebuilds the same book with the same priorities.
    """
    levels = lv.shape[2]
    for s in range(2):
        lvl = st[BEST_BID] if s == BID else st[BEST_ASK]
        step = -1 if s == BID else 1
        while 0 <= lvl < levels:
            if lv[QTY, s, lvl] > 0:
                tick = st[ORIGIN] + lvl
                slot = lv[HEAD, s, lvl]
                while slot >= 0:
                    _log(log, st, R_L3, ts, ob[slot, OID], 1 - 2 * s, tick, ob[slot, LOTS], ADD)
                    slot = ob[slot, NXT]
                _level_delta(log, st, ts, s, tick, 0, lv[QTY, s, lvl])
            lvl += step
    quote_if_changed(lv, st, log, ts, True)


@kernel
def levels_of(lv, st, s, depth, out_ticks, out_lots):  # type: ignore[no-untyped-def]
    """The best `depth` non-empty levels of side `s` into the given arrays; returns how many."""
    levels = lv.shape[2]
    lvl = st[BEST_BID] if s == BID else st[BEST_ASK]
    step = -1 if s == BID else 1
    found = 0
    while found < depth and 0 <= lvl < levels:
        if lv[QTY, s, lvl] > 0:
            out_ticks[found] = st[ORIGIN] + lvl
            out_lots[found] = lv[QTY, s, lvl]
            found += 1
        lvl += step
    return found


@kernel
def queue_of(lv, ob, s, lvl, out_ids, out_lots):  # type: ignore[no-untyped-def]
    """The order ids and lots at one level in queue order; returns how many."""
    slot = lv[HEAD, s, lvl]
    n = 0
    while slot >= 0 and n < out_ids.shape[0]:
        out_ids[n] = ob[slot, OID]
        out_lots[n] = ob[slot, LOTS]
        n += 1
        slot = ob[slot, NXT]
    return n


def new_book(
    levels: int, slots: int, makers: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Fresh, empty book arrays ``(lv, ob, hp, st)``."""
    lv = np.full((3, 2, levels), -1, dtype=np.int64)
    lv[QTY] = 0
    ob = np.full((slots, OB_COLUMNS), -1, dtype=np.int64)
    ob[:, NXT] = np.arange(1, slots + 1)  # the free list: 0 -> 1 -> ... -> -1
    ob[-1, NXT] = -1
    st = np.zeros(ST_SIZE + MM_WIDTH * makers, dtype=np.int64)
    st[BEST_BID] = -1
    st[BEST_ASK] = levels
    st[NEXT_ID] = 1
    st[FREE] = 0
    for k in range(makers):
        st[MM + MM_WIDTH * k : MM + MM_WIDTH * k + 4] = -1
    return lv, ob, np.zeros((slots, 2), dtype=np.int64), st
