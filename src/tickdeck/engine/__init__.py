"""The engine: runs a strategy against the simulated exchange and the portfolio."""

from tickdeck.engine.backtest import BacktestConfig, run_backtest

__all__ = ["BacktestConfig", "run_backtest"]
