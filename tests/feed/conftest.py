"""Helpers for the feed tests: random tables of any kind, a slow reference replay, a fake clock."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from tests.conftest import ACME, EURUSD

from tickdeck.core import EVENT_TYPES, DataKind, Event, Instrument, layout
from tickdeck.data.catalog import Catalog

GBPUSD = Instrument("GBPUSD", "DUKA", "0.00001", asset_class="fx")
INSTRUMENTS = (EURUSD, ACME, GBPUSD)
IDS = tuple(i.id for i in INSTRUMENTS)
#: 2024-01-02T00:00:00Z in ns.
T0 = 1_704_153_600_000_000_000
HOUR = 3_600_000_000_000

Data = Mapping[tuple[DataKind, str], pa.Table]


def random_table(kind: DataKind, ts: np.ndarray, rng: np.random.Generator, serial: int) -> pa.Table:
    """Rows of `kind` at receive times `ts` (sorted); ``ts_event`` numbers the rows from `serial`.

    The serial makes every row unique, so the catalog drops none as a duplicate.
    """
    n = ts.size
    columns: dict[str, np.ndarray] = {}
    for f in layout(kind).fields:
        if f.name == "ts_recv":
            columns[f.name] = ts.astype(np.int64)
        elif f.name == "ts_event":
            columns[f.name] = np.arange(serial, serial + n, dtype=np.int64)
        elif f.dtype == np.int8:
            columns[f.name] = rng.integers(-1, 2, n).astype(np.int8)
        elif f.dtype == np.int64:
            columns[f.name] = rng.integers(0, 1_000_000, n).astype(np.int64)
        else:
            columns[f.name] = np.round(rng.uniform(1, 2, n), 5)
    return pa.table(columns, schema=layout(kind).arrow_schema)


def write_data(catalog: Catalog, data: Data) -> None:
    """Register the instruments and commit every table in one transaction."""
    with catalog.transaction() as tx:
        for instrument in INSTRUMENTS:
            tx.add_instrument(instrument)
        for (kind, instrument_id), table in data.items():
            if table.num_rows:
                tx.write(kind, instrument_id, table)


def event_of(kind: DataKind, instrument_id: str, row: Mapping[str, object]) -> Event:
    """The event for one table row, built field by field (the slow, obvious way)."""
    values: list[object] = [instrument_id]
    for field in EVENT_TYPES[kind]._fields[1:]:
        if field in row:
            values.append(row[field])
        else:  # BookSnapshot.bid_prices <- bid_price_0, bid_price_1, ...
            prefix = field.removesuffix("s") + "_"
            levels = sorted((k for k in row if k.startswith(prefix)), key=lambda k: int(k[-1]))
            values.append(tuple(row[k] for k in levels))
    return EVENT_TYPES[kind](*values)


def reference(
    data: Data,
    instruments: Sequence[str],
    kinds: Sequence[DataKind],
    *,
    start: int | None = None,
    end: int | None = None,
) -> list[Event]:
    """Everything concatenated, sorted stably by (ts_recv, kind rank, instrument order, row)."""
    keyed = []
    for kind in kinds:
        for position, instrument_id in enumerate(instruments):
            table = data.get((kind, instrument_id))
            if table is None:
                continue
            for row_index, row in enumerate(table.to_pylist()):
                ts = row["ts_recv"]
                if (start is None or ts >= start) and (end is None or ts < end):
                    key = (ts, int(kind), position, row_index)
                    keyed.append((key, event_of(kind, instrument_id, row)))
    keyed.sort(key=lambda pair: pair[0])
    return [event for _, event in keyed]


class FakeClock:
    """A monotonic ns clock that moves only when someone sleeps or advances it."""

    def __init__(self, now: int = 1_000_000_000) -> None:
        self.now = now
        self.sleeps: list[int] = []

    def __call__(self) -> int:
        return self.now

    def sleep(self, ns: int) -> None:
        self.sleeps.append(ns)
        self.now += ns

    async def async_sleep(self, ns: int) -> None:
        self.sleep(ns)


@pytest.fixture
def feed_catalog(tmp_path: Path) -> Catalog:
    catalog = Catalog(tmp_path / "catalog")
    write_data(catalog, {})
    return catalog
