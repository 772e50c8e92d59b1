"""Backtest throughput of the SMA(20/100) crossover template, and peak memory over 100M quotes.

Targets (from the issue): a plain-Python SMA(20/100) crossover reacting to
every quote, on 1M L1 quotes, with fills, at least 1.5M quotes/s; peak memory
of a backtest over 100M quotes under 1 GB. `bench_peers.py` runs the same
strategy in other backtesters on the same quotes and reports the ratios.

How to run::

    python3 benchmarks/run.py engine                 # 1M quotes, then the 100M memory case
    python3 benchmarks/run.py --quick engine         # 200k quotes, memory case at 2M
    python3 -m benchmarks.bench_engine --quotes 1_000_000 --memory-quotes 10_000_000
    python3 -m benchmarks.bench_engine --memory-quotes 0      # throughput only
    python3 -m benchmarks.bench_engine --quotes 0             # memory only

The quotes are a seeded random walk of the bid on a 0.00001 tick grid
(steps of -1/0/+1 tick), a spread of 1-3 ticks drawn per quote, sizes of
100k-2M units, receive times ~20 ms apart on average (exponential gaps, so
about 4.3M quotes a UTC day) and venue times 0.1-2 ms earlier. They are
written with `Catalog.write` one UTC day at a time, so the engine reads real
zstd Parquet partitions: the timed run is all of `run_backtest` (replay from
the catalog, exchange, portfolio, strategy, result), with the default
`BacktestConfig` (no latency, no fees, 5 levels of synthetic depth).

Throughput is the median of repeats, with the spread. The empty `Strategy`
(no callback overridden) is reported beside it: the cost of the engine loop
alone.

Peak memory is measured in a fresh interpreter that runs the backtest over
the big catalog and reads its own ``VmHWM`` (the resident-set high-water
mark) from ``/proc/self/status``; it streams progress to stderr (100M
quotes take several minutes at today's speed). The big catalog (100M quotes:
about 30 s to write, 1.6 GB of disk) is kept under
``~/.cache/tickdeck-bench/`` (or ``$TICKDECK_BENCH_CACHE``), keyed by size
and seed, and reused by later runs; delete the folder to reclaim the space.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from benchmarks._harness import Result, median_rate
from tickdeck.core import DataKind, Instrument
from tickdeck.data.catalog import Catalog
from tickdeck.engine import BacktestConfig, run_backtest
from tickdeck.strategy.base import Strategy
from tickdeck.strategy.templates import TEMPLATES

__all__ = [
    "INSTRUMENT",
    "PARAMS",
    "cache_dir",
    "engine_seconds",
    "quote_chunks",
    "run",
    "write_catalog",
]

INSTRUMENT = Instrument("EURUSD", "BENCH", "0.00001", asset_class="fx")
SEED = 20240102
PARAMS: dict[str, object] = {"fast": 20, "slow": 100, "quantity": 1000, "allow_short": True}
TARGET_QUOTES_PER_S = 1.5  # M quotes/s
TARGET_PEAK_MB = 1024.0

_START_NS = 1_704_153_600_000_000_000  # 2024-01-02T00:00:00Z
_DAY_NS = 86_400_000_000_000
_MEAN_GAP_NS = 20_000_000
_CHUNK = 1_000_000
_FIRST_BID_TICKS = 110_000  # 1.10000


def cache_dir() -> Path:
    """Where big catalogs and the peers' virtual environments are kept between runs."""
    return Path(os.environ.get("TICKDECK_BENCH_CACHE", Path.home() / ".cache" / "tickdeck-bench"))


def quote_chunks(count: int, seed: int = SEED) -> Iterator[dict[str, npt.NDArray[np.generic]]]:
    """`count` L1 quotes as column arrays, `_CHUNK` rows at a time, sorted by ``ts_recv``.

    Deterministic in (count, seed); the first k * 1M quotes of a longer run are
    the same quotes. Prices are whole ticks of `INSTRUMENT`, as floats.
    """
    rng = np.random.default_rng(seed)
    last_ts = _START_NS
    last_bid = _FIRST_BID_TICKS
    for first in range(0, count, _CHUNK):
        n = min(_CHUNK, count - first)
        ts_recv = last_ts + np.cumsum(rng.exponential(_MEAN_GAP_NS, n).astype(np.int64) + 1)
        bid = last_bid + np.cumsum(rng.choice(np.array([-1, 0, 1]), n, p=[0.25, 0.5, 0.25]))
        spread = rng.choice(np.array([1, 2, 3]), n, p=[0.6, 0.3, 0.1])
        last_ts, last_bid = int(ts_recv[-1]), int(bid[-1])
        yield {
            "ts_event": ts_recv - rng.integers(100_000, 2_000_000, n),
            "ts_recv": ts_recv,
            "bid_price": INSTRUMENT.ticks_to_prices(bid),
            "ask_price": INSTRUMENT.ticks_to_prices(bid + spread),
            "bid_size": rng.integers(1, 21, n) * 100_000.0,
            "ask_size": rng.integers(1, 21, n) * 100_000.0,
        }


