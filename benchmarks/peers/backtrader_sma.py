"""SMA(20/100) crossover on the quote mid in backtrader, one quote per bar.

Run by ``benchmarks/bench_peers.py`` in a virtual environment that has
backtrader and pandas; standalone: ``python backtrader_sma.py QUOTES.npz``.
Prints one JSON object: quotes_per_s, fills, seconds, ...

How it maps to tickdeck's `SMACrossover`:

- backtrader is bar-based: each quote is one bar with
  Open = High = Low = Close = mid, from a ``PandasData`` feed indexed by the
  receive time.
- The averages are ``bt.indicators.SMA`` lines (computed in backtrader's
  default ``runonce`` mode); ``next`` runs once per bar after the 100-bar
  warm-up and applies tickdeck's crossover rule to the two current values (a
  move strictly onto the other side; ties, within 1e-12 of the mid, keep the
  side; the first reading is no crossing).
- At a crossover it sends one market order for the difference to the target
  position (+/-1000 units, long/short); the broker's cheat-on-close
  (``set_coc(True)``) fills it at this bar's close, i.e. the mid of the quote
  that crossed (tickdeck fills at the ask or bid: backtrader's bars have no
  bid/ask). No commission.
- Timed (``seconds``, the reported rate): from the strategy's ``start`` to
  its ``stop``, i.e. indicators, the bar loop and the broker, after
  backtrader has loaded the bars. ``run_seconds`` is the whole
  ``Cerebro.run()``, which also loads the DataFrame into backtrader's lines
  (a Python loop over rows: the larger part of the run). Building the
  DataFrame is not timed.
"""

from __future__ import annotations

import json
import sys
import time

import backtrader as bt
import numpy as np
import pandas as pd

FAST, SLOW, QUANTITY, TIE = 20, 100, 1000, 1e-12


class SmaCrossover(bt.Strategy):
    def __init__(self) -> None:
        self.fast_sma = bt.indicators.SMA(self.data.close, period=FAST)
        self.slow_sma = bt.indicators.SMA(self.data.close, period=SLOW)
        self.side = 0
        self.target = 0
        self.sent = 0
        self.fills = 0

    def start(self) -> None:
        self.started = time.perf_counter()

    def stop(self) -> None:
        self.stopped = time.perf_counter()

    def notify_order(self, order: bt.Order) -> None:
        if order.status == order.Completed:
            self.fills += 1

    def next(self) -> None:
        mid = self.data.close[0]
        difference = self.fast_sma[0] - self.slow_sma[0]
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
        {"open": mid, "high": mid, "low": mid, "close": mid, "volume": data["bid_size"]},
        # backtrader keeps datetimes as float days: microseconds are all it can hold.
        index=pd.to_datetime(data["ts_recv"] // 1_000, unit="us"),
    )
    cerebro = bt.Cerebro(stdstats=False)
    cerebro.adddata(bt.feeds.PandasData(dataname=frame))
    cerebro.addstrategy(SmaCrossover)
    cerebro.broker.setcash(1_000_000.0)
    cerebro.broker.set_coc(True)
    started = time.perf_counter()
    (strategy,) = cerebro.run()
    run_seconds = time.perf_counter() - started
    seconds = strategy.stopped - strategy.started
    print(
        json.dumps(
            {
                "quotes": len(frame),
                "seconds": seconds,
                "quotes_per_s": len(frame) / seconds,
                "run_seconds": run_seconds,
                "run_quotes_per_s": len(frame) / run_seconds,
                "fills": strategy.fills,
                "orders": strategy.sent,
                "position": strategy.position.size,
                "timed": "strategy start to stop (indicators, bar loop, broker); preload excluded",
            }
        )
    )


if __name__ == "__main__":
    main()
