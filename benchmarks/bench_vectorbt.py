"""tickdeck's compiled spec path against vectorbt: one grid of SMA-crossover pairs, same bars.

Goal (issue 5, section 6): at least twice vectorbt's throughput per
parameter combination, with vectorbt measured in the same run; and the
throughput of the tick-accurate variant (the same grid on the quotes the
bars were made from).

The data: a seeded random walk of L1 quotes on a 0.00001 grid, about ten a
minute for a year (24/7, ~5.3M quotes, written once under
``~/.cache/tickdeck-bench``), and the one-minute bars of their mids that
`LiveBars` builds from them (~525k bars, stored in the same catalog). The
grid: 100 (fast, slow) pairs, fast 5..50 by 5, slow 60..240 by 20.

What is timed, per path (combinations/s = 100 / the grid's seconds, the
median of the repeats; every path's data is read before the timer starts):

- **vectorbt** (`peers/vectorbt_sma.py`, in its own virtual environment,
  vectorbt pinned): ``MA.run`` for the fast and the slow windows,
  ``crossed_above/below``, ``Portfolio.from_signals(direction="both")`` with
  1000 units, ``total_return()``; the whole grid in one go, its usual idiom.
- **tickdeck, bars**: the ``sma_crossover`` spec on the stored bars, each
  pair a `RunResult` (``_run.run_prepared``; the records are made when read,
  and the grid reads each run's final equity), and the kernels alone
  (``_run.execute``: the records as arrays).
- **tickdeck, tick-accurate**: the same spec evaluated on one-minute bars
  built from the quotes as they arrive, orders filled against the quotes
  (bid/ask, sizes, synthetic depth), each pair a `RunResult`.

The paths do not fill at the same price (vectorbt at the signal bar's close,
tickdeck's market order at the next bar's open, or at the quote): the order
counts are reported side by side as a check that they trade the same
crossings, not the same fills.

How to run::

    python3 benchmarks/run.py vectorbt               # a year of bars, 100 pairs
    python3 benchmarks/run.py --quick vectorbt       # 50k bars, 100 pairs
    python3 -m benchmarks.bench_vectorbt --bars 200_000
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from benchmarks._harness import Result
from benchmarks.bench_engine import cache_dir
from benchmarks.bench_peers import Peer, PeerError, _run_script, ensure_venv
from tickdeck.core import DataKind, Instrument
from tickdeck.data.catalog import Catalog
from tickdeck.spec import StrategySpec, parse_spec, template_spec
from tickdeck.spec._kernel import _run
from tickdeck.spec._parameters import with_parameters

__all__ = ["VECTORBT", "run"]

VECTORBT = Peer(
    "vectorbt",
    "1.2.0",
    ("vectorbt==1.2.0", "numpy==2.4.6", "numba==0.68.1", "pandas==3.1.1"),
    "vectorbt_sma.py",
    0.0,
    3,
)
INSTRUMENT = Instrument("EURUSD", "VBT", "0.00001", asset_class="fx")
GOAL_RATIO = 2.0
SEED = 20240601
QUOTES_PER_BAR = 10
_START_NS = 1_704_067_200_000_000_000  # 2024-01-01T00:00:00Z
_MINUTE_NS = 60_000_000_000
Columns = dict[str, Any]  # column name -> numpy array
FAST = np.arange(5, 55, 5)
SLOW = np.arange(60, 260, 20)


def grid() -> list[tuple[int, int]]:
    """The 100 (fast, slow) pairs."""
    return [(int(f), int(s)) for f in FAST for s in SLOW]


def _quotes(bars: int, seed: int) -> Columns:
    """About `QUOTES_PER_BAR` quotes per minute over `bars` minutes, at least one each minute."""
    rng = np.random.default_rng(seed)
    count = bars * QUOTES_PER_BAR
    minute = np.sort(rng.integers(0, bars, count))
    minute[:bars] = np.arange(bars)  # every minute has a quote: every bar exists
    minute.sort()
    recv = _START_NS + minute * _MINUTE_NS + rng.integers(0, _MINUTE_NS, count)
    recv.sort()
    bid = 110_000 + np.cumsum(rng.choice([-1, 0, 1], count, p=[0.3, 0.4, 0.3]))
    spread = rng.choice([1, 2, 3], count, p=[0.6, 0.3, 0.1])
    return {
        "ts_event": recv - rng.integers(0, 1_000_000, count),
        "ts_recv": recv,
        "bid_price": INSTRUMENT.ticks_to_prices(bid),
        "ask_price": INSTRUMENT.ticks_to_prices(bid + spread),
        "bid_size": rng.integers(1, 21, count) * 100_000.0,
        "ask_size": rng.integers(1, 21, count) * 100_000.0,
    }


def _bars_of(quotes: Columns) -> Columns:
    """The one-minute bars of the quote mids, as `LiveBars` builds them (complete ones only)."""
    recv = quotes["ts_recv"].astype(np.int64)
    mid = (quotes["bid_price"] + quotes["ask_price"]) * 0.5
    end = recv - recv % _MINUTE_NS + _MINUTE_NS
    starts = np.flatnonzero(np.r_[True, end[1:] != end[:-1]])
    stops = np.r_[starts[1:], recv.size]
    complete = slice(0, starts.size - 1)  # the last bucket never completes
    return {
        "ts_event": end[starts][complete],
        "ts_recv": end[starts][complete],
        "open": mid[starts][complete],
        "high": np.maximum.reduceat(mid, starts)[complete],
        "low": np.minimum.reduceat(mid, starts)[complete],
        "close": mid[stops - 1][complete],
        "volume": np.zeros(starts.size - 1),
        "interval_ns": np.full(starts.size - 1, _MINUTE_NS, np.int64),
    }


def cached_catalog(
    bars: int, seed: int = SEED
) -> tuple[Catalog, dict[str, npt.NDArray[np.generic]]]:
    """The quotes and their bars in a catalog under `cache_dir()`, written once; and the bars."""
    root = cache_dir() / f"catalog-vbt-b{bars}-s{seed}"
    quotes = _quotes(bars, seed)
    bar_columns = _bars_of(quotes)
    done = root / ".complete"
    if not done.exists():
        print(
            f"  writing {quotes['ts_recv'].size:,} quotes and their bars to {root} ...",
            file=sys.stderr,
        )
        catalog = Catalog(root)
        catalog.add_instrument(INSTRUMENT)
        catalog.write(DataKind.QUOTE, INSTRUMENT.id, pa.table(quotes))
        catalog.write(DataKind.BAR, INSTRUMENT.id, pa.table(bar_columns))
        done.write_text(f"{bars} bars, seed {seed}\n")
    return Catalog(root), bar_columns


@dataclass(frozen=True)
class GridTiming:
    """One path's grid: seconds per whole grid (one per repeat), orders over the grid."""

    name: str
    seconds: tuple[float, ...]
    orders: int
    note: str

    @property
    def combinations_per_s(self) -> float:
        return len(grid()) / statistics.median(self.seconds)


