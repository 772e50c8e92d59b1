"""Invalid inputs raise InputError naming the argument; legitimate empty data never raises."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

from tickdeck.core import InputError
from tickdeck.results import (
    annual_return,
    annual_volatility,
    average_latency_ns,
    choose_return_period,
    infer_periods_per_year,
    max_drawdown,
    max_drawdown_duration_ns,
    period_returns,
    sharpe_ratio,
    summary,
    time_in_market,
    total_return,
    turnover,
    win_rate,
)

TS = np.array([0, 10, 20], dtype=np.int64)
EQUITY = np.array([100.0, 101.0, 99.0])

CASES: list[tuple[str, Callable[[], object], str]] = [
    ("lengths differ", lambda: annual_return(TS, EQUITY[:2]), "equity"),
    ("times go backwards", lambda: max_drawdown_duration_ns(TS[::-1], EQUITY), "ts_ns"),
    ("float times", lambda: period_returns(TS.astype(float), EQUITY), "ts_ns"),
    ("NaN equity", lambda: max_drawdown(np.array([100.0, np.nan])), "equity"),
    ("infinite equity", lambda: total_return(np.array([100.0, np.inf])), "equity"),
    ("zero starting equity", lambda: total_return(np.array([0.0, 1.0])), "equity"),
    ("text equity", lambda: total_return(np.array(["100"])), "equity"),
    ("2-D equity", lambda: max_drawdown(np.ones((2, 2))), "equity"),
    ("infinite return", lambda: annual_volatility(np.array([0.1, np.inf]), 252), "returns"),
    ("zero periods", lambda: sharpe_ratio(np.array([0.1, 0.2]), 0), "periods_per_year"),
    ("NaN periods", lambda: sharpe_ratio(np.array([0.1, 0.2]), math.nan), "periods_per_year"),
    ("bool periods", lambda: annual_volatility(np.array([0.1, 0.2]), True), "periods_per_year"),
    ("NaN pnl", lambda: win_rate(np.array([1.0, np.nan])), "net_pnl"),
    ("zero period", lambda: period_returns(TS, EQUITY, period_ns=0), "period_ns"),
    ("float period", lambda: choose_return_period(TS, period_ns=1.5), "period_ns"),  # type: ignore[arg-type]
    ("float origin", lambda: infer_periods_per_year(TS, origin_ns=0.5), "origin_ns"),  # type: ignore[arg-type]
    (
        "position lengths differ",
        lambda: time_in_market(TS, np.ones(2), start_ns=0, end_ns=30),
        "position",
    ),
    ("notional infinite", lambda: turnover(np.array([np.inf]), TS, EQUITY), "traded_notional"),
    ("latency lengths differ", lambda: average_latency_ns(TS, TS[:1]), "response_ns"),
    ("summary rate", lambda: summary(TS, EQUITY, risk_free_rate=-2.0), "risk_free_rate"),
    ("summary periods", lambda: summary(TS, EQUITY, periods_per_year=-1.0), "periods_per_year"),
]


@pytest.mark.parametrize(("call", "field"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_an_invalid_argument_is_named(call: Callable[[], object], field: str) -> None:
    with pytest.raises(InputError) as error:
        call()
    assert error.value.field == field


def test_the_message_says_where_the_data_is_wrong() -> None:
    with pytest.raises(InputError, match=r"ts_ns\[2\] = 5 before ts_ns\[1\] = 10"):
        annual_return(np.array([0, 10, 5]), EQUITY)


def test_lists_and_any_integer_timestamps_are_accepted() -> None:
    assert annual_return([0, 10], [100.0, 100.0]) == 0.0
    assert max_drawdown_duration_ns(TS.astype(np.uint32), EQUITY) == 10


def test_empty_lists_are_legitimate_data() -> None:
    assert math.isnan(total_return([]))
    assert period_returns([], []).size == 0
    assert math.isnan(win_rate([]))
