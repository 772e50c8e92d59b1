"""Trade statistics over net round-trip PnL: count, win rate, profit factor, averages."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from tests.results.metrics_references import pnl_series

from tickdeck.results import (
    average_loss,
    average_win,
    expectancy,
    profit_factor,
    trade_count,
    win_rate,
)

#: Three wins (60 in all), two losses (-40 in all), one break-even trade.
PNL = np.array([10.0, -15.0, 20.0, 0.0, 30.0, -25.0])


def test_hand_computed_trade_statistics() -> None:
    assert trade_count(PNL) == 6
    assert win_rate(PNL) == pytest.approx(3 / 6)  # the break-even trade is not a win
    assert profit_factor(PNL) == pytest.approx(60 / 40)
    assert expectancy(PNL) == pytest.approx(20 / 6)
    assert average_win(PNL) == pytest.approx(20.0)
    assert average_loss(PNL) == pytest.approx(-20.0)  # losses are negative


def test_no_trades_give_a_zero_count_and_nan_statistics() -> None:
    none = np.array([])
    assert trade_count(none) == 0
    for statistic in (win_rate, profit_factor, expectancy, average_win, average_loss):
        assert math.isnan(statistic(none)), statistic.__name__


def test_only_winners() -> None:
    wins = np.array([1.0, 2.0])
    assert win_rate(wins) == 1.0
    assert profit_factor(wins) == math.inf
    assert math.isnan(average_loss(wins))


def test_only_losers() -> None:
    losses = np.array([-1.0, -3.0])
    assert win_rate(losses) == 0.0
    assert profit_factor(losses) == 0.0
    assert average_loss(losses) == -2.0
    assert math.isnan(average_win(losses))


def test_only_break_even_trades_have_no_profit_factor() -> None:
    assert math.isnan(profit_factor(np.zeros(3)))
    assert win_rate(np.zeros(3)) == 0.0


@given(pnl=pnl_series())
def test_trade_statistics_match_plain_python(pnl: np.ndarray) -> None:
    values = pnl.tolist()
    wins = [p for p in values if p > 0]
    losses = [p for p in values if p < 0]
    assert trade_count(pnl) == len(values)
    if values:
        assert win_rate(pnl) == len(wins) / len(values)
        assert expectancy(pnl) == pytest.approx(sum(values) / len(values), abs=1e-9)
    if wins:
        assert average_win(pnl) == pytest.approx(sum(wins) / len(wins))
    if losses:
        assert average_loss(pnl) == pytest.approx(sum(losses) / len(losses))
        assert profit_factor(pnl) == pytest.approx(sum(wins) / -sum(losses))


@given(pnl=pnl_series())
def test_expectancy_is_the_win_and_loss_averages_weighted_by_their_rates(
    pnl: np.ndarray,
) -> None:
    if pnl.size == 0:
        return
    win_part = np.mean(pnl > 0) * (average_win(pnl) if np.any(pnl > 0) else 0.0)
    loss_part = np.mean(pnl < 0) * (average_loss(pnl) if np.any(pnl < 0) else 0.0)
    assert expectancy(pnl) == pytest.approx(win_part + loss_part, abs=1e-9)
