"""Bars for the synthetic-data tests: real sample files, awkward handmade ones, random ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
from hypothesis import strategies as st

from tickdeck.core import DataKind, Instrument, layout
from tickdeck.data.resample import resample_time

MINUTE_NS = 60_000_000_000
DAY_NS = 86_400_000_000_000
T0 = 1_704_205_800_000_000_000  # 2024-01-02T14:30:00Z
ACME = Instrument("ACME", "XNAS", "0.01")

# Doji (O=H=L=C), open on the high, close on the low, one-tick ranges, zero
# volume, fewer lots than the trades the bar needs, and a gap of six minutes.
AWKWARD_CSV = """time,open,high,low,close,volume
2024-01-02T14:30:00Z,100.00,100.00,100.00,100.00,500
2024-01-02T14:31:00Z,100.00,100.00,99.50,99.80,1200
2024-01-02T14:32:00Z,99.80,100.10,99.70,99.70,0
2024-01-02T14:33:00Z,99.70,99.71,99.70,99.71,3
2024-01-02T14:34:00Z,99.71,99.71,99.70,99.70,1
2024-01-02T14:40:00Z,99.75,99.75,99.75,99.75,0
2024-01-02T14:41:00Z,99.75,99.90,99.60,99.60,2
2024-01-02T14:42:00Z,99.60,99.65,99.55,99.65,7
"""


def write_awkward(folder: Path) -> Path:
    path = folder / "awkward_bars.csv"
    path.write_text(AWKWARD_CSV, encoding="utf-8")
    return path


def bars_table(
    open_ticks: npt.ArrayLike,
    high_ticks: npt.ArrayLike,
    low_ticks: npt.ArrayLike,
    close_ticks: npt.ArrayLike,
    volume: npt.ArrayLike,
    *,
    instrument: Instrument = ACME,
    interval_ns: int = MINUTE_NS,
    start_ns: int = T0,
) -> pa.Table:
    """Consecutive bars of `interval_ns` from `start_ns`, prices given in ticks."""
    n = np.asarray(open_ticks).shape[0]
    close_ns = start_ns + interval_ns * (1 + np.arange(n, dtype=np.int64))
    return pa.Table.from_pydict(
        {
            "ts_event": close_ns,
            "ts_recv": close_ns,
            "open": instrument.ticks_to_prices(open_ticks),
            "high": instrument.ticks_to_prices(high_ticks),
            "low": instrument.ticks_to_prices(low_ticks),
            "close": instrument.ticks_to_prices(close_ticks),
            "volume": np.asarray(volume, dtype=np.float64),
            "interval_ns": np.full(n, interval_ns, np.int64),
        },
        schema=layout(DataKind.BAR).arrow_schema,
    )


@st.composite
def random_bars(draw: st.DrawFn) -> pa.Table:
    """1 to 30 one-minute ACME bars: any valid OHLC on the grid, volumes 0 to 5,000 lots."""
    n = draw(st.integers(1, 30))
    rows = []
    for _ in range(n):
        low = draw(st.integers(9_000, 11_000))
        high = low + draw(st.sampled_from([0, 1, 2, 3, draw(st.integers(0, 400))]))
        o = draw(st.integers(low, high))
        c = draw(st.integers(low, high))
        volume = draw(st.sampled_from([0, 1, 2, 3, draw(st.integers(0, 5_000))]))
        rows.append((o, high, low, c, volume))
    columns = np.array(rows).T  # open, high, low, close, volume
    gaps = draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
    table = bars_table(*columns)
    # Spread the bars out: a gap of g minutes before bar i (no bar in between).
    shift = MINUTE_NS * np.cumsum(gaps, dtype=np.int64)
    close_ns = table.column("ts_event").to_numpy() + shift
    table = table.set_column(0, "ts_event", pa.array(close_ns))
    return table.set_column(1, "ts_recv", pa.array(close_ns))


def resampled(trades: pa.Table, interval_ns: int, instrument: Instrument) -> pa.Table:
    """The generated trades as time bars again, through the project's own resampler."""
    return resample_time(trades, DataKind.TRADE, interval_ns, instrument=instrument)


def ohlcv(table: pa.Table) -> dict[str, list[Any]]:
    names = ("ts_event", "open", "high", "low", "close", "volume", "interval_ns")
    return {name: table.column(name).to_pylist() for name in names}
