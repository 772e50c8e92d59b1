"""Hypothesis strategies for metric inputs, and slow references the metrics are checked against.

The references are written from the formulas in ``docs/metrics.md`` with
plain Python loops, `datetime` and pandas, sharing no code with
`tickdeck.results.metrics`.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from hypothesis import strategies as st

S = 1_000_000_000
MINUTE = 60 * S
HOUR = 60 * MINUTE
DAY = 24 * HOUR
#: 2024-01-01T00:00:00Z, a Monday.
MONDAY = 1_704_067_200 * S

# Gaps between observations: ties, ticks, minutes, hours and whole days, so
# that curves cross period boundaries, skip periods and span weekends.
_GAPS = st.one_of(
    st.just(0),
    st.integers(1, 10 * S),
    st.integers(1, 90 * MINUTE),
    st.integers(1, 3 * DAY),
)


@st.composite
def timestamps(draw: st.DrawFn, size: int) -> np.ndarray:
    """`size` non-decreasing int64 ns times starting within the first week of 2024."""
    start = MONDAY + draw(st.integers(0, 7 * DAY))
    gaps = draw(st.lists(_GAPS, min_size=size, max_size=size))
    return np.array([start + sum(gaps[:i]) for i in range(size)], dtype=np.int64)


@st.composite
def equity_curves(
    draw: st.DrawFn, min_size: int = 0, max_size: int = 40
) -> tuple[np.ndarray, np.ndarray]:
    """A curve of positive equity values at sorted times."""
    size = draw(st.integers(min_size, max_size))
    values = draw(st.lists(st.floats(1.0, 1_000.0), min_size=size, max_size=size))
    return draw(timestamps(size)), np.array(values, dtype=np.float64)


def return_series(min_size: int = 0, max_size: int = 40) -> st.SearchStrategy[np.ndarray]:
    """Period returns between -50 % and +50 %, in steps of 1e-9 so that squares never underflow."""
    step = st.floats(-0.5, 0.5).map(lambda r: round(r, 9))
    return st.lists(step, min_size=min_size, max_size=max_size).map(
        lambda r: np.array(r, dtype=np.float64)
    )


def pnl_series(max_size: int = 30) -> st.SearchStrategy[np.ndarray]:
    """Trade PnLs with a fair share of exact zeros."""
    pnl = st.one_of(st.just(0.0), st.floats(-1_000.0, 1_000.0))
    return st.lists(pnl, max_size=max_size).map(lambda p: np.array(p, dtype=np.float64))


def reference_period_returns(
    ts: np.ndarray, equity: np.ndarray, period: int, origin: int = 0
) -> np.ndarray:
    """With pandas: last value per period, preceded by the start unless it is a period's close."""
    if ts.size < 2:
        return np.empty(0)
    series = pd.Series(equity, index=(ts - origin) // period)
    by_period = series.groupby(level=0, sort=False)
    closes = by_period.last()
    if by_period.size().iloc[0] > 1:
        closes = pd.concat([pd.Series([equity[0]]), closes], ignore_index=True)
    return closes.pct_change().to_numpy()[1:]


def reference_periods_per_year(ts: np.ndarray, period: int, origin: int = 0) -> float:
    """With datetime: 365 if any Saturday, else 252, times the median periods per active day."""
    periods_by_day: dict[object, set[int]] = {}
    saturday = False
    for t in ts.tolist():
        moment = datetime.fromtimestamp((t - origin) // S, tz=UTC)
        saturday = saturday or moment.weekday() == 5
        periods_by_day.setdefault(moment.date(), set()).add((t - origin) // period)
    days = 365 if saturday else 252
    counts = sorted(len(p) for p in periods_by_day.values())
    middle = len(counts) // 2
    median = counts[middle] if len(counts) % 2 else (counts[middle - 1] + counts[middle]) / 2
    return days * median


def reference_max_drawdown(equity: np.ndarray) -> float:
    worst, peak = 0.0, -math.inf
    for value in equity.tolist():
        peak = max(peak, value)
        worst = max(worst, (peak - value) / peak)
    return worst


def reference_drawdown_duration(ts: np.ndarray, equity: np.ndarray) -> int:
    """A state machine: remember when the curve left its peak, measure when it gets back."""
    longest = 0
    peak = -math.inf
    peak_time = 0
    under_water = False
    for t, value in zip(ts.tolist(), equity.tolist(), strict=True):
        if value >= peak:
            if under_water:
                longest = max(longest, t - peak_time)
            under_water = False
            peak, peak_time = value, t
        else:
            under_water = True
    if under_water:
        longest = max(longest, ts.tolist()[-1] - peak_time)
    return longest


def reference_sortino(returns: np.ndarray, periods: float, rf_per_period: float) -> float:
    excess: list[float] = [r - rf_per_period for r in returns.tolist()]
    mean = sum(excess) / len(excess)
    downside = math.sqrt(sum(min(x, 0.0) ** 2 for x in excess) / len(excess))
    return mean / downside * math.sqrt(periods)


def reference_time_in_market(
    changes: np.ndarray, positions: np.ndarray, start: int, end: int
) -> float:
    """Walk the changes in order, adding the clipped length of each held segment."""
    held = 0
    level = 0.0
    since = start
    for t, position in zip(changes.tolist(), positions.tolist(), strict=True):
        cut = min(max(t, start), end)
        if level != 0:
            held += cut - since
        since = cut
        level = position
    if level != 0:
        held += end - since
    return held / (end - start)


def reference_average_equity(ts: np.ndarray, equity: np.ndarray) -> float:
    if ts[-1] == ts[0]:
        return float(equity[-1])
    area = 0.0
    for i in range(ts.size - 1):
        area += float(equity[i]) * float(ts[i + 1] - ts[i])
    return area / float(ts[-1] - ts[0])
