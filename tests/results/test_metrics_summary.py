"""`summary` composes the metric functions into one frozen `Metrics` and says how it annualised."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from tests.results.metrics_references import DAY, HOUR, MONDAY, equity_curves

from tickdeck.core import InputError
from tickdeck.results import (
    Metrics,
    annual_return,
    average_latency_ns,
    average_slippage_bps,
    calmar_ratio,
    limit_fill_rate,
    max_drawdown,
    max_drawdown_duration_ns,
    period_returns,
    profit_factor,
    sharpe_ratio,
    sortino_ratio,
    summary,
    time_in_market,
    total_return,
    turnover,
    win_rate,
)


def weekday_hours(days: int) -> np.ndarray:
    """Every hour of the weekdays among the first `days` days from a Monday."""
    ts = np.arange(MONDAY, MONDAY + days * DAY, HOUR, dtype=np.int64)
    return ts[(ts - MONDAY) // DAY % 7 < 5]


TS = weekday_hours(42)  # six weeks: 30 trading days
EQUITY = 100_000.0 * np.cumprod(1.0 + np.random.default_rng(7).normal(0.0, 0.002, TS.size))
RUN: dict[str, Any] = {
    "trade_net_pnl": np.array([120.0, -80.0, 45.5, 0.0]),
    "position_ts_ns": TS[[10, 50, 400]],
    "position": np.array([1.0, 0.0, -2.0]),
    "fill_notional": np.array([50_000.0, 50_000.0, 100_000.0]),
    "fill_side": np.array([1, -1, -1]),
    "fill_price": np.array([100.02, 99.97, 100.5]),
    "fill_reference_mid": np.array([100.0, 100.0, 100.49]),
    "limit_order_quantity": np.array([10.0, 10.0]),
    "limit_filled_quantity": np.array([10.0, 0.0]),
    "submit_ns": np.array([0, 100]),
    "response_ns": np.array([250, 400]),
}


def test_every_metric_is_the_function_of_the_same_name() -> None:
    m = summary(TS, EQUITY, risk_free_rate=0.02, **RUN)
    r = period_returns(TS, EQUITY)
    assert m.return_period_ns == DAY
    assert m.return_count == r.size == 30
    assert m.periods_per_year == 252.0
    assert m.risk_free_rate == 0.02
    assert m.total_return == total_return(EQUITY)
    assert m.annual_return == annual_return(TS, EQUITY)
    assert m.sharpe_ratio == sharpe_ratio(r, 252, risk_free_rate=0.02)
    assert m.sortino_ratio == sortino_ratio(r, 252, risk_free_rate=0.02)
    assert m.max_drawdown == max_drawdown(EQUITY)
    assert m.max_drawdown_duration_ns == max_drawdown_duration_ns(TS, EQUITY)
    assert m.calmar_ratio == calmar_ratio(TS, EQUITY)
    assert m.trade_count == 4
    assert m.win_rate == win_rate(RUN["trade_net_pnl"])
    assert m.profit_factor == profit_factor(RUN["trade_net_pnl"])
    assert m.time_in_market == time_in_market(
        RUN["position_ts_ns"], RUN["position"], start_ns=int(TS[0]), end_ns=int(TS[-1])
    )
    assert m.turnover == turnover(RUN["fill_notional"], TS, EQUITY)
    assert m.average_slippage_bps == average_slippage_bps(
        RUN["fill_side"],
        RUN["fill_price"],
        RUN["fill_reference_mid"],
        notional=RUN["fill_notional"],
    )
    assert m.limit_fill_rate == limit_fill_rate(
        RUN["limit_order_quantity"], RUN["limit_filled_quantity"]
    )
    assert m.average_latency_ns == average_latency_ns(RUN["submit_ns"], RUN["response_ns"])


def test_short_data_falls_back_to_hourly_returns_and_says_so() -> None:
    ts = weekday_hours(3)
    m = summary(ts, np.linspace(100.0, 103.0, ts.size))
    assert m.return_period_ns == HOUR
    assert m.periods_per_year == 252 * 24
    assert m.return_count == ts.size - 1


def test_an_explicit_period_and_year_are_used_as_given() -> None:
    m = summary(TS, EQUITY, period_ns=4 * HOUR, periods_per_year=1000.0)
    assert (m.return_period_ns, m.periods_per_year) == (4 * HOUR, 1000.0)
    r = period_returns(TS, EQUITY, period_ns=4 * HOUR)
    assert m.sharpe_ratio == sharpe_ratio(r, 1000.0)


def test_metrics_not_asked_for_are_none_and_undefined_ones_nan() -> None:
    m = summary(TS, EQUITY, trade_net_pnl=np.array([]))
    assert m.trade_count == 0
    assert m.win_rate is not None
    assert math.isnan(m.win_rate)
    assert m.time_in_market is None
    assert m.turnover is None
    assert m.average_slippage_bps is None
    assert m.limit_fill_rate is None
    assert m.average_latency_ns is None


def test_an_empty_run_is_legitimate() -> None:
    m = summary(np.array([], dtype=np.int64), np.array([]), **RUN)
    assert m.return_count == 0
    assert math.isnan(m.periods_per_year)
    assert math.isnan(m.sharpe_ratio)
    assert m.time_in_market is not None
    assert math.isnan(m.time_in_market)
    assert m.turnover is not None
    assert math.isnan(m.turnover)
    assert (m.max_drawdown, m.max_drawdown_duration_ns) == (0.0, 0)


def test_a_partial_group_of_columns_names_the_missing_one() -> None:
    with pytest.raises(InputError) as error:
        summary(TS, EQUITY, fill_side=RUN["fill_side"], fill_price=RUN["fill_price"])
    assert error.value.field == "fill_reference_mid"


def test_metrics_are_an_immutable_value_with_plain_field_names() -> None:
    m = summary(TS, EQUITY)
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.sharpe_ratio = 3.0  # type: ignore[misc]
    as_dict = m.to_dict()
    assert list(as_dict) == [f.name for f in dataclasses.fields(Metrics)]
    assert all(name.isidentifier() and name.islower() for name in as_dict)
    assert as_dict["max_drawdown_duration_ns"] == m.max_drawdown_duration_ns
    assert m == summary(TS, EQUITY)


def test_units_are_in_the_names_of_fields_that_have_one() -> None:
    names = {f.name for f in dataclasses.fields(Metrics)}
    assert {"max_drawdown_duration_ns", "average_latency_ns", "average_slippage_bps"} <= names
    assert "return_period_ns" in names


@given(curve=equity_curves())
def test_summary_of_any_valid_curve_is_consistent(curve: tuple[np.ndarray, np.ndarray]) -> None:
    ts, equity = curve
    m = summary(ts, equity)
    assert 0.0 <= m.max_drawdown < 1.0
    assert m.return_count == period_returns(ts, equity, period_ns=m.return_period_ns).size
    if m.return_count >= 2 and m.annual_volatility > 0:
        assert m.annual_volatility == pytest.approx(
            np.std(period_returns(ts, equity, period_ns=m.return_period_ns), ddof=1)
            * math.sqrt(m.periods_per_year)
        )
