"""Exposure metrics: the share of time spent holding a position, and turnover.

Positions are given as a change series: ``position[i]`` holds from
``position_ts_ns[i]`` until the next change. Before the first change the
position is flat (0). Any non-zero value counts as in the market, so for
several instruments pass a series that is non-zero whenever any of them is
held (the gross exposure, say).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from tickdeck.core.errors import InputError
from tickdeck.results.metrics._inputs import (
    equity_curve,
    integer_scalar,
    same_length,
    sorted_timestamps,
    values,
)

__all__ = ["time_in_market", "turnover"]


def time_in_market(
    position_ts_ns: npt.ArrayLike,
    position: npt.ArrayLike,
    *,
    start_ns: int,
    end_ns: int,
) -> float:
    """Fraction of ``[start_ns, end_ns)`` with a non-zero position.

    ``sum(duration of segments with position != 0) / (end_ns - start_ns)``,
    where the segments are cut by the position changes inside the window;
    the position at `start_ns` is that of the last change at or before it.
    Not annualised: a fraction in [0, 1].

    Args:
        position_ts_ns: Times of the position changes, int64 ns UTC,
            non-decreasing (of equal times, the last change wins).
        position: The position after each change, in any unit.
        start_ns: Start of the window, usually the equity curve's first time.
        end_ns: End of the window, usually the equity curve's last time.

    Returns:
        The fraction; 0.0 with no changes (always flat); NaN for an empty
        window (``end_ns == start_ns``).
    """
    ts = sorted_timestamps("position_ts_ns", position_ts_ns)
    pos = values("position", position)
    same_length(position_ts_ns=ts, position=pos)
    start = integer_scalar("start_ns", start_ns)
    end = integer_scalar("end_ns", end_ns)
    if end < start:
        raise InputError("end_ns", end_ns, f"a time at or after start_ns ({start})")
    if end == start:
        return math.nan
    first_inside = int(np.searchsorted(ts, start, side="right"))
    past_end = int(np.searchsorted(ts, end, side="left"))
    held_at_start = pos[first_inside - 1] if first_inside > 0 else 0.0
    cuts = np.concatenate(([start], ts[first_inside:past_end], [end]))
    levels = np.concatenate(([held_at_start], pos[first_inside:past_end]))
    held = int(np.sum((cuts[1:] - cuts[:-1])[levels != 0]))
    return held / (end - start)


def turnover(traded_notional: npt.ArrayLike, ts_ns: npt.ArrayLike, equity: npt.ArrayLike) -> float:
    """Traded notional over average equity: ``sum(|notional|) / mean_time(equity)``.

    Buys and sells both count, so a full round trip of the whole equity is 2.
    ``mean_time(equity)`` weights each equity value by how long it held, until
    the next observation (the last point gets no weight); if the curve spans
    no time, the last equity is used. **Not annualised**: it is the turnover
    over the whole curve; divide by the elapsed years for a yearly figure.

    Args:
        traded_notional: Notional of each fill in the account currency
            (price times quantity times multiplier); the sign is ignored.
        ts_ns: The equity curve's times, int64 ns UTC, non-decreasing.
        equity: The equity curve's values (finite; the first one positive).

    Returns:
        The turnover as a multiple of average equity; 0.0 without fills; NaN
        for an empty equity curve or a non-positive average equity.
    """
    notional = values("traded_notional", traded_notional)
    ts, eq = equity_curve(ts_ns, equity)
    if eq.size == 0:
        return math.nan
    held_ns = (ts[1:] - ts[:-1]).astype(np.float64)
    total_ns = float(held_ns.sum())
    average = float(np.dot(eq[:-1], held_ns)) / total_ns if total_ns > 0 else float(eq[-1])
    if average <= 0:
        return math.nan
    return float(np.abs(notional).sum()) / average
