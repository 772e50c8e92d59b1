"""tickdeck: backtest trading strategies on tick data."""

__version__ = "0.1.0"
