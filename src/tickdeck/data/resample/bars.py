"""Bars from ticks: time, tick-count and volume bars over quotes or trades.

Input is a table (or record batch) in the canonical QUOTE or TRADE layout of
`tickdeck.core.schema`; output is a table in the BAR layout. The conventions
(timestamps, empty buckets, partial bars, the volume-bar rule) are written
down in ``docs/resampling.md``; in short:

- a bar's ``ts_event`` is its close: the bucket end for time bars, the last
  tick's ``ts_event`` for tick and volume bars;
- its ``ts_recv`` is ``max(ts_event, largest ts_recv of its ticks)``: a bar is
  not known before it closes, nor before every tick in it was received;
- ticks whose bar price is NaN (a one-sided quote for MID, BID or ASK) are
  skipped entirely, and an interval with no priced tick yields no bar.

`BarAggregator` is the resumable form: it carries the bar under construction
between chunks, so feeding a table in pieces gives the same bars as the
one-shot functions. The one-shot functions sort by ``ts_event`` (stably)
when needed; the aggregator cannot see the future, so it requires each
chunk to continue in ``ts_event`` order and raises `DataError` otherwise.
"""

from __future__ import annotations

import math
from enum import IntEnum
from typing import Any, Final, NamedTuple, TypeVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from tickdeck.core.enums import DataKind
from tickdeck.core.errors import DataError, InputError
from tickdeck.core.instrument import Instrument
from tickdeck.core.schema import layout
from tickdeck.data.resample import _kernels
from tickdeck.data.resample.price_source import PriceSource, price_grid

__all__ = ["BarAggregator", "resample_ticks", "resample_time", "resample_volume"]

_I64 = npt.NDArray[np.int64]
_A = TypeVar("_A", bound=npt.NDArray[Any])
_F64 = npt.NDArray[np.float64]
_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1
_BAR_SCHEMA: Final = layout(DataKind.BAR).arrow_schema


class _Rule(IntEnum):
    TIME = 0
    TICKS = 1
    VOLUME = 2


class _Ticks(NamedTuple):
    """Read-only kernel inputs; ``px_b`` is ``px_a`` unless MID, ``sizes`` empty for quotes."""

    ts: _I64
    recv: _I64
    px_a: _F64
    px_b: _F64
    sizes: _F64

    def sorted_by_time(self) -> _Ticks:
        """The ticks in stable ts_event order, so ties keep their input order."""
        order = np.argsort(self.ts, kind="stable")
        px_a = _frozen(self.px_a[order])
        px_b = px_a if self.px_b is self.px_a else _frozen(self.px_b[order])
        sizes = _frozen(self.sizes[order]) if self.sizes.size else self.sizes
        return _Ticks(_frozen(self.ts[order]), _frozen(self.recv[order]), px_a, px_b, sizes)


class _Bars(NamedTuple):
    """Kernel output: rows ts_event, ts_recv and rows open, high, low, close, volume."""

    times: _I64
    values: _F64

    @staticmethod
    def empty() -> _Bars:
        return _Bars(np.empty((2, 0), np.int64), np.empty((5, 0), np.float64))

    @staticmethod
    def concat(parts: list[_Bars]) -> _Bars:
        """Join a non-empty list of outputs."""
        if len(parts) == 1:
            return parts[0]
        return _Bars(
            np.concatenate([p.times for p in parts], axis=1),
            np.concatenate([p.values for p in parts], axis=1),
        )


def _frozen(array: _A) -> _A:
    # The kernels see one array type whether the data came zero-copy from
    # Arrow (read-only) or was copied: each distinct type would be compiled anew.
    array.flags.writeable = False
    return array


