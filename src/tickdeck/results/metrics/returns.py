"""Return and risk metrics: total and annual return, annual volatility, Sharpe and Sortino.

`total_return` and `annual_return` read the equity curve itself, at every
observation. The other three read period returns (see
`tickdeck.results.metrics.annualisation`) and a number of periods per year
``P``, and annualise with it:

- volatility scales with ``sqrt(P)``;
- Sharpe and Sortino are per-period ratios times ``sqrt(P)``;
- the yearly risk-free rate ``rf`` becomes ``rf_p = (1 + rf) ** (1 / P) - 1``.

Returns are fractions (0.05 is 5 %). A NaN return (after ruin) makes every
statistic that reads it NaN; so do fewer than two returns.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import numpy.typing as npt

from tickdeck.results.metrics._inputs import (
    F64,
    equity_curve,
    equity_values,
    positive_scalar,
    values,
)
from tickdeck.results.metrics.annualisation import NS_PER_YEAR, per_period_rate

__all__ = [
    "annual_return",
    "annual_volatility",
    "sharpe_ratio",
    "sortino_ratio",
    "total_return",
]

# Constant returns leave a standard deviation of a few ulps after rounding, not
# zero; a spread this small relative to the largest return counts as none.
_NO_SPREAD: Final = 1e-12


def total_return(equity: npt.ArrayLike) -> float:
    """Growth of the curve over its whole span: ``equity[-1] / equity[0] - 1``.

    Not annualised. A fraction: 0.1 is +10 %; it is below -1 when the equity
    ends negative.

    Args:
        equity: The equity curve's values (finite; the first one positive).

    Returns:
        The total return; NaN for an empty curve, 0.0 for a single point.
    """
    eq = equity_values(equity)
    if eq.size == 0:
        return math.nan
    return float(eq[-1] / eq[0] - 1.0)


def annual_return(ts_ns: npt.ArrayLike, equity: npt.ArrayLike) -> float:
    """Compound annual growth rate over the elapsed calendar time.

    ``CAGR = (equity[-1] / equity[0]) ** (1 / years) - 1`` with
    ``years = (ts_ns[-1] - ts_ns[0]) / NS_PER_YEAR`` (a year of 365.25 days,
    whatever the trading calendar). Over spans much shorter than a year the
    figure extrapolates wildly, as any CAGR does.

    Args:
        ts_ns: Observation times, int64 ns UTC, non-decreasing.
        equity: Equity at those times (finite; the first one positive).

    Returns:
        The CAGR as a fraction; NaN for fewer than two points or no elapsed
        time; -1.0 when the final equity is zero or negative (everything
        lost); inf when the growth overflows a float.
    """
    ts, eq = equity_curve(ts_ns, equity)
    if eq.size < 2 or ts[-1] == ts[0]:
        return math.nan
    growth = eq[-1] / eq[0]
    if growth <= 0:
        return -1.0
    years = (int(ts[-1]) - int(ts[0])) / NS_PER_YEAR
    try:
        return math.expm1(math.log(growth) / years)
    except OverflowError:
        return math.inf


def annual_volatility(returns: npt.ArrayLike, periods_per_year: float) -> float:
    """Annualised standard deviation of period returns: ``std(r, ddof=1) * sqrt(P)``.

    Args:
        returns: Period returns as fractions (NaN allowed, infinities not).
        periods_per_year: ``P``, the number of return periods in a year.

    Returns:
        The volatility as a fraction per year; NaN for fewer than two returns
        or any NaN return.
    """
    r = values("returns", returns, allow_nan=True)
    periods = positive_scalar("periods_per_year", periods_per_year)
    if r.size < 2:
        return math.nan
    return float(np.std(r, ddof=1)) * math.sqrt(periods)


def sharpe_ratio(
    returns: npt.ArrayLike, periods_per_year: float, *, risk_free_rate: float = 0.0
) -> float:
    """Annualised Sharpe ratio: ``mean(r - rf_p) / std(r, ddof=1) * sqrt(P)``.

    ``rf_p = (1 + risk_free_rate) ** (1 / P) - 1`` is the per-period
    risk-free rate (the sample standard deviation of ``r - rf_p`` is that of
    ``r``).

    Args:
        returns: Period returns as fractions (NaN allowed, infinities not).
        periods_per_year: ``P``, the number of return periods in a year.
        risk_free_rate: Yearly risk-free rate as a fraction (0.04 is 4 %).

    Returns:
        The ratio; NaN for fewer than two returns or any NaN return. With no
        spread in the returns (all equal, up to rounding): +inf or -inf by
        the sign of the mean excess return, NaN when that mean is 0.
    """
    r = values("returns", returns, allow_nan=True)
    periods = positive_scalar("periods_per_year", periods_per_year)
    excess = _scaled(r - per_period_rate(risk_free_rate, periods))
    if excess.size < 2:
        return math.nan
    mean = float(np.mean(excess))
    spread = float(np.std(excess, ddof=1))
    if math.isnan(mean) or math.isnan(spread):
        return math.nan
    if spread <= _NO_SPREAD:
        return _sign_or_nan(mean)
    return mean / spread * math.sqrt(periods)


def sortino_ratio(
    returns: npt.ArrayLike, periods_per_year: float, *, risk_free_rate: float = 0.0
) -> float:
    """Annualised Sortino ratio: ``mean(r - rf_p) / DD * sqrt(P)``.

    The downside deviation is ``DD = sqrt(mean(min(r - rf_p, 0) ** 2))``: the
    target is the per-period risk-free rate ``rf_p`` (0 by default), and the
    mean runs over **all** periods, those above the target counting as 0.

    Args:
        returns: Period returns as fractions (NaN allowed, infinities not).
        periods_per_year: ``P``, the number of return periods in a year.
        risk_free_rate: Yearly risk-free rate as a fraction (0.04 is 4 %).

    Returns:
        The ratio; NaN for fewer than two returns or any NaN return. With no
        return below the target (``DD = 0``): +inf if the mean excess return
        is positive, NaN if every return is exactly on target.
    """
    r = values("returns", returns, allow_nan=True)
    periods = positive_scalar("periods_per_year", periods_per_year)
    excess = _scaled(r - per_period_rate(risk_free_rate, periods))
    if excess.size < 2:
        return math.nan
    mean = float(np.mean(excess))
    downside = math.sqrt(float(np.mean(np.minimum(excess, 0.0) ** 2)))
    if math.isnan(mean) or math.isnan(downside):
        return math.nan
    if downside == 0:
        return _sign_or_nan(mean)
    return mean / downside * math.sqrt(periods)


def _scaled(excess: F64) -> F64:
    """`excess` divided by its largest magnitude (if not 0), which leaves both ratios unchanged.

    Squaring tiny returns would underflow to 0 and fake a zero deviation; on
    the [-1, 1] scale it cannot.
    """
    largest = float(np.max(np.abs(excess))) if excess.size else 0.0
    if largest == 0 or math.isnan(largest):
        return excess
    scaled: F64 = excess / largest
    return scaled


def _sign_or_nan(mean: float) -> float:
    """The limit of ``mean / spread`` as the spread goes to 0."""
    return math.nan if mean == 0 else math.copysign(math.inf, mean)
