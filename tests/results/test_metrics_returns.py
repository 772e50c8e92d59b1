"""Total and annual return, annual volatility, Sharpe and Sortino: formulas, references, limits."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from tests.results.metrics_references import DAY, MONDAY, S, reference_sortino, return_series

from tickdeck.results import (
    annual_return,
    annual_volatility,
    per_period_rate,
    sharpe_ratio,
    sortino_ratio,
    total_return,
)
from tickdeck.results.metrics import NS_PER_YEAR

#: Mean 0.005, sample variance 0.0005 / 3, one return below zero.
RETURNS = np.array([0.01, -0.01, 0.02, 0.0])
PERIODS = st.sampled_from([12.0, 52.0, 252.0, 365.0, 8760.0])
# Realistic yearly rates: for tiny ones the references' (1 + rate) ** (1 / P) - 1 loses digits.
RATES = st.sampled_from([0.0, 0.005, 0.02, 0.05, 0.1])


# total_return and annual_return --------------------------------------------


def test_total_return_compares_the_last_value_with_the_first() -> None:
    assert total_return(np.array([100.0, 120.0, 90.0, 110.0])) == pytest.approx(0.1)
    assert total_return(np.array([100.0, -50.0])) == -1.5  # more than everything lost


def test_total_return_of_no_curve_is_nan_and_of_one_point_zero() -> None:
    assert math.isnan(total_return(np.array([])))
    assert total_return(np.array([100.0])) == 0.0


def test_annual_return_compounds_over_calendar_years() -> None:
    two_years = np.array([MONDAY, MONDAY + 2 * NS_PER_YEAR])
    assert annual_return(two_years, np.array([100.0, 200.0])) == pytest.approx(math.sqrt(2) - 1)
    half_year = np.array([MONDAY, MONDAY + NS_PER_YEAR // 2])
    assert annual_return(half_year, np.array([100.0, 110.0])) == pytest.approx(0.21)


def test_annual_return_ignores_the_path_between_the_ends() -> None:
    ts = np.array([MONDAY, MONDAY + DAY, MONDAY + NS_PER_YEAR])
    assert annual_return(ts, np.array([100.0, 50.0, 110.0])) == pytest.approx(0.1)


@pytest.mark.parametrize(
    ("ts", "equity"),
    [([], []), ([MONDAY], [100.0]), ([MONDAY, MONDAY], [100.0, 110.0])],
    ids=["empty", "one point", "no elapsed time"],
)
def test_annual_return_without_elapsed_time_is_nan(ts: list[int], equity: list[float]) -> None:
    assert math.isnan(annual_return(np.array(ts, dtype=np.int64), np.array(equity)))


def test_annual_return_of_a_ruined_account_is_minus_one() -> None:
    ts = np.array([MONDAY, MONDAY + DAY])
    assert annual_return(ts, np.array([100.0, 0.0])) == -1.0
    assert annual_return(ts, np.array([100.0, -5.0])) == -1.0


def test_annual_return_that_overflows_is_infinite() -> None:
    one_second = np.array([MONDAY, MONDAY + S])
    assert annual_return(one_second, np.array([100.0, 101.0])) == math.inf


# annual_volatility ---------------------------------------------------------


def test_volatility_is_the_sample_deviation_scaled_by_root_periods() -> None:
    assert annual_volatility(RETURNS, 252) == pytest.approx(math.sqrt(0.0005 / 3 * 252))


@given(returns=return_series(min_size=2), periods=PERIODS)
def test_volatility_matches_pandas(returns: np.ndarray, periods: float) -> None:
    expected = pd.Series(returns).std(ddof=1) * math.sqrt(periods)
    assert annual_volatility(returns, periods) == pytest.approx(expected, rel=1e-9, abs=1e-15)


# sharpe_ratio --------------------------------------------------------------


def test_sharpe_is_mean_over_deviation_scaled_by_root_periods() -> None:
    assert sharpe_ratio(RETURNS, 252) == pytest.approx(math.sqrt(37.8))


def test_sharpe_subtracts_the_risk_free_rate_per_period() -> None:
    daily = per_period_rate(0.03, 252)
    expected = (0.005 - daily) / math.sqrt(0.0005 / 3) * math.sqrt(252)
    assert sharpe_ratio(RETURNS, 252, risk_free_rate=0.03) == pytest.approx(expected)


@given(returns=return_series(min_size=2), periods=PERIODS, rate=RATES)
def test_sharpe_matches_pandas(returns: np.ndarray, periods: float, rate: float) -> None:
    series = pd.Series(returns)
    assume(series.std() > 1e-9)
    excess = series - ((1 + rate) ** (1 / periods) - 1)
    expected = excess.mean() / series.std() * math.sqrt(periods)
    actual = sharpe_ratio(returns, periods, risk_free_rate=rate)
    assert actual == pytest.approx(expected, rel=1e-9, abs=1e-9)


@given(returns=return_series(min_size=2), periods=PERIODS, factor=st.sampled_from([4.0, 9.0]))
def test_sharpe_and_volatility_scale_with_root_periods(
    returns: np.ndarray, periods: float, factor: float
) -> None:
    assume(np.std(returns) > 1e-9)
    scale = math.sqrt(factor)
    assert sharpe_ratio(returns, periods * factor) == pytest.approx(
        sharpe_ratio(returns, periods) * scale, rel=1e-12
    )
    assert annual_volatility(returns, periods * factor) == pytest.approx(
        annual_volatility(returns, periods) * scale, rel=1e-12
    )


@pytest.mark.parametrize(
    ("value", "expected"), [(0.001, math.inf), (-0.001, -math.inf), (0.1, math.inf)]
)
def test_sharpe_of_constant_returns_is_infinite_by_sign(value: float, expected: float) -> None:
    assert sharpe_ratio(np.full(37, value), 252) == expected


def test_sharpe_of_constant_returns_on_the_risk_free_rate_is_nan() -> None:
    assert math.isnan(sharpe_ratio(np.zeros(10), 252))
    assert sharpe_ratio(np.zeros(10), 252, risk_free_rate=0.05) == -math.inf


# sortino_ratio -------------------------------------------------------------


def test_sortino_divides_by_the_downside_deviation_over_all_periods() -> None:
    # Only -0.01 is below 0: DD = sqrt(0.01**2 / 4) = 0.005, the mean return.
    assert sortino_ratio(RETURNS, 252) == pytest.approx(math.sqrt(252))


@given(returns=return_series(min_size=2), periods=PERIODS, rate=RATES)
def test_sortino_matches_a_plain_loop(returns: np.ndarray, periods: float, rate: float) -> None:
    rf = (1 + rate) ** (1 / periods) - 1
    assume(np.any(returns < rf))
    expected = reference_sortino(returns, periods, rf)
    actual = sortino_ratio(returns, periods, risk_free_rate=rate)
    assert actual == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_sortino_without_losing_periods_is_infinite_or_nan() -> None:
    assert sortino_ratio(np.array([0.0, 0.01, 0.02]), 252) == math.inf
    assert math.isnan(sortino_ratio(np.zeros(5), 252))


@pytest.mark.parametrize("ratio", [sharpe_ratio, sortino_ratio])
def test_tiny_returns_do_not_underflow_into_a_zero_deviation(ratio: object) -> None:
    tiny = ratio(np.array([0.0, -3e-300, 1e-300]), 252)  # type: ignore[operator]
    assert tiny == pytest.approx(ratio(np.array([0.0, -3.0, 1.0]), 252))  # type: ignore[operator]


# shared edges --------------------------------------------------------------

STATISTICS = [annual_volatility, sharpe_ratio, sortino_ratio]


@pytest.mark.parametrize("statistic", STATISTICS)
@pytest.mark.parametrize("returns", [[], [0.01]], ids=["none", "one"])
def test_fewer_than_two_returns_give_nan(statistic: object, returns: list[float]) -> None:
    assert math.isnan(statistic(np.array(returns), 252))  # type: ignore[operator]


@pytest.mark.parametrize("statistic", STATISTICS)
def test_a_nan_return_after_ruin_gives_nan(statistic: object) -> None:
    assert math.isnan(statistic(np.array([0.01, -1.0, np.nan]), 252))  # type: ignore[operator]
