"""Bars in, validated arrays out: the checks `ticks_from_bars` makes before drawing anything.

Bars come as a pyarrow table or pandas DataFrame in the BAR layout (``ts_recv``
and ``interval_ns`` may be missing), or as a `SourceTable` from
`tickdeck.data.ingest.read_source`, whose errors then name the file line.
A bar that cannot be turned into ticks raises a `DataError` naming its row
and column: high below low, open or close outside [low, high], prices off the
tick grid, a negative, non-finite or off-lot-grid volume, bars overlapping or
out of order, or a bar shorter than `MIN_INTERVAL_NS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from tickdeck.core import DataError, InputError, Instrument
from tickdeck.core.instrument import MAX_EXACT_TICKS, grid_of, off_grid_ticks
from tickdeck.data._source import SourceTable

__all__ = ["MIN_INTERVAL_NS", "BarArrays", "BarsInput", "read_bars"]

BarsInput = pa.Table | pd.DataFrame | SourceTable
_I64 = npt.NDArray[np.int64]
_F64 = npt.NDArray[np.float64]
#: The shortest bar that fits its 4 trades 2 ns apart, 1 ns after its open.
MIN_INTERVAL_NS = 9
_REQUIRED = ("ts_event", "open", "high", "low", "close", "volume")


@dataclass(frozen=True)
class BarArrays:
    """Validated bars: times in ns, prices in ticks, volumes as given and in size steps."""

    open_ns: _I64
    close_ns: _I64
    o: _I64
    h: _I64
    low: _I64
    c: _I64
    volume: _F64
    volume_lots: _I64

    def __len__(self) -> int:
        return int(self.o.shape[0])

    def slice(self, start: int, stop: int) -> BarArrays:
        return BarArrays(*(getattr(self, name)[start:stop] for name in self.__dataclass_fields__))


class _Locator:
    """Turns a row index into DataError keyword arguments: file line, or record index."""

    def __init__(self, bars: BarsInput) -> None:
        self.source = bars.source if isinstance(bars, SourceTable) else "bars"
        self._origin = bars if isinstance(bars, SourceTable) else None

    def error(self, row: int, problem: str, field: str, value: object) -> DataError:
        where: dict[str, Any] = (
            self._origin.where(row) if self._origin is not None else {"record": row}
        )
        return DataError(self.source, problem, field=field, value=value, **where)


def _table(bars: BarsInput) -> pa.Table:
    if isinstance(bars, SourceTable):
        return bars.table
    if isinstance(bars, pd.DataFrame):
        return pa.Table.from_pandas(bars, preserve_index=False)
    if isinstance(bars, pa.Table):
        return bars
    raise InputError(
        "bars", type(bars).__name__, "a pyarrow Table, pandas DataFrame or SourceTable"
    )


def _column(table: pa.Table, name: str, dtype: type, locate: _Locator) -> npt.NDArray[Any]:
    column = table.column(name)
    if column.null_count:
        row = int(np.flatnonzero(column.is_null().to_numpy(zero_copy_only=False))[0])
        raise locate.error(row, "missing value", name, None)
    try:
        return np.asarray(column.to_numpy(zero_copy_only=False), dtype=dtype)
    except (TypeError, ValueError):
        raise InputError(name, str(column.type), f"a {np.dtype(dtype).name} column") from None


def _first(mask: npt.NDArray[np.bool_]) -> int:
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else -1


def read_bars(
    bars: BarsInput, instrument: Instrument, *, interval_ns: int | None, size_step: Decimal
) -> BarArrays:
    """Validate `bars` for `instrument`; `interval_ns` overrides the table's ``interval_ns``."""
    locate = _Locator(bars)
    table = _table(bars)
    missing = [n for n in _REQUIRED if n not in table.column_names]
    if missing:
        raise InputError(
            "bars",
            sorted(table.column_names),
            f"the columns {list(_REQUIRED)} (and interval_ns)",
            hint=f"missing {missing}",
        )
    close_ns = _column(table, "ts_event", np.int64, locate)
    n = close_ns.shape[0]
    if interval_ns is not None:
        if isinstance(interval_ns, bool) or not isinstance(interval_ns, int) or interval_ns <= 0:
            raise InputError("interval_ns", interval_ns, "a positive number of ns")
        intervals = np.full(n, interval_ns, np.int64)
    elif "interval_ns" in table.column_names:
        intervals = _column(table, "interval_ns", np.int64, locate)
        bad = _first(intervals <= 0)
        if bad >= 0:
            raise locate.error(
                bad,
                "the bar has no time interval (a tick or volume bar); pass interval_ns",
                "interval_ns",
                int(intervals[bad]),
            )
    else:
        raise InputError("interval_ns", None, "a bar interval", hint="the bars have no interval_ns")
    prices = {
        name: _column(table, name, np.float64, locate) for name in ("open", "high", "low", "close")
    }
    for name, values in prices.items():
        bad = _first(~np.isfinite(values))
        if bad >= 0:
            raise locate.error(bad, "prices must be finite", name, float(values[bad]))
        bad = _first(instrument.off_grid(values))
        if bad >= 0:
            raise locate.error(
                bad,
                f"price off the tick grid of {instrument.id} (tick {instrument.tick_size})",
                name,
                float(values[bad]),
            )
    ticks = {name: instrument.prices_to_ticks(values) for name, values in prices.items()}
    o, h, low, c = ticks["open"], ticks["high"], ticks["low"], ticks["close"]
    checks = (
        (h < low, "high is below low", "high", prices["high"]),
        ((o < low) | (o > h), "open is outside [low, high]", "open", prices["open"]),
        ((c < low) | (c > h), "close is outside [low, high]", "close", prices["close"]),
    )
    for mask, problem, name, values in checks:
        bad = _first(mask)
        if bad >= 0:
            raise locate.error(bad, problem, name, float(values[bad]))
    volume = _column(table, "volume", np.float64, locate)
    bad = _first(~(np.isfinite(volume) & (volume >= 0)))
    if bad >= 0:
        raise locate.error(bad, "volume must be finite and not negative", "volume", volume[bad])
    k, p = grid_of(size_step)
    exact = volume * float(10**p) / k
    bad = _first(off_grid_ticks(exact) | (exact >= MAX_EXACT_TICKS))
    if bad >= 0:
        raise locate.error(
            bad,
            f"volume is not a whole number of size steps ({size_step})",
            "volume",
            float(volume[bad]),
        )
    bad = _first(intervals < MIN_INTERVAL_NS)
    if bad >= 0:
        raise locate.error(
            bad,
            f"the bar lasts under {MIN_INTERVAL_NS} ns, too short for the up to 4 trades "
            "that draw it (trades are at least 2 ns apart)",
            "interval_ns",
            int(intervals[bad]),
        )
    open_ns = close_ns - intervals
    if n > 1:
        bad = _first(open_ns[1:] < close_ns[:-1])
        if bad >= 0:
            raise locate.error(
                bad + 1,
                "bars overlap or are out of order (this bar opens before the previous one closes)",
                "ts_event",
                int(close_ns[bad + 1]),
            )
    return BarArrays(open_ns, close_ns, o, h, low, c, volume, np.rint(exact).astype(np.int64))