class BarAggregator:
    """Builds bars from a stream of tick chunks, carrying the open bar between them.

    Create one with `time`, `ticks` or `volume`; call `update` with each chunk
    (a pyarrow Table or RecordBatch in the QUOTE or TRADE layout), which
    returns the bars that chunk completed, then `finish` once, which returns
    the bar still open (if asked for). Concatenated, these are exactly the
    bars of the one-shot function on the concatenated chunks. Chunks must be
    in non-decreasing ``ts_event`` order, within and across chunks.
    """

    def __init__(
        self,
        kind: DataKind | str,
        rule: _Rule,
        parameter: int | float,
        *,
        source: PriceSource | str | None,
        origin_ns: int = 0,
        instrument: Instrument | None = None,
    ) -> None:
        """Prefer the `time`, `ticks` and `volume` constructors, which validate parameters."""
        self.kind = _parse_kind(kind)
        self.source = _resolve_source(self.kind, source)
        self._grid = None if instrument is None else price_grid(instrument, self.source)
        self._rule = rule
        self._parameter = parameter
        self._origin_ns = origin_ns
        self._state_i, self._state_f = _kernels.new_state()
        self._watermark = _INT64_MIN
        self._finished = False

    @classmethod
    def time(
        cls,
        kind: DataKind | str,
        interval_ns: int,
        *,
        source: PriceSource | str | None = None,
        origin_ns: int = 0,
        instrument: Instrument | None = None,
    ) -> BarAggregator:
        """Time bars over buckets ``[origin_ns + k*interval_ns, origin_ns + (k+1)*interval_ns)``."""
        interval = _int64(interval_ns, "interval_ns", positive=True)
        origin = _int64(origin_ns, "origin_ns", positive=False)
        return cls(
            kind, _Rule.TIME, interval, source=source, origin_ns=origin, instrument=instrument
        )

    @classmethod
    def ticks(
        cls,
        kind: DataKind | str,
        ticks_per_bar: int,
        *,
        source: PriceSource | str | None = None,
        instrument: Instrument | None = None,
    ) -> BarAggregator:
        """One bar per ``ticks_per_bar`` priced ticks."""
        count = _int64(ticks_per_bar, "ticks_per_bar", positive=True)
        return cls(kind, _Rule.TICKS, count, source=source, instrument=instrument)

    @classmethod
    def volume(
        cls,
        kind: DataKind | str,
        volume_per_bar: float,
        *,
        source: PriceSource | str | None = None,
        instrument: Instrument | None = None,
    ) -> BarAggregator:
        """Trade bars closing on the trade at which their volume reaches ``volume_per_bar``."""
        threshold = _positive_float(volume_per_bar, "volume_per_bar")
        aggregator = cls(kind, _Rule.VOLUME, threshold, source=source, instrument=instrument)
        if aggregator.kind != DataKind.TRADE:
            raise InputError(
                "kind",
                aggregator.kind.label,
                "trades",
                hint="volume bars need traded sizes; quote sizes are resting liquidity",
            )
        return aggregator

    @property
    def interval_ns(self) -> int:
        """The bars' ``interval_ns``: the bucket length for time bars, 0 otherwise."""
        return int(self._parameter) if self._rule == _Rule.TIME else 0

    def update(self, chunk: pa.Table | pa.RecordBatch) -> pa.Table:
        """Fold a chunk in; return the bars it completed (BAR layout, maybe empty)."""
        self._check_open()
        ticks = self._extract(chunk)
        bad = int(_kernels.first_decrease(ticks.ts, self._watermark))
        if bad >= 0:
            before = int(ticks.ts[bad - 1]) if bad else self._watermark
            raise DataError(
                "chunk",
                f"ts_event goes back in time (after {before}); feed ticks in ts_event order",
                record=bad,
                field="ts_event",
                value=int(ticks.ts[bad]),
            )
        return self._table(self._consume(ticks))

    def finish(self, *, include_partial: bool) -> pa.Table:
        """End the stream: the bar still open, if any and if ``include_partial``, else no bar.

        The open bar is partial because more ticks could still join it: for
        time bars it is the bucket of the last tick, whose end always lies
        after that tick; for tick and volume bars it has not reached its size.
        """
        self._check_open()
        self._finished = True
        return self._table(self._flush(include_partial))

    def _check_open(self) -> None:
        if self._finished:
            raise InputError("aggregator", "finished", "an unfinished one", hint="create a new one")

    def _extract(self, chunk: pa.Table | pa.RecordBatch) -> _Ticks:
        """Validate a chunk's layout and values; return its kernel inputs."""
        if not isinstance(chunk, pa.Table | pa.RecordBatch):
            raise InputError("table", type(chunk).__name__, "a pyarrow Table or RecordBatch")
        declared = (chunk.schema.metadata or {}).get(b"tickdeck.kind")
        if declared is not None and declared.decode() != self.kind.label:
            hint = "the table's schema names its kind"
            raise InputError("kind", self.kind.label, declared.decode(), hint=hint)
        ts = _column(chunk, self.kind, "ts_event")
        recv = _column(chunk, self.kind, "ts_recv")
        if self.kind == DataKind.TRADE:
            px_a = px_b = _column(chunk, self.kind, "price")
            sizes = _column(chunk, self.kind, "size")
            bad = int(_kernels.first_bad_size(sizes))
            if bad >= 0:
                raise DataError(
                    "table",
                    "trade sizes must be finite and non-negative",
                    record=bad,
                    field="size",
                    value=float(sizes[bad]),
                )
        else:
            sizes = _frozen(np.empty(0, np.float64))
            if self.source == PriceSource.ASK:
                px_a = px_b = _column(chunk, self.kind, "ask_price")
            else:
                px_a = px_b = _column(chunk, self.kind, "bid_price")
            if self.source == PriceSource.MID:
                px_b = _column(chunk, self.kind, "ask_price")
        return _Ticks(ts, recv, px_a, px_b, sizes)

    def _consume(self, ticks: _Ticks) -> _Bars:
        """Run the kernel over all ticks, growing the output if the estimate was short."""
        n = ticks.ts.shape[0]
        if n == 0:
            return _Bars.empty()
        if self._rule == _Rule.TIME:
            self._check_time_range(int(ticks.ts[0]), int(ticks.ts[-1]))
        parts: list[_Bars] = []
        start = 0
        capacity = self._estimate(ticks)
        while start < n:
            # Each tick closes at most one bar, so n - start slots always suffice.
            capacity = max(1, min(n - start, capacity))
            bars = _Bars(np.empty((2, capacity), np.int64), np.empty((5, capacity), np.float64))
            written, start = self._run(ticks, start, bars)
            if written < capacity // 2:
                bars = _Bars(bars.times[:, :written].copy(), bars.values[:, :written].copy())
            else:
                bars = _Bars(bars.times[:, :written], bars.values[:, :written])
            parts.append(bars)
            capacity *= 2
        self._watermark = int(ticks.ts[-1])
        return _Bars.concat(parts)

    def _run(self, ticks: _Ticks, start: int, out: _Bars) -> tuple[int, int]:
        state_i, state_f = self._state_i, self._state_f
        mid = self.source == PriceSource.MID
        has_volume = ticks.sizes.size > 0
        if self._rule == _Rule.TIME:
            result = _kernels.time_bars(
                ticks.ts, ticks.recv, ticks.px_a, ticks.px_b, mid, ticks.sizes, has_volume,
                start, int(self._parameter), self._origin_ns, state_i, state_f, *out,
            )  # fmt: skip
        elif self._rule == _Rule.TICKS:
            result = _kernels.tick_bars(
                ticks.ts, ticks.recv, ticks.px_a, ticks.px_b, mid, ticks.sizes, has_volume,
                start, int(self._parameter), state_i, state_f, *out,
            )  # fmt: skip
        else:
            result = _kernels.volume_bars(
                ticks.ts, ticks.recv, ticks.px_a, ticks.sizes,
                start, float(self._parameter), state_i, state_f, *out,
            )  # fmt: skip
        return int(result[0]), int(result[1])

    def _estimate(self, ticks: _Ticks) -> int:
        """A guess at the number of bars in a chunk; `_consume` grows past a short one."""
        n = len(ticks.ts)
        if self._rule == _Rule.TIME:
            return (int(ticks.ts[-1]) - int(ticks.ts[0])) // int(self._parameter) + 2
        if self._rule == _Rule.TICKS:
            pending = int(self._state_i[_kernels.S_COUNT])
            return (n + pending) // int(self._parameter) + 1
        total = float(ticks.sizes.sum()) + float(self._state_f[_kernels.F_VOLUME])
        return int(total / self._parameter) + 2 if math.isfinite(total) else n

    def _check_time_range(self, first: int, last: int) -> None:
        # The kernel works in int64; its floor division is only right when
        # ts - origin and the bucket end do not wrap around.
        interval, origin = int(self._parameter), self._origin_ns
        end = origin + ((last - origin) // interval + 1) * interval
        if first - origin < _INT64_MIN or last - origin > _INT64_MAX or end > _INT64_MAX:
            raise InputError(
                "origin_ns",
                origin,
                "an origin and interval whose buckets fit in int64 ns",
                hint=f"ticks span [{first}, {last}] with interval_ns={interval}",
            )

    def _flush(self, include_partial: bool) -> _Bars:
        state_i, state_f = self._state_i, self._state_f
        is_open = bool(state_i[_kernels.S_OPEN])
        state_i[_kernels.S_OPEN] = 0
        if not (is_open and include_partial):
            return _Bars.empty()
        close = state_i[_kernels.S_END if self._rule == _Rule.TIME else _kernels.S_LAST_TS]
        recv = max(close, state_i[_kernels.S_MAX_RECV])
        return _Bars(np.array([[close], [recv]], np.int64), state_f.copy().reshape(5, 1))

    def _table(self, bars: _Bars) -> pa.Table:
        times, values = bars
        n = times.shape[1]
        prices = values[:4] if self._grid is None else self._grid.snap_prices(values[:4])
        columns = [*times, *prices, values[4], np.full(n, self.interval_ns, np.int64)]
        return pa.Table.from_arrays([pa.array(c) for c in columns], schema=_BAR_SCHEMA)


def resample_time(
    table: pa.Table,
    kind: DataKind | str,
    interval_ns: int,
    *,
    source: PriceSource | str | None = None,
    origin_ns: int = 0,
    include_partial: bool = True,
    instrument: Instrument | None = None,
) -> pa.Table:
    """Time bars of ``interval_ns`` ns over ``ts_event``, in the BAR layout.

    Buckets are ``[origin_ns + k*interval_ns, origin_ns + (k+1)*interval_ns)``
    (half-open, ns UTC); a bar's ``ts_event`` is its bucket end, its
    ``ts_recv`` ``max(bucket end, largest ts_recv of its ticks)``, its
    ``interval_ns`` the interval. Buckets without a priced tick produce no bar
    (no forward fill). ``volume`` is the summed trade size for trades and 0.0
    (unknown) for quotes. ``source`` defaults to MID for quotes (which may lie
    on the half-tick grid) and TRADE for trades. Input not sorted by
    ``ts_event`` is sorted stably first.

    ``include_partial=False`` drops the last bar: its bucket ends after the
    last tick, so on data that is still arriving it is incomplete. On a
    finished historical table it is complete, hence the default True.

    With `instrument`, bar prices are snapped to its tick grid (half ticks for
    MID), so they are exactly the decimal prices rather than float sums.
    """
    aggregator = BarAggregator.time(
        kind, interval_ns, source=source, origin_ns=origin_ns, instrument=instrument
    )
    return _one_shot(aggregator, table, include_partial)


def resample_ticks(
    table: pa.Table,
    kind: DataKind | str,
    ticks_per_bar: int,
    *,
    source: PriceSource | str | None = None,
    include_partial: bool = False,
    instrument: Instrument | None = None,
) -> pa.Table:
    """One bar per ``ticks_per_bar`` priced ticks, in ``ts_event`` order (sorted stably if needed).

    A bar's ``ts_event`` is its last tick's ``ts_event``, its ``ts_recv``
    ``max(ts_event, largest ts_recv of its ticks)``, its ``interval_ns`` 0.
    Ticks with a NaN bar price do not count. The final bar with fewer ticks
    is dropped unless ``include_partial``. Volume as in `resample_time`.
    """
    aggregator = BarAggregator.ticks(kind, ticks_per_bar, source=source, instrument=instrument)
    return _one_shot(aggregator, table, include_partial)


def resample_volume(
    table: pa.Table,
    kind: DataKind | str,
    volume_per_bar: float,
    *,
    source: PriceSource | str | None = None,
    include_partial: bool = False,
    instrument: Instrument | None = None,
) -> pa.Table:
    """Volume bars over trades, in ``ts_event`` order (sorted stably if needed).

    A bar closes on the trade at which its cumulative size reaches
    ``volume_per_bar`` (in the instrument's size units). That trade is not
    split: all of its size belongs to the bar it closes, so a bar's volume is
    at least the threshold and may exceed it, and the next bar starts from
    zero. Timestamps as in `resample_ticks`; ``interval_ns`` is 0. The final
    bar below the threshold is dropped unless ``include_partial``.
    Quotes are rejected: their sizes are not traded volume.
    """
    aggregator = BarAggregator.volume(kind, volume_per_bar, source=source, instrument=instrument)
    return _one_shot(aggregator, table, include_partial)


def _one_shot(aggregator: BarAggregator, table: pa.Table, include_partial: bool) -> pa.Table:
    ticks = aggregator._extract(table)
    if _kernels.first_decrease(ticks.ts, _INT64_MIN) >= 0:
        ticks = ticks.sorted_by_time()
    bars = aggregator._consume(ticks)
    aggregator._finished = True
    return aggregator._table(_Bars.concat([bars, aggregator._flush(include_partial)]))


def _parse_kind(kind: DataKind | str) -> DataKind:
    parsed = DataKind.parse(kind, field="kind")
    if parsed not in (DataKind.QUOTE, DataKind.TRADE):
        raise InputError("kind", parsed.label, "quotes or trades", hint="bars are made of ticks")
    return parsed


def _resolve_source(kind: DataKind, source: PriceSource | str | None) -> PriceSource:
    if source is None:
        return PriceSource.TRADE if kind == DataKind.TRADE else PriceSource.MID
    parsed = PriceSource.parse(source)
    if kind == DataKind.TRADE and parsed != PriceSource.TRADE:
        raise InputError(
            "source", parsed.label, "'trade' for trades", hint="bid, ask and mid come from quotes"
        )
    if kind == DataKind.QUOTE and parsed == PriceSource.TRADE:
        hint = "trade prices come from trades"
        raise InputError("source", parsed.label, "'mid', 'bid' or 'ask' for quotes", hint=hint)
    return parsed


def _column(chunk: pa.Table | pa.RecordBatch, kind: DataKind, name: str) -> npt.NDArray[Any]:
    """One column of the kind's layout as a read-only numpy array of the layout's dtype."""
    spec = layout(kind)
    if name not in chunk.column_names:
        raise InputError(
            "table",
            sorted(chunk.column_names),
            f"a {name!r} column",
            hint=f"the {kind.label} layout is {list(spec.names)}",
        )
    column = chunk.column(name)
    if column.null_count:
        raise DataError("table", "null values are not allowed", field=name)
    target = spec.field(name).arrow_type
    if column.type != target:
        try:
            column = column.cast(target)  # safe cast: lossless conversions only
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            raise InputError(name, str(column.type), str(target)) from None
    # Zero-copy for a single chunk; several chunks are concatenated.
    return _frozen(column.to_numpy(zero_copy_only=False))


def _int64(value: object, field: str, *, positive: bool) -> int:
    expected = "a positive integer below 2**63" if positive else "an integer that fits in int64"
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise InputError(field, value, expected)
    if not (1 if positive else _INT64_MIN) <= value <= _INT64_MAX:
        raise InputError(field, value, expected)
    return int(value)


def _positive_float(value: object, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise InputError(field, value, "a positive number")
    number = float(value)
    if not (math.isfinite(number) and number > 0):
        raise InputError(field, value, "a positive finite number")
    return number
