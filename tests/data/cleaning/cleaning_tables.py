"""Small source tables for the cleaning tests, built column by column.

`source(kind, **columns)` fills every column not given with a valid default,
so a test states only the values that matter to it. By default rows are one
second apart, on the 0.01 grid of `ACME`, with a flat price: nothing in them
breaks a rule. Origins are the 1-based lines of a CSV with a header (2, 3, ...).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from tickdeck.core import BOOK_SNAPSHOT_DEPTH, DataKind, Instrument, layout
from tickdeck.data._source import SourceTable

ACME = Instrument("ACME", "XNAS", "0.01")
SECOND_NS = 1_000_000_000
T0 = 1_700_000_000 * SECOND_NS


def _defaults(kind: DataKind, n: int) -> dict[str, Sequence[float] | np.ndarray]:
    ones = np.ones(n)
    if kind == DataKind.QUOTE:
        return {
            "bid_price": 100.0 * ones,
            "ask_price": 100.01 * ones,
            "bid_size": ones,
            "ask_size": ones,
        }
    if kind == DataKind.TRADE:
        return {"price": 100.0 * ones, "size": ones, "aggressor": ones, "trade_id": np.arange(n)}
    if kind == DataKind.BAR:
        return {
            "open": 100.0 * ones,
            "high": 100.0 * ones,
            "low": 100.0 * ones,
            "close": 100.0 * ones,
            "volume": 10 * ones,
            "interval_ns": 60 * SECOND_NS * ones,
        }
    if kind == DataKind.BOOK_DELTA:
        return {"side": ones, "price": 100.0 * ones, "size": ones, "action": ones}
    if kind == DataKind.ORDER_EVENT:
        return {
            "order_id": np.arange(n),
            "side": ones,
            "price": 100.0 * ones,
            "size": ones,
            "action": ones,
        }
    levels: dict[str, Sequence[float] | np.ndarray] = {}
    for i in range(BOOK_SNAPSHOT_DEPTH):
        levels[f"bid_price_{i}"] = np.round(100.0 - 0.01 * i, 2) * ones
        levels[f"bid_size_{i}"] = ones
        levels[f"ask_price_{i}"] = np.round(100.01 + 0.01 * i, 2) * ones
        levels[f"ask_size_{i}"] = ones
    return levels


def source(
    kind: DataKind,
    *,
    origin: Sequence[int] | None = None,
    **columns: Sequence[float] | np.ndarray,
) -> SourceTable:
    """A `SourceTable` of `kind` with `columns` and valid defaults for the rest."""
    n = max(len(v) for v in columns.values())
    values: dict[str, Sequence[float] | np.ndarray] = {
        "ts_recv": T0 + SECOND_NS * np.arange(n),
        **_defaults(kind, n),
        **columns,
    }
    values.setdefault("ts_event", values["ts_recv"])
    schema = layout(kind).arrow_schema
    arrays = [
        pa.array(np.asarray(values[f.name]).astype(f.type.to_pandas_dtype()), f.type)
        for f in schema
    ]
    lines = np.arange(2, n + 2) if origin is None else np.asarray(origin)
    return SourceTable(kind, pa.Table.from_arrays(arrays, schema=schema), lines, "test.csv")


def quotes(
    bid: Sequence[float], ask: Sequence[float] | None = None, **columns: Sequence[float]
) -> SourceTable:
    """Quotes with these bids and (default: bid + 0.01) asks."""
    bids = np.asarray(bid, dtype=np.float64)
    asks = np.round(bids + 0.01, 2) if ask is None else np.asarray(ask, dtype=np.float64)
    return source(DataKind.QUOTE, bid_price=bids, ask_price=asks, **columns)


def lines(table: pa.Table) -> list[int]:
    """The ``origin`` column of a quarantine table."""
    return [int(v) for v in table.column("origin").to_pylist()]


def rules(table: pa.Table) -> list[str]:
    """The ``rule`` column of a quarantine table."""
    return [str(v) for v in table.column("rule").to_pylist()]
