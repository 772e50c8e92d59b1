"""Metrics as pure functions of arrays, each documenting its formula and annualisation.

Inputs are plain numpy arrays: int64 ns UTC timestamps and float64 values.
Annualisation (regular period returns from an irregular equity curve, and
periods per year from the data's calendar) is described in
`tickdeck.results.metrics.annualisation`; every formula, unit and edge-case
value is listed in ``docs/metrics.md``. `summary` computes them all into a
frozen `Metrics` value.
"""

from tickdeck.results.metrics.annualisation import (
    CALENDAR_DAYS_PER_YEAR,
    FALLBACK_PERIODS_NS,
    MIN_RETURN_PERIODS,
    NS_PER_DAY,
    NS_PER_YEAR,
    TRADING_DAYS_PER_YEAR,
    choose_return_period,
    infer_periods_per_year,
    per_period_rate,
    period_returns,
)
from tickdeck.results.metrics.drawdown import (
    calmar_ratio,
    max_drawdown,
    max_drawdown_duration_ns,
)
from tickdeck.results.metrics.execution import (
    average_latency_ns,
    average_slippage_bps,
    limit_fill_rate,
)
from tickdeck.results.metrics.exposure import time_in_market, turnover
from tickdeck.results.metrics.returns import (
    annual_return,
    annual_volatility,
    sharpe_ratio,
    sortino_ratio,
    total_return,
)
from tickdeck.results.metrics.summary import Metrics, summary
from tickdeck.results.metrics.trades import (
    average_loss,
    average_win,
    expectancy,
    profit_factor,
    trade_count,
    win_rate,
)

__all__ = [
    "CALENDAR_DAYS_PER_YEAR",
    "FALLBACK_PERIODS_NS",
    "MIN_RETURN_PERIODS",
    "NS_PER_DAY",
    "NS_PER_YEAR",
    "TRADING_DAYS_PER_YEAR",
    "Metrics",
    "annual_return",
    "annual_volatility",
    "average_latency_ns",
    "average_loss",
    "average_slippage_bps",
    "average_win",
    "calmar_ratio",
    "choose_return_period",
    "expectancy",
    "infer_periods_per_year",
    "limit_fill_rate",
    "max_drawdown",
    "max_drawdown_duration_ns",
    "per_period_rate",
    "period_returns",
    "profit_factor",
    "sharpe_ratio",
    "sortino_ratio",
    "summary",
    "time_in_market",
    "total_return",
    "trade_count",
    "turnover",
    "win_rate",
]
