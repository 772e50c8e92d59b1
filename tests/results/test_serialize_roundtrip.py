"""A run crosses any boundary as a JSON record plus Arrow tables, and comes back identical.

This module also holds what the run store's tests share: Hypothesis
strategies for whole `RunResult`s and `Metrics`, and `assert_same`, an
equality that compares floats by their bits (NaN payloads and -0.0 included)
and enums by their class.
"""

from __future__ import annotations

import dataclasses
import io
import json
import math
import re
import struct
from typing import Any

import hypothesis.extra.numpy as hnp
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tickdeck.core import (
    DataError,
    Fill,
    InputError,
    Liquidity,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    RejectReason,
    Side,
    TimeInForce,
)
from tickdeck.results.metrics import Metrics
from tickdeck.results.run import EquityArrays, RoundTrip, RunResult
from tickdeck.results.serialize import (
    EQUITY_SCHEMA,
    FILLS_SCHEMA,
    ORDERS_SCHEMA,
    RECORD_FORMAT,
    TRADES_SCHEMA,
    equity_table,
    fills_from_table,
    fills_table,
    float_from_json,
    float_to_json,
    metrics_to_record,
    orders_from_table,
    orders_table,
    record_to_metrics,
    record_to_result,
    result_tables,
    result_to_record,
    trades_table,
)

# -- equality by bits ------------------------------------------------------------


def _bits(value: float) -> int:
    return int(struct.unpack("<Q", struct.pack("<d", value))[0])


def assert_same(expected: object, actual: object, path: str = "result") -> None:
    """Equal field by field, of the same types, floats bit for bit (NaN == NaN of equal bits)."""
    assert type(actual) is type(expected), f"{path}: {type(actual)} is not {type(expected)}"
    if isinstance(expected, float):
        assert isinstance(actual, float)
        assert _bits(actual) == _bits(expected), f"{path}: {actual!r} != {expected!r}"
    elif isinstance(expected, np.ndarray):
        assert isinstance(actual, np.ndarray)
        assert (actual.dtype, actual.shape) == (expected.dtype, expected.shape), path
        assert actual.tobytes() == expected.tobytes(), f"{path}: values differ"
    elif dataclasses.is_dataclass(expected):
        for field in dataclasses.fields(expected):
            name = field.name
            assert_same(getattr(expected, name), getattr(actual, name), f"{path}.{name}")
    elif isinstance(expected, tuple | list):
        assert isinstance(actual, tuple | list)
        assert len(actual) == len(expected), f"{path}: {len(actual)} items, not {len(expected)}"
        for i, (left, right) in enumerate(zip(expected, actual, strict=True)):
            assert_same(left, right, f"{path}[{i}]")
    elif isinstance(expected, dict):
        assert isinstance(actual, dict)
        assert list(actual) == list(expected), f"{path}: keys differ"
        for key, value in expected.items():
            assert_same(value, actual[key], f"{path}[{key!r}]")
    else:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"


# -- generated runs ---------------------------------------------------------------

INT64 = st.integers(-(2**63), 2**63 - 1)
ANY_FLOAT = st.floats(allow_nan=True, allow_infinity=True)
POSITIVE = st.floats(min_value=1e-9, max_value=1e12, allow_nan=False, allow_infinity=False)
FINITE = st.floats(allow_nan=False, allow_infinity=False)
TEXT = st.text(max_size=8)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | FINITE | TEXT,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(TEXT, children, max_size=3),
    max_leaves=8,
)


@st.composite
def order_requests(draw: st.DrawFn) -> OrderRequest:
    kind = draw(st.sampled_from(OrderType))
    tif = draw(st.sampled_from(TimeInForce))
    limit = kind in (OrderType.LIMIT, OrderType.STOP_LIMIT)
    stop = kind in (OrderType.STOP, OrderType.STOP_LIMIT)
    resting = tif not in (TimeInForce.IOC, TimeInForce.FOK)
    return OrderRequest(
        instrument=draw(TEXT),
        side=draw(st.sampled_from(Side)),
        quantity=draw(POSITIVE),
        order_type=kind,
        limit_price=draw(POSITIVE) if limit else None,
        stop_price=draw(POSITIVE) if stop else None,
        trail=draw(POSITIVE) if kind == OrderType.TRAILING_STOP else None,
        time_in_force=tif,
        expire_ns=draw(INT64) if tif == TimeInForce.GTD else None,
        post_only=kind == OrderType.LIMIT and resting and draw(st.booleans()),
        reduce_only=draw(st.booleans()),
        tag=draw(TEXT),
        parent_id=draw(st.none() | INT64),
        oco_group=draw(st.none() | INT64),
    )


