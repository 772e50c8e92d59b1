"""`clean`: sort one source's rows into replay order and remove the bad ones.

Contract:

- The rows are first sorted stably by ``ts_recv`` (source order is kept among
  equal times); rows that were earlier than a row before them are counted as
  ``out_of_order`` and moved, never removed.
- The rules of `RULES` then run in that precedence order; a row matched by
  several is counted under the first. The enum, price and size rules read the
  row as it was; from ``off_grid`` on, prices within float noise of the tick
  grid have been snapped onto it (and counted in ``snapped``), so ``crossed``,
  ``duplicate`` and ``spike`` see exact grid prices. ``spike`` sees only the
  rows no other rule removed.
- Every row ends either in the result's data or in its removed counts, and
  (unless ``keep_quarantine`` is off) in its quarantine table, as read.
- Too many off-grid prices raise `DataError` instead: a wrong tick size would
  otherwise quietly empty the source.

The per-row work happens in `_kernels`; this module picks the columns each
rule reads for the data kind, and wraps the outcome.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from tickdeck.core import (
    Aggressor,
    BookAction,
    DataError,
    DataKind,
    InputError,
    Instrument,
    OrderAction,
    Side,
    layout,
)
from tickdeck.core.instrument import MAX_EXACT_TICKS, grid_of
from tickdeck.data._source import SourceTable
from tickdeck.data.cleaning import _kernels as kernels
from tickdeck.data.cleaning.config import CleaningConfig
from tickdeck.data.cleaning.report import (
    MAX_REPORTED_GAPS,
    RULES,
    CleaningReport,
    CleaningResult,
)

__all__ = ["clean"]

# Columns hold int64, int8 or float64 data depending on the field.
_Array = npt.NDArray[Any]
_Columns = dict[str, _Array]

# Rule codes as the kernels see them: 1-based positions in RULES.
_CODE = {name: i + 1 for i, name in enumerate(RULES)}

_ENUM_FIELDS: dict[DataKind, tuple[tuple[str, tuple[int, ...]], ...]] = {
    DataKind.TRADE: (("aggressor", tuple(Aggressor)),),
    DataKind.BOOK_DELTA: (("side", tuple(Side)), ("action", tuple(BookAction))),
    DataKind.ORDER_EVENT: (("side", tuple(Side)), ("action", tuple(OrderAction))),
}
_CROSSABLE = {
    DataKind.QUOTE: ("bid_price", "ask_price"),
    DataKind.BOOK_SNAPSHOT: ("bid_price_0", "ask_price_0"),
}
_NONE = np.zeros(0, np.bool_)
_NO_FLOATS = np.zeros(0, np.float64)
_DEFAULT_CONFIG = CleaningConfig()


def clean(
    data: SourceTable, instrument: Instrument, config: CleaningConfig = _DEFAULT_CONFIG
) -> CleaningResult:
    """Sort `data` by ``ts_recv``, remove the rows that break a rule, and report.

    `instrument` supplies the tick grid. Raises `DataError` when more than
    ``config.max_off_grid_fraction`` of the rows have prices off that grid.
    See the module docstring for the contract and docs/cleaning.md for the
    rules.
    """
    if not isinstance(data, SourceTable):
        raise InputError("data", type(data).__name__, "a SourceTable")
    if not isinstance(instrument, Instrument):
        raise InputError("instrument", type(instrument).__name__, "an Instrument")
    if not isinstance(config, CleaningConfig):
        raise InputError("config", type(config).__name__, "a CleaningConfig")

    kind = data.kind
    names = layout(kind).names
    columns: _Columns = {name: _readonly(data.table.column(name).to_numpy()) for name in names}
    ts_recv = columns["ts_recv"]
    out_of_order = kernels.count_out_of_order(ts_recv)
    order: npt.NDArray[np.int64] | None = None
    if out_of_order:
        order = np.argsort(ts_recv, kind="stable")
        columns = {name: _readonly(values[order]) for name, values in columns.items()}

    n = data.num_rows
    codes = np.zeros(n, np.int8)
    k, scale = _grid(instrument)
    _mark_invalid_codes(kind, columns, codes)
    exempt, zero_ok_rows = _special_rows(kind, columns)
    _mark_bad_prices(kind, columns, exempt, codes)
    _mark_bad_sizes(kind, columns, config, zero_ok_rows, codes)
    prices, moved = _snap_prices(kind, columns, k, scale, exempt, codes)
    _check_off_grid_fraction(data, instrument, columns, codes, order, config)
    kernels.mark_recv_before_event(
        columns["ts_event"], columns["ts_recv"], codes, _CODE["recv_before_event"]
    )
    _mark_book_rules(kind, columns, prices, config, codes)
    merged = {**columns, **prices}
    kernels.mark_duplicates(
        merged["ts_recv"], _duplicate_keys(kind, merged, config), codes, _CODE["duplicate"]
    )
    _mark_spikes(kind, prices, k, scale, config, codes)

    starts = np.zeros(MAX_REPORTED_GAPS, np.int64)
    ends = np.zeros(MAX_REPORTED_GAPS, np.int64)
    gap_count, stored = kernels.find_gaps(
        columns["ts_recv"], codes, config.gap_threshold_ns, starts, ends
    )
    counts = np.bincount(codes, minlength=len(RULES) + 1)
    report = CleaningReport(
        source=data.source,
        kind=kind,
        rows_in=n,
        rows_out=int(counts[0]),
        out_of_order=int(out_of_order),
        removed={rule: int(counts[_CODE[rule]]) for rule in RULES},
        snapped=int(kernels.count_kept(moved, codes)),
        gap_threshold_ns=config.gap_threshold_ns,
        gap_count=int(gap_count),
        gaps=tuple((int(starts[i]), int(ends[i])) for i in range(stored)),
    )
    kept = _kept(data, merged, codes, order, changed=bool(moved.any()))
    quarantine = _quarantine(data, codes, order, keep=config.keep_quarantine)
    return CleaningResult(kept, report, quarantine)


# --- columns ----------------------------------------------------------------


def _readonly(values: _Array) -> _Array:
    # One memory layout for every input, whether a zero-copy view of an Arrow
    # buffer or a sorted copy, so each kernel compiles one signature.
    array = np.ascontiguousarray(values)
    array.flags.writeable = False
    return array


def _bits(values: _Array) -> npt.NDArray[np.uint64]:
    """The column as 64-bit words, for bitwise row comparison."""
    if values.dtype.itemsize != 8:
        values = values.astype(np.int64)  # sign extension keeps equality exact
    return _readonly(values.view(np.uint64))


def _duplicate_keys(
    kind: DataKind, merged: _Columns, config: CleaningConfig
) -> tuple[npt.NDArray[np.uint64], ...]:
    """The columns two rows must agree on, bit for bit, to be duplicates.

    Every field, and for trades without an id (``trade_id == 0``) also the row's
    position, so that no such trade is the duplicate of another: identical
    prints at one time are ordinary where a venue publishes no ids, whereas with
    an id an exact copy can only be the same trade sent twice. Configurable
    through ``drop_duplicate_trades_without_id``.
    """
    keys = [_bits(merged[name]) for name in layout(kind).names]
    if kind == DataKind.TRADE and not config.drop_duplicate_trades_without_id:
        anonymous = merged["trade_id"] == 0
        if anonymous.any():
            position = np.arange(1, len(anonymous) + 1, dtype=np.uint64)
            keys.append(_readonly(np.where(anonymous, position, np.uint64(0))))
    return tuple(keys)


def _grid(instrument: Instrument) -> tuple[int, float]:
    """The tick size as ``k / scale`` with ``k`` an integer, as the instrument computes it."""
    k, decimals = grid_of(instrument.tick_size)
    return k, float(10**decimals)


# --- rules ------------------------------------------------------------------


def _mark_invalid_codes(kind: DataKind, columns: _Columns, codes: npt.NDArray[np.int8]) -> None:
    for name, allowed in _ENUM_FIELDS.get(kind, ()):
        kernels.mark_invalid_codes(
            columns[name], np.array(allowed, np.int8), codes, _CODE["invalid_code"]
        )


def _special_rows(
    kind: DataKind, columns: _Columns
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Rows without a meaningful price, and rows where a zero size is normal.

    A CLEAR delta empties the book whatever its price says, so its price is
    not judged. A size of 0 is the book's own way to say "level gone" (DELETE,
    CLEAR) or "order gone" (an L3 CANCEL reports the remaining size).
    """
    if kind == DataKind.BOOK_DELTA:
        action = columns["action"]
        clear = action == BookAction.CLEAR
        return clear, clear | (action == BookAction.DELETE)
    if kind == DataKind.ORDER_EVENT:
        return _NONE, columns["action"] == OrderAction.CANCEL
    return _NONE, _NONE


