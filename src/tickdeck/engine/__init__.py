"""The engine: runs a strategy against the simulated exchange and the portfolio."""

from tickdeck.engine.backtest import BacktestConfig, run_backtest
from tickdeck.engine.closed_loop import ClosedLoopConfig, run_closed_loop
from tickdeck.engine.loading import load_strategy

__all__ = [
    "BacktestConfig",
    "ClosedLoopConfig",
    "load_strategy",
    "run_backtest",
    "run_closed_loop",
]