ORDERS = st.builds(
    Order,
    order_id=INT64,
    request=order_requests(),
    status=st.sampled_from(OrderStatus),
    ts_created=INT64,
    ts_updated=INT64,
    filled_quantity=ANY_FLOAT,
    average_price=ANY_FLOAT,  # NaN for an order never filled
    reject_reason=st.sampled_from(RejectReason),
    stop_price=st.none() | ANY_FLOAT,
)
FILLS = st.builds(
    Fill,
    order_id=INT64,
    instrument=TEXT,
    ts=INT64,
    side=st.sampled_from(Side),
    quantity=POSITIVE,
    price=POSITIVE,
    fee=FINITE,
    liquidity=st.sampled_from(Liquidity),
    slippage=ANY_FLOAT,
)
TRADES = st.builds(
    RoundTrip,
    instrument=TEXT,
    side=st.sampled_from([1, -1]),
    quantity=ANY_FLOAT,
    entry_ns=INT64,
    entry_price=ANY_FLOAT,
    exit_ns=INT64,
    exit_price=ANY_FLOAT,
    gross_pnl=ANY_FLOAT,
    fees=ANY_FLOAT,
)


@st.composite
def equity_arrays(draw: st.DrawFn) -> EquityArrays:
    n = draw(st.integers(0, 12))

    def floats() -> np.ndarray:
        return draw(hnp.arrays(np.float64, n, elements=ANY_FLOAT))

    ts = draw(hnp.arrays(np.int64, n, elements=INT64))
    return EquityArrays(ts, floats(), floats(), floats(), floats())


def json_dicts() -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(TEXT, JSON_VALUES, max_size=4)


RUN_RESULTS = st.builds(
    RunResult,
    strategy=TEXT,
    params=st.dictionaries(TEXT, st.integers() | FINITE | st.booleans() | TEXT, max_size=4),
    config=json_dicts(),
    seed=INT64,
    version=TEXT,
    data_fingerprint=TEXT,
    events=st.integers(0, 2**63 - 1),
    complete=st.booleans(),
    orders=st.lists(ORDERS, max_size=4).map(tuple),
    fills=st.lists(FILLS, max_size=4).map(tuple),
    trades=st.lists(TRADES, max_size=4).map(tuple),
    equity=equity_arrays(),
    initial_cash=ANY_FLOAT,
    final_equity=ANY_FLOAT,
    extra=json_dicts(),
)


def _metric_values(field: dataclasses.Field[Any]) -> st.SearchStrategy[Any]:
    declared = str(field.type)
    values: st.SearchStrategy[Any] = INT64 if declared.startswith("int") else ANY_FLOAT
    return st.none() | values if declared.endswith("| None") else values


METRICS = st.fixed_dictionaries(
    {f.name: _metric_values(f) for f in dataclasses.fields(Metrics)}
).map(lambda values: Metrics(**values))


def empty_run(**changes: Any) -> RunResult:
    """A run with nothing in it: no orders, no fills, no trades, no equity samples."""
    empty_i = np.array([], dtype=np.int64)
    empty_f = np.array([], dtype=np.float64)
    fields: dict[str, Any] = {
        "strategy": "Nothing",
        "params": {},
        "config": {},
        "seed": 0,
        "version": "0",
        "data_fingerprint": "",
        "events": 0,
        "complete": True,
        "orders": (),
        "fills": (),
        "trades": (),
        "equity": EquityArrays(empty_i, empty_f, empty_f, empty_f, empty_f),
        "initial_cash": 1_000.0,
        "final_equity": 1_000.0,
    }
    return RunResult(**(fields | changes))


# -- helpers ----------------------------------------------------------------------


def through_the_wire(result: RunResult) -> RunResult:
    """What a receiver rebuilds from strict JSON text and an Arrow IPC stream per table."""
    text = json.dumps(result_to_record(result), allow_nan=False)
    tables = {}
    for name, table in result_tables(result).items():
        sink = io.BytesIO()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        tables[name] = pa.ipc.open_stream(sink.getvalue()).read_all()
    return record_to_result(json.loads(text), tables)


def through_parquet(table: pa.Table) -> pa.Table:
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return pq.read_table(io.BytesIO(buffer.getvalue()))


# -- round trips ------------------------------------------------------------------


