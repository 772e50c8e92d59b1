"""From an irregular tick-time equity curve to regular period returns and a yearly scale.

An equity curve from tick data has one point per event, at irregular times.
Annualised metrics need returns over equal periods and the number of such
periods in a year. tickdeck uses one method, stated here and in
``docs/metrics.md``:

1. **Periods.** Time is cut into periods of ``period_ns`` whose boundaries lie
   at ``origin_ns + k * period_ns`` (UTC). The default is one day closing at
   00:00 UTC (``origin_ns=0``); an FX desk that closes its day at 17:00 New
   York passes ``origin_ns`` = 22 h, so that Sunday evening's open belongs to
   Monday.
2. **Closes.** A period's close is the equity of its last observation.
   Periods without any observation (weekends, nights, holidays) are skipped:
   the move across them is counted in the next period that has data.
3. **Returns.** The closes are preceded by the first observation (the
   starting equity), and a return is the simple relative change between
   neighbours: ``r_k = C_k / C_(k-1) - 1``. When the first observation is
   itself the first period's close, it is not repeated. So
   ``prod(1 + r) = equity[-1] / equity[0]`` exactly, up to rounding. A
   return whose base is zero or negative (after ruin) is NaN.
4. **Periods per year** ``P`` must be the number of such periods a year
   holds. Pass it explicitly, or let `infer_periods_per_year` read it from the
   data's calendar (its rule is in its docstring): 252 trading days for a
   market that never trades on a Saturday, 365 for one that does, times the
   periods with data in a typical active day for periods shorter than a day.
5. **Short data.** `choose_return_period` falls back from the requested
   period to finer ones (1 h, 5 min, 1 min) when the data holds fewer than
   `MIN_RETURN_PERIODS` returns, and `summary` records the period it used.

Rates quoted per year (the risk-free rate) are turned into a per-period rate
geometrically: ``(1 + rate) ** (1 / P) - 1``. Time-based annualisation (CAGR)
uses elapsed calendar time with a year of `NS_PER_YEAR` (365.25 days).
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import numpy.typing as npt

from tickdeck.core.errors import InputError
from tickdeck.results.metrics._inputs import (
    F64,
    I64,
    equity_curve,
    integer_scalar,
    positive_scalar,
    sorted_timestamps,
)

__all__ = [
    "CALENDAR_DAYS_PER_YEAR",
    "FALLBACK_PERIODS_NS",
    "MIN_RETURN_PERIODS",
    "NS_PER_DAY",
    "NS_PER_YEAR",
    "TRADING_DAYS_PER_YEAR",
    "choose_return_period",
    "infer_periods_per_year",
    "per_period_rate",
    "period_returns",
]

#: Nanoseconds in a day, the default return period.
NS_PER_DAY: Final = 86_400_000_000_000
#: Nanoseconds in an average calendar year of 365.25 days, used for CAGR.
NS_PER_YEAR: Final = 365 * NS_PER_DAY + NS_PER_DAY // 4
#: Days a year for a market that trades on weekdays only, holidays excluded.
TRADING_DAYS_PER_YEAR: Final = 252
#: Days a year for a market that trades every day (crypto).
CALENDAR_DAYS_PER_YEAR: Final = 365
#: Fewer returns than this at the requested period make `choose_return_period` go finer.
MIN_RETURN_PERIODS: Final = 20
#: The finer periods tried, in order, when the data is too short: 1 h, 5 min, 1 min.
FALLBACK_PERIODS_NS: Final = (3_600_000_000_000, 300_000_000_000, 60_000_000_000)

_SATURDAY: Final = 5  # weekday numbers as in Python: Monday is 0
_EPOCH_WEEKDAY: Final = 3  # 1970-01-01 was a Thursday


def period_returns(
    ts_ns: npt.ArrayLike,
    equity: npt.ArrayLike,
    *,
    period_ns: int = NS_PER_DAY,
    origin_ns: int = 0,
) -> F64:
    """Simple returns of the equity curve over regular periods, skipping empty periods.

    ``r_k = C_k / C_(k-1) - 1`` where ``C_0 = equity[0]`` and ``C_k`` is the
    equity of the last observation in the k-th period that has data; periods
    have length `period_ns` with boundaries at ``origin_ns + j * period_ns``.
    See the module docstring for the full method.

    Args:
        ts_ns: Observation times, int64 ns UTC, non-decreasing.
        equity: Equity at those times (finite; the first one positive).
        period_ns: Length of a period in ns (any positive length).
        origin_ns: Any period boundary, in ns UTC; only its remainder modulo
            `period_ns` matters.

    Returns:
        One return per period with data (one fewer when the curve's first
        observation is alone in its period); empty for fewer than two
        observations. NaN where the previous close is zero or negative.
    """
    ts, eq = equity_curve(ts_ns, equity)
    period = integer_scalar("period_ns", period_ns, minimum=1)
    origin = integer_scalar("origin_ns", origin_ns)
    index = _close_index(ts, period, origin)
    closes = eq[index[1:]]
    bases = eq[index[:-1]]
    ratios = np.full(closes.shape, np.nan)
    np.divide(closes, bases, out=ratios, where=bases > 0)
    returns: F64 = ratios - 1.0
    return returns


def infer_periods_per_year(
    ts_ns: npt.ArrayLike,
    *,
    period_ns: int = NS_PER_DAY,
    origin_ns: int = 0,
) -> float:
    """Periods per year implied by the calendar of the data.

    Rule: days are counted on the clock of the periods (boundaries at
    `origin_ns`, UTC by default).

    - Trading days per year ``D`` = 365 if any observation falls on a
      Saturday, otherwise 252. Equity, futures and FX markets are shut all
      Saturday (FX and futures reopen on Sunday evening UTC); crypto trades
      then. Data shorter than a week that misses a Saturday reads as 252:
      pass `periods_per_year` explicitly for such data.
    - Periods per day ``m`` = 1 for daily periods; for shorter ones, the
      median, over the days with data, of the number of periods with data
      in that day: 24 for hourly periods of a 24 h market, 7 for a New York
      equity session (14:30 to 21:00 UTC; 8 if a closing print lands at 21:00).
    - ``P = D * m``.

    This matches `period_returns`, which skips periods without data: ``P`` is
    the number of returns a year of such data produces.

    Args:
        ts_ns: Observation times, int64 ns UTC, non-decreasing.
        period_ns: The return period; it must divide a day evenly.
        origin_ns: A period boundary, as in `period_returns`.

    Returns:
        ``P`` as a float; NaN for empty data.
    """
    ts = sorted_timestamps("ts_ns", ts_ns)
    period = _period_dividing_a_day(period_ns)
    shift = integer_scalar("origin_ns", origin_ns) % NS_PER_DAY
    if ts.size == 0:
        return math.nan
    days = (ts - shift) // NS_PER_DAY
    weekdays = (days + _EPOCH_WEEKDAY) % 7
    trading_days = (
        CALENDAR_DAYS_PER_YEAR if bool(np.any(weekdays == _SATURDAY)) else TRADING_DAYS_PER_YEAR
    )
    if period == NS_PER_DAY:
        return float(trading_days)
    # Periods nest in days because `period` divides a day and both share `shift`.
    active_periods = np.unique((ts - shift) // period)
    _, periods_in_day = np.unique(active_periods // (NS_PER_DAY // period), return_counts=True)
    return trading_days * float(np.median(periods_in_day))


def choose_return_period(
    ts_ns: npt.ArrayLike,
    *,
    period_ns: int = NS_PER_DAY,
    origin_ns: int = 0,
    min_returns: int = MIN_RETURN_PERIODS,
) -> int:
    """The return period to use: `period_ns`, or a finer one when the data is short.

    Candidates are `period_ns`, then each of `FALLBACK_PERIODS_NS` (1 h, 5 min,
    1 min) shorter than it. The first candidate whose `period_returns` would
    hold at least `min_returns` returns is chosen; if none does, the one with
    the most returns (the coarser one on ties, so empty data keeps
    `period_ns`).

    Args:
        ts_ns: Observation times, int64 ns UTC, non-decreasing.
        period_ns: The preferred period; it must divide a day evenly.
        origin_ns: A period boundary, as in `period_returns`.
        min_returns: How many returns are enough (at least 2).

    Returns:
        The chosen period in ns.
    """
    ts = sorted_timestamps("ts_ns", ts_ns)
    preferred = _period_dividing_a_day(period_ns)
    origin = integer_scalar("origin_ns", origin_ns)
    enough = integer_scalar("min_returns", min_returns, minimum=2)
    candidates = [preferred, *(p for p in FALLBACK_PERIODS_NS if p < preferred)]
    best, best_count = preferred, -1
    for candidate in candidates:
        count = max(_close_index(ts, candidate, origin).size - 1, 0)
        if count >= enough:
            return candidate
        if count > best_count:
            best, best_count = candidate, count
    return best


def per_period_rate(annual_rate: float, periods_per_year: float) -> float:
    """The per-period rate compounding to `annual_rate`: ``(1 + annual_rate) ** (1 / P) - 1``.

    Args:
        annual_rate: A yearly rate as a fraction (0.04 for 4 %), > -1.
        periods_per_year: ``P``, > 0.
    """
    if isinstance(annual_rate, bool) or not isinstance(annual_rate, (int, float, np.number)):
        raise InputError("risk_free_rate", annual_rate, "a yearly rate as a fraction")
    rate = float(annual_rate)
    if not math.isfinite(rate) or rate <= -1:
        raise InputError("risk_free_rate", annual_rate, "a finite fraction > -1, such as 0.04")
    periods = positive_scalar("periods_per_year", periods_per_year)
    return math.expm1(math.log1p(rate) / periods)


def _close_index(ts: I64, period: int, origin: int) -> I64:
    """Indices of the start observation followed by each period's last observation."""
    if ts.size == 0:
        return np.empty(0, np.int64)
    buckets = (ts - origin % period) // period
    last = np.flatnonzero(buckets[1:] != buckets[:-1])
    # Prepending 0 and taking unique drops the start when it closes its own period.
    return np.unique(np.concatenate(([0], last, [ts.size - 1])))


def _period_dividing_a_day(period_ns: int) -> int:
    period = integer_scalar("period_ns", period_ns, minimum=1)
    if NS_PER_DAY % period:
        raise InputError(
            "period_ns",
            period_ns,
            "a period that divides a day evenly, such as 1 min, 5 min, 1 h or 1 d",
        )
    return period
