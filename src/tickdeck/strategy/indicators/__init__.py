"""Technical indicators, each with two faces that give identical numbers.

- An incremental object for strategies: ``update(...)`` takes the newest
  value(s) and returns the indicator (NaN during warm-up) in constant
  amortized time and O(window) memory; it also exposes ``value``, ``ready``
  and ``reset()``.
- An array function for research and vectorised signals: the same indicator
  after every element of a numpy array, computed by a compiled kernel.

The two faces agree bit for bit on the same inputs. Indicators reject NaN and
infinite inputs with `tickdeck.core.InputError` (the crossover helpers accept
NaN). Formulas, warm-up lengths and conventions are in each module's
docstring and in ``docs/indicators.md``.
"""

from tickdeck.strategy.indicators.crossovers import (
    Cross,
    Crossing,
    crossed_above,
    crossed_below,
    crossings,
)
from tickdeck.strategy.indicators.extremes import RollingMax, RollingMin, rolling_max, rolling_min
from tickdeck.strategy.indicators.moving_averages import EMA, SMA, WMA, ema, sma, wma
from tickdeck.strategy.indicators.oscillators import MACD, RSI, MACDArrays, MACDValue, macd, rsi
from tickdeck.strategy.indicators.volatility import (
    ATR,
    BandsArrays,
    BandsValue,
    BollingerBands,
    RollingStd,
    ZScore,
    atr,
    bollinger_bands,
    rolling_std,
    zscore,
)
from tickdeck.strategy.indicators.volume import VWAP, vwap

__all__ = [
    "ATR",
    "EMA",
    "MACD",
    "RSI",
    "SMA",
    "VWAP",
    "WMA",
    "BandsArrays",
    "BandsValue",
    "BollingerBands",
    "Cross",
    "Crossing",
    "MACDArrays",
    "MACDValue",
    "RollingMax",
    "RollingMin",
    "RollingStd",
    "ZScore",
    "atr",
    "bollinger_bands",
    "crossed_above",
    "crossed_below",
    "crossings",
    "ema",
    "macd",
    "rolling_max",
    "rolling_min",
    "rolling_std",
    "rsi",
    "sma",
    "vwap",
    "wma",
    "zscore",
]