def _bar_spec(source: str) -> StrategySpec:
    spec = template_spec("sma_crossover").model_dump(mode="json")
    spec["data"] = {"type": "bars", "seconds": 60, "source": source}
    return parse_spec(spec)


def _tickdeck_grid(
    prepared: _run.Prepared, repeats: int, *, records_only: bool
) -> tuple[list[float], int]:
    """Seconds of `repeats` whole grids (after a one-pair warm-up), and the grid's orders."""
    pairs = [{"fast.period": f, "slow.period": s} for f, s in grid()]
    specs = [with_parameters(prepared.spec, p) for p in pairs]

    def one(index: int) -> int:
        if records_only:
            return int(_run.execute(prepared, specs[index]).orders_i.shape[0])
        result = _run.run_prepared(prepared, pairs[index])
        if not result.final_equity > 0:  # what a grid reads of each run
            raise RuntimeError(f"pair {pairs[index]} lost everything")
        return len(result.orders)

    one(0)  # warm-up: numba compiles or loads its cache here
    seconds = []
    orders = 0
    for _ in range(repeats):
        started = time.perf_counter()
        orders = sum(one(index) for index in range(len(pairs)))
        seconds.append(time.perf_counter() - started)
    return seconds, orders


def measure_vectorbt(bars: Columns, folder: Path) -> GridTiming | str:
    """vectorbt over the grid in its own environment; the reason if it could not run."""
    data = folder / "bars.npz"
    pairs = np.array(grid())
    np.savez(data, ts=bars["ts_event"], close=bars["close"], fast=pairs[:, 0], slow=pairs[:, 1])
    try:
        python = ensure_venv(VECTORBT)
        print(f"  vectorbt {VECTORBT.version}: {VECTORBT.repeats} grids ...", file=sys.stderr)
        answer = _run_script(python, VECTORBT, data)
    except (PeerError, OSError) as error:
        return str(error)
    times = answer["seconds"]
    seconds = tuple(float(s) for s in times) if isinstance(times, list) else ()
    return GridTiming(
        f"vectorbt {answer['version']}",
        seconds,
        int(str(answer["orders"])),
        f"timed: {answer['timed']}",
    )


