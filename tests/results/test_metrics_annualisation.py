"""Annualisation: irregular equity curves become regular period returns and a yearly scale."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.results.metrics_references import (
    DAY,
    HOUR,
    MINUTE,
    MONDAY,
    equity_curves,
    reference_period_returns,
    reference_periods_per_year,
    timestamps,
)

from tickdeck.core import InputError
from tickdeck.results import (
    choose_return_period,
    infer_periods_per_year,
    per_period_rate,
    period_returns,
)
from tickdeck.results.metrics import FALLBACK_PERIODS_NS, NS_PER_DAY, NS_PER_YEAR

SUNDAY = MONDAY - DAY


def every(step: int, *, days: int, start: int = MONDAY) -> np.ndarray:
    """Times from `start` every `step` ns for `days` days."""
    return np.arange(start, start + days * DAY, step, dtype=np.int64)


# period_returns ------------------------------------------------------------


def test_a_return_runs_from_one_days_last_value_to_the_next_days() -> None:
    ts = [MONDAY + 9 * HOUR, MONDAY + 15 * HOUR, MONDAY + DAY + 10 * HOUR, MONDAY + DAY + 16 * HOUR]
    ts += [MONDAY + 3 * DAY + 12 * HOUR]  # nothing on Wednesday
    equity = [100.0, 102.0, 101.0, 96.9, 101.745]
    r = period_returns(np.array(ts), np.array(equity))
    # Monday: 100 -> 102; Tuesday: 102 -> 96.9; Wednesday skipped; Thursday: 96.9 -> 101.745.
    np.testing.assert_allclose(r, [0.02, -0.05, 0.05])


def test_a_start_that_closes_its_own_period_is_not_counted_twice() -> None:
    ts = np.array([MONDAY + 23 * HOUR, MONDAY + DAY + 23 * HOUR, MONDAY + 2 * DAY + 23 * HOUR])
    r = period_returns(ts, np.array([100.0, 110.0, 99.0]))
    np.testing.assert_allclose(r, [0.1, -0.1])


def test_the_origin_moves_the_period_boundaries() -> None:
    # An FX week opens on Sunday 22:00 UTC; closing days at 22:00 puts Sunday into Monday.
    ts = np.array([SUNDAY + 22 * HOUR + 30 * MINUTE, SUNDAY + 23 * HOUR + 30 * MINUTE])
    ts = np.concatenate([ts, [MONDAY + 10 * HOUR, MONDAY + 21 * HOUR]])
    equity = np.array([100.0, 104.0, 101.0, 102.0])
    np.testing.assert_allclose(period_returns(ts, equity), [0.04, 102 / 104 - 1])
    np.testing.assert_allclose(period_returns(ts, equity, origin_ns=22 * HOUR), [0.02])


def test_returns_after_ruin_are_nan() -> None:
    ts = MONDAY + DAY * np.arange(4) + HOUR
    r = period_returns(ts, np.array([100.0, 50.0, 0.0, 10.0]))
    np.testing.assert_array_equal(r, [-0.5, -1.0, np.nan])


@pytest.mark.parametrize("size", [0, 1])
def test_fewer_than_two_observations_have_no_returns(size: int) -> None:
    assert period_returns(np.full(size, MONDAY), np.full(size, 100.0)).size == 0


@given(
    curve=equity_curves(),
    period=st.sampled_from([MINUTE, 7 * MINUTE, HOUR, DAY]),
    origin=st.integers(0, DAY),
)
def test_period_returns_match_pandas(
    curve: tuple[np.ndarray, np.ndarray], period: int, origin: int
) -> None:
    ts, equity = curve
    expected = reference_period_returns(ts, equity, period, origin % period)
    actual = period_returns(ts, equity, period_ns=period, origin_ns=origin)
    np.testing.assert_allclose(actual, expected, rtol=1e-12)


@given(curve=equity_curves(min_size=1), period=st.sampled_from([MINUTE, HOUR, DAY]))
def test_returns_compound_to_the_total_return(
    curve: tuple[np.ndarray, np.ndarray], period: int
) -> None:
    ts, equity = curve
    growth = float(np.prod(1.0 + period_returns(ts, equity, period_ns=period)))
    assert growth == pytest.approx(equity[-1] / equity[0], rel=1e-9)


# infer_periods_per_year ----------------------------------------------------


def test_a_market_shut_on_saturdays_has_252_days() -> None:
    weekdays = [t for t in every(HOUR, days=21) if (t - MONDAY) // DAY % 7 < 5]
    assert infer_periods_per_year(np.array(weekdays)) == 252.0


def test_a_market_open_on_saturdays_has_365_days() -> None:
    assert infer_periods_per_year(every(HOUR, days=8)) == 365.0


def test_fx_opening_on_sunday_evening_is_a_weekday_market() -> None:
    week = every(HOUR, days=5, start=SUNDAY + 22 * HOUR)  # Sunday 22:00 to Friday 22:00
    assert infer_periods_per_year(week) == 252.0
    assert infer_periods_per_year(week, origin_ns=22 * HOUR) == 252.0


def test_hourly_periods_count_the_hours_with_data_in_a_typical_day() -> None:
    session = every(30 * MINUTE, days=1, start=MONDAY + 14 * HOUR + 30 * MINUTE)[:13]
    week = np.concatenate([session + d * DAY for d in range(5)])  # 14:30-20:30 UTC, Mon-Fri
    assert infer_periods_per_year(week, period_ns=HOUR) == 252 * 7
    assert infer_periods_per_year(every(MINUTE, days=10), period_ns=HOUR) == 365 * 24


def test_no_data_gives_no_periods_per_year() -> None:
    assert math.isnan(infer_periods_per_year(np.array([], dtype=np.int64)))


def test_the_inferred_period_must_divide_a_day() -> None:
    with pytest.raises(InputError, match="period_ns"):
        infer_periods_per_year(every(HOUR, days=1), period_ns=7 * HOUR)


@given(
    ts=st.integers(1, 60).flatmap(timestamps),
    period=st.sampled_from([5 * MINUTE, HOUR, 6 * HOUR, DAY]),
    origin=st.sampled_from([0, 22 * HOUR]),
)
def test_periods_per_year_match_a_calendar_walk(ts: np.ndarray, period: int, origin: int) -> None:
    expected = reference_periods_per_year(ts, period, origin)
    assert infer_periods_per_year(ts, period_ns=period, origin_ns=origin) == expected


# choose_return_period ------------------------------------------------------


def test_enough_days_keep_daily_returns() -> None:
    assert choose_return_period(every(HOUR, days=30)) == NS_PER_DAY


def test_a_few_days_fall_back_to_hourly_returns() -> None:
    assert choose_return_period(every(MINUTE, days=5)) == HOUR


def test_too_little_data_for_any_period_takes_the_one_with_most_returns() -> None:
    ten_minutes = np.arange(MONDAY, MONDAY + 10 * MINUTE, 1_000_000_000)
    assert choose_return_period(ten_minutes) == MINUTE
    assert choose_return_period(np.array([], dtype=np.int64)) == NS_PER_DAY


def test_only_finer_periods_are_fallbacks() -> None:
    assert FALLBACK_PERIODS_NS == (HOUR, 5 * MINUTE, MINUTE)
    assert choose_return_period(every(MINUTE, days=1), period_ns=HOUR) == HOUR
    assert choose_return_period(every(MINUTE, days=1), period_ns=MINUTE) == MINUTE


def test_min_returns_must_allow_a_standard_deviation() -> None:
    with pytest.raises(InputError, match="min_returns"):
        choose_return_period(every(HOUR, days=2), min_returns=1)


# per_period_rate and the year ----------------------------------------------


def test_a_yearly_rate_is_spread_over_periods_geometrically() -> None:
    daily = per_period_rate(0.05, 252)
    assert (1 + daily) ** 252 == pytest.approx(1.05, rel=1e-12)
    assert per_period_rate(0.0, 365) == 0.0


@pytest.mark.parametrize("rate", [-1.0, math.nan, math.inf, "5%"])
def test_a_yearly_rate_must_be_a_fraction_above_minus_one(rate: object) -> None:
    with pytest.raises(InputError, match="risk_free_rate"):
        per_period_rate(rate, 252)  # type: ignore[arg-type]


def test_a_calendar_year_is_365_and_a_quarter_days() -> None:
    assert NS_PER_YEAR == 365.25 * DAY
