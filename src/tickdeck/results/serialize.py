"""A `RunResult` as plain data: a JSON-ready record plus four Arrow tables.

The one serialised form of a finished run: the run store saves it (the record
in a database row, the tables as Parquet), and a web response or a Redis
message carries the same objects. The round trip is exact: `record_to_result`
gives back a result equal to the one saved field by field, every float to the
bit (NaN payloads and -0.0 included), enums as enum members.

The record is strict JSON (``json.dumps(record, allow_nan=False)`` works): a
non-finite float field is a string, ``"inf"``, ``"-inf"``, ``"nan"``, or
``"nan:0x<16 hex digits>"`` for any other NaN. `params`, `config` and `extra`
must hold JSON's own types only (a tuple, a numpy scalar or an enum would
come back as something else); anything else is refused, named by its path.

The tables have explicit schemas (`ORDERS_SCHEMA`, `FILLS_SCHEMA`,
`TRADES_SCHEMA`, `EQUITY_SCHEMA`), one row per order, fill, round trip or
equity sample. Enums are int8 columns of their codes (`tickdeck.core.enums`),
written down in each field's metadata (``tickdeck.enum``, e.g.
``OrderStatus``; ``tickdeck.codes``, e.g. ``BUY=1, SELL=-1``). An absent
optional value (a market order's limit price) is null; NaN is a value (the
average price of an order never filled) and stays NaN.

A run from the engine keeps its orders, fills and round trips as typed
columns (`tickdeck.results._columns`): those go into Arrow column by column,
without a record per row; the tables are the same either way.
"""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields
from enum import IntEnum
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from tickdeck.core.enums import (
    FillBasis,
    Liquidity,
    OrderStatus,
    OrderType,
    RejectReason,
    Side,
    TimeInForce,
)
from tickdeck.core.errors import DataError, InputError, TickdeckError
from tickdeck.core.fills import Fill
from tickdeck.core.orders import Order, OrderRequest
from tickdeck.results._columns import FillColumns, Names
from tickdeck.results._order_columns import OrderColumns
from tickdeck.results._trips import TripColumns
from tickdeck.results.metrics.summary import Metrics
from tickdeck.results.run import EquityArrays, PriceMarks, RoundTrip, RunResult

__all__ = [
    "EQUITY_SCHEMA",
    "FILLS_SCHEMA",
    "MARKS_SCHEMA",
    "ORDERS_SCHEMA",
    "RECORD_FORMAT",
    "TABLE_NAMES",
    "TRADES_SCHEMA",
    "equity_from_table",
    "equity_table",
    "fills_from_table",
    "fills_table",
    "float_from_json",
    "float_to_json",
    "marks_from_table",
    "marks_table",
    "metrics_to_record",
    "orders_from_table",
    "orders_table",
    "record_to_metrics",
    "record_to_result",
    "result_tables",
    "result_to_record",
    "trades_from_table",
    "trades_table",
]

#: The version of the record layout; `record_to_result` refuses any other.
RECORD_FORMAT = 1
#: The tables of a run, by the names `result_tables` and `record_to_result` use.
TABLE_NAMES = ("orders", "fills", "trades", "equity", "marks")

#: The enum of each enum column; a name means the same enum in every table.
_ENUMS: dict[str, type[IntEnum]] = {
    "side": Side,
    "order_type": OrderType,
    "time_in_force": TimeInForce,
    "status": OrderStatus,
    "reject_reason": RejectReason,
    "liquidity": Liquidity,
    "basis": FillBasis,
}
_I64, _F64, _STR, _BOOL = pa.int64(), pa.float64(), pa.string(), pa.bool_()
_OPTIONAL = True


