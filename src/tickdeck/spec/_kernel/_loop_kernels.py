"""The event loop, compiled: `_Engine.run` for one instrument with constant latencies.

Per market event (a quote or a stored bar), in the engine's order:

1. everything scheduled before the event's venue time happens (order and
   cancel arrivals at the exchange, reports reaching the strategy);
2. the exchange applies the event (resting orders may fill);
3. everything scheduled up to its delivery time (receive time plus the
   market-data latency, never before the previous delivery) happens;
4. the event is delivered: the portfolio's mark moves, the equity curve is
   sampled when a sampling interval has passed, and the strategy evaluates
   (on quotes after the sample; a bar built from quotes is evaluated just
   before it, as `LiveBars` hands it over first).

The engine keeps what is scheduled in one heap ordered by (time, sequence).
With constant latencies both kinds of message travel first in, first out
(arrivals over the order session, reports back over it), so two queues
merged by (time, sequence) pop in exactly the heap's order.

The loop never allocates: before each event it checks that the arenas'
regions can take the most that one event can add, and if not it returns
`NEED_ROOM` with its state saved; the shell grows the arenas and calls it
again. The common event (no order in flight or resting, no rule firing)
calls no helper at all.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

from tickdeck.spec._kernel._exchange_kernels import cancel, on_bar, on_quote, submit
from tickdeck.spec._kernel._layout import (
    A_COLUMNS,
    A_KIND,
    A_ORDER,
    A_SEQ,
    A_TIME,
    ARRIVE_ORDER,
    DONE,
    ERROR_NONE,
    F_COLUMNS,
    F_ORDER,
    F_TS,
    FAILED,
    FF_COLUMNS,
    FF_FEE,
    FF_PRICE,
    FF_QUANTITY,
    FILLED,
    L_COLUMNS,
    LF_COLUMNS,
    MODE_BARS,
    MODE_QUOTE_BARS,
    NEED_ROOM,
    NEVER,
    O_COLUMNS,
    O_SIDE,
    PI_EQUITY_INTERVAL,
    PI_EVERY,
    PI_HAS_RISK,
    PI_LEVELS,
    PI_MODE,
    R_COLUMNS,
    R_DETAIL,
    R_KIND,
    R_ORDER,
    R_SEQ,
    R_TIME,
    REPORT_FILL,
    SF_ASK,
    SF_ASK_SIZE,
    SF_BID,
    SF_BID_SIZE,
    SF_LAST_PRICE,
    SF_MARK,
    SF_POSITION,
    SI_A_HEAD,
    SI_A_TAIL,
    SI_ARRIVALS_AT,
    SI_ARRIVALS_CAP,
    SI_BARS_ONLY,
    SI_CLOSED,
    SI_CLOSED_CAP,
    SI_ERROR,
    SI_ERROR_AT,
    SI_EVENT,
    SI_FILLS,
    SI_FILLS_AT,
    SI_FILLS_CAP,
    SI_FILLS_F_AT,
    SI_L_HEAD,
    SI_L_TAIL,
    SI_LOTS_AT,
    SI_LOTS_CAP,
    SI_LOTS_F_AT,
    SI_NEXT_EXPIRY,
    SI_NEXT_SAMPLE,
    SI_NOW,
    SI_ORDERS,
    SI_ORDERS_AT,
    SI_ORDERS_CAP,
    SI_PENDING,
    SI_PENDING_CAP,
    SI_R_HEAD,
    SI_R_TAIL,
    SI_REPORTS_AT,
    SI_REPORTS_CAP,
    SI_REPORTS_F_AT,
    SI_SAMPLES,
    SI_SAMPLES_CAP,
    SI_WORKING,
    SI_WORKING_CAP,
)
from tickdeck.spec._kernel._portfolio_kernels import apply_fill, sample
from tickdeck.spec._kernel._strategy_kernels import (
    evaluate,
    pending_fill,
    pending_final,
    track_entry,
)

_F64 = npt.NDArray[np.float64]
_I64 = npt.NDArray[np.int64]
_U8 = npt.NDArray[np.uint8]


@njit(cache=True)
def room_needed(mi: _I64) -> int:
    """The most records one event (or the final drain) can add to any region.

    Each arrival in flight, resting order or order in flight can make at most
    ``2 * levels + 6`` reports, fills, lots or samples in one event.
    """
    messages = mi[SI_A_TAIL] - mi[SI_A_HEAD] + mi[SI_WORKING] + mi[SI_PENDING] + 2
    return int(messages * (2 * mi[PI_LEVELS] + 6))


@njit(cache=True)
def _fits(mi: _I64) -> bool:
    """Whether every region can take the most one event adds (`room_needed`)."""
    need = room_needed(mi)
    return bool(
        mi[SI_ORDERS_CAP] - mi[SI_ORDERS] >= 2
        and mi[SI_FILLS_CAP] - mi[SI_FILLS] >= need
        and mi[SI_SAMPLES_CAP] - mi[SI_SAMPLES] >= need + 2
        and mi[SI_ARRIVALS_CAP] - mi[SI_A_TAIL] >= mi[SI_PENDING] + 2
        and mi[SI_REPORTS_CAP] - mi[SI_R_TAIL] >= need
        and mi[SI_WORKING_CAP] - mi[SI_WORKING] >= mi[SI_A_TAIL] - mi[SI_A_HEAD] + 2
        and mi[SI_PENDING_CAP] - mi[SI_PENDING] >= 2
        and mi[SI_LOTS_CAP] - mi[SI_L_TAIL] >= need
        and mi[SI_CLOSED_CAP] - mi[SI_CLOSED] >= need + mi[SI_L_TAIL] - mi[SI_L_HEAD]
    )


@njit(cache=True)
def _compact_queues(mi: _I64, mf: _F64) -> None:
    """Move the queues' and the lots' live rows to the start of their regions."""
    head = mi[SI_A_HEAD]
    if head > 0:
        at = mi[SI_ARRIVALS_AT]
        for k in range((mi[SI_A_TAIL] - head) * A_COLUMNS):
            mi[at + k] = mi[at + head * A_COLUMNS + k]
        mi[SI_A_TAIL] -= head
        mi[SI_A_HEAD] = 0
    head = mi[SI_R_HEAD]
    if head > 0:
        at = mi[SI_REPORTS_AT]
        at_f = mi[SI_REPORTS_F_AT]
        count = mi[SI_R_TAIL] - head
        for k in range(count * R_COLUMNS):
            mi[at + k] = mi[at + head * R_COLUMNS + k]
        for k in range(count):
            mf[at_f + k] = mf[at_f + head + k]
        mi[SI_R_TAIL] = count
        mi[SI_R_HEAD] = 0
    head = mi[SI_L_HEAD]
    if head > 0:
        at = mi[SI_LOTS_AT]
        at_f = mi[SI_LOTS_F_AT]
        count = mi[SI_L_TAIL] - head
        for k in range(count * L_COLUMNS):
            mi[at + k] = mi[at + head * L_COLUMNS + k]
        for k in range(count * LF_COLUMNS):
            mf[at_f + k] = mf[at_f + head * LF_COLUMNS + k]
        mi[SI_L_TAIL] = count
        mi[SI_L_HEAD] = 0


@njit(cache=True)
def _deliver_report(mi: _I64, mf: _F64, head: int) -> None:
    """`_Engine._deliver_report`: a fill is booked, sampled, then seen; an update is seen."""
    row = mi[SI_REPORTS_AT] + head * R_COLUMNS
    time = mi[row + R_TIME]
    mi[SI_NOW] = time
    if mi[row + R_KIND] == REPORT_FILL:
        fill = mi[row + R_DETAIL]
        fill_i = mi[SI_FILLS_AT] + fill * F_COLUMNS
        fill_f = mi[SI_FILLS_F_AT] + fill * FF_COLUMNS
        order = mi[fill_i + F_ORDER]
        quantity = mf[fill_f + FF_QUANTITY]
        price = mf[fill_f + FF_PRICE]
        side = mi[mi[SI_ORDERS_AT] + order * O_COLUMNS + O_SIDE]
        apply_fill(mi, mf, side, quantity, price, mf[fill_f + FF_FEE], order, mi[fill_i + F_TS])
        sample(mi, mf, time)
        pending_fill(mi, mf, order, quantity)
        track_entry(mi, mf, side, quantity, price, mi[fill_i + F_TS])
    elif mi[row + R_DETAIL] >= FILLED:
        pending_final(mi, mf, mi[row + R_ORDER], mf[mi[SI_REPORTS_F_AT] + head])


@njit(cache=True)
def _drain(mi: _I64, mf: _F64, until: int, inclusive: bool) -> None:
    """Run everything scheduled before `until` (or at it, if `inclusive`), in (time, seq) order."""
    while mi[SI_ERROR] == ERROR_NONE:
        a = mi[SI_A_HEAD]
        r = mi[SI_R_HEAD]
        arrival = mi[SI_ARRIVALS_AT] + a * A_COLUMNS
        report = mi[SI_REPORTS_AT] + r * R_COLUMNS
        has_arrival = a < mi[SI_A_TAIL]
        has_report = r < mi[SI_R_TAIL]
        if has_arrival and has_report:
            arrival_first = mi[arrival + A_TIME] < mi[report + R_TIME] or (
                mi[arrival + A_TIME] == mi[report + R_TIME]
                and mi[arrival + A_SEQ] < mi[report + R_SEQ]
            )
        elif has_arrival:
            arrival_first = True
        elif has_report:
            arrival_first = False
        else:
            return
        time = mi[arrival + A_TIME] if arrival_first else mi[report + R_TIME]
        if time > until or (time == until and not inclusive):
            return
        if arrival_first:
            mi[SI_A_HEAD] = a + 1
            if mi[arrival + A_KIND] == ARRIVE_ORDER:
                submit(mi, mf, mi[arrival + A_ORDER], time)
            else:
                cancel(mi, mf, mi[arrival + A_ORDER], time)
        else:
            mi[SI_R_HEAD] = r + 1
            _deliver_report(mi, mf, r)


@njit(cache=True)
def _sample_interval(mi: _I64, mf: _F64, time: int) -> None:
    """`_Engine._bars_and_sample`'s sampling: the first delivery of each interval."""
    sample(mi, mf, time)
    interval = mi[PI_EQUITY_INTERVAL]
    mi[SI_NEXT_SAMPLE] = time - time % interval + interval


