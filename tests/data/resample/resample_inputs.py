"""Hypothesis strategies for tick tables, and the slow references bars are checked against.

Prices are multiples of 0.25 and sizes whole numbers, so every sum and mid
is exact in float64 and results can be compared for equality. Timestamps
are small (a few thousand ns) so pandas' empty buckets stay cheap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import strategies as st

from tickdeck.core import DataKind, layout


@dataclass(frozen=True)
class Ticks:
    """A generated tick table and the columns the references need."""

    table: pa.Table
    kind: DataKind

    def column(self, name: str) -> np.ndarray:
        return self.table.column(name).to_numpy()

    def price(self, source: str) -> np.ndarray:
        if self.kind == DataKind.TRADE:
            return self.column("price")
        if source == "mid":
            return (self.column("bid_price") + self.column("ask_price")) / 2.0
        return self.column(f"{source}_price")

    def volume(self) -> np.ndarray:
        if self.kind == DataKind.TRADE:
            return self.column("size")
        return np.zeros(self.table.num_rows)


def _with_nans(draw: st.DrawFn, values: np.ndarray) -> np.ndarray:
    """Blank a few values, as one-sided quotes or unpriced prints would."""
    if not draw(st.booleans()):
        return values
    digits = st.lists(st.integers(0, 3), min_size=values.size, max_size=values.size)
    return np.where(np.array(draw(digits)) == 0, np.nan, values)


@st.composite
def tick_tables(
    draw: st.DrawFn,
    kind: DataKind,
    *,
    max_size: int = 60,
    sort: bool = False,
    nans: bool = True,
) -> Ticks:
    """QUOTE or TRADE tables with duplicate times, gaps, clock skew and maybe NaN prices."""
    n = draw(st.integers(0, max_size))
    span = draw(st.sampled_from([20, 300, 3000]))
    ints = st.lists(st.integers(-span // 4, span), min_size=n, max_size=n)
    ts = np.array(draw(ints), dtype=np.int64)
    if sort or draw(st.booleans()):
        ts.sort()
    # Receive latency may be negative: clocks are not synchronised.
    recv = ts + np.array(draw(st.lists(st.integers(-5, 60), min_size=n, max_size=n)), np.int64)
    first = np.array(draw(st.lists(st.integers(0, 40), min_size=n, max_size=n)), np.float64)
    second = np.array(draw(st.lists(st.integers(0, 8), min_size=n, max_size=n)), np.float64)
    spec = layout(kind)
    if kind == DataKind.QUOTE:
        bid = 100.0 + first * 0.25
        bid = _with_nans(draw, bid) if nans else bid
        columns = [ts, recv, bid, bid + (1 + second) * 0.25, np.ones(n), np.ones(n)]
    else:
        price = 100.0 + first * 0.25
        price = _with_nans(draw, price) if nans else price
        columns = [ts, recv, price, second, np.zeros(n, np.int8), np.arange(n, dtype=np.int64)]
    arrays = [pa.array(c, type=f.arrow_type) for c, f in zip(columns, spec.fields, strict=True)]
    return Ticks(pa.Table.from_arrays(arrays, schema=spec.arrow_schema), kind)


def bar_columns(table: pa.Table) -> dict[str, np.ndarray]:
    return {name: table.column(name).to_numpy() for name in table.column_names}


def pandas_time_bars(ticks: Ticks, source: str, interval_ns: int, origin_ns: int) -> pd.DataFrame:
    """Time bars by pandas: resample(...).ohlc() / .sum() / .max(), empty buckets dropped."""
    price = ticks.price(source)
    frame = pd.DataFrame(
        {"price": price, "volume": ticks.volume(), "recv": ticks.column("ts_recv")},
        index=pd.to_datetime(ticks.column("ts_event"), unit="ns"),
    )
    frame = frame[~np.isnan(price)]  # an unpriced tick is skipped wholesale
    buckets = frame.resample(
        pd.Timedelta(interval_ns, "ns"),
        origin=pd.Timestamp(origin_ns, unit="ns"),
        closed="left",
        label="right",
    )
    bars = buckets["price"].ohlc()
    bars["volume"] = buckets["volume"].sum()
    bars["recv"] = buckets["recv"].max()
    bars = bars.dropna(subset=["open"])
    ends = bars.index.asi8
    bars["ts_event"] = ends
    bars["ts_recv"] = np.maximum(ends, bars["recv"].to_numpy(np.int64))
    return bars.reset_index(drop=True)


def pandas_tick_bars(ticks: Ticks, source: str, n: int, include_partial: bool) -> pd.DataFrame:
    """Tick bars by pandas: stable sort by ts_event, then groupby(position // n)."""
    price = ticks.price(source)
    frame = pd.DataFrame(
        {
            "ts": ticks.column("ts_event"),
            "recv": ticks.column("ts_recv"),
            "price": price,
            "volume": ticks.volume(),
        }
    )
    frame = frame[~np.isnan(price)].sort_values("ts", kind="stable").reset_index(drop=True)
    groups = frame.groupby(frame.index // n)
    bars = groups["price"].ohlc()
    bars["volume"] = groups["volume"].sum()
    bars["ts_event"] = groups["ts"].last()
    bars["ts_recv"] = np.maximum(bars["ts_event"], groups["recv"].max())
    if not include_partial and len(frame) % n:
        bars = bars.iloc[:-1]
    return bars.reset_index(drop=True)


def reference_volume_bars(
    ticks: Ticks, threshold: float, include_partial: bool
) -> list[tuple[int, int, float, float, float, float, float]]:
    """Volume bars by the obvious loop: (ts_event, ts_recv, open, high, low, close, volume)."""
    ts, recv = ticks.column("ts_event"), ticks.column("ts_recv")
    price, size = ticks.column("price"), ticks.column("size")
    bars = []
    current: list[tuple[int, int, float, float]] = []
    for i in np.argsort(ts, kind="stable"):
        if np.isnan(price[i]):
            continue
        current.append((int(ts[i]), int(recv[i]), float(price[i]), float(size[i])))
        if sum(tick[3] for tick in current) >= threshold:
            bars.append(_bar(current))
            current = []
    if current and include_partial:
        bars.append(_bar(current))
    return bars


def _bar(
    ticks: list[tuple[int, int, float, float]],
) -> tuple[int, int, float, float, float, float, float]:
    prices = [t[2] for t in ticks]
    close_ts = ticks[-1][0]
    recv = max(close_ts, *(t[1] for t in ticks))
    volume = sum(t[3] for t in ticks)
    return (close_ts, recv, prices[0], max(prices), min(prices), prices[-1], volume)
