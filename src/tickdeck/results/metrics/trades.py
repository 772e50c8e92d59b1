"""Trade statistics over round trips: count, win rate, profit factor, expectancy, wins, losses.

Every function takes ``net_pnl``: the profit or loss of each round-trip trade
in the account currency, **fees deducted** (``gross_pnl - fees`` of the
portfolio's round trips). Below, ``pnl`` stands for it. A trade with
``pnl > 0`` is a win, ``pnl < 0`` a loss; a trade at exactly 0 is neither but
still counts as a trade. None of these is
annualised.

No trades is legitimate data: the count is 0 and the ratios and averages are
NaN.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from tickdeck.results.metrics._inputs import values

__all__ = [
    "average_loss",
    "average_win",
    "expectancy",
    "profit_factor",
    "trade_count",
    "win_rate",
]


def trade_count(net_pnl: npt.ArrayLike) -> int:
    """Number of round-trip trades: ``len(pnl)``; 0 without trades."""
    return int(values("net_pnl", net_pnl).size)


def win_rate(net_pnl: npt.ArrayLike) -> float:
    """Share of trades that made money: ``count(pnl > 0) / count(pnl)``.

    A fraction in [0, 1]; break-even trades count in the denominator only.
    NaN without trades.
    """
    p = values("net_pnl", net_pnl)
    if p.size == 0:
        return math.nan
    return int(np.count_nonzero(p > 0)) / p.size


def profit_factor(net_pnl: npt.ArrayLike) -> float:
    """Gross profit over gross loss: ``sum(pnl[pnl > 0]) / -sum(pnl[pnl < 0])``.

    Above 1 for a profitable set of trades. +inf when there are wins and no
    losses; 0.0 when there are losses and no wins; NaN when there is neither
    (no trades, or only break-even ones).
    """
    p = values("net_pnl", net_pnl)
    profit = float(p[p > 0].sum())
    loss = -float(p[p < 0].sum())
    if loss == 0:
        return math.inf if profit > 0 else math.nan
    return profit / loss


def expectancy(net_pnl: npt.ArrayLike) -> float:
    """Average net PnL per trade, in the account currency: ``mean(pnl)``.

    Equal to ``win_rate * average_win + loss_rate * average_loss`` (with
    `average_loss` negative and terms of an empty class taken as 0). NaN
    without trades.
    """
    p = values("net_pnl", net_pnl)
    if p.size == 0:
        return math.nan
    return float(np.mean(p))


def average_win(net_pnl: npt.ArrayLike) -> float:
    """Mean PnL of winning trades, in the account currency: ``mean(pnl[pnl > 0])``.

    Positive; NaN when no trade won.
    """
    p = values("net_pnl", net_pnl)
    wins = p[p > 0]
    if wins.size == 0:
        return math.nan
    return float(np.mean(wins))


def average_loss(net_pnl: npt.ArrayLike) -> float:
    """Mean PnL of losing trades, in the account currency: ``mean(pnl[pnl < 0])``.

    Sign convention: **negative** (a loss of 5 per trade is -5.0), so that
    ``average_win / -average_loss`` is the payoff ratio. NaN when no trade lost.
    """
    p = values("net_pnl", net_pnl)
    losses = p[p < 0]
    if losses.size == 0:
        return math.nan
    return float(np.mean(losses))
