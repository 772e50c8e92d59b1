"""Synthetic data generation throughput.

Target: at least 5M ticks/s generated from bars, in memory (catalog writes
excluded: their cost is the catalog's, see bench_ingest). A tick is a trade
or a quote; every trade comes with the quote it hits, so the trades-only rate
is half the tick rate and is reported against the same target too.

Input: one-minute bars of a random walk on a 0.00001 grid (ranges of 0 to 30
ticks, volumes of 100 to 10,000 lots), 200 trades per bar on average. Also
reported without targets: Hawkes arrivals, 10-level book snapshots with
every quote, and a stochastic market (GBM + GARCH + regimes + blocks).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from benchmarks._harness import Result, median_rate, time_repeats
from tickdeck.core import DataKind, Instrument, layout
from tickdeck.synth import (
    BarsConfig,
    BlockTrades,
    GarchVolatility,
    HawkesArrivals,
    MarketModel,
    Microstructure,
    RegimeSwitching,
    simulate_market,
    ticks_from_bars,
)

MINUTE_NS = 60_000_000_000
START_NS = 1_704_153_600_000_000_000  # 2024-01-02T00:00:00Z
INSTRUMENT = Instrument("EURUSD", "BENCH", "0.00001", asset_class="fx")
TARGET = 5.0  # M ticks/s


def _bars(n: int, seed: int = 0) -> pa.Table:
    rng = np.random.default_rng(seed)
    close = 110_000 + np.cumsum(rng.integers(-20, 21, n))
    open_ = np.concatenate([[110_000], close[:-1]])
    high = np.maximum(open_, close) + rng.integers(0, 15, n)
    low = np.minimum(open_, close) - rng.integers(0, 15, n)
    ts = START_NS + MINUTE_NS * (1 + np.arange(n, dtype=np.int64))
    return pa.Table.from_pydict(
        {
            "ts_event": ts,
            "ts_recv": ts,
            "open": INSTRUMENT.ticks_to_prices(open_),
            "high": INSTRUMENT.ticks_to_prices(high),
            "low": INSTRUMENT.ticks_to_prices(low),
            "close": INSTRUMENT.ticks_to_prices(close),
            "volume": rng.integers(100, 10_000, n).astype(np.float64),
            "interval_ns": np.full(n, MINUTE_NS, np.int64),
        },
        schema=layout(DataKind.BAR).arrow_schema,
    )


def _from_bars(bars: pa.Table, config: BarsConfig, label: str, repeats: int) -> list[Result]:
    ticks = ticks_from_bars(bars.slice(0, 100), INSTRUMENT, seed=1, config=config)  # compile
    ticks = ticks_from_bars(bars, INSTRUMENT, seed=1, config=config)
    seconds = time_repeats(
        lambda: ticks_from_bars(bars, INSTRUMENT, seed=1, config=config), repeats=repeats
    )
    n_bars = f"{bars.num_rows / 1e3:g}k bars"
    results = [
        median_rate(
            f"ticks from 1m bars, {label} ({n_bars}, {ticks.num_ticks / 1e6:.1f}M ticks)",
            ticks.num_ticks,
            seconds,
            unit="M ticks/s",
            target=TARGET if label == "poisson" else None,
        )
    ]
    if label == "poisson":
        results.append(
            median_rate(
                f"trades from 1m bars, {label} ({ticks.trades.num_rows / 1e6:.1f}M trades)",
                ticks.trades.num_rows,
                seconds,
                unit="M trades/s",
                target=TARGET,
            )
        )
    return results


def _market(days: int, repeats: int) -> Result:
    model = MarketModel(
        garch=GarchVolatility(),
        regimes=RegimeSwitching(),
        blocks=BlockTrades(),
        trades_per_day=1_000_000,
    )

    def run() -> int:
        market = simulate_market(
            model, [INSTRUMENT], start_ns=START_NS, end_ns=START_NS + days * 86_400_000_000_000,
            seed=1, start_prices=[1.1],
        )  # fmt: skip
        return market.ticks[INSTRUMENT.id].num_ticks

    run()
    ticks = run()
    seconds = time_repeats(run, repeats=repeats, warmup=0)
    return median_rate(
        f"stochastic market, GBM+GARCH+regimes+blocks ({days} days, {ticks / 1e6:.1f}M ticks)",
        ticks,
        seconds,
        unit="M ticks/s",
    )


def run(*, quick: bool = False) -> list[Result]:
    n = 10_000 if quick else 50_000
    repeats = 3 if quick else 5
    bars = _bars(n)
    results = _from_bars(bars, BarsConfig(), "poisson", repeats)
    hawkes = BarsConfig(microstructure=Microstructure(arrivals=HawkesArrivals()))
    results += _from_bars(bars, hawkes, "hawkes", repeats)
    book = BarsConfig(microstructure=Microstructure(book_levels=10))
    results += _from_bars(bars.slice(0, n // 5), book, "10-level book with every quote", repeats)
    results.append(_market(2 if quick else 5, max(2, repeats - 2)))
    return results


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10k bars instead of 50k")
    for result in run(quick=parser.parse_args().quick):
        print(result)
