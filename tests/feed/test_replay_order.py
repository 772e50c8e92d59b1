"""Replay order, as a property: real catalogs of random streams against a slow reference.

The reference concatenates every stream and sorts stably by (ts_recv, kind
rank, instrument order, catalog row). Timestamps are drawn from a few values
spread over several UTC days, so most of them are shared by many rows, across
streams, day partitions and (with batch sizes of a few rows) batch boundaries.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.feed.conftest import HOUR, IDS, T0, Data, event_of, random_table, reference, write_data

from tickdeck.core import DataKind, Event
from tickdeck.data.catalog import Catalog
from tickdeck.feed import EventBatch, Replay


@dataclass
class Market:
    data: Data
    instruments: list[str]  # in the order given to Replay
    kinds: list[DataKind]  # in the order given to Replay (which must not matter)
    batch_size: int

    def catalog(self, folder: str) -> Catalog:
        catalog = Catalog(Path(folder) / "catalog")
        write_data(catalog, self.data)
        return catalog

    def times(self) -> list[int]:
        return sorted({t for table in self.data.values() for t in table["ts_recv"].to_pylist()})


@st.composite
def markets(draw: st.DrawFn) -> Market:
    instruments = draw(st.permutations(IDS).map(list))[: draw(st.integers(1, 3))]
    kinds = draw(st.lists(st.sampled_from(list(DataKind)), min_size=1, max_size=3, unique=True))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    data: dict[tuple[DataKind, str], pa.Table] = {}
    serial = 0
    for kind in kinds:
        for instrument_id in IDS:
            slots = sorted(draw(st.lists(st.integers(0, 9), max_size=14)))
            # Slots 7 hours apart: ten values over three UTC days.
            ts = T0 + np.array(slots, dtype=np.int64) * 7 * HOUR
            data[kind, instrument_id] = random_table(kind, ts, rng, serial)
            serial += len(slots)
    return Market(data, instruments, kinds, draw(st.integers(1, 6)))


def replay(market: Market, catalog: Catalog, **bounds: int | None) -> Replay:
    return Replay(catalog, market.instruments, market.kinds, batch_size=market.batch_size, **bounds)


def events_of_batch(batch: EventBatch) -> list[Event]:
    """The batch's events the slow way: one column lookup per field."""
    out = []
    for s, r in zip(batch.stream.tolist(), batch.row.tolist(), strict=True):
        kind, instrument_id = batch.streams[s]
        row = {name: values[r].item() for name, values in batch.columns[s].items()}
        out.append(event_of(kind, instrument_id, row))
    return out


@settings(max_examples=30)
@given(markets())
def test_events_come_in_ts_recv_then_kind_then_instrument_then_row_order(market: Market) -> None:
    with tempfile.TemporaryDirectory() as folder:
        feed = replay(market, market.catalog(folder))
        want = reference(market.data, market.instruments, market.kinds)
        assert list(feed.events()) == want
        # A replay is a value: iterating it again gives the same stream.
        assert list(feed.events()) == want


@settings(max_examples=30)
@given(markets())
def test_batches_never_go_back_in_time_and_agree_with_events(market: Market) -> None:
    with tempfile.TemporaryDirectory() as folder:
        feed = replay(market, market.catalog(folder))
        from_batches: list[Event] = []
        last = None
        for batch in feed.batches():
            assert len(batch) > 0
            assert batch.streams == feed.streams
            ts = batch.ts_recv
            assert (np.diff(ts) >= 0).all()
            assert last is None or ts[0] >= last
            last = int(ts[-1])
            from_batches.extend(events_of_batch(batch))
            assert batch.to_table().num_rows == len(batch)
        assert from_batches == list(feed.events())


@settings(max_examples=30)
@given(markets(), st.data())
def test_start_and_end_bound_the_stream(market: Market, data: st.DataObject) -> None:
    times = market.times()
    edges = [T0 - 1, *times, times[-1] + 1] if times else [T0, T0 + 1]
    start = data.draw(st.sampled_from([None, *edges]))
    later = [e for e in edges if start is None or e > start]
    end = data.draw(st.sampled_from([None, *later]))
    with tempfile.TemporaryDirectory() as folder:
        feed = replay(market, market.catalog(folder), start=start, end=end)
        want = reference(market.data, market.instruments, market.kinds, start=start, end=end)
        assert list(feed.events()) == want


@settings(max_examples=30)
@given(markets(), st.data())
def test_seek_continues_exactly_like_a_fresh_replay_from_there(
    market: Market, data: st.DataObject
) -> None:
    times = market.times() or [T0]
    with tempfile.TemporaryDirectory() as folder:
        catalog = market.catalog(folder)
        feed = replay(market, catalog)
        total = len(reference(market.data, market.instruments, market.kinds))
        consumed = data.draw(st.integers(0, total), label="events before the seek")
        target = data.draw(st.sampled_from([*times, times[-1] + 1]), label="seek to")
        fresh = list(replay(market, catalog, start=target).events())

        stream = feed.events()
        before = [next(stream) for _ in range(consumed)]
        feed.seek(target)
        assert list(stream) == fresh
        assert before == reference(market.data, market.instruments, market.kinds)[:consumed]
        # Later iterations start at the seek position too.
        assert list(feed.events()) == fresh
        batches = list(feed.batches())
        assert sum(len(b) for b in batches) == len(fresh)
