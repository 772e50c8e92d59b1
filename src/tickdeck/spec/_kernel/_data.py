"""The market events of a compiled run, read from the catalog, and what the strategy evaluates.

One instrument, one data kind, in the catalog's ``ts_recv`` order (which is
the replay order of a single stream). Quotes feed the exchange as L1 tops;
stored bars are walked as price paths. The evaluations are every quote,
the bars `LiveBars` builds from the delivered quotes, or the stored bars of
the spec's interval, with the fields a condition can read.

The compiled path refuses a price, size or bar value that is not finite
(the event-driven path would carry the NaN into indicators and orders in
ways the kernels do not restate).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from tickdeck.core import DataKind, InputError
from tickdeck.data.catalog import Catalog
from tickdeck.engine import BacktestConfig
from tickdeck.spec._kernel._layout import MODE_BARS, MODE_QUOTE_BARS, MODE_QUOTES
from tickdeck.spec._kernel._signal_kernels import deliveries, frozen, live_bars, mids
from tickdeck.spec._kernel._signals import Evaluations
from tickdeck.spec._model import StrategySpec
from tickdeck.spec._sections import BarsData

__all__ = ["MarketEvents", "load_events"]

_F64 = npt.NDArray[np.float64]
_I64 = npt.NDArray[np.int64]
_SECOND_NS = 1_000_000_000
_NO_EVENTS = frozen(np.empty(0, np.int64))


@dataclass(frozen=True)
class MarketEvents:
    """The events in replay order, their delivery times, and the evaluations they deliver.

    `columns` are bid, ask, bid size, ask size for quotes; open, high, low,
    close for bars. `evaluation_at[i]` is the evaluation event i delivers
    (-1: none); empty when every event is one (quotes).
    """

    mode: int
    venue: _I64
    delivery: _I64
    columns: tuple[_F64, _F64, _F64, _F64]
    evaluation_at: _I64
    evaluations: Evaluations
    last_recv: int

    @property
    def count(self) -> int:
        return int(self.venue.shape[0])


def _column(table: pa.Table, kind: DataKind, name: str, *, finite: bool) -> npt.NDArray[np.generic]:
    values = frozen(table.column(name).to_numpy())
    if finite and values.size and not np.isfinite(values).all():
        row = int(np.argmin(np.isfinite(values)))
        raise InputError(
            f"{kind.label}.{name}[{row}]",
            float(values[row]),
            "a finite number",
            hint="the compiled path refuses events without a price or size; run_spec replays them",
        )
    return values


def _mode(spec: StrategySpec) -> int:
    data = spec.data
    if isinstance(data, BarsData):
        return MODE_BARS if data.source == "bars" else MODE_QUOTE_BARS
    return MODE_QUOTES


def load_events(
    catalog: Catalog, config: BacktestConfig, spec: StrategySpec, instrument: str
) -> MarketEvents:
    """The run's events of `instrument` between the config's start and end."""
    mode = _mode(spec)
    kind = DataKind.BAR if mode == MODE_BARS else DataKind.QUOTE
    table = catalog.read(kind, instrument, start=config.start, end=config.end)
    venue = frozen(_column(table, kind, "ts_event", finite=False).astype(np.int64, copy=False))
    recv = frozen(_column(table, kind, "ts_recv", finite=False).astype(np.int64, copy=False))
    names = (
        ("open", "high", "low", "close")
        if kind == DataKind.BAR
        else ("bid_price", "ask_price", "bid_size", "ask_size")
    )
    first, second, third, fourth = (
        frozen(_column(table, kind, name, finite=True).astype(np.float64, copy=False))
        for name in names
    )
    out = np.empty(venue.shape[0], np.int64)
    latency = spec.simulation.latency.market_data
    deliveries(venue, recv, int(getattr(latency, "ns", 0)), out)
    delivery = frozen(out)
    last_recv = int(recv[-1]) if recv.size else -(2**63)
    if mode == MODE_QUOTES:
        price = np.empty(venue.shape[0], np.float64)
        mids(first, second, price)
        return MarketEvents(
            mode,
            venue,
            delivery,
            (first, second, third, fourth),
            _NO_EVENTS,
            Evaluations(frozen(price)),
            last_recv,
        )
    data = spec.data
    assert isinstance(data, BarsData)  # _mode says so
    interval = data.seconds * _SECOND_NS
    if mode == MODE_QUOTE_BARS:
        mid = np.empty(venue.shape[0], np.float64)
        mids(first, second, mid)
        at = np.empty(venue.shape[0], np.int64)
        bars = [np.empty(venue.shape[0], np.float64) for _ in range(4)]
        count = live_bars(delivery, frozen(mid), interval, at, *bars)
        open_, high, low, close = (frozen(b[:count]) for b in bars)
        volume = frozen(np.zeros(count))  # bars of quote mids carry no volume
    else:
        volume_all = _column(table, kind, "volume", finite=True).astype(np.float64, copy=False)
        intervals = _column(table, kind, "interval_ns", finite=False)
        # Stored bars of other intervals move the exchange and the marks, but are not evaluated.
        chosen = np.flatnonzero(intervals == interval)
        at = np.full(venue.shape[0], -1, np.int64)
        at[chosen] = np.arange(chosen.shape[0])
        open_, high, low, close, volume = (
            frozen(values[chosen]) for values in (first, second, third, fourth, volume_all)
        )
    evaluations = Evaluations(close, open_, high, low, close, volume)
    return MarketEvents(
        mode, venue, delivery, (first, second, third, fourth), frozen(at), evaluations, last_recv
    )