def _schema(*columns: str | tuple[str, pa.DataType] | tuple[str, pa.DataType, bool]) -> pa.Schema:
    """A schema from (name, type[, optional]) pairs; a bare name is an enum column (int8)."""
    out: list[pa.Field[Any]] = []
    for column in columns:
        if isinstance(column, str):
            enum = _ENUMS[column]
            codes = ", ".join(f"{member.name}={int(member)}" for member in enum)
            metadata = {"tickdeck.enum": enum.__name__, "tickdeck.codes": codes}
            out.append(pa.field(column, pa.int8(), nullable=False, metadata=metadata))
        else:
            out.append(pa.field(column[0], column[1], nullable=len(column) == 3 and column[2]))
    return pa.schema(out, metadata={"tickdeck.format": str(RECORD_FORMAT)})


#: One row per order, in its final state: the request's fields, then the state.
#: `stop_price` is the requested stop, `current_stop_price` where the order's
#: stop is now (a trailing stop moves).
ORDERS_SCHEMA = _schema(
    ("order_id", _I64),
    ("instrument", _STR),
    "side",
    "order_type",
    ("quantity", _F64),
    ("limit_price", _F64, _OPTIONAL),
    ("stop_price", _F64, _OPTIONAL),
    ("trail", _F64, _OPTIONAL),
    "time_in_force",
    ("expire_ns", _I64, _OPTIONAL),
    ("post_only", _BOOL),
    ("reduce_only", _BOOL),
    ("tag", _STR),
    ("parent_id", _I64, _OPTIONAL),
    ("oco_group", _I64, _OPTIONAL),
    "status",
    ("ts_created", _I64),
    ("ts_updated", _I64),
    ("filled_quantity", _F64),
    ("average_price", _F64),
    "reject_reason",
    ("current_stop_price", _F64, _OPTIONAL),
)
#: One row per fill, in the order they happened; `ts` is exchange time, ns UTC.
FILLS_SCHEMA = _schema(
    ("order_id", _I64),
    ("instrument", _STR),
    ("ts", _I64),
    "side",
    ("quantity", _F64),
    ("price", _F64),
    ("fee", _F64),
    "liquidity",
    ("slippage", _F64),
    "basis",
)
#: One row per round trip; `side` is the entry side's code (1 long, -1 short).
TRADES_SCHEMA = _schema(
    ("instrument", _STR),
    "side",
    ("quantity", _F64),
    ("entry_ns", _I64),
    ("entry_price", _F64),
    ("exit_ns", _I64),
    ("exit_price", _F64),
    ("gross_pnl", _F64),
    ("fees", _F64),
)
#: One row per equity sample: time (ns UTC) and base-currency values.
EQUITY_SCHEMA = _schema(
    ("ts", _I64),
    ("equity", _F64),
    ("cash", _F64),
    ("gross_exposure", _F64),
    ("net_exposure", _F64),
)
#: One row per (time, instrument) valuation price.
MARKS_SCHEMA = _schema(("instrument", _STR), ("ts", _I64), ("price", _F64))

# -- floats in JSON -----------------------------------------------------------

_QUIET_NAN_BITS = 0x7FF8000000000000


def _bits(value: float) -> int:
    return int(struct.unpack("<Q", struct.pack("<d", value))[0])


def float_to_json(value: float) -> float | str:
    """`value` as strict JSON: itself if finite, else a string that keeps its exact bits."""
    number = float(value)
    if math.isfinite(number):
        return number
    if math.isinf(number):
        return "inf" if number > 0 else "-inf"
    bits = _bits(number)
    return "nan" if bits == _QUIET_NAN_BITS else f"nan:0x{bits:016x}"


