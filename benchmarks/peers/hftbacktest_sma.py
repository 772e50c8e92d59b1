"""SMA(20/100) crossover on the quote mid in hftbacktest, with a numba-compiled strategy loop.

Run by ``benchmarks/bench_peers.py`` in a virtual environment that has
hftbacktest; standalone: ``python hftbacktest_sma.py QUOTES.npz``. Prints one
JSON object: quotes_per_s, fills, seconds, ...

How it maps to tickdeck's `SMACrossover`:

- Each L1 quote becomes ``DEPTH_EVENT`` rows with the quote's venue and
  receive times: the new best bid and ask, preceded by zero-quantity rows
  removing the previous ones when their price moved (``DEPTH_BBO_EVENT``
  rows leave the book of ``HashMapMarketDepthBacktest`` empty in 2.4.4); the
  book is a ``HashMapMarketDepthBacktest``.
- The strategy is an ``@njit`` loop on ``wait_next_feed``: after each feed
  step it reads the best bid and ask, updates both moving averages of the mid
  with running sums over ring buffers, and at a crossover (the tie rule of
  tickdeck's ``Cross``: a move strictly onto the other side, ties keep the
  side, warm-up is no crossing) sends one market order for the difference to
  the target position (+/-1000 units, long/short), which fills at the best
  ask (buy) or bid (sell) of that moment.
- Differences: the loop reacts once per feed step, and all rows of a quote
  share one receive time, so a step is a quote; the script counts the steps
  and reports them.
  Zero order latency (``constant_latency(0, 0)``), no fees, no partial fills.
- Timed: the compiled strategy loop over all events (``hbt`` built and the
  numba function compiled on a small warm-up run beforehand). Event-array
  construction and loading into hftbacktest are not timed.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
from hftbacktest import (
    BUY_EVENT,
    DEPTH_EVENT,
    EXCH_EVENT,
    GTC,
    LOCAL_EVENT,
    MARKET,
    SELL_EVENT,
    BacktestAsset,
    HashMapMarketDepthBacktest,
    event_dtype,
)
from numba import njit

FAST, SLOW, QUANTITY, TIE = 20, 100, 1000.0, 1e-12


@njit
def sma_crossover(hbt, fast, slow, quantity, tie_fraction, counts):
    fast_ring = np.zeros(fast)
    slow_ring = np.zeros(slow)
    fast_sum = 0.0
    slow_sum = 0.0
    seen = 0
    side = 0  # +1 fast above slow, -1 below, 0 unknown (warm-up)
    target = 0.0
    order_id = 0
    steps = 0
    while hbt.wait_next_feed(False, 1_000_000_000_000_000) == 2:
        steps += 1
        depth = hbt.depth(0)
        bid = depth.best_bid
        ask = depth.best_ask
        if not (bid > 0.0 and ask > 0.0 and ask < 1e300):
            continue  # the other side of the first quote is not in yet
        mid = (bid + ask) * 0.5
        fast_sum += mid - fast_ring[seen % fast]
        fast_ring[seen % fast] = mid
        slow_sum += mid - slow_ring[seen % slow]
        slow_ring[seen % slow] = mid
        seen += 1
        if seen < slow:
            continue
        difference = fast_sum / fast - slow_sum / slow
        tie = tie_fraction * mid
        now = 1 if difference > tie else (-1 if difference < -tie else 0)
        if now == 0 or now == side:
            continue
        if side != 0:
            wanted = quantity if now > 0 else -quantity
            gap = wanted - target
            order_id += 1
            if gap > 0:
                hbt.submit_buy_order(0, order_id, ask, gap, GTC, MARKET, False)
            else:
                hbt.submit_sell_order(0, order_id, bid, -gap, GTC, MARKET, False)
            target = wanted
            hbt.clear_inactive_orders(0)
        side = now
    counts[0] = steps
    counts[1] = order_id


def events(path: str, rows: int | None = None) -> np.ndarray:
    """hftbacktest depth rows for the quotes of the .npz file, in receive order.

    Per quote: a zero-quantity row removing the previous best bid if the bid
    price moved, the same for the ask, then the new best bid and best ask.
    Removals come first so the book is never crossed, and all rows of a quote
    share its times, so the strategy sees only the finished top of book.
    """
    data = np.load(path)
    count = len(data["ts_recv"]) if rows is None else rows
    bid, ask = data["bid"][:count], data["ask"][:count]
    previous_bid = np.concatenate(([np.nan], bid[:-1]))
    previous_ask = np.concatenate(([np.nan], ask[:-1]))
    # Columns: remove old bid, remove old ask, new bid, new ask.
    present = np.stack(
        [
            ~np.isnan(previous_bid) & (previous_bid != bid),
            ~np.isnan(previous_ask) & (previous_ask != ask),
            np.ones(count, dtype=bool),
            np.ones(count, dtype=bool),
        ],
        axis=1,
    )
    base = EXCH_EVENT | LOCAL_EVENT | DEPTH_EVENT
    flags = np.array([base | BUY_EVENT, base | SELL_EVENT] * 2, dtype=np.uint64)
    prices = np.stack([previous_bid, previous_ask, bid, ask], axis=1)
    sizes = np.stack(
        [np.zeros(count), np.zeros(count), data["bid_size"][:count], data["ask_size"][:count]],
        axis=1,
    )
    out = np.zeros(int(present.sum()), dtype=event_dtype)
    out["ev"] = np.broadcast_to(flags, (count, 4))[present]
    out["exch_ts"] = np.repeat(data["ts_event"][:count, None], 4, axis=1)[present]
    out["local_ts"] = np.repeat(data["ts_recv"][:count, None], 4, axis=1)[present]
    out["px"] = prices[present]
    out["qty"] = sizes[present]
    return out


def backtest(feed: np.ndarray):
    asset = (
        BacktestAsset()
        .data(feed)
        .linear_asset(1.0)
        .constant_order_latency(0, 0)
        .risk_adverse_queue_model()
        .no_partial_fill_exchange()
        .trading_value_fee_model(0.0, 0.0)
        .tick_size(0.00001)
        .lot_size(1.0)
    )
    return HashMapMarketDepthBacktest([asset])


def main() -> None:
    path = sys.argv[1]
    counts = np.zeros(2, dtype=np.int64)
    warm = backtest(events(path, 2_000))
    sma_crossover(warm, FAST, SLOW, QUANTITY, TIE, counts)  # compiles
    warm.close()

    feed = events(path)
    hbt = backtest(feed)
    started = time.perf_counter()
    sma_crossover(hbt, FAST, SLOW, QUANTITY, TIE, counts)
    seconds = time.perf_counter() - started
    state = hbt.state_values(0)
    quotes = int(np.load(path)["ts_recv"].shape[0])
    print(
        json.dumps(
            {
                "quotes": quotes,
                "seconds": seconds,
                "quotes_per_s": quotes / seconds,
                "fills": int(state.num_trades),
                "orders": int(counts[1]),
                "feed_steps": int(counts[0]),
                "position": float(hbt.position(0)),
                "timed": "njit strategy loop only (data loading and numba compile excluded)",
            }
        )
    )
    hbt.close()


if __name__ == "__main__":
    main()
