"""The record layouts of market data, defined once.

Each `DataKind` has one `RecordLayout`; from it come the Parquet/Arrow schema
of the catalog, the numpy structured dtype used by compiled kernels, and the
field order of the Python event tuples in `tickdeck.core.events`.

Conventions shared by every layout:

- ``ts_event`` is venue time and ``ts_recv`` is the time the record was (or,
  for historical data, would have been) received; both int64 nanoseconds UTC.
  Replay order is ``ts_recv``; the catalog partitions and sorts by it.
- The instrument is not a column: the catalog stores it in the partition path
  and replay attaches it to each event.
- Prices are float64 on the instrument's tick grid; sizes are float64 in the
  instrument's units. Enumerations are int8 codes of the enums in
  `tickdeck.core.enums`.
- A bar's ``ts_event`` is its close time (the moment it is known), so a bar
  can never be seen before the ticks in it; its open time is
  ``ts_event - interval_ns``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Final

import numpy as np
import pyarrow as pa

from tickdeck.core.enums import DataKind

__all__ = ["BOOK_SNAPSHOT_DEPTH", "LAYOUTS", "Field", "RecordLayout", "layout"]

#: Levels per side held by a book snapshot record.
BOOK_SNAPSHOT_DEPTH: Final = 10

_I64 = np.dtype(np.int64)
_F64 = np.dtype(np.float64)
_I8 = np.dtype(np.int8)


@dataclass(frozen=True, slots=True)
class Field:
    """One column of a record layout."""

    name: str
    dtype: np.dtype
    doc: str

    @property
    def arrow_type(self) -> pa.DataType:
        return pa.from_numpy_dtype(self.dtype)


@dataclass(frozen=True)
class RecordLayout:
    """The columns of one data kind, and which of them are prices and sizes."""

    kind: DataKind
    fields: tuple[Field, ...]
    price_fields: tuple[str, ...]
    size_fields: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @cached_property
    def arrow_schema(self) -> pa.Schema:
        """The Arrow schema of catalog files of this kind (no nulls allowed)."""
        return pa.schema(
            [pa.field(f.name, f.arrow_type, nullable=False) for f in self.fields],
            metadata={b"tickdeck.kind": self.kind.label.encode()},
        )

    @cached_property
    def numpy_dtype(self) -> np.dtype:
        """The structured dtype that compiled kernels see."""
        return np.dtype([(f.name, f.dtype) for f in self.fields])

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


_TIMES = (
    Field("ts_event", _I64, "venue time, ns since the Unix epoch, UTC"),
    Field("ts_recv", _I64, "receive time, ns since the Unix epoch, UTC"),
)


def _snapshot_fields() -> tuple[Field, ...]:
    levels: list[Field] = []
    for side in ("bid", "ask"):
        for i in range(BOOK_SNAPSHOT_DEPTH):
            levels.append(
                Field(f"{side}_price_{i}", _F64, f"{side} price at level {i}, NaN if empty")
            )
            levels.append(Field(f"{side}_size_{i}", _F64, f"{side} size at level {i}, 0 if empty"))
    return tuple(levels)


_SNAPSHOT = _snapshot_fields()

LAYOUTS: Final[dict[DataKind, RecordLayout]] = {
    DataKind.QUOTE: RecordLayout(
        DataKind.QUOTE,
        (
            *_TIMES,
            Field("bid_price", _F64, "best bid"),
            Field("ask_price", _F64, "best ask"),
            Field("bid_size", _F64, "size at the best bid"),
            Field("ask_size", _F64, "size at the best ask"),
        ),
        price_fields=("bid_price", "ask_price"),
        size_fields=("bid_size", "ask_size"),
    ),
    DataKind.TRADE: RecordLayout(
        DataKind.TRADE,
        (
            *_TIMES,
            Field("price", _F64, "trade price"),
            Field("size", _F64, "trade size"),
            Field("aggressor", _I8, "Aggressor code: 1 buyer, -1 seller, 0 unknown"),
            Field("trade_id", _I64, "venue trade id, 0 if none"),
        ),
        price_fields=("price",),
        size_fields=("size",),
    ),
    DataKind.BAR: RecordLayout(
        DataKind.BAR,
        (
            *_TIMES,
            Field("open", _F64, "first price"),
            Field("high", _F64, "highest price"),
            Field("low", _F64, "lowest price"),
            Field("close", _F64, "last price"),
            Field("volume", _F64, "traded volume, 0 if unknown"),
            Field("interval_ns", _I64, "bar length in ns; 0 for tick and volume bars"),
        ),
        price_fields=("open", "high", "low", "close"),
        size_fields=("volume",),
    ),
    DataKind.BOOK_DELTA: RecordLayout(
        DataKind.BOOK_DELTA,
        (
            *_TIMES,
            Field("side", _I8, "Side code: 1 bid, -1 ask"),
            Field("price", _F64, "level price"),
            Field("size", _F64, "new total size at the level (0 on delete)"),
            Field("action", _I8, "BookAction code"),
        ),
        price_fields=("price",),
        size_fields=("size",),
    ),
    DataKind.BOOK_SNAPSHOT: RecordLayout(
        DataKind.BOOK_SNAPSHOT,
        (*_TIMES, *_SNAPSHOT),
        price_fields=tuple(f.name for f in _SNAPSHOT if "_price_" in f.name),
        size_fields=tuple(f.name for f in _SNAPSHOT if "_size_" in f.name),
    ),
    DataKind.ORDER_EVENT: RecordLayout(
        DataKind.ORDER_EVENT,
        (
            *_TIMES,
            Field("order_id", _I64, "venue order id"),
            Field("side", _I8, "Side code: 1 buy, -1 sell"),
            Field("price", _F64, "order price"),
            Field("size", _F64, "remaining size after the event; executed size on EXECUTE"),
            Field("action", _I8, "OrderAction code"),
        ),
        price_fields=("price",),
        size_fields=("size",),
    ),
}


def layout(kind: DataKind | str) -> RecordLayout:
    """The layout of a data kind, given as enum or as its name."""
    return LAYOUTS[DataKind.parse(kind, field="kind")]
