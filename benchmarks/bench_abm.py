"""Agent-based market throughput.

Target: at least 1M L3 order events per second from `simulate_abm` with
the default agents, counting every stage up to catalog-ready records (the
agents, the matching engine, and the conversion of kernel rows into the five
record layouts), but not the Parquet write. Reported beside it without a
target: the compiled stage alone (agents and matching, rows left in the
kernel's buffers), and a closed loop in which an external order enters the
book every 10 ms of simulated time (steps of ``advance`` + ``submit`` per
second of wall time).

Each figure is the median of repeated runs after one warm-up run (which
also compiles the kernels, or loads them from numba's cache).
"""

from __future__ import annotations

from benchmarks._harness import Result, median_rate, time_repeats
from tickdeck.core import Instrument, OrderRequest, OrderType, Side, TimeInForce
from tickdeck.synth.abm import AbmConfig, AbmMarket, simulate_abm

START_NS = 1_704_153_600_000_000_000  # 2024-01-02T00:00:00Z
SECOND = 1_000_000_000
INSTRUMENT = Instrument("BENCH", "ABM", "0.01")


def _config(minutes: int) -> AbmConfig:
    return AbmConfig(INSTRUMENT, 100.0, start_ns=START_NS, duration_ns=minutes * 60 * SECOND)


def _kernel_only(config: AbmConfig) -> None:
    market = AbmMarket(config, seed=1)
    market._run(config.end_ns)


def _closed_loop(config: AbmConfig, steps: int) -> None:
    market = AbmMarket(config, seed=1)
    for i in range(steps):
        market.advance(market.now_ns + 10_000_000)
        side = Side.BUY if i % 2 == 0 else Side.SELL
        price = market.best_ask if side == Side.BUY else market.best_bid
        market.submit(
            OrderRequest(
                INSTRUMENT.id,
                side,
                1,
                OrderType.LIMIT,
                limit_price=price,
                time_in_force=TimeInForce.IOC,
            )
        )


def run(*, quick: bool = False) -> list[Result]:
    minutes = 15 if quick else 60
    repeats = 3 if quick else 5
    config = _config(minutes)
    events = simulate_abm(config, seed=1).order_events.size
    note = f"{events / 1e6:.2f}M events, {minutes} simulated minutes"
    results = [
        median_rate(
            "agent-based market, order events to records",
            events,
            time_repeats(lambda: simulate_abm(config, seed=1), repeats=repeats),
            unit="M events/s",
            target=1.0,
            note=note,
        ),
        median_rate(
            "agent-based market, compiled stage only",
            events,
            time_repeats(lambda: _kernel_only(config), repeats=repeats),
            unit="M events/s",
            note=note,
        ),
    ]
    steps = 2_000 if quick else 10_000
    results.append(
        median_rate(
            "closed loop: advance 10 ms + one external order",
            steps,
            time_repeats(lambda: _closed_loop(config, steps), repeats=repeats),
            unit="k steps/s",
            scale=1e3,
        )
    )
    return results


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="15 simulated minutes, fewer repeats")
    for result in run(quick=parser.parse_args().quick):
        print(result)
