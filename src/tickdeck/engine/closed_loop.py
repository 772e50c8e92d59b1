"""The closed loop: a strategy trading inside the agent-based market instead of a replay.

In a replay, history does not react to our orders. Here it does: the market
is a `tickdeck.synth.abm.AbmMarket`, our orders enter its book beside the
agents' orders, take their liquidity and move the price the agents then see.
The strategy, the engine loop, the portfolio and the result are those of
`run_backtest`; only the venue and the source of market data change, so a
strategy runs unchanged in both modes.

The venue takes market and limit orders (GTC, IOC, FOK, post-only); other
order types are rejected with `UNSUPPORTED_BY_VENUE`. The market runs in
steps of `step_ns`: an order reaches the book at its arrival time or at the
end of the step in which it was sent, whichever is later.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from tickdeck.core import DataKind, InputError
from tickdeck.engine._abm_venue import AbmVenue
from tickdeck.engine.backtest import BacktestConfig, _counted, _Engine
from tickdeck.execution import LatencyProfile
from tickdeck.results._order_columns import OrderColumns
from tickdeck.results.run import RunResult
from tickdeck.strategy.base import Strategy
from tickdeck.synth.abm import AbmConfig, AbmMarket

__all__ = ["ClosedLoopConfig", "run_closed_loop"]


@dataclass(frozen=True)
class ClosedLoopConfig:
    """The market to trade in and the account's assumptions.

    `market` defines the instrument, the start, the duration and the agents;
    `seed` drives the agents (the same seed gives the same market, and the
    same run, bit for bit); `step_ns` is the market's step (1 ms).
    """

    market: AbmConfig
    seed: int = 0
    initial_cash: float = 1_000_000.0
    base_currency: str = "USD"
    latency: LatencyProfile = field(default_factory=LatencyProfile)
    step_ns: int = 1_000_000
    equity_interval_ns: int = 60_000_000_000

    def __post_init__(self) -> None:
        if not isinstance(self.market, AbmConfig):
            raise InputError("market", type(self.market).__name__, "an AbmConfig")
        if not (isinstance(self.step_ns, int) and self.step_ns > 0):
            raise InputError("step_ns", self.step_ns, "a positive whole number of ns")

    def backtest_config(self) -> BacktestConfig:
        """The engine config of this run (the venue aside)."""
        start = self.market.start_ns
        return BacktestConfig(
            instruments=(self.market.instrument.id,),
            kinds=(DataKind.TRADE, DataKind.QUOTE),
            start=start,
            end=start + self.market.duration_ns,
            initial_cash=self.initial_cash,
            base_currency=self.base_currency,
            seed=self.seed,
            latency=self.latency,
            equity_interval_ns=self.equity_interval_ns,
        )


def run_closed_loop(
    strategy: type[Strategy],
    config: ClosedLoopConfig,
    params: Mapping[str, object] | None = None,
    *,
    progress: Callable[[int], None] | None = None,
) -> RunResult:
    """Run `strategy` inside the agent-based market `config` describes.

    The result is a `RunResult` like a replay's: every event is synthetic,
    and the config records the market's settings and seed.
    """
    market = AbmMarket(config.market, config.seed)
    settings = config.backtest_config()
    end = settings.end
    assert end is not None  # backtest_config always sets it

    def venue(finished: OrderColumns) -> AbmVenue:
        return AbmVenue(market, end_ns=end, step_ns=config.step_ns, finished=finished)

    instrument = config.market.instrument
    engine = _Engine({instrument.id: instrument}, settings, venue=venue)
    built = engine._exchange
    assert isinstance(built, AbmVenue)
    instance = strategy(engine, params)
    events = built.events()
    complete = engine.run(instance, events if progress is None else _counted(events, progress))
    description = {"abm": config.market.to_dict(), "seed": config.seed, "step_ns": config.step_ns}
    digest = hashlib.sha256(json.dumps(description, sort_keys=True, default=str).encode())
    result = engine.result(
        instance,
        complete,
        fingerprint="abm:" + digest.hexdigest()[:12],
        synthetic_events=engine.events,
    )
    result.config["closed_loop"] = {
        "market": json.loads(json.dumps(config.market.to_dict(), default=str)),
        "step_ns": config.step_ns,
    }
    return result
