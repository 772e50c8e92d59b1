"""Conversion of mapped source columns into a `SourceTable` in canonical layout.

`build_source_table` turns the columns a `ColumnMapping` resolved into the
layout's types: numbers, enum codes (ints or names such as ``buy``/``sell``),
times (through `tickdeck.data.ingest._timestamps`), defaults for the fields a
source lacks, and bar times (a bar's ``ts_event`` is its close time). It
validates but never cleans: rows keep their order and duplicates. The names of
defaulted fields travel in the table's schema metadata (`defaulted_fields`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from tickdeck.core import DataError, DataKind, InputError, layout
from tickdeck.data._source import SourceTable
from tickdeck.data.ingest._mapping import DEFAULTED_KEY, ENUM_CODES, INT_FIELDS, ColumnMapping
from tickdeck.data.ingest._rows import RowError, RowOrigins, at_first_failure, first_true
from tickdeck.data.ingest._timestamps import TimestampFormat, parse_timestamps

__all__ = ["build_source_table", "defaulted_fields", "make_source_table", "timestamp_spec"]


def defaulted_fields(source: SourceTable | pa.Table) -> frozenset[str]:
    """The fields of a read table that came from defaults rather than from the source."""
    table = source.table if isinstance(source, SourceTable) else source
    raw = (table.schema.metadata or {}).get(DEFAULTED_KEY, b"")
    return frozenset(name for name in raw.decode().split(",") if name)


def build_source_table(
    kind: DataKind,
    raw: pa.Table,
    found: Mapping[str, tuple[str, ...]],
    *,
    mapping: ColumnMapping,
    timestamps: TimestampFormat,
    origins: RowOrigins,
    skip_null_rows: bool = False,
    default_bar_interval_ns: int | None = None,
) -> SourceTable:
    """Convert the source columns in `raw` named by `found` (field -> column names) to `kind`.

    With `skip_null_rows`, rows whose non-time columns are all empty are dropped
    (Yahoo writes such rows for days without data); otherwise every row is kept.
    """
    if skip_null_rows:
        values = [
            raw.column(n) for f, cols in found.items() if not f.startswith("ts_") for n in cols
        ]
        if values:
            empty = np.logical_and.reduce(
                [c.is_null().to_numpy(zero_copy_only=False) for c in values]
            )
            raw = raw.filter(pa.array(~empty))
            origins = RowOrigins(origins.source, origins.numbers[~empty], origins.unit)
    if raw.num_rows == 0:
        raise DataError(origins.source, "no data rows")
    spec = layout(kind)
    out: dict[str, npt.NDArray[np.generic]] = {}
    defaulted: set[str] = set()
    for name in spec.names:
        columns = found.get(name)
        if columns is None:
            continue
        label = "+".join(columns)
        column = _joined(raw, columns)
        try:
            out[name] = _convert(kind, name, column, timestamps, origins, label)
        except RowError as bad:
            value = column[bad.index].as_py()
            raise origins.error(
                bad.index, f"{bad.problem} (for {name})", field=label, value=value
            ) from None
    for name in spec.names:
        if name not in out and name not in ("ts_recv", "interval_ns"):
            out[name] = _default(name, spec.field(name).dtype, raw.num_rows)
            defaulted.add(name)
    if kind is DataKind.BAR:
        _place_bars(out, found, mapping, default_bar_interval_ns, defaulted, origins)
    if "ts_recv" not in out:
        out["ts_recv"] = out["ts_event"] + mapping.recv_delay_ns
        defaulted.add("ts_recv")
    return make_source_table(kind, out, frozenset(defaulted), origins)


def make_source_table(
    kind: DataKind,
    columns: Mapping[str, npt.NDArray[np.generic]],
    defaulted: frozenset[str],
    origins: RowOrigins,
) -> SourceTable:
    """Wrap converted columns (every field of the layout) as a `SourceTable`."""
    spec = layout(kind)
    metadata = dict(spec.arrow_schema.metadata or {})
    metadata[DEFAULTED_KEY] = ",".join(sorted(defaulted)).encode()
    schema = spec.arrow_schema.with_metadata(metadata)
    arrays = [pa.array(columns[f.name], type=f.arrow_type) for f in spec.fields]
    table = pa.Table.from_arrays(arrays, schema=schema)
    return SourceTable(kind, table, origins.numbers, origins.source, origins.unit)


def timestamp_spec(
    timestamps: TimestampFormat | str | None, mapping: ColumnMapping
) -> TimestampFormat:
    """The timestamp format in force: the argument, else the mapping's, else ``auto`` in UTC."""
    if isinstance(timestamps, TimestampFormat):
        return timestamps
    if isinstance(timestamps, str):
        return TimestampFormat(timestamps, mapping.timestamps.tz if mapping.timestamps else "UTC")
    return mapping.timestamps or TimestampFormat()


def _joined(raw: pa.Table, columns: tuple[str, ...]) -> pa.ChunkedArray[Any]:
    if len(columns) == 1:
        return raw.column(columns[0])
    texts = [pc.cast(raw.column(c), pa.string()) for c in columns]
    # The stubs do not model the separator that follows the joined columns.
    joined = pc.binary_join_element_wise(*texts, " ")  # type: ignore[call-overload]
    return cast("pa.ChunkedArray[Any]", joined)


