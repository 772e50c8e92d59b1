"""Time bars agree with pandas' resample on every generated input."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st
from tests.data.resample.resample_inputs import Ticks, bar_columns, pandas_time_bars, tick_tables

from tickdeck.core import DataKind, layout
from tickdeck.data.resample import resample_time

intervals = st.sampled_from([1, 2, 7, 10, 64, 250, 1000, 5000])
origins = st.integers(-1000, 1000)
quote_sources = st.sampled_from(["mid", "bid", "ask"])


def assert_matches_pandas(bars: pa.Table, expected: object) -> None:
    got = bar_columns(bars)
    for name in ("ts_event", "ts_recv", "open", "high", "low", "close", "volume"):
        np.testing.assert_array_equal(got[name], expected[name].to_numpy(), err_msg=name)  # type: ignore[index]


@given(tick_tables(DataKind.QUOTE), intervals, origins, quote_sources)
def test_quote_bars_match_pandas_ohlc(
    ticks: Ticks, interval_ns: int, origin_ns: int, source: str
) -> None:
    bars = resample_time(ticks.table, "quotes", interval_ns, source=source, origin_ns=origin_ns)
    assert_matches_pandas(bars, pandas_time_bars(ticks, source, interval_ns, origin_ns))
    assert (bars.column("volume").to_numpy() == 0.0).all()  # quotes carry no traded volume


@given(tick_tables(DataKind.TRADE), intervals, origins)
def test_trade_bars_match_pandas_ohlc_and_sum(
    ticks: Ticks, interval_ns: int, origin_ns: int
) -> None:
    bars = resample_time(ticks.table, DataKind.TRADE, interval_ns, origin_ns=origin_ns)
    assert_matches_pandas(bars, pandas_time_bars(ticks, "trade", interval_ns, origin_ns))


@given(tick_tables(DataKind.QUOTE), intervals, origins)
def test_bars_are_in_the_bar_layout_on_the_bucket_grid(
    ticks: Ticks, interval_ns: int, origin_ns: int
) -> None:
    bars = resample_time(ticks.table, DataKind.QUOTE, interval_ns, origin_ns=origin_ns)
    assert bars.schema.equals(layout(DataKind.BAR).arrow_schema, check_metadata=True)
    ts, recv = bars.column("ts_event").to_numpy(), bars.column("ts_recv").to_numpy()
    assert ((ts - origin_ns) % interval_ns == 0).all()
    assert (np.diff(ts) > 0).all()  # one bar per bucket, in time order
    assert (recv >= ts).all()  # never known before it closes
    assert (bars.column("interval_ns").to_numpy() == interval_ns).all()
    low, high = bars.column("low").to_numpy(), bars.column("high").to_numpy()
    for name in ("open", "close"):
        price = bars.column(name).to_numpy()
        assert ((low <= price) & (price <= high)).all()


@given(tick_tables(DataKind.TRADE), intervals, origins)
def test_dropping_the_partial_bar_drops_exactly_the_last_bar(
    ticks: Ticks, interval_ns: int, origin_ns: int
) -> None:
    full = resample_time(ticks.table, "trades", interval_ns, origin_ns=origin_ns)
    closed = resample_time(
        ticks.table, "trades", interval_ns, origin_ns=origin_ns, include_partial=False
    )
    assert closed.equals(full.slice(0, max(full.num_rows - 1, 0)))


@given(tick_tables(DataKind.QUOTE), intervals)
def test_unsorted_input_is_sorted_stably_by_ts_event(ticks: Ticks, interval_ns: int) -> None:
    order = np.argsort(ticks.column("ts_event"), kind="stable")
    assert resample_time(ticks.table, "quotes", interval_ns).equals(
        resample_time(ticks.table.take(order), "quotes", interval_ns)
    )


def test_worked_example_with_a_gap_a_one_sided_quote_and_late_receipt() -> None:
    quotes = pa.Table.from_pydict(
        {
            "ts_event": [1, 5, 12, 13, 30],
            "ts_recv": [2, 6, 12, 40, 31],
            "bid_price": [1.0, 2.0, 3.0, np.nan, 5.0],
            "ask_price": [1.5, 2.5, 3.5, 4.0, 5.5],
            "bid_size": [1.0] * 5,
            "ask_size": [1.0] * 5,
        },
        schema=layout(DataKind.QUOTE).arrow_schema,
    )
    bars = bar_columns(resample_time(quotes, "quotes", 10))
    # No bar for the empty bucket [20, 30); the one-sided quote at 13 has no mid.
    assert bars["ts_event"].tolist() == [10, 20, 40]
    assert bars["ts_recv"].tolist() == [10, 20, 40]
    assert bars["open"].tolist() == [1.25, 3.25, 5.25]
    assert bars["close"].tolist() == [2.25, 3.25, 5.25]
    asks = bar_columns(resample_time(quotes, "quotes", 10, source="ask"))
    # Now the quote at 13 counts, and its late receipt delays its bar's ts_recv.
    assert asks["ts_recv"].tolist() == [10, 40, 40]
    assert asks["high"].tolist() == [2.5, 4.0, 5.5]


def test_an_empty_table_gives_no_bars() -> None:
    empty = layout(DataKind.TRADE).arrow_schema.empty_table()
    bars = resample_time(empty, "trades", 1_000_000_000)
    assert bars.num_rows == 0
    assert bars.schema.equals(layout(DataKind.BAR).arrow_schema)