@given(RUN_RESULTS)
def test_a_run_through_json_and_arrow_comes_back_identical(result: RunResult) -> None:
    assert_same(result, through_the_wire(result))


@given(RUN_RESULTS)
def test_a_run_through_parquet_comes_back_identical(result: RunResult) -> None:
    tables = {name: through_parquet(t) for name, t in result_tables(result).items()}
    assert_same(result, record_to_result(result_to_record(result), tables))


def test_an_empty_run_comes_back_identical() -> None:
    result = empty_run()
    assert_same(result, through_the_wire(result))


def test_nan_prices_signed_zeros_and_nan_payloads_keep_their_bits() -> None:
    odd_nan = struct.unpack("<d", struct.pack("<Q", 0xFFF8_0000_0000_0ABC))[0]
    request = OrderRequest("ACME", Side.SELL, 3.0, OrderType.MARKET)
    order = Order(7, request, OrderStatus.CANCELED, 1, 2, 0.0, math.nan, RejectReason.NONE)
    result = empty_run(
        orders=(order,),
        initial_cash=-0.0,
        final_equity=odd_nan,
        equity=EquityArrays(
            np.array([5], dtype=np.int64),
            np.array([odd_nan]),
            np.array([-0.0]),
            np.array([math.inf]),
            np.array([-math.inf]),
        ),
    )
    back = through_the_wire(result)
    assert_same(result, back)
    assert math.isnan(back.orders[0].average_price)
    assert _bits(back.final_equity) == 0xFFF8_0000_0000_0ABC


@given(METRICS)
def test_metrics_through_strict_json_come_back_identical(metrics: Metrics) -> None:
    text = json.dumps(metrics_to_record(metrics), allow_nan=False)
    assert_same(metrics, record_to_metrics(json.loads(text)))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.5, 1.5),
        (-0.0, -0.0),
        (math.inf, "inf"),
        (-math.inf, "-inf"),
        (math.nan, "nan"),
        (
            struct.unpack("<d", struct.pack("<Q", 0x7FF0_0000_0000_0001))[0],
            "nan:0x7ff0000000000001",
        ),
    ],
)
def test_non_finite_floats_are_strings_that_keep_their_bits(value: float, text: object) -> None:
    assert_same(text, float_to_json(value))
    assert _bits(float_from_json(text)) == _bits(value)


@pytest.mark.parametrize("text", ["NaN", "nan:0x3ff0000000000000", "nan:0xzz", "1.5", True, None])
def test_anything_else_is_not_a_float(text: object) -> None:
    with pytest.raises(DataError, match="field 'initial_cash'"):
        float_from_json(text, field="initial_cash")


# -- the tables -------------------------------------------------------------------


def test_the_tables_have_the_documented_schemas() -> None:
    tables = result_tables(empty_run())
    expected = {
        "orders": ORDERS_SCHEMA,
        "fills": FILLS_SCHEMA,
        "trades": TRADES_SCHEMA,
        "equity": EQUITY_SCHEMA,
    }
    for name, schema in expected.items():
        assert tables[name].schema.equals(schema, check_metadata=True), name
        assert tables[name].schema.metadata == {b"tickdeck.format": str(RECORD_FORMAT).encode()}


def test_enums_are_stored_as_their_int_codes_with_the_codes_written_down() -> None:
    request = OrderRequest("ACME", Side.SELL, 1.0, OrderType.LIMIT, limit_price=9.5)
    order = Order(1, request, OrderStatus.REJECTED, 1, 1, reject_reason=RejectReason.MAX_POSITION)
    table = orders_table([order])
    assert table.column("side").to_pylist() == [-1]
    assert table.column("order_type").to_pylist() == [2]
    assert table.column("status").to_pylist() == [8]
    assert table.column("reject_reason").to_pylist() == [8]
    assert table.column("stop_price").to_pylist() == [None]  # not given: null, not NaN
    metadata = ORDERS_SCHEMA.field("status").metadata
    assert metadata[b"tickdeck.enum"] == b"OrderStatus"
    assert b"REJECTED=8" in metadata[b"tickdeck.codes"]
    liquidity = FILLS_SCHEMA.field("liquidity").metadata
    assert liquidity[b"tickdeck.codes"] == b"MAKER=1, TAKER=2"


