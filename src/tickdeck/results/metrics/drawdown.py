"""Drawdown metrics: maximum drawdown, the longest time under water, and the Calmar ratio.

They read the equity curve at every observation, not period returns, so an
intraday dip that recovers before the day's close still counts. The running
peak is ``peak_t = max(equity_0 .. equity_t)``; the curve is *under water*
while ``equity_t < peak_t``.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from tickdeck.results.metrics._inputs import equity_curve, equity_values
from tickdeck.results.metrics.returns import annual_return

__all__ = ["calmar_ratio", "max_drawdown", "max_drawdown_duration_ns"]


def max_drawdown(equity: npt.ArrayLike) -> float:
    """Largest fall from a running peak: ``max_t (1 - equity_t / peak_t)``.

    Sign convention: a **positive** fraction of the peak, 0.25 for a fall of
    25 %. It lies in [0, 1] while the equity stays positive and exceeds 1 if
    it goes negative.

    Args:
        equity: The equity curve's values (finite; the first one positive).

    Returns:
        The maximum drawdown; 0.0 for an empty or single-point curve.
    """
    eq = equity_values(equity)
    if eq.size == 0:
        return 0.0
    peak = np.maximum.accumulate(eq)
    return float(np.max(1.0 - eq / peak))


def max_drawdown_duration_ns(ts_ns: npt.ArrayLike, equity: npt.ArrayLike) -> int:
    """Longest time under water, from a peak to the recovery of that peak, in ns.

    ``max over drawdowns of (t_recovered - t_peak)``. A drawdown starts at
    ``t_peak``, the last observation at the running peak before the curve
    falls below it, and ends at ``t_recovered``, the first later observation
    back at or above that peak; for one still under water at the end,
    ``t_recovered = ts_ns[-1]``. The longest drawdown is taken, whatever its
    depth (not necessarily the deepest one).

    Args:
        ts_ns: Observation times, int64 ns UTC, non-decreasing.
        equity: Equity at those times (finite; the first one positive).

    Returns:
        The duration in ns; 0 when the curve is never under water, or empty.
    """
    ts, eq = equity_curve(ts_ns, equity)
    if eq.size == 0:
        return 0
    at_peak = np.flatnonzero(eq >= np.maximum.accumulate(eq))  # always holds index 0
    fell = at_peak[1:] - at_peak[:-1] > 1  # points under water between two peaks
    recovered = ts[at_peak[1:][fell]] - ts[at_peak[:-1][fell]]
    longest = int(recovered.max()) if recovered.size else 0
    if at_peak[-1] < eq.size - 1:
        longest = max(longest, int(ts[-1]) - int(ts[at_peak[-1]]))
    return longest


def calmar_ratio(ts_ns: npt.ArrayLike, equity: npt.ArrayLike) -> float:
    """Annual return over maximum drawdown: ``annual_return / max_drawdown``.

    Both over the whole curve (not the trailing 36 months some vendors use):
    `annual_return` is the CAGR over elapsed calendar time and
    `max_drawdown` the positive fraction.

    Args:
        ts_ns: Observation times, int64 ns UTC, non-decreasing.
        equity: Equity at those times (finite; the first one positive).

    Returns:
        The ratio; NaN when the annual return is NaN. Without any drawdown:
        +inf for a positive annual return, NaN for zero.
    """
    growth = annual_return(ts_ns, equity)
    drawdown = max_drawdown(equity)
    if math.isnan(growth):
        return math.nan
    if drawdown == 0:
        return math.nan if growth == 0 else math.copysign(math.inf, growth)
    return growth / drawdown