def _convert(
    kind: DataKind,
    name: str,
    column: pa.ChunkedArray[Any],
    timestamps: TimestampFormat,
    origins: RowOrigins,
    label: str,
) -> npt.NDArray[np.generic]:
    if name in ("ts_event", "ts_recv"):
        return parse_timestamps(column, timestamps, field=label, origins=origins)
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if name in ("aggressor", "side", "action"):
        vocabulary = (
            f"{'book' if kind is DataKind.BOOK_DELTA else 'order'}_action"
            if name == "action"
            else name
        )
        return _to_enum(array, ENUM_CODES[vocabulary], fill=0 if name == "aggressor" else None)
    if name in INT_FIELDS:
        return _to_int(array, fill=0 if name == "trade_id" else None)
    level = kind is DataKind.BOOK_SNAPSHOT and not name.endswith("_0")
    fill = (np.nan if "_price_" in name else 0.0) if level else None
    return _to_float(array, fill=fill)


def _to_float(array: pa.Array[Any], *, fill: float | None) -> npt.NDArray[np.float64]:
    if pa.types.is_null(array.type):  # an all-empty column, e.g. a Parquet null column
        array = array.cast(pa.float64())
    kind = array.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        array = at_first_failure(array, lambda part: part.cast(pa.float64()), "not a number")
    elif pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        array = array.cast(pa.float64(), safe=False)
    else:
        raise RowError(0, f"a column of type {kind} cannot hold numbers")
    if array.null_count:
        if fill is None:
            raise RowError(first_true(array.is_null()), "empty value")
        array = array.fill_null(fill)
    values = np.asarray(array.to_numpy(zero_copy_only=False), dtype=np.float64)
    if fill is None and np.isnan(values).any():
        raise RowError(first_true(np.isnan(values)), "empty value (NaN)")
    return values


def _to_int(array: pa.Array[Any], *, fill: int | None) -> npt.NDArray[np.int64]:
    if pa.types.is_null(array.type):
        array = array.cast(pa.int64())
    kind = array.type
    if not (pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_string(kind)):
        raise RowError(0, f"a column of type {kind} cannot hold integers")
    if array.null_count:
        if fill is None:
            raise RowError(first_true(array.is_null()), "empty value")
        array = array.fill_null(fill if not pa.types.is_string(kind) else str(fill))
    ints = at_first_failure(array, lambda part: part.cast(pa.int64()), "not a whole number")
    return np.asarray(ints.to_numpy(zero_copy_only=False), dtype=np.int64)


def _to_enum(
    array: pa.Array[Any], vocabulary: dict[str, int], *, fill: int | None
) -> npt.NDArray[np.int8]:
    allowed = sorted({k for k in vocabulary if not k.lstrip("+-").isdigit()})
    if pa.types.is_null(array.type):
        array = array.cast(pa.string())
    if array.null_count and fill is None:
        raise RowError(first_true(array.is_null()), "empty value")
    if pa.types.is_integer(array.type) or pa.types.is_floating(array.type):
        array = array.cast(pa.string())
        array = pc.replace_substring_regex(array, pattern=r"\.0+$", replacement="")
    elif not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        raise RowError(0, f"a column of type {array.type} cannot hold {allowed[0]}-style names")
    keys = pc.utf8_lower(pc.utf8_trim_whitespace(array))
    if fill is not None:
        keys = pc.if_else(pc.equal(keys, pa.scalar("")), pa.scalar(None, pa.string()), keys)
    position = pc.index_in(keys, value_set=pa.array(list(vocabulary)))
    unknown = pc.and_(position.is_null(), keys.is_valid())
    if pc.any(unknown).as_py():
        raise RowError(first_true(unknown), f"unknown value; expected one of {allowed} or a code")
    codes = np.array(list(vocabulary.values()), dtype=np.int8)
    index = position.fill_null(0).to_numpy(zero_copy_only=False)
    result = np.asarray(codes[index], dtype=np.int8)
    if fill is not None:
        result[position.is_null().to_numpy(zero_copy_only=False)] = fill
    return result


def _default(name: str, dtype: np.dtype[np.generic], rows: int) -> npt.NDArray[np.generic]:
    if "_price_" in name:
        return np.full(rows, np.nan)
    return np.zeros(rows, dtype=dtype)


def _place_bars(
    out: dict[str, npt.NDArray[np.generic]],
    found: Mapping[str, tuple[str, ...]],
    mapping: ColumnMapping,
    default_interval_ns: int | None,
    defaulted: set[str],
    origins: RowOrigins,
) -> None:
    """Set interval_ns and move ts_event to the bar's close time."""
    times = np.asarray(out["ts_event"], dtype=np.int64)
    if "interval_ns" in out:
        interval = np.asarray(out["interval_ns"], dtype=np.int64)
    else:
        length = mapping.bar_interval_ns or _common_spacing(times) or default_interval_ns
        if length is None:
            raise InputError(
                "bar_interval",
                None,
                "a bar length such as 1m or 1d",
                hint=f"{origins.source} has too few bars to infer it",
            )
        interval = np.full(len(times), length, dtype=np.int64)
        defaulted.add("interval_ns")
    out["interval_ns"] = interval
    bar_time = mapping.bar_time
    if bar_time == "auto":
        bar_time = "close" if found.get("ts_event") == ("ts_event",) else "open"
    if bar_time == "open":
        out["ts_event"] = times + interval


def _common_spacing(times: npt.NDArray[np.int64]) -> int | None:
    """The most frequent gap between distinct bar times (weekend gaps are rarer than bars)."""
    distinct = np.unique(times)
    if len(distinct) < 2:
        return None
    gaps, counts = np.unique(np.diff(distinct), return_counts=True)
    return int(gaps[np.argmax(counts)])
