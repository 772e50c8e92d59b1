"""`run_metrics`: every metric of a finished run, from its records, by the pure metric functions.

How a run's records become metric inputs:

- returns come from the sampled equity curve (see `summary` for the period);
- trades are the closed round trips, net of fees;
- time in market uses the sum of absolute positions after each fill, so a run
  is "in the market" while any instrument's position is open;
- slippage is against the mid when each order reached the exchange;
- latency is from an order's submission to its first fill, over filled orders.
"""

from __future__ import annotations

import numpy as np

from tickdeck.core import OrderType, Side
from tickdeck.results.metrics import Metrics, summary
from tickdeck.results.run import RunResult

__all__ = ["run_metrics"]


def run_metrics(result: RunResult, *, risk_free_rate: float = 0.0) -> Metrics:
    """The metrics of `result`; see the module docstring for how each input is derived."""
    fills = result.fills
    positions: dict[str, float] = {}
    position_ts = [result.equity.ts[0]] if result.equity.ts.size else []
    position_abs = [0.0] if result.equity.ts.size else []
    first_fill: dict[int, int] = {}
    for fill in fills:
        positions[fill.instrument] = positions.get(fill.instrument, 0.0) + fill.signed_quantity
        position_ts.append(fill.ts)
        position_abs.append(sum(abs(q) for q in positions.values()))
        first_fill.setdefault(fill.order_id, fill.ts)
    side = np.array([1 if f.side == Side.BUY else -1 for f in fills], dtype=np.int64)
    price = np.array([f.price for f in fills], dtype=np.float64)
    slippage = np.array([f.slippage for f in fills], dtype=np.float64)
    quantity = np.array([f.quantity for f in fills], dtype=np.float64)
    limits = [o for o in result.orders if o.request.order_type == OrderType.LIMIT]
    filled_orders = [o for o in result.orders if o.order_id in first_fill]
    has_equity = result.equity.ts.size > 0
    return summary(
        result.equity.ts,
        result.equity.equity,
        risk_free_rate=risk_free_rate,
        trade_net_pnl=np.array([t.net_pnl for t in result.trades], dtype=np.float64),
        # Fills are in the order the account booked them; their venue times can step back
        # when venue clocks lag (ts_event before ts_recv): the position changed no earlier
        # than the latest time already seen.
        position_ts_ns=np.maximum.accumulate(np.array(position_ts, dtype=np.int64))
        if has_equity
        else None,
        position=np.array(position_abs, dtype=np.float64) if has_equity else None,
        fill_notional=np.abs(price * quantity),
        fill_side=side,
        fill_price=price,
        fill_reference_mid=price - side * slippage,
        limit_order_quantity=np.array([o.request.quantity for o in limits], dtype=np.float64),
        limit_filled_quantity=np.array([o.filled_quantity for o in limits], dtype=np.float64),
        submit_ns=np.array([o.ts_created for o in filled_orders], dtype=np.int64),
        response_ns=np.array([first_fill[o.order_id] for o in filled_orders], dtype=np.int64),
    )
