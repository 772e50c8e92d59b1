"""`Replay`: history from the catalog as one stream of events in replay order.

Replay order is ``ts_recv``, then the data kind's rank (`DataKind` value: book
snapshot < book delta < order event < quote < trade < bar), then the
instrument's position in the list given to `Replay`, then the catalog's row
order (source order for equal times). The replay numbers its streams (one
per kind and instrument) in exactly this order, see `Replay.streams`.

Three ways to consume the same stream:

- `Replay.batches`: `EventBatch`es of arrays, for compiled code (no pacing);
- `Replay.events`: `tickdeck.core` event named tuples, built in C, optionally
  paced by a `Pacer`;
- `Replay.aevents`: the same as an async iterator, for servers.

`Replay.seek` moves every iteration in progress, and those started later.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

import pandas as pd

from tickdeck.core import DataKind, Event, InputError, format_timestamp, parse_timestamp
from tickdeck.data.catalog import Catalog
from tickdeck.feed._events import EventBuilder, Stopper, stop
from tickdeck.feed.batch import EventBatch, Stream
from tickdeck.feed.merge import merge_streams
from tickdeck.feed.pacing import Pacer, Wait

__all__ = ["Replay", "TimeLike"]

TimeLike = int | str | datetime | pd.Timestamp


class _Session:
    """One iteration in progress: what `seek` must interrupt."""

    __slots__ = ("generation", "pacer", "stopper")

    def __init__(self, pacer: Pacer | None = None) -> None:
        self.generation = -1
        self.pacer = pacer
        self.stopper: Stopper | None = None

    def interrupt(self) -> None:
        stopper = self.stopper
        if stopper is not None:
            stop(stopper)
        if self.pacer is not None:
            self.pacer._wake()


def _names(value: object, field: str, what: str) -> list[Any]:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise InputError(field, value, f"a list of {what}", hint=f"write [{value!r}]")
    items = list(value)
    if not items:
        raise InputError(field, items, f"at least one of {what}")
    duplicates = sorted({str(v) for v in items if items.count(v) > 1})
    if duplicates:
        raise InputError(field, items, f"each of {what} once", hint=f"repeated: {duplicates}")
    return items


class Replay:
    """Replay `kinds` of `instruments` from `catalog` with ``start <= ts_recv < end``.

    `instruments` are catalog instrument ids (``SYMBOL.VENUE``); their order
    is the tie-break between instruments. `kinds` are `DataKind`s or their
    names; their order does not matter (the kind rank decides). `start` and
    `end` are int ns UTC or anything `tickdeck.core.parse_timestamp` reads.
    `batch_size` is the number of rows read per stream at a time: memory is
    about ``len(streams) * batch_size`` rows.
    """

    def __init__(
        self,
        catalog: Catalog,
        instruments: Sequence[str],
        kinds: Sequence[DataKind | str] = (DataKind.QUOTE,),
        *,
        start: TimeLike | None = None,
        end: TimeLike | None = None,
        batch_size: int = 65_536,
    ) -> None:
        ids = [str(i) for i in _names(instruments, "instruments", "instrument ids")]
        for instrument_id in ids:
            catalog.instrument(instrument_id)  # an InputError naming the closest id
        parsed = [DataKind.parse(k, field="kinds") for k in _names(kinds, "kinds", "data kinds")]
        if len(set(parsed)) != len(parsed):
            raise InputError("kinds", list(kinds), "each data kind once")
        self.start = None if start is None else parse_timestamp(start, field="start")
        self.end = None if end is None else parse_timestamp(end, field="end")
        if self.start is not None and self.end is not None and self.start >= self.end:
            after = f"a time after start {format_timestamp(self.start)}"
            raise InputError("end", format_timestamp(self.end), after)
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
            raise InputError("batch_size", batch_size, "a positive number of rows")
        self.catalog = catalog
        self.instruments = tuple(ids)
        self.kinds = tuple(sorted(parsed))
        self.batch_size = batch_size
        #: The merge inputs in tie-break order: by kind rank, then instrument order.
        self.streams = tuple(Stream(k, i) for k in self.kinds for i in self.instruments)
        self._lock = threading.Lock()
        self._origin = self.start
        self._generation = 0
        self._sessions: set[_Session] = set()

    def __repr__(self) -> str:
        kinds = [k.label for k in self.kinds]
        bounds = f"start={self.start}, end={self.end}"
        return f"Replay({list(self.instruments)!r}, kinds={kinds!r}, {bounds})"

    # -- controls ---------------------------------------------------------------------

    def seek(self, ts: TimeLike) -> None:
        """Continue every iteration in progress from the first event with ``ts_recv >= ts``.

        Events already built but not yet consumed are dropped, so the next event
        any iteration yields is that first event, also when `seek` is called from
        the consuming loop itself; a paced iteration re-anchors its clock on it.
        Iterations started later begin at `ts` too. `ts` must lie in ``[start, end]``.
        """
        position = parse_timestamp(ts, field="ts")
        if (self.start is not None and position < self.start) or (
            self.end is not None and position > self.end
        ):
            low = "" if self.start is None else format_timestamp(self.start)
            high = "" if self.end is None else format_timestamp(self.end)
            raise InputError("ts", format_timestamp(position), f"a time in [{low}, {high}]")
        with self._lock:
            self._origin = position
            self._generation += 1
            sessions = list(self._sessions)
        for session in sessions:
            session.interrupt()

    # -- consumption ------------------------------------------------------------------

    def batches(self) -> Iterator[EventBatch]:
        """The stream as non-empty `EventBatch`es, as fast as the catalog reads."""
        return self._batches(_Session())

    def events(self, pacer: Pacer | None = None) -> Iterator[Event]:
        """The stream as event named tuples, paced by `pacer` if given.

        With no pacer, no Python code runs per event: events are built in C and
        batches are chained in C.
        """
        if pacer is None:
            return itertools.chain.from_iterable(self._chunks(_Session()))
        return itertools.chain.from_iterable(self._paced(pacer))

    def aevents(self, pacer: Pacer | None = None) -> AsyncIterator[Event]:
        """`events` as an async iterator; other tasks run between batches and bursts."""
        return self._aevents(pacer)

    # -- machinery --------------------------------------------------------------------

    def _open(self, origin: int | None) -> Iterator[EventBatch]:
        sources = [
            self.catalog.scan(
                s.kind, s.instrument, start=origin, end=self.end, batch_size=self.batch_size
            )
            for s in self.streams
        ]
        return merge_streams(sources, self.streams)

    def _batches(
        self, session: _Session, on_seek: Callable[[], None] | None = None
    ) -> Iterator[EventBatch]:
        """Merged batches from the replay's position, restarting whenever `seek` moves it."""
        with self._lock:
            origin, session.generation = self._origin, self._generation
            self._sessions.add(session)
        try:
            while True:
                merged = self._open(origin)
                try:
                    for batch in merged:
                        if session.generation != self._generation:
                            break
                        yield batch
                        if session.generation != self._generation:
                            break
                    else:
                        return
                finally:
                    close = getattr(merged, "close", None)
                    if close is not None:
                        close()  # release the open files now, not at garbage collection
                with self._lock:
                    origin, session.generation = self._origin, self._generation
                if on_seek is not None:
                    on_seek()
        finally:
            with self._lock:
                self._sessions.discard(session)

    def _chunks(self, session: _Session) -> Iterator[Iterator[Event]]:
        """One lazy event iterator per batch."""
        build = EventBuilder(self.streams)
        for batch in self._batches(session):
            events, session.stopper = build(batch)
            # Checked after publishing the stopper: a concurrent seek either is
            # seen here or finds this stopper to stop.
            if session.generation == self._generation:
                yield events

    def _steps(self, pacer: Pacer, session: _Session) -> Iterator[Iterator[Event] | Wait]:
        """Bursts of events that are due, and waits until the next one is."""
        session.pacer = pacer
        pacer._restart()
        build = EventBuilder(self.streams)
        for batch in self._batches(session, on_seek=pacer._restart):
            events, session.stopper = build(batch)
            ts = batch.ts_recv
            position, size = 0, len(batch)
            while position < size and session.generation == self._generation:
                step = pacer._release(ts, position)
                if isinstance(step, Wait):
                    yield step
                else:
                    yield itertools.islice(events, step)
                    position += step

    def _paced(self, pacer: Pacer) -> Iterator[Iterator[Event]]:
        for step in self._steps(pacer, _Session()):
            if isinstance(step, Wait):
                pacer._wait(step)
            else:
                yield step

    async def _aevents(self, pacer: Pacer | None) -> AsyncIterator[Event]:
        session = _Session()
        if pacer is None:
            for chunk in self._chunks(session):
                for event in chunk:
                    yield event
                await asyncio.sleep(0)  # let control tasks run between batches
            return
        for step in self._steps(pacer, session):
            if isinstance(step, Wait):
                await pacer._await(step)
            else:
                for event in step:
                    yield event
                await asyncio.sleep(0)
