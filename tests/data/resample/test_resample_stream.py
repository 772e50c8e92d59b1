"""A BarAggregator fed chunk by chunk gives exactly the one-shot bars."""

from __future__ import annotations

import itertools

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.data.resample.resample_inputs import Ticks, tick_tables

from tickdeck.core import DataError, DataKind, InputError, layout
from tickdeck.data.resample import BarAggregator, resample_ticks, resample_time, resample_volume


def chunks(draw: st.DrawFn, table: pa.Table) -> list[pa.Table | pa.RecordBatch]:
    """The table cut at random points (empty chunks included), as tables or record batches."""
    cuts = sorted(draw(st.lists(st.integers(0, table.num_rows), max_size=6)))
    bounds = [0, *cuts, table.num_rows]
    pieces: list[pa.Table | pa.RecordBatch] = []
    for start, stop in itertools.pairwise(bounds):
        piece = table.slice(start, stop - start)
        if draw(st.booleans()):
            columns = [column.combine_chunks() for column in piece.columns]
            piece = pa.RecordBatch.from_arrays(columns, schema=piece.schema)
        pieces.append(piece)
    return pieces


def run(
    aggregator: BarAggregator, pieces: list[pa.Table | pa.RecordBatch], include_partial: bool
) -> pa.Table:
    bars = [aggregator.update(piece) for piece in pieces]
    bars.append(aggregator.finish(include_partial=include_partial))
    return pa.concat_tables(bars)


@given(
    tick_tables(DataKind.QUOTE, sort=True),
    st.sampled_from([1, 3, 10, 100, 1000]),
    st.integers(-50, 50),
    st.booleans(),
    st.data(),
)
def test_chunked_time_bars_equal_one_shot(
    ticks: Ticks, interval_ns: int, origin_ns: int, include_partial: bool, data: st.DataObject
) -> None:
    pieces = chunks(data.draw, ticks.table)
    aggregator = BarAggregator.time("quotes", interval_ns, origin_ns=origin_ns)
    one_shot = resample_time(
        ticks.table, "quotes", interval_ns, origin_ns=origin_ns, include_partial=include_partial
    )
    assert run(aggregator, pieces, include_partial).equals(one_shot)


@given(tick_tables(DataKind.TRADE, sort=True), st.integers(1, 8), st.booleans(), st.data())
def test_chunked_tick_bars_equal_one_shot(
    ticks: Ticks, ticks_per_bar: int, include_partial: bool, data: st.DataObject
) -> None:
    pieces = chunks(data.draw, ticks.table)
    aggregator = BarAggregator.ticks("trades", ticks_per_bar)
    one_shot = resample_ticks(ticks.table, "trades", ticks_per_bar, include_partial=include_partial)
    assert run(aggregator, pieces, include_partial).equals(one_shot)


@given(tick_tables(DataKind.TRADE, sort=True), st.sampled_from([1.0, 4.0, 9.5]), st.data())
def test_chunked_volume_bars_equal_one_shot(
    ticks: Ticks, volume_per_bar: float, data: st.DataObject
) -> None:
    pieces = chunks(data.draw, ticks.table)
    aggregator = BarAggregator.volume("trades", volume_per_bar)
    one_shot = resample_volume(ticks.table, "trades", volume_per_bar, include_partial=True)
    assert run(aggregator, pieces, True).equals(one_shot)


def quotes(ts: list[int]) -> pa.Table:
    n = len(ts)
    return pa.Table.from_pydict(
        {
            "ts_event": ts,
            "ts_recv": ts,
            "bid_price": [1.0] * n,
            "ask_price": [2.0] * n,
            "bid_size": [1.0] * n,
            "ask_size": [1.0] * n,
        },
        schema=layout(DataKind.QUOTE).arrow_schema,
    )


def test_a_chunk_that_goes_back_in_time_is_rejected() -> None:
    aggregator = BarAggregator.time("quotes", 10)
    aggregator.update(quotes([1, 5, 12]))
    with pytest.raises(DataError, match="goes back in time") as caught:
        aggregator.update(quotes([12, 11]))
    assert caught.value.record == 1
    with pytest.raises(DataError) as caught:
        aggregator.update(quotes([3]))
    assert caught.value.record == 0


def test_a_time_bar_is_emitted_by_the_first_tick_after_its_bucket() -> None:
    aggregator = BarAggregator.time("quotes", 10)
    assert aggregator.update(quotes([1, 5, 9])).num_rows == 0
    closed = aggregator.update(quotes([10]))
    assert closed.column("ts_event").to_pylist() == [10]
    assert aggregator.finish(include_partial=True).column("ts_event").to_pylist() == [20]


def test_a_finished_aggregator_refuses_more_ticks() -> None:
    aggregator = BarAggregator.ticks("quotes", 2)
    aggregator.finish(include_partial=False)
    with pytest.raises(InputError, match="aggregator"):
        aggregator.update(quotes([1]))


@given(
    tick_tables(DataKind.TRADE),
    st.sampled_from(["time", "ticks", "volume"]),
    st.sampled_from([1, 2, 5]),
)
def test_kernels_stopped_by_a_full_output_resume_exactly(
    ticks: Ticks, rule: str, parameter: int
) -> None:
    # The output estimate is normally right; force it to one bar so that every
    # kernel call stops early and the shell has to resume it from where it stopped.
    resample = {"time": resample_time, "ticks": resample_ticks, "volume": resample_volume}[rule]
    expected = resample(ticks.table, "trades", parameter)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(BarAggregator, "_estimate", lambda self, ticks: 1)
        assert resample(ticks.table, "trades", parameter).equals(expected)
