"""SMA(20/100) crossover on the quote mid in NautilusTrader, a Python `Strategy` on quote ticks.

Run by ``benchmarks/bench_peers.py`` in a virtual environment that has
nautilus_trader; standalone: ``python nautilus_sma.py QUOTES.npz``. Prints one
JSON object: quotes_per_s, fills, seconds, ...

How it maps to tickdeck's `SMACrossover`:

- The quotes become ``QuoteTick``s of a 5-decimal EUR/USD ``CurrencyPair``
  (``TestInstrumentProvider.default_fx_ccy``) on a simulated venue with an L1
  book, netting OMS, margin account, 1M USD; ``ts_event`` is the venue time,
  ``ts_init`` the receive time.
- The strategy is a Python ``Strategy`` subclass: two
  ``SimpleMovingAverage(price_type=MID)`` indicators registered for the quote
  ticks, and ``on_quote_tick`` applies tickdeck's crossover rule to their
  values (a move strictly onto the other side; ties, within 1e-12 of the
  mid, keep the side; the end of the warm-up is no crossing).
- At a crossover it submits one market order for the difference to the
  target position (+/-1000 units, long/short), which the simulated exchange
  fills against the quote's ask (buy) or bid (sell), as tickdeck does. No
  latency model; the test-kit instrument charges its 0.2 bp taker fee
  (tickdeck's run has none), a few arithmetic steps per fill.
- Timed: ``BacktestEngine.run()`` only; building the ticks and adding them to
  the engine (which sorts them) are not timed. Logging is at ERROR level.
"""

from __future__ import annotations

import json
import sys
import time
from decimal import Decimal

import numpy as np
import pandas as pd
from nautilus_trader.backtest.engine import BacktestEngine
from nautilus_trader.config import BacktestEngineConfig, LoggingConfig, StrategyConfig
from nautilus_trader.indicators import SimpleMovingAverage
from nautilus_trader.model.currencies import USD
from nautilus_trader.model.data import QuoteTick
from nautilus_trader.model.enums import AccountType, OmsType, OrderSide, PriceType
from nautilus_trader.model.events import OrderFilled
from nautilus_trader.model.identifiers import InstrumentId, Venue
from nautilus_trader.model.objects import Money, Quantity
from nautilus_trader.persistence.wranglers import QuoteTickDataWrangler
from nautilus_trader.test_kit.providers import TestInstrumentProvider
from nautilus_trader.trading.strategy import Strategy

FAST, SLOW, QUANTITY, TIE = 20, 100, 1000, 1e-12


class SmaCrossoverConfig(StrategyConfig, frozen=True):
    instrument_id: InstrumentId


class SmaCrossover(Strategy):
    def __init__(self, config: SmaCrossoverConfig) -> None:
        super().__init__(config)
        self.fast_sma = SimpleMovingAverage(FAST, price_type=PriceType.MID)
        self.slow_sma = SimpleMovingAverage(SLOW, price_type=PriceType.MID)
        self.side = 0
        self.target = 0
        self.sent = 0
        self.fills = 0

    def on_start(self) -> None:
        self.register_indicator_for_quote_ticks(self.config.instrument_id, self.fast_sma)
        self.register_indicator_for_quote_ticks(self.config.instrument_id, self.slow_sma)
        self.subscribe_quote_ticks(self.config.instrument_id)

    def on_quote_tick(self, tick: QuoteTick) -> None:
        if not self.slow_sma.initialized:
            return
        mid = (tick.bid_price.as_double() + tick.ask_price.as_double()) * 0.5
        difference = self.fast_sma.value - self.slow_sma.value
        tie = TIE * mid
        now = 1 if difference > tie else (-1 if difference < -tie else 0)
        if now == 0 or now == self.side:
            return
        if self.side != 0:
            wanted = QUANTITY if now > 0 else -QUANTITY
            gap = wanted - self.target
            order = self.order_factory.market(
                instrument_id=self.config.instrument_id,
                order_side=OrderSide.BUY if gap > 0 else OrderSide.SELL,
                quantity=Quantity.from_int(abs(gap)),
            )
            self.submit_order(order)
            self.target = wanted
            self.sent += 1
        self.side = now

    def on_order_filled(self, event: OrderFilled) -> None:
        self.fills += 1


def main() -> None:
    data = np.load(sys.argv[1])
    venue = Venue("SIM")
    instrument = TestInstrumentProvider.default_fx_ccy("EUR/USD", venue)
    frame = pd.DataFrame(
        {
            "bid_price": data["bid"],
            "ask_price": data["ask"],
            "bid_size": data["bid_size"],
            "ask_size": data["ask_size"],
        },
        index=pd.to_datetime(data["ts_event"], unit="ns", utc=True),
    )
    wrangler = QuoteTickDataWrangler(instrument)
    ticks = wrangler.process(frame)
    # The wrangler takes one timestamp; receive times are what the strategy sees.
    ticks = [
        QuoteTick(
            t.instrument_id, t.bid_price, t.ask_price, t.bid_size, t.ask_size, t.ts_event, int(recv)
        )
        for t, recv in zip(ticks, data["ts_recv"], strict=True)
    ]

    engine = BacktestEngine(
        BacktestEngineConfig(trader_id="BENCH-001", logging=LoggingConfig(log_level="ERROR"))
    )
    engine.add_venue(
        venue=venue,
        oms_type=OmsType.NETTING,
        account_type=AccountType.MARGIN,
        base_currency=USD,
        starting_balances=[Money(1_000_000, USD)],
    )
    engine.add_instrument(instrument)
    engine.add_data(ticks)
    strategy = SmaCrossover(SmaCrossoverConfig(instrument_id=instrument.id))
    engine.add_strategy(strategy)

    started = time.perf_counter()
    engine.run()
    seconds = time.perf_counter() - started
    position = engine.portfolio.net_position(instrument.id)
    print(
        json.dumps(
            {
                "quotes": len(ticks),
                "seconds": seconds,
                "quotes_per_s": len(ticks) / seconds,
                "fills": strategy.fills,
                "orders": strategy.sent,
                "position": float(Decimal(position)),
                "timed": "BacktestEngine.run() only (tick building and add_data excluded)",
            }
        )
    )
    engine.dispose()


if __name__ == "__main__":
    main()