def _mark_bad_prices(
    kind: DataKind,
    columns: _Columns,
    exempt: npt.NDArray[np.bool_],
    codes: npt.NDArray[np.int8],
) -> None:
    for name in layout(kind).price_fields:
        # A snapshot level with NaN price and size 0 is empty, not invalid.
        sizes = columns[name.replace("_price_", "_size_")] if "_price_" in name else _NO_FLOATS
        kernels.mark_bad_prices(columns[name], sizes, exempt, codes, _CODE["non_positive_price"])


def _mark_bad_sizes(
    kind: DataKind,
    columns: _Columns,
    config: CleaningConfig,
    zero_ok_rows: npt.NDArray[np.bool_],
    codes: npt.NDArray[np.int8],
) -> None:
    # A zero-size print is not a trade, whatever the source; a bar's volume is
    # 0 when unknown (see the layout), so zero is always fine there.
    zero_ok = {DataKind.TRADE: False, DataKind.BAR: True}.get(kind, config.allow_zero_size)
    for name in layout(kind).size_fields:
        prices = columns[name.replace("_size_", "_price_")] if "_size_" in name else _NO_FLOATS
        kernels.mark_bad_sizes(
            columns[name], zero_ok, zero_ok_rows, prices, codes, _CODE["non_positive_size"]
        )


