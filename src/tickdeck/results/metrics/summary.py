"""Every metric of a run at once, as one immutable value.

`summary` validates the columns it is given, computes each metric with the
pure function of the same name, and returns a frozen `Metrics`. It also
records how the return metrics were annualised (the return period actually
used, the number of returns and the periods per year), so a reader can tell
when short data made it fall back to a finer period.

Inputs other than the equity curve are optional, by group: a metric whose
columns were not given is None in the result (not computed), which is not
the same as NaN (computed, but undefined for this data, such as the win rate
of zero trades).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy.typing as npt

from tickdeck.core.errors import InputError
from tickdeck.results.metrics import drawdown, execution, exposure, returns, trades
from tickdeck.results.metrics._inputs import equity_curve, integer_scalar, positive_scalar
from tickdeck.results.metrics.annualisation import (
    choose_return_period,
    infer_periods_per_year,
    per_period_rate,
    period_returns,
)

__all__ = ["Metrics", "summary"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Metrics:
    """The metrics of one run. Each field is documented by the function of the same name.

    Fractions are plain fractions (0.1 is 10 %), money is in the account
    currency, times carry their unit in the name. None means the inputs for
    that metric were not given to `summary`.
    """

    total_return: float
    annual_return: float
    annual_volatility: float
    sharpe_ratio: float
    sortino_ratio: float
    max_drawdown: float
    max_drawdown_duration_ns: int
    calmar_ratio: float
    #: The period of the returns behind volatility, Sharpe and Sortino, in ns.
    return_period_ns: int
    #: How many period returns there were.
    return_count: int
    #: ``P``, the return periods per year used to annualise (NaN for empty data).
    periods_per_year: float
    #: The yearly risk-free rate used by Sharpe and Sortino, as a fraction.
    risk_free_rate: float
    trade_count: int | None
    win_rate: float | None
    profit_factor: float | None
    expectancy: float | None
    average_win: float | None
    average_loss: float | None
    time_in_market: float | None
    turnover: float | None
    limit_fill_rate: float | None
    average_slippage_bps: float | None
    average_latency_ns: float | None

    def to_dict(self) -> dict[str, float | int | None]:
        """The fields by name, in declaration order; values as they are (NaN and inf included)."""
        return {field.name: getattr(self, field.name) for field in fields(self)}


def summary(
    ts_ns: npt.ArrayLike,
    equity: npt.ArrayLike,
    *,
    period_ns: int | None = None,
    origin_ns: int = 0,
    periods_per_year: float | None = None,
    risk_free_rate: float = 0.0,
    trade_net_pnl: npt.ArrayLike | None = None,
    position_ts_ns: npt.ArrayLike | None = None,
    position: npt.ArrayLike | None = None,
    fill_notional: npt.ArrayLike | None = None,
    fill_side: npt.ArrayLike | None = None,
    fill_price: npt.ArrayLike | None = None,
    fill_reference_mid: npt.ArrayLike | None = None,
    limit_order_quantity: npt.ArrayLike | None = None,
    limit_filled_quantity: npt.ArrayLike | None = None,
    submit_ns: npt.ArrayLike | None = None,
    response_ns: npt.ArrayLike | None = None,
) -> Metrics:
    """Compute every metric of a run from its columns.

    Annualisation: returns are taken over `period_ns` (see
    `period_returns`). When `period_ns` is None, the period is one day, or a
    finer one if the data holds fewer than 20 daily returns
    (`choose_return_period`). `periods_per_year`, when None, is inferred from
    the data's calendar (`infer_periods_per_year`). Both choices are recorded
    in the result.

    Args:
        ts_ns: The equity curve's times, int64 ns UTC, non-decreasing.
        equity: Its values in the account currency (finite; the first positive).
        period_ns: The return period in ns, or None to choose one.
        origin_ns: A period boundary in ns UTC (0: periods close at 00:00 UTC).
        periods_per_year: ``P``, or None to infer it.
        risk_free_rate: Yearly risk-free rate as a fraction, for Sharpe and Sortino.
        trade_net_pnl: PnL of each round-trip trade, fees deducted; gives
            the trade metrics.
        position_ts_ns: Times of position changes; with `position`, gives
            time in market over the equity curve's span.
        position: The position after each change (non-zero is in the market).
        fill_notional: Notional of each fill; gives turnover, and weights
            the slippage average when the slippage columns are given too.
        fill_side: +1/-1 per fill; with `fill_price` and
            `fill_reference_mid`, gives the average slippage.
        fill_price: Price of each fill.
        fill_reference_mid: Mid each fill is measured against.
        limit_order_quantity: Quantity of each limit order; with
            `limit_filled_quantity`, gives the limit fill rate.
        limit_filled_quantity: Quantity filled of each limit order.
        submit_ns: Send time of each order; with `response_ns`, gives the
            average latency.
        response_ns: Time of each order's response (acknowledgement or fill).

    Returns:
        The `Metrics` value.
    """
    ts, eq = equity_curve(ts_ns, equity)
    origin = integer_scalar("origin_ns", origin_ns)
    per_period_rate(risk_free_rate, 1.0)  # validates the rate, by name, before any use
    rate = float(risk_free_rate)
    if period_ns is None:
        period = choose_return_period(ts, origin_ns=origin)
    else:
        period = integer_scalar("period_ns", period_ns, minimum=1)
    if periods_per_year is None:
        periods = infer_periods_per_year(ts, period_ns=period, origin_ns=origin)
    else:
        periods = positive_scalar("periods_per_year", periods_per_year)
    r = period_returns(ts, eq, period_ns=period, origin_ns=origin)
    if math.isnan(periods):  # empty data: nothing to annualise
        volatility = sharpe = sortino = math.nan
    else:
        volatility = returns.annual_volatility(r, periods)
        sharpe = returns.sharpe_ratio(r, periods, risk_free_rate=rate)
        sortino = returns.sortino_ratio(r, periods, risk_free_rate=rate)

    positions = _group(position_ts_ns=position_ts_ns, position=position)
    slippage = _group(
        fill_side=fill_side, fill_price=fill_price, fill_reference_mid=fill_reference_mid
    )
    limits = _group(
        limit_order_quantity=limit_order_quantity, limit_filled_quantity=limit_filled_quantity
    )
    latency = _group(submit_ns=submit_ns, response_ns=response_ns)
    in_market: float | None = None
    if positions is not None:
        changes_ns, held = positions
        in_market = (
            exposure.time_in_market(changes_ns, held, start_ns=int(ts[0]), end_ns=int(ts[-1]))
            if ts.size
            else math.nan
        )
    pnl = trade_net_pnl
    return Metrics(
        total_return=returns.total_return(eq),
        annual_return=returns.annual_return(ts, eq),
        annual_volatility=volatility,
        sharpe_ratio=sharpe,
        sortino_ratio=sortino,
        max_drawdown=drawdown.max_drawdown(eq),
        max_drawdown_duration_ns=drawdown.max_drawdown_duration_ns(ts, eq),
        calmar_ratio=drawdown.calmar_ratio(ts, eq),
        return_period_ns=period,
        return_count=int(r.size),
        periods_per_year=periods,
        risk_free_rate=rate,
        trade_count=None if pnl is None else trades.trade_count(pnl),
        win_rate=None if pnl is None else trades.win_rate(pnl),
        profit_factor=None if pnl is None else trades.profit_factor(pnl),
        expectancy=None if pnl is None else trades.expectancy(pnl),
        average_win=None if pnl is None else trades.average_win(pnl),
        average_loss=None if pnl is None else trades.average_loss(pnl),
        time_in_market=in_market,
        turnover=None if fill_notional is None else exposure.turnover(fill_notional, ts, eq),
        limit_fill_rate=None if limits is None else execution.limit_fill_rate(*limits),
        average_slippage_bps=(
            None
            if slippage is None
            else execution.average_slippage_bps(*slippage, notional=fill_notional)
        ),
        average_latency_ns=None if latency is None else execution.average_latency_ns(*latency),
    )


def _group(**columns: npt.ArrayLike | None) -> tuple[npt.ArrayLike, ...] | None:
    """The columns of a group in order if all are given, None if none is; else name the missing."""
    given = [column for column in columns.values() if column is not None]
    if len(given) == len(columns):
        return tuple(given)
    if not given:
        return None
    missing = next(name for name, column in columns.items() if column is None)
    present = ", ".join(name for name, column in columns.items() if column is not None)
    raise InputError(
        missing,
        None,
        f"an array, since {present} was given",
        hint=f"pass {', '.join(columns)} together, or none of them",
    )
