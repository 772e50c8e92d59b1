"""Bad arguments raise InputError naming the field; bad data raises DataError."""

from __future__ import annotations

import pyarrow as pa
import pytest

import tickdeck.data.resample as resample
from tickdeck.core import DataError, DataKind, InputError, layout
from tickdeck.data.resample import (
    BarAggregator,
    PriceSource,
    resample_ticks,
    resample_time,
    resample_volume,
)


def quotes(n: int = 3) -> pa.Table:
    return pa.Table.from_pydict(
        {
            "ts_event": list(range(n)),
            "ts_recv": list(range(n)),
            "bid_price": [1.0] * n,
            "ask_price": [1.5] * n,
            "bid_size": [1.0] * n,
            "ask_size": [1.0] * n,
        },
        schema=layout(DataKind.QUOTE).arrow_schema,
    )


def trades(sizes: list[float]) -> pa.Table:
    n = len(sizes)
    return pa.Table.from_pydict(
        {
            "ts_event": list(range(n)),
            "ts_recv": list(range(n)),
            "price": [1.0] * n,
            "size": sizes,
            "aggressor": [0] * n,
            "trade_id": [0] * n,
        },
        schema=layout(DataKind.TRADE).arrow_schema,
    )


def test_public_names_are_exported() -> None:
    assert sorted(resample.__all__) == [
        "BarAggregator",
        "PriceSource",
        "resample_ticks",
        "resample_time",
        "resample_volume",
    ]
    for name in resample.__all__:
        assert hasattr(resample, name), name


@pytest.mark.parametrize(
    ("text", "member"),
    [
        ("mid", PriceSource.MID),
        ("BID", PriceSource.BID),
        (" Ask ", PriceSource.ASK),
        (3, PriceSource.TRADE),
    ],
)
def test_price_sources_parse_from_the_edges(text: str | int, member: PriceSource) -> None:
    assert PriceSource.parse(text) is member


def test_a_misspelt_price_source_gets_a_suggestion() -> None:
    with pytest.raises(InputError, match="did you mean 'mid'"):
        resample_time(quotes(), "quotes", 10, source="midd")


@pytest.mark.parametrize("interval", [0, -5, 1.5, True, "1s", 2**63])
def test_the_interval_must_be_a_positive_int64(interval: object) -> None:
    with pytest.raises(InputError) as caught:
        resample_time(quotes(), "quotes", interval)  # type: ignore[arg-type]
    assert caught.value.field == "interval_ns"


@pytest.mark.parametrize("count", [0, -1, 2.0, None])
def test_ticks_per_bar_must_be_a_positive_int(count: object) -> None:
    with pytest.raises(InputError, match="ticks_per_bar"):
        resample_ticks(quotes(), "quotes", count)  # type: ignore[arg-type]


@pytest.mark.parametrize("volume", [0, -1.0, float("nan"), float("inf"), "10"])
def test_volume_per_bar_must_be_positive_and_finite(volume: object) -> None:
    with pytest.raises(InputError, match="volume_per_bar"):
        resample_volume(trades([1.0]), "trades", volume)  # type: ignore[arg-type]


@pytest.mark.parametrize("origin", [2**63, 1.0])
def test_the_origin_must_be_an_int64(origin: object) -> None:
    with pytest.raises(InputError, match="origin_ns"):
        resample_time(quotes(), "quotes", 10, origin_ns=origin)  # type: ignore[arg-type]


def test_buckets_that_do_not_fit_in_int64_are_rejected_not_wrapped() -> None:
    with pytest.raises(InputError, match="origin_ns"):
        resample_time(quotes(), "quotes", 2**62, origin_ns=-(2**63) + 1)


@pytest.mark.parametrize("kind", ["bars", "book_deltas"])
def test_only_quotes_and_trades_make_bars(kind: str) -> None:
    with pytest.raises(InputError, match="quotes or trades"):
        resample_time(quotes(), kind, 10)


def test_bid_ask_and_mid_are_quote_prices() -> None:
    with pytest.raises(InputError, match="come from quotes") as caught:
        resample_time(trades([1.0]), "trades", 10, source="bid")
    assert caught.value.field == "source"
    with pytest.raises(InputError, match="come from trades"):
        resample_ticks(quotes(), "quotes", 2, source=PriceSource.TRADE)


def test_volume_bars_need_trades() -> None:
    with pytest.raises(InputError, match="volume bars need traded sizes"):
        resample_volume(quotes(), "quotes", 10.0)


def test_a_missing_column_is_named() -> None:
    with pytest.raises(InputError, match="'ask_price' column"):
        resample_time(quotes().drop_columns(["ask_price"]), "quotes", 10)


def test_bid_bars_do_not_need_the_ask() -> None:
    bars = resample_time(quotes().drop_columns(["ask_price"]), "quotes", 10, source="bid")
    assert bars.column("open").to_pylist() == [1.0]


def test_a_table_of_another_kind_is_caught_by_its_schema() -> None:
    with pytest.raises(InputError, match="schema names its kind"):
        resample_time(quotes(), "trades", 10)


def test_only_arrow_input_is_accepted() -> None:
    with pytest.raises(InputError, match="pyarrow Table or RecordBatch"):
        resample_time(quotes().to_pandas(), "quotes", 10)  # type: ignore[arg-type]


def test_columns_are_cast_losslessly_or_rejected() -> None:
    narrow = pa.array([0, 1, 2], pa.int32())
    table = pa.table({"ts_event": narrow, "ts_recv": narrow, "bid_price": [1.0, 2.0, 3.0]})
    assert resample_time(table, "quotes", 10, source="bid").num_rows == 1
    fractional = table.set_column(0, "ts_event", pa.array([0.5, 1.0, 2.0]))
    with pytest.raises(InputError, match="ts_event"):
        resample_time(fractional, "quotes", 10, source="bid")


def test_nulls_are_bad_data() -> None:
    table = quotes().set_column(2, "bid_price", pa.array([1.0, None, 2.0]))
    with pytest.raises(DataError, match="null"):
        resample_time(table, "quotes", 10)


@pytest.mark.parametrize("size", [-1.0, float("nan"), float("inf")])
def test_trade_sizes_must_be_finite_and_non_negative(size: float) -> None:
    with pytest.raises(DataError, match="trade sizes") as caught:
        resample_time(trades([1.0, size]), "trades", 10)
    assert caught.value.record == 1


def test_the_aggregator_validates_like_the_functions() -> None:
    with pytest.raises(InputError, match="interval_ns"):
        BarAggregator.time("quotes", 0)
    with pytest.raises(InputError, match="volume bars need traded sizes"):
        BarAggregator.volume("quotes", 1.0)
