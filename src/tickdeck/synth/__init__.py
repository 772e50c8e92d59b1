"""Synthetic market data that follows the same path through the system as real data.

- `ticks_from_bars`: trades, quotes and book snapshots inside OHLCV bars that
  resample back to exactly those bars;
- `simulate_market`: stochastic markets without input data (GBM, GARCH,
  jumps, regimes, block trades, correlated instruments);
- `stylized_facts`: the statistical fingerprints of real markets, measured on
  any ticks, to compare synthetic with real data;
- `write_to_catalog`, `synthetic_instrument`: store generated data under an
  instrument that marks it as synthetic.

See docs/synth.md.
"""

from tickdeck.synth.bars import (
    BLOCK_BARS,
    BLOCK_TRADES,
    BarsBlock,
    iter_ticks_from_bars,
    low_first,
    ticks_from_bars,
)
from tickdeck.synth.config import (
    BarsConfig,
    ExtremeOrder,
    HawkesArrivals,
    Microstructure,
    PoissonArrivals,
    Session,
    SpreadModel,
    UShape,
)
from tickdeck.synth.facts import StylizedFacts, autocorrelation, stylized_facts
from tickdeck.synth.market import MarketBlock, SyntheticMarket, iter_market, simulate_market
from tickdeck.synth.models import (
    BlockTrades,
    GarchVolatility,
    Jumps,
    MarketModel,
    Regime,
    RegimeSwitching,
)
from tickdeck.synth.ticks import (
    SYNTHETIC_VENUE_SUFFIX,
    SyntheticTicks,
    is_synthetic,
    synthetic_instrument,
    write_to_catalog,
)

# Agent-based order book (tickdeck.synth.abm): exports to be wired here by the lead.

__all__ = [
    "BLOCK_BARS",
    "BLOCK_TRADES",
    "SYNTHETIC_VENUE_SUFFIX",
    "BarsBlock",
    "BarsConfig",
    "BlockTrades",
    "ExtremeOrder",
    "GarchVolatility",
    "HawkesArrivals",
    "Jumps",
    "MarketBlock",
    "MarketModel",
    "Microstructure",
    "PoissonArrivals",
    "Regime",
    "RegimeSwitching",
    "Session",
    "SpreadModel",
    "StylizedFacts",
    "SyntheticMarket",
    "SyntheticTicks",
    "UShape",
    "autocorrelation",
    "is_synthetic",
    "iter_market",
    "iter_ticks_from_bars",
    "low_first",
    "simulate_market",
    "stylized_facts",
    "synthetic_instrument",
    "ticks_from_bars",
    "write_to_catalog",
]