def _snap_prices(
    kind: DataKind,
    columns: _Columns,
    k: int,
    scale: float,
    exempt: npt.NDArray[np.bool_],
    codes: npt.NDArray[np.int8],
) -> tuple[dict[str, npt.NDArray[np.float64]], npt.NDArray[np.uint8]]:
    """Snapped copies of the price columns, and how many prices moved per row."""
    moved = np.zeros(len(codes), np.uint8)
    prices: dict[str, npt.NDArray[np.float64]] = {}
    for name in layout(kind).price_fields:
        out = np.empty(len(codes), np.float64)
        kernels.snap_to_grid(columns[name], k, scale, exempt, codes, _CODE["off_grid"], out, moved)
        prices[name] = out
    return prices, moved


def _check_off_grid_fraction(
    data: SourceTable,
    instrument: Instrument,
    columns: _Columns,
    codes: npt.NDArray[np.int8],
    order: npt.NDArray[np.int64] | None,
    config: CleaningConfig,
) -> None:
    off = np.flatnonzero(codes == _CODE["off_grid"])
    if off.size <= config.max_off_grid_fraction * len(codes):
        return
    # Point at the first offending row as the file has it, not as sorted.
    first = int(off[0]) if order is None else int(off[np.argmin(order[off])])
    row = first if order is None else int(order[first])
    field, value = next(
        (
            (name, float(columns[name][first]))
            for name in layout(data.kind).price_fields
            if _off_grid(float(columns[name][first]), instrument)
        ),
        (None, None),  # unreachable while the twin tests agree; still a DataError
    )
    raise DataError(
        data.source,
        f"{off.size} of {len(codes)} rows ({off.size / len(codes):.1%}) have prices off the "
        f"tick grid of {instrument.id} (tick size {instrument.tick_size}), more than "
        f"max_off_grid_fraction={config.max_off_grid_fraction}; is the tick size right?",
        field=field,
        value=value,
        **data.where(row),
    )