def write_catalog(
    root: Path, count: int, seed: int = SEED, *, progress: Callable[[int], None] | None = None
) -> Catalog:
    """A catalog at `root` holding `quote_chunks(count, seed)` for `INSTRUMENT`.

    Rows are buffered until a UTC day is complete and each day goes in with one
    `Catalog.write`, so no partition is merged twice. `progress` gets the rows
    written so far.
    """
    catalog = Catalog(root)
    catalog.add_instrument(INSTRUMENT)
    pending: list[pa.Table] = []
    written = 0

    def flush(table: pa.Table) -> None:
        nonlocal written
        catalog.write(DataKind.QUOTE, INSTRUMENT.id, table)
        written += len(table)
        if progress is not None:
            progress(written)

    for columns in quote_chunks(count, seed):
        chunk = pa.table({name: pa.array(values) for name, values in columns.items()})
        ts = columns["ts_recv"]
        # Everything before the day of this chunk's last quote is complete.
        day_start = int(ts[-1]) - (int(ts[-1]) - _START_NS) % _DAY_NS
        cut = int(np.searchsorted(ts, day_start))
        if cut:
            flush(pa.concat_tables([*pending, chunk.slice(0, cut)]))
            pending = []
        pending.append(chunk.slice(cut))
    if pending:
        flush(pa.concat_tables(pending))
    return catalog


def cached_catalog(count: int, seed: int = SEED) -> Catalog:
    """The catalog of `count` quotes under `cache_dir()`, written once and reused."""
    root = cache_dir() / f"catalog-{INSTRUMENT.symbol}-q{count}-s{seed}"
    done = root / ".complete"
    if done.exists():
        return Catalog(root)
    if root.exists():  # an earlier run was interrupted while writing
        shutil.rmtree(root)
    started = time.perf_counter()
    print(f"  writing {count:,} quotes to {root} (kept for later runs) ...", file=sys.stderr)

    def report(rows: int) -> None:
        rate = rows / (time.perf_counter() - started) / 1e6
        print(f"    {rows:,}/{count:,} quotes written ({rate:.2f}M/s)", file=sys.stderr)

    catalog = write_catalog(root, count, seed, progress=report)
    done.write_text(f"{count} quotes, seed {seed}\n")
    return catalog


def _config() -> BacktestConfig:
    return BacktestConfig(instruments=(INSTRUMENT.id,))


def engine_seconds(
    catalog: Catalog,
    strategy: type[Strategy],
    params: dict[str, object] | None,
    *,
    repeats: int,
) -> tuple[list[float], int, int]:
    """Wall-clock seconds of `repeats` whole backtests (after one warm-up), events, fills."""
    result = run_backtest(catalog, strategy, _config(), params)  # warm-up: imports, caches
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = run_backtest(catalog, strategy, _config(), params)
        seconds.append(time.perf_counter() - started)
    return seconds, result.events, len(result.fills)


def throughput(catalog: Catalog, count: int, repeats: int) -> list[Result]:
    """The SMA crossover and the empty strategy over the catalog's `count` quotes."""
    label = f"{count / 1e6:g}M"
    seconds, events, fills = engine_seconds(
        catalog, TEMPLATES["sma_crossover"], PARAMS, repeats=repeats
    )
    if events != count:
        raise RuntimeError(f"the backtest replayed {events} quotes, expected {count}")
    sma = median_rate(
        f"backtest SMA(20/100) crossover, {label} L1 quotes",
        count,
        seconds,
        unit="M quotes/s",
        target=TARGET_QUOTES_PER_S,
        note=f"{fills:,} fills; whole run_backtest incl. Parquet replay; {repeats} repeats",
    )
    seconds, _, _ = engine_seconds(catalog, Strategy, None, repeats=repeats)
    empty = median_rate(
        f"backtest empty strategy (engine loop), {label} L1 quotes",
        count,
        seconds,
        unit="M quotes/s",
        note=f"baseline: no callback overridden; {repeats} repeats",
    )
    return [sma, empty]


