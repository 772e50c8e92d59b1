"""A grid of SMA-crossover parameter pairs over one bar series in vectorbt, the usual way.

Run by ``benchmarks/bench_vectorbt.py`` in a virtual environment that has
vectorbt; standalone: ``python vectorbt_sma.py BARS.npz``. The ``.npz`` holds
``ts`` (bar close times, int64 ns), ``close``, and the grid as ``fast`` and
``slow`` (one pair per position). Prints one JSON object.

How it maps to tickdeck's ``sma_crossover`` spec on stored bars:

- ``vbt.MA.run`` computes the fast and the slow averages of the closes for
  every pair at once (one column per pair); ``vbt.crossed_above`` and
  ``crossed_below`` give the crossings;
- ``Portfolio.from_signals(direction="both")`` holds 1000 units long after a
  cross above and 1000 short after a cross below (each reversal one order),
  filled at the bar's close (vectorbt's default; tickdeck fills a market
  order at the next bar's open), no fees, 1M initial cash;
- ``total_return()`` forces the equity of every column.

Timed: everything above for the whole grid, from the closes as a pandas
Series to the total returns; building the Series and importing vectorbt are
not timed. One warm-up run first (numba compiles there), then `repeats`
timed runs.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
import pandas as pd
import vectorbt as vbt

QUANTITY = 1000.0


def grid_run(close: pd.Series, fast: np.ndarray, slow: np.ndarray) -> tuple[np.ndarray, int]:
    """Total return per pair and the number of orders over the grid."""
    columns = pd.MultiIndex.from_arrays([fast, slow], names=["fast", "slow"])
    fast_ma = vbt.MA.run(close, window=list(fast), short_name="fast").ma.to_numpy()
    slow_ma = vbt.MA.run(close, window=list(slow), short_name="slow").ma.to_numpy()
    fast_frame = pd.DataFrame(fast_ma, index=close.index, columns=columns)
    slow_frame = pd.DataFrame(slow_ma, index=close.index, columns=columns)
    entries = fast_frame.vbt.crossed_above(slow_frame)
    exits = fast_frame.vbt.crossed_below(slow_frame)
    portfolio = vbt.Portfolio.from_signals(
        close,
        entries,
        exits,
        direction="both",
        size=QUANTITY,
        size_type="amount",
        init_cash=1_000_000.0,
        freq="1min",
    )
    returns = portfolio.total_return().to_numpy()
    return returns, int(portfolio.orders.count().sum())


def main(path: str, repeats: int) -> None:
    data = np.load(path)
    close = pd.Series(data["close"], index=pd.to_datetime(data["ts"], unit="ns", utc=True))
    fast, slow = data["fast"], data["slow"]
    grid_run(close.iloc[:1000], fast[:2], slow[:2])  # warm-up: numba compiles here
    seconds = []
    orders = 0
    for _ in range(repeats):
        started = time.perf_counter()
        _, orders = grid_run(close, fast, slow)
        seconds.append(time.perf_counter() - started)
    print(
        json.dumps(
            {
                "bars": int(close.size),
                "combinations": int(fast.size),
                "seconds": seconds,
                "orders": orders,
                "version": vbt.__version__,
                "timed": "MA.run x2, crossed_above/below, Portfolio.from_signals, total_return",
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3)