def _off_grid(price: float, instrument: Instrument) -> bool:
    """The grid test of `kernels.snap_to_grid` for one price, used to name a field."""
    if math.isnan(price):
        return False
    k, scale = _grid(instrument)
    too_large = abs(np.rint(np.float64(price) * scale / k)) >= MAX_EXACT_TICKS
    return bool(too_large or instrument.off_grid(price))


def _mark_book_rules(
    kind: DataKind,
    columns: _Columns,
    prices: dict[str, npt.NDArray[np.float64]],
    config: CleaningConfig,
    codes: npt.NDArray[np.int8],
) -> None:
    if kind in _CROSSABLE:
        bid, ask = _CROSSABLE[kind]
        locked = 0 if config.keep_locked else _CODE["locked"]
        kernels.mark_crossed(prices[bid], prices[ask], codes, _CODE["crossed"], locked)
    if kind == DataKind.BAR:
        kernels.mark_inconsistent_bars(
            prices["open"],
            prices["high"],
            prices["low"],
            prices["close"],
            columns["interval_ns"],
            codes,
            _CODE["inconsistent_ohlc"],
        )


def _mark_spikes(
    kind: DataKind,
    prices: dict[str, npt.NDArray[np.float64]],
    k: int,
    scale: float,
    config: CleaningConfig,
    codes: npt.NDArray[np.int8],
) -> None:
    if kind == DataKind.QUOTE:
        a, b = prices["bid_price"], prices["ask_price"]
    elif kind == DataKind.TRADE:
        a, b = prices["price"], _NO_FLOATS
    else:
        return
    if config.spike_threshold == np.inf:
        return
    series = np.empty(len(codes), np.float64)
    m = kernels.spike_series(a, b, codes, k, scale, series)
    flags = np.zeros(m, np.bool_)
    # The series is in half ticks (see spike_series), hence the floor * 2.
    found = kernels.hampel_flags(
        series[:m],
        config.spike_window,
        config.spike_threshold,
        2.0 * config.spike_floor_ticks,
        config.spike_floor_bps * 1e-4,
        flags,
    )
    if found:
        kernels.mark_flagged(codes, flags, _CODE["spike"])


# --- outputs ----------------------------------------------------------------


def _kept(
    data: SourceTable,
    merged: _Columns,
    codes: npt.NDArray[np.int8],
    order: npt.NDArray[np.int64] | None,
    *,
    changed: bool,
) -> SourceTable:
    kept = np.flatnonzero(codes == 0)
    everything = kept.size == len(codes)
    if everything and order is None and not changed:
        return data  # already clean: no copy at all
    schema = layout(data.kind).arrow_schema
    # Gathering with one index array beats a boolean mask per column.
    arrays = [merged[name] if everything else merged[name].take(kept) for name in schema.names]
    origin = data.origin if order is None else data.origin[order]
    return dataclasses.replace(
        data,
        table=pa.Table.from_arrays([pa.array(a) for a in arrays], schema=schema),
        origin=origin if everything else origin[kept],
    )


def _quarantine(
    data: SourceTable,
    codes: npt.NDArray[np.int8],
    order: npt.NDArray[np.int64] | None,
    *,
    keep: bool,
) -> pa.Table:
    removed = np.flatnonzero(codes) if keep else np.zeros(0, np.int64)
    rows = removed if order is None else order[removed]
    in_source_order = np.argsort(rows, kind="stable")
    rows = rows[in_source_order]
    rule_codes = codes[removed][in_source_order].astype(np.int32) - 1
    rules = pa.DictionaryArray.from_arrays(rule_codes, pa.array(RULES, pa.string()))
    table = data.table.take(pa.array(rows, pa.int64()))
    table = table.append_column("rule", rules.cast(pa.string()))
    return table.append_column("origin", pa.array(data.origin[rows], pa.int64()))
