"""Accounting: positions, cash, FIFO PnL, fees, exposures and the equity curve.

`Portfolio` books fills and marks and answers the questions a strategy asks
(position, average cost, cash, equity, PnL); `ClosedLot` records are the raw
material of the trade log; `EquityRecorder` samples the totals into arrays.
The accounting rules are stated in `tickdeck.portfolio.account` and in
docs/portfolio.md.
"""

from tickdeck.portfolio.account import FillEffect, FxRate, Portfolio
from tickdeck.portfolio.equity import EquityCurve, EquityRecorder
from tickdeck.portfolio.lots import ClosedLot, LotBook

__all__ = [
    "ClosedLot",
    "EquityCurve",
    "EquityRecorder",
    "FillEffect",
    "FxRate",
    "LotBook",
    "Portfolio",
]
