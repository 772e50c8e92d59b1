"""SMA(20/100) crossover on the quote mid in backtesting.py, one quote per bar.

Run by ``benchmarks/bench_peers.py`` in a virtual environment that has
backtesting.py; standalone: ``python backtesting_sma.py QUOTES.npz``. Prints
one JSON object: quotes_per_s, fills, seconds, ...

How it maps to tickdeck's `SMACrossover`:

- backtesting.py is bar-based: each quote is one bar with
  Open = High = Low = Close = mid, indexed by its receive time.
- The averages are backtesting.py indicators (``self.I``, computed up front
  over the whole series, as the library intends); ``next`` runs once per bar
  and applies tickdeck's crossover rule to the two current values (a move
  strictly onto the other side; ties, within 1e-12 of the mid, keep the
  side; the end of the warm-up is no crossing).
- At a crossover it sends one market order for the difference to the target
  position (+/-1000 units, long/short); ``trade_on_close=True`` fills it at
  this bar's close, i.e. the mid of the quote that crossed (tickdeck fills at
  the ask or bid: backtesting.py has no bid/ask). No commission, no spread.
- Timed: the whole ``Backtest.run()`` (indicators, the bar loop, the
  statistics it computes at the end); building the DataFrame is not timed.
"""

from __future__ import annotations

import json
import sys
import time
import warnings

import numpy as np
import pandas as pd
from backtesting import Backtest, Strategy

FAST, SLOW, QUANTITY, TIE = 20, 100, 1000, 1e-12


def moving_average(values: np.ndarray, period: int) -> np.ndarray:
    return pd.Series(values).rolling(period).mean().to_numpy()


class SmaCrossover(Strategy):
    fast = FAST
    slow = SLOW

    def init(self) -> None:
        self.fast_sma = self.I(moving_average, self.data.Close, self.fast)
        self.slow_sma = self.I(moving_average, self.data.Close, self.slow)
        self.side = 0
        self.target = 0
        self.sent = 0

    def next(self) -> None:
        mid = self.data.Close[-1]
        difference = self.fast_sma[-1] - self.slow_sma[-1]
        tie = TIE * mid
        now = 1 if difference > tie else (-1 if difference < -tie else 0)
        if now == 0 or now == self.side:
            return
        if self.side != 0:
            wanted = QUANTITY if now > 0 else -QUANTITY
            gap = wanted - self.target
            if gap > 0:
                self.buy(size=gap)
            else:
                self.sell(size=-gap)
            self.target = wanted
            self.sent += 1
        self.side = now


def main() -> None:
    data = np.load(sys.argv[1])
    mid = (data["bid"] + data["ask"]) * 0.5
    frame = pd.DataFrame(
        {"Open": mid, "High": mid, "Low": mid, "Close": mid, "Volume": data["bid_size"]},
        index=pd.to_datetime(data["ts_recv"], unit="ns"),
    )
    backtest = Backtest(
        frame,
        SmaCrossover,
        cash=1_000_000,
        commission=0.0,
        trade_on_close=True,
        exclusive_orders=False,
        hedging=False,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        started = time.perf_counter()
        stats = backtest.run()
        finished = time.perf_counter()
    strategy = stats["_strategy"]
    trades = stats["_trades"]
    print(
        json.dumps(
            {
                "quotes": len(frame),
                "seconds": finished - started,
                "quotes_per_s": len(frame) / (finished - started),
                "fills": strategy.sent,
                "closed_trades": len(trades),
                "timed": "whole Backtest.run() (indicators, bar loop, statistics)",
            }
        )
    )


if __name__ == "__main__":
    main()
