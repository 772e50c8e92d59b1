"""The compiled agents: who sends which order when, on top of the matching engine.

Randomness is a splitmix64 stream per purpose (``rng[0]`` for agent
decisions, ``rng[1]`` for the fundamental value): a counter advanced by a
constant and hashed, seeded from the run's ``numpy.random.Generator``. Each
stream is one uint64 of state kept in an array, so a run can stop and resume
at any time with identical results, and nothing global is touched.

Agents arrive as one Poisson process whose rate is the sum of the
populations' rates; each arrival draws exactly `DRAWS` uniforms whatever it
then does, so the arrival times and the choice of who arrives depend only on
the seed, never on the book. The fundamental value moves on its own fixed
time grid from its own stream, so its path depends only on the seed too.
Noise orders are cancelled at the end of an exponential lifetime drawn when
they are placed (the same law as a constant per-order cancellation rate).

Parameters arrive as two arrays, ``fp`` (float) and ``ip`` (int), indexed by
the constants below; `_state.agent_parameters` fills them from the config.
"""

from __future__ import annotations

import math

import numpy as np

from tickdeck.synth.abm._kernels import (
    ASK,
    BEST_ASK,
    BEST_BID,
    BID,
    DROPPED,
    EMA_T,
    FUNDAMENTAL,
    HEAP_N,
    LVL,
    MAKER0,
    MM,
    MM_INV,
    MM_WIDTH,
    MOMENTUM,
    N_LOG,
    N_SN,
    NEXT_ARRIVAL,
    NEXT_FUND,
    NEXT_SNAP,
    NOISE,
    NOW,
    OID,
    REF2,
    SNAP_EVERY,
    cancel_slot,
    heap_push,
    kernel,
    quote_if_changed,
    snapshot,
    submit,
)

# fp: float parameters.
NL_RATE, NM_RATE, NC_RATE, OFFSET_SCALE, SIZE_MEAN = 0, 1, 2, 3, 4
MM_RATE, MM_HALF, MM_SKEW, MO_RATE, MO_LOOKBACK, MO_THRESHOLD = 5, 6, 7, 8, 9, 10
FU_RATE, FU_THRESHOLD, FU_VOL, FU_JUMP_RATE, FU_JUMP_SIZE = 11, 12, 13, 14, 15
FP_SIZE = 16
# ip: integer parameters.
SIZE_MAX, MM_COUNT, MM_SIZE, MM_MAX_INV, MO_SIZE, FU_SIZE, FU_INTERVAL = 0, 1, 2, 3, 4, 5, 6
IP_SIZE = 7
# fs: float state.
F_FUND, F_EMA, F_EMA_SET = 0, 1, 2
FS_SIZE = 3
# Uniforms drawn per arrival, and per fundamental update.
DRAWS = 6
FUND_DRAWS = 3
NEVER = np.iinfo(np.int64).max
# A maker's columns in st (from MM + MM_WIDTH * k): its resting bid (slot, id), ask (slot, id),
# and inventory in lots (MM_INV, which the matching engine updates).
MM_BID_SLOT, MM_BID_ID, MM_ASK_SLOT, MM_ASK_ID = 0, 1, 2, 3

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_SHIFTS = (np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11))
_UNIT = 1.0 / 9007199254740992.0  # 2**-53


@kernel
def uniform(rng, k):  # type: ignore[no-untyped-def]
    """The next uniform in [0, 1) of stream `k` (splitmix64, top 53 bits)."""
    z = rng[k] + _GOLDEN
    rng[k] = z
    z = (z ^ (z >> _SHIFTS[0])) * _MIX1
    z = (z ^ (z >> _SHIFTS[1])) * _MIX2
    z = z ^ (z >> _SHIFTS[2])
    return np.float64(z >> _SHIFTS[3]) * _UNIT


@kernel
def _exponential(u):  # type: ignore[no-untyped-def]
    return -math.log(1.0 - u)


@kernel
def _gap_ns(u, rate):  # type: ignore[no-untyped-def]
    """An exponential waiting time in ns; capped at ~3 years so that tiny rates cannot overflow."""
    return np.int64(min(_exponential(u) / rate * 1e9, 1e17) + 0.5)


@kernel
def total_rate(fp, ip):  # type: ignore[no-untyped-def]
    return fp[NL_RATE] + fp[NM_RATE] + fp[MM_RATE] * ip[MM_COUNT] + fp[MO_RATE] + fp[FU_RATE]


@kernel
def schedule_arrival(rng, st, fp, ip, t):  # type: ignore[no-untyped-def]
    """Draw the first arrival after `t` (NEVER when every population is off)."""
    rate = total_rate(fp, ip)
    u = uniform(rng, 0)
    if rate <= 0.0:
        st[NEXT_ARRIVAL] = NEVER
    else:
        st[NEXT_ARRIVAL] = t + _gap_ns(u, rate)