@njit(cache=True)
def run_loop(
    venue: _I64,
    delivery: _I64,
    first: _F64,
    second: _F64,
    third: _F64,
    fourth: _F64,
    evaluation_at: _I64,
    price: _F64,
    rules: _U8,
    sigma: _F64,
    mi: _I64,
    mf: _F64,
) -> int:
    """Run events from ``mi[SI_EVENT]`` on; DONE, NEED_ROOM (grow and call again) or FAILED.

    Quotes: `first`..`fourth` are bid, ask, bid size, ask size; stored bars:
    open, high, low, close. Event i delivers evaluation ``evaluation_at[i]``
    (-1: none), or evaluation i when ``mi[PI_EVERY]``. Evaluation e has the
    price ``price[e]``, the rules that fired ``rules[e]`` (`RULE_*` bits) and,
    for volatility sizing, ``sigma[e]`` (an empty array otherwise).
    """
    mode = mi[PI_MODE]
    every = mi[PI_EVERY] == 1
    has_risk = mi[PI_HAS_RISK] == 1
    has_sigma = sigma.shape[0] > 0
    n = venue.shape[0]
    i = mi[SI_EVENT]
    check = True  # whether the last event did anything that may have used room
    while i < n:
        if check:
            if not _fits(mi):
                _compact_queues(mi, mf)
                if not _fits(mi):
                    mi[SI_EVENT] = i
                    return NEED_ROOM
            check = False
        ts = venue[i]
        # Nothing scheduled is due: the usual case, checked here without a call.
        a = mi[SI_A_HEAD]
        r = mi[SI_R_HEAD]
        if (a < mi[SI_A_TAIL] and mi[mi[SI_ARRIVALS_AT] + a * A_COLUMNS + A_TIME] < ts) or (
            r < mi[SI_R_TAIL] and mi[mi[SI_REPORTS_AT] + r * R_COLUMNS + R_TIME] < ts
        ):
            _drain(mi, mf, ts, False)
            check = True
        quiet = mi[SI_WORKING] == 0 and ts < mi[SI_NEXT_EXPIRY]
        if mode == MODE_BARS:
            mark = fourth[i]
            if quiet:  # the bar's path meets no order: only the market's state moves
                mi[SI_BARS_ONLY] = 1
                mf[SF_BID] = np.nan
                mf[SF_ASK] = np.nan
                mf[SF_BID_SIZE] = 0.0
                mf[SF_ASK_SIZE] = 0.0
                mf[SF_LAST_PRICE] = mark
            else:
                on_bar(mi, mf, ts, first[i], second[i], third[i], mark)
                check = True
        else:
            mark = price[i] if every else (first[i] + second[i]) * 0.5
            if quiet:
                mf[SF_BID] = first[i]
                mf[SF_ASK] = second[i]
                mf[SF_BID_SIZE] = third[i]
                mf[SF_ASK_SIZE] = fourth[i]
            else:
                on_quote(mi, mf, ts, first[i], second[i], third[i], fourth[i])
                check = True
        time = delivery[i]
        a = mi[SI_A_HEAD]
        r = mi[SI_R_HEAD]
        if (a < mi[SI_A_TAIL] and mi[mi[SI_ARRIVALS_AT] + a * A_COLUMNS + A_TIME] <= time) or (
            r < mi[SI_R_TAIL] and mi[mi[SI_REPORTS_AT] + r * R_COLUMNS + R_TIME] <= time
        ):
            _drain(mi, mf, time, True)
            check = True
        mi[SI_NOW] = time
        mf[SF_MARK] = mark
        e = i if every else evaluation_at[i]
        acts = e >= 0 and (rules[e] != 0 or (has_risk and mf[SF_POSITION] != 0.0))
        if acts:
            check = True
        if acts and mode == MODE_QUOTE_BARS:
            s = sigma[e] if has_sigma else np.nan
            evaluate(mi, mf, price[e], rules[e], s, has_risk)
        if time >= mi[SI_NEXT_SAMPLE]:
            _sample_interval(mi, mf, time)
            check = True
        if acts and mode != MODE_QUOTE_BARS:
            s = sigma[e] if has_sigma else np.nan
            evaluate(mi, mf, price[e], rules[e], s, has_risk)
        if mi[SI_ERROR] != ERROR_NONE:
            mi[SI_ERROR_AT] = i
            mi[SI_EVENT] = i
            return FAILED
        i += 1
    mi[SI_EVENT] = n
    if not _fits(mi):
        _compact_queues(mi, mf)
        if not _fits(mi):
            return NEED_ROOM
    _drain(mi, mf, NEVER, True)
    sample(mi, mf, mi[SI_NOW])
    if mi[SI_ERROR] != ERROR_NONE:
        mi[SI_ERROR_AT] = n
        return FAILED
    return DONE