def float_from_json(value: object, *, source: str = "run record", field: str = "") -> float:
    """The inverse of `float_to_json`; a DataError naming `source` and `field` otherwise."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        return float(value)
    if value == "inf" or value == "-inf":
        return float(str(value))
    if isinstance(value, str) and re.fullmatch(r"nan(:0x[0-9a-f]{16})?", value):
        bits = int(value[6:], 16) if value != "nan" else _QUIET_NAN_BITS
        number = float(struct.unpack("<d", struct.pack("<Q", bits))[0])
        if math.isnan(number):
            return number
    raise DataError(source, "not a number", field=field or None, value=value)


# -- the record -----------------------------------------------------------------


def _json_value(value: object, path: str) -> object:
    """`value` itself if it is a JSON value that loads back equal and of the same type."""
    kind = type(value)
    if value is None or kind in (str, bool, int):
        return value
    if isinstance(value, float) and kind is float:
        if not math.isfinite(value):
            raise InputError(
                path, value, "a finite number", hint="JSON has no NaN or infinity; use None"
            )
        return value
    if isinstance(value, list) and kind is list:
        return [_json_value(item, f"{path}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, dict) and kind is dict:
        out: dict[str, object] = {}
        for key, item in value.items():
            if type(key) is not str:
                raise InputError(f"{path} key", key, "a string key")
            out[key] = _json_value(item, f"{path}[{key!r}]")
        return out
    hint = "use a list" if kind is tuple else f"convert the {kind.__name__} to a plain JSON type"
    raise InputError(
        path,
        value,
        "a JSON value (dict with str keys, list, str, int, float, bool or None)",
        hint=hint,
    )


#: The record's plain fields and their exact types (ints may be numpy ints on the way in).
_SCALARS = {
    "strategy": str,
    "seed": int,
    "version": str,
    "data_fingerprint": str,
    "events": int,
    "synthetic_events": int,
    "complete": bool,
}


def _scalar(name: str, value: object, kind: type) -> object:
    if kind is int and isinstance(value, int | np.integer) and not isinstance(value, bool):
        return int(value)
    if type(value) is kind:
        return value
    raise InputError(name, value, f"a {kind.__name__}")


def result_to_record(result: RunResult) -> dict[str, Any]:
    """The scalar part of `result` (all but its arrays) as a JSON-ready dict.

    Raises:
        InputError: A field is not of its declared type, or `params`,
            `config` or `extra` hold something JSON would not give back
            unchanged (named by its path).
    """
    return {
        "format": RECORD_FORMAT,
        **{name: _scalar(name, getattr(result, name), kind) for name, kind in _SCALARS.items()},
        "params": _json_value(dict(result.params), "params"),
        "config": _json_value(dict(result.config), "config"),
        "initial_cash": float_to_json(result.initial_cash),
        "final_equity": float_to_json(result.final_equity),
        "extra": _json_value(dict(result.extra), "extra"),
    }


def result_tables(result: RunResult) -> dict[str, pa.Table]:
    """The arrays of `result` as Arrow tables, by name (see `TABLE_NAMES`)."""
    return {
        "orders": orders_table(result.orders),
        "fills": fills_table(result.fills),
        "trades": trades_table(result.trades),
        "equity": equity_table(result.equity),
        "marks": marks_table(result.marks),
    }


def _get(record: Mapping[str, Any], key: str, kind: type, source: str) -> Any:
    if key not in record:
        raise DataError(source, "missing field", field=key)
    value = record[key]
    if type(value) is not kind:
        raise DataError(source, f"expected a {kind.__name__}", field=key, value=value)
    return value


def _get_float(record: Mapping[str, Any], key: str, source: str) -> float:
    return float_from_json(record.get(key), source=source, field=key)


def record_to_result(
    record: Mapping[str, Any],
    tables: Mapping[str, pa.Table],
    *,
    source: str = "run record",
    table_sources: Mapping[str, str] | None = None,
) -> RunResult:
    """The `RunResult` that `result_to_record` and `result_tables` were made from.

    `source` names the record in errors (a file, a message id), `table_sources`
    each table by name (default ``"<source>: <name>"``). A missing or malformed
    record field or table column raises a DataError naming it (and the row).
    """
    version = record.get("format")
    if version != RECORD_FORMAT:
        raise DataError(
            source, f"run record format {version!r}, this tickdeck reads {RECORD_FORMAT}"
        )
    missing = [name for name in TABLE_NAMES if name not in tables]
    if missing:
        raise DataError(source, f"missing tables: {', '.join(missing)}")
    where = {name: f"{source}: {name}" for name in TABLE_NAMES} | dict(table_sources or {})
    return RunResult(
        **{name: _get(record, name, kind, source) for name, kind in _SCALARS.items()},
        params=_get(record, "params", dict, source),
        config=_get(record, "config", dict, source),
        orders=orders_from_table(tables["orders"], source=where["orders"]),
        fills=fills_from_table(tables["fills"], source=where["fills"]),
        trades=trades_from_table(tables["trades"], source=where["trades"]),
        equity=equity_from_table(tables["equity"], source=where["equity"]),
        marks=marks_from_table(tables["marks"], source=where["marks"]),
        initial_cash=_get_float(record, "initial_cash", source),
        final_equity=_get_float(record, "final_equity", source),
        extra=_get(record, "extra", dict, source),
    )


def metrics_to_record(metrics: Metrics) -> dict[str, int | float | str | None]:
    """`metrics` as a JSON-ready dict: its fields by name, floats as `float_to_json` writes them."""
    out: dict[str, int | float | str | None] = {}
    for name, value in metrics.to_dict().items():
        if value is None or isinstance(value, bool):
            out[name] = value
        elif isinstance(value, int | np.integer):
            out[name] = int(value)
        else:
            out[name] = float_to_json(value)
    return out


def record_to_metrics(record: Mapping[str, Any], *, source: str = "metrics record") -> Metrics:
    """The `Metrics` that `metrics_to_record` was given; DataError on a missing or bad field."""
    values: dict[str, Any] = {}
    for f in fields(Metrics):
        if f.name not in record:
            raise DataError(source, "missing field", field=f.name)
        value = record[f.name]
        declared = str(f.type)
        if value is None and declared.endswith("| None"):
            values[f.name] = None
        elif declared.startswith("int"):
            if type(value) is not int:
                raise DataError(source, "expected an int", field=f.name, value=value)
            values[f.name] = value
        else:
            values[f.name] = float_from_json(value, source=source, field=f.name)
    return Metrics(**values)


# -- the tables -----------------------------------------------------------------

#: The orders table holds the request's fields under their own names, then these
#: columns of the `Order` (column: attribute).
_REQUEST_FIELDS = tuple(f.name for f in fields(OrderRequest))
_ORDER_COLUMNS = {
    "order_id": "order_id",
    "status": "status",
    "ts_created": "ts_created",
    "ts_updated": "ts_updated",
    "filled_quantity": "filled_quantity",
    "average_price": "average_price",
    "reject_reason": "reject_reason",
    "current_stop_price": "stop_price",
}


def _table(name: str, schema: pa.Schema, columns: Mapping[str, list[Any]]) -> pa.Table:
    """A table of `schema` from lists of values, enums turned into their codes."""
    arrays = []
    for f in schema:
        values, enum = columns[f.name], _ENUMS.get(f.name)
        try:
            arrays.append(pa.array([int(enum(v)) for v in values] if enum else values, f.type))
        except (ValueError, TypeError, OverflowError, pa.ArrowException):
            bad = next(v for v in values if not _fits(v, f.type, enum))
            expected = f"a {enum.__name__} code" if enum else f"a value of type {f.type}"
            raise InputError(f"{name}.{f.name}", bad, expected) from None
    return pa.Table.from_arrays(arrays, schema=schema)


def _fits(value: Any, kind: pa.DataType, enum: type[IntEnum] | None) -> bool:
    try:
        pa.array([int(enum(value)) if enum else value], kind)
    except (ValueError, TypeError, OverflowError, pa.ArrowException):
        return False
    return True


def _names(names: Names, index: npt.NDArray[np.int32]) -> pa.Array[Any]:
    """A string column from indices into a short list of distinct strings."""
    return pa.array(names.names, _STR).take(index)


def _from_columns(
    schema: pa.Schema,
    columns: Mapping[str, tuple[npt.NDArray[Any], npt.NDArray[np.bool_] | None]],
    strings: Mapping[str, Names],
) -> pa.Table:
    """A table of `schema` from (values, valid) numpy columns; `strings` are name indices."""
    arrays = []
    for f in schema:
        values, valid = columns[f.name]
        if f.name in strings:
            arrays.append(_names(strings[f.name], values))
        else:
            mask = None if valid is None else ~valid
            arrays.append(pa.array(values, f.type, mask=mask))
    return pa.Table.from_arrays(arrays, schema=schema)


def _required(columns: Mapping[str, npt.NDArray[Any]]) -> dict[str, tuple[npt.NDArray[Any], None]]:
    return {name: (values, None) for name, values in columns.items()}


def orders_table(orders: Sequence[Order]) -> pa.Table:
    """Orders as a table with `ORDERS_SCHEMA`."""
    if isinstance(orders, OrderColumns) and orders.frozen and orders.exact_columns:
        strings = {"instrument": orders.instruments, "tag": orders.tags}
        return _from_columns(ORDERS_SCHEMA, orders.numpy(), strings)
    requests = [o.request for o in orders]
    columns = {name: [getattr(r, name) for r in requests] for name in _REQUEST_FIELDS}
    columns |= {col: [getattr(o, attr) for o in orders] for col, attr in _ORDER_COLUMNS.items()}
    return _table("orders", ORDERS_SCHEMA, columns)


def _flat_table(name: str, schema: pa.Schema, records: Sequence[object]) -> pa.Table:
    """A table whose columns are the records' attributes of the same names."""
    return _table(name, schema, {n: [getattr(r, n) for r in records] for n in schema.names})


