"""Tick bars agree with pandas' groupby(position // n); volume bars with an obvious loop."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st
from tests.data.resample.resample_inputs import (
    Ticks,
    bar_columns,
    pandas_tick_bars,
    reference_volume_bars,
    tick_tables,
)

from tickdeck.core import DataKind, layout
from tickdeck.data.resample import resample_ticks, resample_volume

BAR_COLUMNS = ("ts_event", "ts_recv", "open", "high", "low", "close", "volume")


@given(
    tick_tables(DataKind.QUOTE),
    st.integers(1, 12),
    st.sampled_from(["mid", "bid", "ask"]),
    st.booleans(),
)
def test_quote_tick_bars_match_pandas_groupby(
    ticks: Ticks, ticks_per_bar: int, source: str, include_partial: bool
) -> None:
    bars = resample_ticks(
        ticks.table, "quotes", ticks_per_bar, source=source, include_partial=include_partial
    )
    expected = pandas_tick_bars(ticks, source, ticks_per_bar, include_partial)
    got = bar_columns(bars)
    for name in BAR_COLUMNS:
        np.testing.assert_array_equal(got[name], expected[name].to_numpy(), err_msg=name)
    assert (got["interval_ns"] == 0).all()


@given(tick_tables(DataKind.TRADE), st.integers(1, 12), st.booleans())
def test_trade_tick_bars_match_pandas_groupby(
    ticks: Ticks, ticks_per_bar: int, include_partial: bool
) -> None:
    bars = resample_ticks(ticks.table, "trades", ticks_per_bar, include_partial=include_partial)
    expected = pandas_tick_bars(ticks, "trade", ticks_per_bar, include_partial)
    got = bar_columns(bars)
    for name in BAR_COLUMNS:
        np.testing.assert_array_equal(got[name], expected[name].to_numpy(), err_msg=name)


@given(tick_tables(DataKind.TRADE), st.sampled_from([0.5, 1.0, 3.0, 7.5, 20.0]), st.booleans())
def test_volume_bars_match_the_reference_loop(
    ticks: Ticks, volume_per_bar: float, include_partial: bool
) -> None:
    bars = resample_volume(ticks.table, "trades", volume_per_bar, include_partial=include_partial)
    got = bar_columns(bars)
    rows = list(zip(*(got[name].tolist() for name in BAR_COLUMNS), strict=True))
    assert rows == reference_volume_bars(ticks, volume_per_bar, include_partial)
    assert (got["interval_ns"] == 0).all()


@given(tick_tables(DataKind.TRADE, nans=False), st.sampled_from([1.0, 3.0, 7.5]))
def test_every_closed_volume_bar_reaches_the_threshold_and_no_trade_is_split(
    ticks: Ticks, volume_per_bar: float
) -> None:
    closed = resample_volume(ticks.table, "trades", volume_per_bar).column("volume").to_numpy()
    everything = resample_volume(ticks.table, "trades", volume_per_bar, include_partial=True)
    assert (closed >= volume_per_bar).all()
    # Whole trades only: the bars' volumes add up to the traded volume, nothing carried over.
    assert everything.column("volume").to_numpy().sum() == ticks.column("size").sum()


def trades(ts: list[int], sizes: list[float]) -> pa.Table:
    n = len(ts)
    return pa.Table.from_pydict(
        {
            "ts_event": ts,
            "ts_recv": ts,
            "price": [100.0 + i for i in range(n)],
            "size": sizes,
            "aggressor": [0] * n,
            "trade_id": list(range(n)),
        },
        schema=layout(DataKind.TRADE).arrow_schema,
    )


def test_the_trade_that_crosses_the_threshold_closes_the_bar_whole() -> None:
    bars = bar_columns(resample_volume(trades([1, 2, 3, 4], [4.0, 5.0, 30.0, 1.0]), "trades", 10))
    # 4 + 5 < 10, then 30 crosses: all 39 go to the first bar; the next starts from zero.
    assert bars["volume"].tolist() == [39.0]
    assert bars["ts_event"].tolist() == [3]
    assert bars["open"].tolist() == [100.0]
    assert bars["close"].tolist() == [102.0]


def test_tick_bars_close_at_their_last_tick() -> None:
    bars = bar_columns(resample_ticks(trades([5, 9, 9, 20, 21], [1.0] * 5), "trades", 2))
    assert bars["ts_event"].tolist() == [9, 20]  # the fifth tick is a partial bar, dropped
    assert bars["volume"].tolist() == [2.0, 2.0]