def test_the_record_is_plain_json() -> None:
    result = empty_run(params={"fast": 5}, config={"instruments": ["ACME"]}, final_equity=math.nan)
    record = result_to_record(result)
    assert record["format"] == RECORD_FORMAT
    assert record["final_equity"] == "nan"
    assert json.loads(json.dumps(record, allow_nan=False)) == record


# -- what is refused --------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"params": {"fast": math.nan}}, "params['fast']"),
        ({"config": {"instruments": ("ACME",)}}, "config['instruments']"),
        ({"config": {"venue": {"fees": [1.0, np.float64(2.0)]}}}, r"config['venue']['fees'][1]"),
        ({"extra": {1: "one"}}, "extra key"),
        ({"extra": {"side": Side.BUY}}, "extra['side']"),
        ({"strategy": 5}, "strategy"),
        ({"complete": 1}, "complete"),
        ({"events": 2.0}, "events"),
    ],
)
def test_values_json_would_change_are_refused_by_their_path(
    changes: dict[str, Any], path: str
) -> None:
    with pytest.raises(InputError) as caught:
        result_to_record(empty_run(**changes))
    assert caught.value.field == path


def test_a_numpy_integer_seed_is_recorded_as_an_int() -> None:
    record = result_to_record(empty_run(seed=np.int64(42)))
    assert_same(42, record["seed"])


def test_a_round_trip_side_other_than_long_or_short_is_refused() -> None:
    trade = RoundTrip("ACME", 0, 1.0, 1, 1.0, 2, 1.0, 0.0, 0.0)
    with pytest.raises(InputError, match=re.escape("trades.side")):
        trades_table([trade])


def test_equity_arrays_of_different_lengths_are_refused() -> None:
    one = np.array([1.0])
    with pytest.raises(InputError, match="equity"):
        equity_table(EquityArrays(np.array([1, 2], dtype=np.int64), one, one, one, one))


def test_another_record_format_is_refused() -> None:
    record = result_to_record(empty_run()) | {"format": RECORD_FORMAT + 1}
    with pytest.raises(DataError, match="format 2"):
        record_to_result(record, result_tables(empty_run()))


@pytest.mark.parametrize(("field", "value"), [("seed", "7"), ("complete", 1), ("params", [])])
def test_a_record_field_of_the_wrong_type_is_named(field: str, value: object) -> None:
    record = result_to_record(empty_run()) | {field: value}
    with pytest.raises(DataError, match=f"field '{field}'"):
        record_to_result(record, result_tables(empty_run()), source="message 12")


def test_a_missing_table_is_named() -> None:
    tables = result_tables(empty_run())
    del tables["fills"]
    with pytest.raises(DataError, match="missing tables: fills"):
        record_to_result(result_to_record(empty_run()), tables)


def _fill_table() -> pa.Table:
    return fills_table([Fill(3, "ACME", 10, Side.BUY, 2.0, 9.5)])


def test_a_table_without_a_column_is_named() -> None:
    table = _fill_table().drop_columns(["fee"])
    with pytest.raises(DataError, match=re.escape("fills.parquet, field 'fee': missing column")):
        fills_from_table(table, source="fills.parquet")


def test_a_column_of_another_type_is_named() -> None:
    table = _fill_table()
    table = table.set_column(3, "side", pa.array([1], pa.int64()))
    with pytest.raises(DataError, match="field 'side': column type int64, expected int8"):
        fills_from_table(table)


def test_a_null_in_a_required_column_is_named() -> None:
    table = _fill_table()
    table = table.set_column(5, pa.field("price", pa.float64()), pa.array([None], pa.float64()))
    with pytest.raises(DataError, match="field 'price': null in a required column"):
        fills_from_table(table)


def test_an_unknown_enum_code_is_located_by_row() -> None:
    request = OrderRequest("ACME", Side.BUY, 1.0)
    orders = [Order(i, request, OrderStatus.FILLED, 1, 1) for i in range(3)]
    table = orders_table(orders)
    table = table.set_column(
        table.schema.get_field_index("status"),
        ORDERS_SCHEMA.field("status"),
        pa.array([5, 5, 42], pa.int8()),
    )
    with pytest.raises(DataError, match="record 2: invalid row: 42 is not a valid OrderStatus"):
        orders_from_table(table)


def test_a_fill_that_breaks_its_own_rules_is_located_by_row() -> None:
    table = _fill_table()
    table = table.set_column(4, FILLS_SCHEMA.field("quantity"), pa.array([-1.0]))
    with pytest.raises(DataError, match=re.escape("record 0: invalid row: fill.quantity")):
        fills_from_table(table)