@kernel
def fundamental_to(rng, st, fs, fp, ip, t):  # type: ignore[no-untyped-def]
    """Advance the fundamental value through every grid time <= `t`."""
    step = ip[FU_INTERVAL]
    step_s = step / 1e9
    scale = fp[FU_VOL] * math.sqrt(step_s)
    jump_p = fp[FU_JUMP_RATE] * step_s
    while st[NEXT_FUND] <= t:
        u1, u2, u3 = uniform(rng, 1), uniform(rng, 1), uniform(rng, 1)
        radius = math.sqrt(-2.0 * math.log(1.0 - u1))
        fs[F_FUND] += scale * radius * math.cos(2.0 * math.pi * u2)
        if u3 < jump_p:
            fs[F_FUND] += fp[FU_JUMP_SIZE] * radius * math.sin(2.0 * math.pi * u2)
        st[NEXT_FUND] += step


@kernel
def _mid2(st, levels):  # type: ignore[no-untyped-def]
    """Twice the mid in levels; the last two-sided mid when a side is empty."""
    if st[BEST_BID] >= 0 and st[BEST_ASK] < levels:
        return st[BEST_BID] + st[BEST_ASK]
    return st[REF2]


@kernel
def _noise_limit(lv, ob, hp, st, log, fp, ip, t, u2, u3, u4, u5):  # type: ignore[no-untyped-def]
    levels = lv.shape[2]
    s = BID if u2 < 0.5 else ASK
    distance = 1 + np.int64(_exponential(u3) * fp[OFFSET_SCALE])
    lots = min(1 + np.int64(_exponential(u4) * (fp[SIZE_MEAN] - 1.0)), ip[SIZE_MAX])
    b, a = st[BEST_BID], st[BEST_ASK]
    if s == BID:
        ref = a if a < levels else (b + 1 if b >= 0 else st[REF2] // 2 + 1)
        lvl = ref - distance
    else:
        ref = b if b >= 0 else (a - 1 if a < levels else (st[REF2] + 1) // 2 - 1)
        lvl = ref + distance
    if lvl < 0 or lvl >= levels:
        st[DROPPED] += 1
        return
    _, _, slot = submit(lv, ob, hp, st, log, s, lvl, lots, NOISE, t, True)
    if slot >= 0 and fp[NC_RATE] > 0.0:
        life = min(_exponential(u5) / fp[NC_RATE] * 1e9, 1e17)
        heap_push(ob, hp, st, t + np.int64(life + 0.5), slot)


@kernel
def _noise_market(lv, ob, hp, st, log, fp, ip, t, u2, u4):  # type: ignore[no-untyped-def]
    levels = lv.shape[2]
    s = BID if u2 < 0.5 else ASK
    lots = min(1 + np.int64(_exponential(u4) * (fp[SIZE_MEAN] - 1.0)), ip[SIZE_MAX])
    submit(lv, ob, hp, st, log, s, levels - 1 if s == BID else 0, lots, NOISE, t, False)


@kernel
def _market_maker(lv, ob, hp, st, log, fp, ip, t, k):  # type: ignore[no-untyped-def]
    """Maker k re-quotes around its reservation price; unchanged quotes keep their place."""
    levels = lv.shape[2]
    base = MM + MM_WIDTH * k
    inventory = st[base + MM_INV]
    reservation = _mid2(st, levels) / 2.0 - fp[MM_SKEW] * inventory
    bid = np.int64(math.floor(reservation - fp[MM_HALF]))
    ask = np.int64(math.ceil(reservation + fp[MM_HALF]))
    # Post only: never at or through the opposite best, so a quote never trades on arrival.
    if st[BEST_ASK] < levels:
        bid = min(bid, st[BEST_ASK] - 1)
    if st[BEST_BID] >= 0:
        ask = max(ask, st[BEST_BID] + 1)
    for s in range(2):
        col = base + (MM_BID_SLOT if s == BID else MM_ASK_SLOT)
        lvl = bid if s == BID else ask
        wanted = inventory < ip[MM_MAX_INV] if s == BID else inventory > -ip[MM_MAX_INV]
        wanted = wanted and 0 <= lvl < levels
        slot = st[col]
        alive = slot >= 0 and ob[slot, OID] == st[col + 1]
        if alive and (not wanted or ob[slot, LVL] != lvl):
            cancel_slot(lv, ob, hp, st, log, slot, t)
            alive = False
        if wanted and not alive:
            oid, _, slot = submit(lv, ob, hp, st, log, s, lvl, ip[MM_SIZE], MAKER0 + k, t, True)
            st[col] = slot
            st[col + 1] = oid
        elif not alive:
            st[col] = -1


@kernel
def _momentum(lv, ob, hp, st, log, fs, fp, ip, t):  # type: ignore[no-untyped-def]
    levels = lv.shape[2]
    if st[BEST_BID] < 0 or st[BEST_ASK] >= levels:
        return
    signal = _mid2(st, levels) / 2.0 - fs[F_EMA]
    if signal > fp[MO_THRESHOLD]:
        submit(lv, ob, hp, st, log, BID, levels - 1, ip[MO_SIZE], MOMENTUM, t, False)
    elif signal < -fp[MO_THRESHOLD]:
        submit(lv, ob, hp, st, log, ASK, 0, ip[MO_SIZE], MOMENTUM, t, False)


@kernel
def _fundamental(lv, ob, hp, st, log, fs, fp, ip, t):  # type: ignore[no-untyped-def]
    levels = lv.shape[2]
    value = fs[F_FUND]
    gap = value - _mid2(st, levels) / 2.0
    if gap > fp[FU_THRESHOLD]:
        lvl = min(max(np.int64(math.floor(value)), 0), levels - 1)
        submit(lv, ob, hp, st, log, BID, lvl, ip[FU_SIZE], FUNDAMENTAL, t, False)
    elif gap < -fp[FU_THRESHOLD]:
        lvl = min(max(np.int64(math.ceil(value)), 0), levels - 1)
        submit(lv, ob, hp, st, log, ASK, lvl, ip[FU_SIZE], FUNDAMENTAL, t, False)


@kernel
def _arrival(lv, ob, hp, st, log, rng, fs, fp, ip, t):  # type: ignore[no-untyped-def]
    levels = lv.shape[2]
    u0, u1, u2 = uniform(rng, 0), uniform(rng, 0), uniform(rng, 0)
    u3, u4, u5 = uniform(rng, 0), uniform(rng, 0), uniform(rng, 0)
    rate = total_rate(fp, ip)
    st[NEXT_ARRIVAL] = t + _gap_ns(u0, rate)
    mid = _mid2(st, levels) / 2.0
    if fs[F_EMA_SET] == 0.0:
        fs[F_EMA] = mid
        fs[F_EMA_SET] = 1.0
    else:
        weight = 1.0 - math.exp(-(t - st[EMA_T]) / fp[MO_LOOKBACK])
        fs[F_EMA] += weight * (mid - fs[F_EMA])
    st[EMA_T] = t
    x = u1 * rate
    if x < fp[NL_RATE]:
        _noise_limit(lv, ob, hp, st, log, fp, ip, t, u2, u3, u4, u5)
        return
    x -= fp[NL_RATE]
    if x < fp[NM_RATE]:
        _noise_market(lv, ob, hp, st, log, fp, ip, t, u2, u4)
        return
    x -= fp[NM_RATE]
    makers = fp[MM_RATE] * ip[MM_COUNT]
    if x < makers:
        k = min(np.int64(x / fp[MM_RATE]), ip[MM_COUNT] - 1)
        _market_maker(lv, ob, hp, st, log, fp, ip, t, k)
        return
    x -= makers
    if x < fp[MO_RATE]:
        _momentum(lv, ob, hp, st, log, fs, fp, ip, t)
    else:
        _fundamental(lv, ob, hp, st, log, fs, fp, ip, t)


@kernel
def run_agents(lv, ob, hp, st, log, sn, rng, fs, fp, ip, until, margin):  # type: ignore[no-untyped-def]
    """Run every agent event before `until`, then the snapshots due at or before it.

    Returns 1 when an output buffer is full (the caller drains it and calls
    again; the state is consistent between events), 0 when done. A snapshot
    stamped T shows the book after every event with a time before T.
    """
    room = log.shape[0] - margin
    while True:
        if st[N_LOG] > room:
            return 1
        expiry = hp[0, 0] if st[HEAP_N] > 0 else NEVER
        t = min(st[NEXT_ARRIVAL], expiry)
        if t >= until:
            break
        while st[NEXT_SNAP] <= t:
            if st[N_SN] >= sn.shape[0]:
                return 1
            snapshot(lv, st, sn, st[NEXT_SNAP])
            st[NEXT_SNAP] += st[SNAP_EVERY]
        st[NOW] = t
        fundamental_to(rng, st, fs, fp, ip, t)
        if expiry <= st[NEXT_ARRIVAL]:
            cancel_slot(lv, ob, hp, st, log, hp[0, 1], t)
        else:
            _arrival(lv, ob, hp, st, log, rng, fs, fp, ip, t)
        quote_if_changed(lv, st, log, t, False)
    while st[NEXT_SNAP] <= until:
        if st[N_SN] >= sn.shape[0]:
            return 1
        snapshot(lv, st, sn, st[NEXT_SNAP])
        st[NEXT_SNAP] += st[SNAP_EVERY]
    fundamental_to(rng, st, fs, fp, ip, until)
    st[NOW] = until
    return 0