def fills_table(fills: Sequence[Fill]) -> pa.Table:
    """Fills as a table with `FILLS_SCHEMA`."""
    if isinstance(fills, FillColumns) and fills.frozen and fills.exact_columns:
        return _from_columns(
            FILLS_SCHEMA, _required(fills.numpy()), {"instrument": fills.instruments}
        )
    return _flat_table("fills", FILLS_SCHEMA, fills)


def trades_table(trades: Sequence[RoundTrip]) -> pa.Table:
    """Round trips as a table with `TRADES_SCHEMA`; InputError for a side other than 1 or -1."""
    if isinstance(trades, TripColumns) and trades.frozen and trades.exact_columns:
        columns = trades.numpy()
        if np.all(np.abs(columns["side"]) == 1):  # else the checked path names the bad one
            return _from_columns(
                TRADES_SCHEMA, _required(columns), {"instrument": trades.instruments}
            )
    return _flat_table("trades", TRADES_SCHEMA, trades)


def equity_table(equity: EquityArrays) -> pa.Table:
    """The equity curve as a table with `EQUITY_SCHEMA`; InputError unless 1-d of one length."""
    columns = {
        f.name: np.asarray(getattr(equity, f.name), dtype=f.type.to_pandas_dtype())
        for f in EQUITY_SCHEMA
    }
    shapes = {name: column.shape for name, column in columns.items()}
    if len(set(shapes.values())) != 1 or len(shapes["ts"]) != 1:
        raise InputError("equity", shapes, "five one-dimensional arrays of one length")
    arrays = [pa.array(columns[f.name], type=f.type) for f in EQUITY_SCHEMA]
    return pa.Table.from_arrays(arrays, schema=EQUITY_SCHEMA)


