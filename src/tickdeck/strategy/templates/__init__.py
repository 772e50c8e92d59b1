"""Ready-made strategies: documented starting points that run unchanged in every mode.

Each template is a plain `Strategy` subclass with declared parameters and a
class docstring that states its rule exactly (what it reacts to, entry, exit,
sizing); docs/templates.md describes what to expect of each. `TEMPLATES` maps
a stable name (for the CLI, the JSON spec and the web form) to the class; it
is written out here, not filled in by imports.
"""

from tickdeck.strategy.base import Strategy
from tickdeck.strategy.templates.bollinger_breakout import BollingerBreakout
from tickdeck.strategy.templates.market_maker import MarketMaker
from tickdeck.strategy.templates.momentum import TimeSeriesMomentum
from tickdeck.strategy.templates.pairs import PairsTrading
from tickdeck.strategy.templates.rsi_mean_reversion import RSIMeanReversion
from tickdeck.strategy.templates.sma_crossover import SMACrossover

__all__ = [
    "TEMPLATES",
    "BollingerBreakout",
    "MarketMaker",
    "PairsTrading",
    "RSIMeanReversion",
    "SMACrossover",
    "TimeSeriesMomentum",
]

TEMPLATES: dict[str, type[Strategy]] = {
    "sma_crossover": SMACrossover,
    "rsi_mean_reversion": RSIMeanReversion,
    "bollinger_breakout": BollingerBreakout,
    "time_series_momentum": TimeSeriesMomentum,
    "pairs_trading": PairsTrading,
    "market_maker": MarketMaker,
}
