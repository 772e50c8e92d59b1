"""Maximum drawdown, its longest duration under water, and the Calmar ratio."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from tests.results.metrics_references import (
    HOUR,
    MONDAY,
    equity_curves,
    reference_drawdown_duration,
    reference_max_drawdown,
)

from tickdeck.results import annual_return, calmar_ratio, max_drawdown, max_drawdown_duration_ns
from tickdeck.results.metrics import NS_PER_YEAR

#: Peak 120 at hour 1, down to 90 (-25 %), new peak 130 at hour 4, then 117 (-10 %).
EQUITY = np.array([100.0, 120.0, 90.0, 110.0, 130.0, 117.0])
HOURS = MONDAY + HOUR * np.arange(EQUITY.size)


def hourly(*equity: float) -> tuple[np.ndarray, np.ndarray]:
    return MONDAY + HOUR * np.arange(len(equity)), np.array(equity)


def test_max_drawdown_is_the_deepest_fall_from_a_running_peak_as_a_positive_fraction() -> None:
    assert max_drawdown(EQUITY) == pytest.approx(0.25)


def test_a_curve_that_never_falls_has_no_drawdown() -> None:
    assert max_drawdown(np.array([100.0, 100.0, 101.0])) == 0.0
    assert max_drawdown(np.array([100.0])) == 0.0
    assert max_drawdown(np.array([])) == 0.0


def test_a_fall_below_zero_is_a_drawdown_beyond_one() -> None:
    assert max_drawdown(np.array([100.0, -20.0])) == pytest.approx(1.2)


def test_the_duration_runs_from_the_peak_to_its_recovery() -> None:
    assert max_drawdown_duration_ns(HOURS, EQUITY) == 3 * HOUR  # hour 1 to hour 4


def test_a_drawdown_not_recovered_lasts_until_the_end() -> None:
    assert max_drawdown_duration_ns(*hourly(100.0, 90.0, 95.0, 99.0)) == 3 * HOUR


def test_the_longest_drawdown_need_not_be_the_deepest() -> None:
    ts, equity = hourly(100.0, 50.0, 100.0, 99.0, 99.0, 99.0)
    assert max_drawdown_duration_ns(ts, equity) == 3 * HOUR  # the 1 % dip from hour 2 on


def test_a_drawdown_starts_at_the_last_time_at_the_peak_and_ends_back_at_it() -> None:
    assert max_drawdown_duration_ns(*hourly(100.0, 100.0, 90.0, 100.0, 100.0)) == 2 * HOUR


def test_no_time_under_water_is_a_zero_duration() -> None:
    assert max_drawdown_duration_ns(*hourly(100.0, 101.0, 101.0)) == 0
    assert max_drawdown_duration_ns(*hourly(100.0)) == 0
    assert max_drawdown_duration_ns(np.array([], dtype=np.int64), np.array([])) == 0


@given(curve=equity_curves())
def test_drawdown_matches_a_plain_loop(curve: tuple[np.ndarray, np.ndarray]) -> None:
    ts, equity = curve
    assert max_drawdown(equity) == pytest.approx(reference_max_drawdown(equity), abs=1e-12)
    assert max_drawdown_duration_ns(ts, equity) == reference_drawdown_duration(ts, equity)


@given(curve=equity_curves(min_size=1))
def test_drawdowns_of_positive_curves_are_bounded(curve: tuple[np.ndarray, np.ndarray]) -> None:
    ts, equity = curve
    assert 0.0 <= max_drawdown(equity) < 1.0
    assert 0 <= max_drawdown_duration_ns(ts, equity) <= ts[-1] - ts[0]


@given(curve=equity_curves(), scale=st.floats(0.01, 100.0))
def test_drawdowns_do_not_depend_on_the_account_size(
    curve: tuple[np.ndarray, np.ndarray], scale: float
) -> None:
    _ts, equity = curve
    assert max_drawdown(equity * scale) == pytest.approx(max_drawdown(equity), abs=1e-12)


# calmar_ratio --------------------------------------------------------------


def test_calmar_is_annual_return_over_max_drawdown() -> None:
    ts = np.array([MONDAY, MONDAY + NS_PER_YEAR // 2, MONDAY + 2 * NS_PER_YEAR])
    equity = np.array([100.0, 75.0, 200.0])  # CAGR sqrt(2) - 1, drawdown 25 %
    assert calmar_ratio(ts, equity) == pytest.approx((math.sqrt(2) - 1) / 0.25)


def test_calmar_without_drawdown_is_infinite_or_nan() -> None:
    year = np.array([MONDAY, MONDAY + NS_PER_YEAR])
    assert calmar_ratio(year, np.array([100.0, 110.0])) == math.inf
    assert math.isnan(calmar_ratio(year, np.array([100.0, 100.0])))


def test_calmar_without_elapsed_time_is_nan() -> None:
    assert math.isnan(calmar_ratio(np.array([], dtype=np.int64), np.array([])))
    assert math.isnan(calmar_ratio(np.array([MONDAY]), np.array([100.0])))


@given(curve=equity_curves(min_size=2))
def test_calmar_is_always_the_ratio_of_its_parts(curve: tuple[np.ndarray, np.ndarray]) -> None:
    ts, equity = curve
    drawdown = max_drawdown(equity)
    growth = annual_return(ts, equity)
    assume(drawdown > 0 and math.isfinite(growth))
    assert calmar_ratio(ts, equity) == pytest.approx(growth / abs(drawdown))
