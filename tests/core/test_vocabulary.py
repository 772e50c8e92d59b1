"""Enums, layouts, events, errors and time parsing: the shared vocabulary."""

import numpy as np
import pyarrow as pa
import pytest

import tickdeck.core as core
from tickdeck.core import (
    EVENT_TYPES,
    LAYOUTS,
    Aggressor,
    DataError,
    DataKind,
    InputError,
    Quote,
    Side,
    format_timestamp,
    layout,
    parse_duration,
    parse_timestamp,
)


def test_public_names_are_exported() -> None:
    for name in core.__all__:
        assert hasattr(core, name), name


@pytest.mark.parametrize("text", ["quotes", "quote", "QUOTES", "Quote"])
def test_kind_names_parse_in_any_form(text: str) -> None:
    assert DataKind.parse(text) is DataKind.QUOTE


def test_unknown_kind_suggests_the_closest() -> None:
    with pytest.raises(InputError, match="did you mean 'trades'"):
        DataKind.parse("trade_s")


def test_replay_rank_puts_books_first_and_bars_last() -> None:
    assert sorted(DataKind) == [
        DataKind.BOOK_SNAPSHOT,
        DataKind.BOOK_DELTA,
        DataKind.ORDER_EVENT,
        DataKind.QUOTE,
        DataKind.TRADE,
        DataKind.BAR,
    ]


def test_enum_codes_fit_int8_columns() -> None:
    for enum in (Side, Aggressor, core.BookAction, core.OrderAction):
        assert all(-128 <= int(m) <= 127 for m in enum)
    assert Side.parse("sell") is Side.SELL
    assert Side.parse(-1) is Side.SELL


@pytest.mark.parametrize("kind", list(DataKind))
def test_every_layout_starts_with_both_timestamps(kind: DataKind) -> None:
    spec = layout(kind)
    assert spec.names[:2] == ("ts_event", "ts_recv")
    assert spec.arrow_schema.names == list(spec.names)
    assert spec.numpy_dtype.names == spec.names
    assert set(spec.price_fields) <= set(spec.names)
    assert set(spec.size_fields) <= set(spec.names)
    assert all(not f.nullable for f in spec.arrow_schema)
    assert spec.arrow_schema.field("ts_recv").type == pa.int64()


@pytest.mark.parametrize("kind", [k for k in DataKind if k is not DataKind.BOOK_SNAPSHOT])
def test_event_fields_are_the_instrument_then_the_layout(kind: DataKind) -> None:
    event_type = EVENT_TYPES[kind]
    assert event_type._fields == ("instrument", *LAYOUTS[kind].names)
    assert EVENT_TYPES[kind].__name__.lower() in kind.label.replace("_", "")


def test_events_can_be_built_from_columns_in_c() -> None:
    row = ("EURUSD.DUKA", 1, 2, 1.1, 1.2, 3.0, 4.0)
    quote = tuple.__new__(Quote, row)
    assert quote.mid == pytest.approx(1.15)
    assert quote.spread == pytest.approx(0.1)
    assert quote.ts_recv == 2


def test_numpy_dtype_holds_a_record() -> None:
    record = np.zeros(1, dtype=layout("trades").numpy_dtype)
    record["aggressor"] = Aggressor.SELLER
    assert record["aggressor"][0] == -1


def test_errors_locate_the_problem() -> None:
    error = DataError("ticks.csv", "not a number", line=12, field="bid", value="abc")
    assert str(error) == "ticks.csv, line 12, field 'bid': not a number (value 'abc')"
    bad = InputError("speed", -1, "a positive number", hint="use 1 for real time")
    assert str(bad) == "speed: got -1, expected a positive number (use 1 for real time)"


@pytest.mark.parametrize(
    ("text", "ns"),
    [
        ("500ms", 500_000_000),
        ("1s", 10**9),
        ("5m", 300 * 10**9),
        ("1h", 3600 * 10**9),
        ("1.5s", 1_500_000_000),
    ],
)
def test_durations(text: str, ns: int) -> None:
    assert parse_duration(text) == ns


@pytest.mark.parametrize("text", ["", "5", "-1s", "1 parsec", "0s"])
def test_bad_durations_are_rejected(text: str) -> None:
    with pytest.raises(InputError):
        parse_duration(text)


def test_timestamps_parse_zones_and_print_back() -> None:
    ns = parse_timestamp("2024-01-02T10:30:00.000000123+01:00")
    assert format_timestamp(ns) == "2024-01-02T09:30:00.000000123Z"
    assert parse_timestamp("2024-01-02") == parse_timestamp("2024-01-02T00:00:00Z")
    assert parse_timestamp(5) == 5
    with pytest.raises(InputError):
        parse_timestamp("yesterday-ish")
