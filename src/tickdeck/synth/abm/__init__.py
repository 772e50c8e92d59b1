"""An agent-based limit order book: a compiled matching engine and the agents that trade in it.

`simulate_abm` runs a session and returns catalog-ready tables (L3 order
events, trades, quotes, L2 deltas, depth-10 snapshots) that
`write_abm_to_catalog` stores; `AbmMarket` is the same market opened to external
orders, advanced step by step (the closed loop). docs/synth-abm.md states
the matching rules, the agents and their defaults.
"""

from tickdeck.synth.abm.config import (
    AbmConfig,
    FundamentalTraderConfig,
    MarketMakerConfig,
    MomentumTraderConfig,
    NoiseTraderConfig,
)
from tickdeck.synth.abm.market import AbmEvents, AbmMarket, Submission
from tickdeck.synth.abm.simulate import AbmOutput, simulate_abm, write_abm_to_catalog

__all__ = [
    "AbmConfig",
    "AbmEvents",
    "AbmMarket",
    "AbmOutput",
    "FundamentalTraderConfig",
    "MarketMakerConfig",
    "MomentumTraderConfig",
    "NoiseTraderConfig",
    "Submission",
    "simulate_abm",
    "write_abm_to_catalog",
]