def _check_schema(table: pa.Table, schema: pa.Schema, source: str) -> None:
    """That `table` has every column of `schema`, of its type, without nulls where required."""
    for expected in schema:
        index = table.schema.get_field_index(expected.name)
        if index < 0:
            raise DataError(source, "missing column", field=expected.name)
        found = table.schema.field(index).type
        if found != expected.type:
            raise DataError(
                source, f"column type {found}, expected {expected.type}", field=expected.name
            )
        if not expected.nullable and table.column(index).null_count:
            raise DataError(source, "null in a required column", field=expected.name)


_T = TypeVar("_T")


def _records(
    table: pa.Table, schema: pa.Schema, source: str, build: Callable[[dict[str, Any]], _T]
) -> tuple[_T, ...]:
    """`build(row)` for every row (a dict by column, enums as members), checked as it goes."""
    _check_schema(table, schema, source)
    columns: dict[str, list[Any]] = {f.name: table.column(f.name).to_pylist() for f in schema}
    enums = [(name, _ENUMS[name]) for name in columns if name in _ENUMS]
    out = []
    for i in range(table.num_rows):
        row = {name: values[i] for name, values in columns.items()}
        try:
            for name, enum in enums:
                row[name] = enum(row[name])
            out.append(build(row))
        except (TickdeckError, ValueError) as exc:
            raise DataError(source, f"invalid row: {exc}", record=i) from exc
    return tuple(out)