_MEMORY_PROBE = textwrap.dedent(
    """
    import json, sys, time
    from tickdeck.data.catalog import Catalog
    from tickdeck.engine import BacktestConfig, run_backtest
    from tickdeck.strategy.templates import TEMPLATES

    def high_water_mb():
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
        raise RuntimeError("no VmHWM in /proc/self/status")

    root, instrument, total = sys.argv[1], sys.argv[2], int(sys.argv[3])
    params = json.loads(sys.argv[4])
    baseline = high_water_mb()
    started = time.perf_counter()
    step = max(total // 20, 1)
    marks = [step]

    def progress(events):
        if events >= marks[0] or events == total:
            marks[0] += step
            elapsed = time.perf_counter() - started
            print(f"    {events:,}/{total:,} quotes, {elapsed:.0f}s, "
                  f"{events / elapsed / 1e6:.2f}M/s, peak RSS {high_water_mb():.0f} MB",
                  file=sys.stderr, flush=True)

    result = run_backtest(
        Catalog(root), TEMPLATES["sma_crossover"], BacktestConfig(instruments=(instrument,)),
        params, progress=progress,
    )
    print(json.dumps({
        "events": result.events, "fills": len(result.fills), "baseline_mb": baseline,
        "peak_mb": high_water_mb(), "seconds": time.perf_counter() - started,
    }))
    """
)


def peak_memory(count: int) -> Result:
    """Peak RSS of a fresh interpreter backtesting the SMA crossover over `count` quotes."""
    catalog = cached_catalog(count)
    print(f"  backtesting {count:,} quotes in a child process ...", file=sys.stderr)
    probe = [
        sys.executable,
        "-c",
        _MEMORY_PROBE,
        str(catalog.root),
        INSTRUMENT.id,
        str(count),
        json.dumps(PARAMS),
    ]
    # stderr (progress) goes straight through to ours; stdout carries the JSON answer.
    done = subprocess.run(probe, check=True, stdout=subprocess.PIPE, text=True)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    if out["events"] != count:
        raise RuntimeError(f"the memory probe replayed {out['events']} quotes, expected {count}")
    return Result(
        f"peak RSS, backtest SMA(20/100) over {count / 1e6:g}M quotes",
        out["peak_mb"],
        "MB",
        target=TARGET_PEAK_MB,
        higher_is_better=False,
        note=(
            f"{out['baseline_mb']:.0f} MB after imports; {out['fills']:,} fills; "
            f"{out['seconds']:.0f}s ({count / out['seconds'] / 1e6:.2f}M quotes/s); 1 run"
        ),
    )


def measure(quotes: int, memory_quotes: int, repeats: int) -> list[Result]:
    """Throughput over `quotes` (0: skip) and peak memory over `memory_quotes` (0: skip)."""
    results: list[Result] = []
    if quotes:
        with tempfile.TemporaryDirectory() as folder:
            catalog = write_catalog(Path(folder) / "catalog", quotes)
            results += throughput(catalog, quotes, repeats)
    if memory_quotes:
        results.append(peak_memory(memory_quotes))
    return results


def run(*, quick: bool = False) -> list[Result]:
    if quick:
        return measure(200_000, 2_000_000, repeats=3)
    return measure(1_000_000, 100_000_000, repeats=5)


def _count(text: str) -> int:
    return int(text.replace("_", ""))


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="200k quotes; memory case at 2M")
    parser.add_argument("--quotes", type=_count, help="quotes for throughput (0: skip)")
    parser.add_argument("--memory-quotes", type=_count, help="quotes for peak memory (0: skip)")
    parser.add_argument("--repeats", type=int, help="timed repeats for throughput")
    args = parser.parse_args()
    quotes = args.quotes if args.quotes is not None else (200_000 if args.quick else 1_000_000)
    memory_quotes = (
        args.memory_quotes
        if args.memory_quotes is not None
        else (2_000_000 if args.quick else 100_000_000)
    )
    repeats = args.repeats or (3 if args.quick else 5)
    for result in measure(quotes, memory_quotes, repeats):
        print(result)