def measure(bar_count: int, repeats: int) -> list[GridTiming | tuple[str, str]]:
    catalog, bars = cached_catalog(bar_count)
    timings: list[GridTiming | tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as name:
        peer = measure_vectorbt(bars, Path(name))
    timings.append(peer if isinstance(peer, GridTiming) else ("vectorbt", peer))
    instruments = [INSTRUMENT.id]
    stored = _run.prepare(catalog, _bar_spec("bars"), instruments=instruments)
    print(f"  tickdeck: grids on {stored.events.count:,} stored bars ...", file=sys.stderr)
    seconds, orders = _tickdeck_grid(stored, repeats, records_only=False)
    timings.append(GridTiming("tickdeck bars, RunResult per pair", tuple(seconds), orders, ""))
    seconds, orders = _tickdeck_grid(stored, repeats, records_only=True)
    timings.append(GridTiming("tickdeck bars, kernel records", tuple(seconds), orders, ""))
    ticks = _run.prepare(catalog, _bar_spec("quotes"), instruments=instruments)
    print(f"  tickdeck: tick-accurate grid on {ticks.events.count:,} quotes ...", file=sys.stderr)
    seconds, orders = _tickdeck_grid(ticks, 1, records_only=False)
    timings.append(
        GridTiming(
            "tickdeck tick-accurate (bars of quotes, quote fills), RunResult per pair",
            tuple(seconds),
            orders,
            f"{ticks.events.count:,} quotes per pair",
        )
    )
    return timings


def to_results(timings: list[GridTiming | tuple[str, str]], bar_count: int) -> list[Result]:
    peer = timings[0]
    reference = peer.combinations_per_s if isinstance(peer, GridTiming) else None
    results = []
    for item in timings:
        if not isinstance(item, GridTiming):
            results.append(
                Result(
                    f"{item[0]}: 100 SMA pairs",
                    float("nan"),
                    "combos/s",
                    note=f"NOT RUN: {item[1]}",
                )
            )
            continue
        parts = [f"{item.orders:,} orders over the grid", f"{len(item.seconds)} repeats"]
        target = None
        if item is not peer and reference is not None:
            parts.insert(0, f"{item.combinations_per_s / reference:.1f}x vectorbt")
            if "bars" in item.name and "tick" not in item.name:
                target = GOAL_RATIO * reference
        if item.note:
            parts.append(item.note)
        rates = [len(grid()) / s for s in item.seconds]
        results.append(
            Result(
                f"{item.name}: 100 SMA pairs, {bar_count / 1000:g}k one-minute bars",
                statistics.median(rates),
                "combos/s",
                target=target,
                spread=(min(rates), max(rates)),
                note="; ".join(parts),
            )
        )
    return results


def run(*, quick: bool = False) -> list[Result]:
    bar_count = 50_000 if quick else 525_600
    return to_results(measure(bar_count, repeats=3), bar_count)


def _count(text: str) -> int:
    return int(text.replace("_", ""))


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="50k bars")
    parser.add_argument("--bars", type=_count, help="one-minute bars (default: a year)")
    parser.add_argument("--repeats", type=int, default=3, help="timed grids per path")
    args = parser.parse_args()
    count = args.bars or (50_000 if args.quick else 525_600)
    for row in to_results(measure(count, args.repeats), count):
        spread = f" ({row.spread[0]:.3g}-{row.spread[1]:.3g})" if row.spread else ""
        print(f"{row.name}: {row.value:.3g} {row.unit}{spread}; {row.note}")