def _order(row: dict[str, Any]) -> Order:
    request = OrderRequest(**{name: row[name] for name in _REQUEST_FIELDS})
    return Order(request=request, **{attr: row[col] for col, attr in _ORDER_COLUMNS.items()})


def orders_from_table(table: pa.Table, *, source: str = "orders table") -> tuple[Order, ...]:
    """The orders of a table with `ORDERS_SCHEMA`; DataError if it is not one."""
    return _records(table, ORDERS_SCHEMA, source, _order)


def fills_from_table(table: pa.Table, *, source: str = "fills table") -> tuple[Fill, ...]:
    """The fills of a table with `FILLS_SCHEMA`; DataError if it is not one."""
    return _records(table, FILLS_SCHEMA, source, lambda row: Fill(**row))


def trades_from_table(table: pa.Table, *, source: str = "trades table") -> tuple[RoundTrip, ...]:
    """The round trips of a table with `TRADES_SCHEMA`; DataError if it is not one."""
    # RoundTrip keeps the side as a plain int code: the Side member only checked it.
    return _records(
        table, TRADES_SCHEMA, source, lambda row: RoundTrip(**(row | {"side": int(row["side"])}))
    )


def equity_from_table(table: pa.Table, *, source: str = "equity table") -> EquityArrays:
    """The equity curve of a table with `EQUITY_SCHEMA`; DataError if it is not one."""
    _check_schema(table, EQUITY_SCHEMA, source)
    # Copies: writable like the engine's arrays, and independent of Arrow's buffers.
    return EquityArrays(
        **{
            f.name: np.array(table.column(f.name).to_numpy(), dtype=f.type.to_pandas_dtype())
            for f in EQUITY_SCHEMA
        }
    )


def marks_table(marks: PriceMarks) -> pa.Table:
    """The price marks as a table with `MARKS_SCHEMA`; InputError unless 1-d of one length."""
    instrument = np.asarray(marks.instrument)
    ts = np.asarray(marks.ts, dtype=np.int64)
    price = np.asarray(marks.price, dtype=np.float64)
    shapes = {"instrument": instrument.shape, "ts": ts.shape, "price": price.shape}
    if len(set(shapes.values())) != 1 or instrument.ndim != 1:
        raise InputError("marks", shapes, "1-d arrays of one length")
    # Arrow reads a numpy string array as it is; anything else goes through str().
    names = (
        pa.array(instrument, _STR)
        if instrument.dtype.kind == "U"
        else pa.array([str(x) for x in instrument.tolist()], _STR)
    )
    return pa.table([names, pa.array(ts), pa.array(price)], schema=MARKS_SCHEMA)


def marks_from_table(table: pa.Table, *, source: str = "marks table") -> PriceMarks:
    """The price marks of a table with `MARKS_SCHEMA`; DataError if it is not one."""
    _check_schema(table, MARKS_SCHEMA, source)
    return PriceMarks(
        np.array(table.column("instrument").to_pylist(), dtype=np.str_),
        np.array(table.column("ts").to_numpy(), dtype=np.int64),
        np.array(table.column("price").to_numpy(), dtype=np.float64),
    )
