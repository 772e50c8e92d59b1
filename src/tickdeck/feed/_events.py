"""Python events from an `EventBatch`, built without a Python frame per event.

Each column becomes a list (``ndarray.tolist``), the lists are zipped, and
``tuple.__new__`` over the event type turns each zipped row into a named
tuple; ``map``, ``zip`` and ``tuple.__new__`` all run in C. Everything is
lazy: a tuple lives only while the consumer holds it. (Materialising a
batch's tuples in a list first is about four times slower, because the cyclic
garbage collector then scans the many live tuples again and again.)

When streams of several kinds share a batch, each kind gets its own lazy
iterator in replay order and a sequence of kind numbers picks the next
event from the right one: ``map(next, map(iterators.__getitem__, groups))``.

Every iterator is driven by one list iterator, its *stopper*: moving the
stopper to its end (`stop`) ends the events at once, which is how
`Replay.seek` discards events built before the seek without a per-event check.
"""

from __future__ import annotations

import functools
import itertools
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol, cast

import numpy as np
import numpy.typing as npt

from tickdeck.core import EVENT_TYPES, DataKind, Event, InvariantError, layout
from tickdeck.feed.batch import EventBatch, Stream

__all__ = ["EventBuilder", "Stopper", "stop"]


class Stopper(Protocol):
    """A list iterator; ``__setstate__(i)`` moves it to position ``i`` (clamped to its end)."""

    def __setstate__(self, state: int) -> None: ...


def stop(stopper: Stopper) -> None:
    """End the events driven by `stopper` after the one being consumed now."""
    # List iterators clamp the position to the list's length: this exhausts it.
    stopper.__setstate__(sys.maxsize)


def _field_plan(kind: DataKind) -> list[str | tuple[str, ...]]:
    """The columns behind each event field after ``instrument``: a name, or names to group."""
    names = layout(kind).names
    plan: list[str | tuple[str, ...]] = []
    for field in EVENT_TYPES[kind]._fields[1:]:
        if field in names:
            plan.append(field)
        else:
            # A tuple field such as BookSnapshot.bid_prices gathers bid_price_0, bid_price_1, ...
            prefix = field.removesuffix("s") + "_"
            group = tuple(n for n in names if n.startswith(prefix))
            if not group:
                raise InvariantError(f"{kind.name}: event field {field!r} has no columns")
            plan.append(group)
    return plan


class _Group:
    """The streams of one kind: how to turn their columns into events."""

    def __init__(self, kind: DataKind, members: list[int]) -> None:
        self.kind = kind
        self.members = members
        self.plan = _field_plan(kind)
        self.make: Callable[[tuple[Any, ...]], Event] = functools.partial(
            tuple.__new__, EVENT_TYPES[kind]
        )

    def lists(self, column: Callable[[str], npt.NDArray[np.generic]]) -> list[Iterator[Any]]:
        """One iterator per event field (after ``instrument``) over `column` values."""
        out: list[Iterator[Any]] = []
        for entry in self.plan:
            if isinstance(entry, str):
                out.append(iter(column(entry).tolist()))
            else:
                out.append(zip(*(column(name).tolist() for name in entry), strict=True))
        return out


class EventBuilder:
    """Builds lazy event iterators for the batches of one stream table."""

    def __init__(self, streams: Sequence[Stream]) -> None:
        self.streams = tuple(streams)
        kinds = list(dict.fromkeys(s.kind for s in self.streams))
        self.groups = [
            _Group(kind, [i for i, s in enumerate(self.streams) if s.kind == kind])
            for kind in kinds
        ]
        self.group_of_stream = np.array([kinds.index(s.kind) for s in self.streams], dtype=np.int32)
        self.instrument_ids = np.array([s.instrument for s in self.streams], dtype=object)

    def __call__(self, batch: EventBatch) -> tuple[Iterator[Event], Stopper]:
        """The events of `batch` in replay order, and the stopper that can end them."""
        sizes = [int(c["ts_recv"].shape[0]) for c in batch.columns]
        busy = [s for s, size in enumerate(sizes) if size]
        if len(busy) == 1 and sizes[busy[0]] == len(batch):
            # One stream: a batch from `merge_streams` then holds all of its
            # window in row order, so the columns need no reordering.
            s = busy[0]
            group = self.groups[int(self.group_of_stream[s])]
            fields = group.lists(batch.columns[s].__getitem__)
            return self._zip(group, itertools.repeat(self.streams[s].instrument), fields)
        if len(self.groups) == 1:
            return self._zip(*self._group_events(self.groups[0], batch, None))
        which = self.group_of_stream[batch.stream]
        iterators = [
            self._zip(*self._group_events(group, batch, which == g))[0]
            for g, group in enumerate(self.groups)
        ]
        stopper = iter(which.tolist())
        events = map(next, map(iterators.__getitem__, stopper))
        return cast("Iterator[Event]", events), cast("Stopper", stopper)

    @staticmethod
    def _zip(
        group: _Group, instruments: Iterator[str], fields: list[Iterator[Any]]
    ) -> tuple[Iterator[Event], Stopper]:
        # The first field's list iterator doubles as the stopper: zip ends with it.
        events = map(group.make, zip(instruments, *fields, strict=False))
        return events, cast("Stopper", fields[0])

    def _group_events(
        self, group: _Group, batch: EventBatch, mask: npt.NDArray[np.bool_] | None
    ) -> tuple[_Group, Iterator[str], list[Iterator[Any]]]:
        """Events of `group`'s streams among ``batch`` (those where `mask`), in replay order."""
        stream = batch.stream if mask is None else batch.stream[mask]
        row = batch.row if mask is None else batch.row[mask]
        # Concatenate the group's columns and index them by offset of stream + row.
        offsets = np.zeros(len(self.streams), dtype=np.int64)
        position = 0
        for s in group.members:
            offsets[s] = position
            position += int(batch.columns[s]["ts_recv"].shape[0])
        index: npt.NDArray[np.int64] = offsets[stream] + row

        def column(name: str) -> npt.NDArray[np.generic]:
            values: npt.NDArray[np.generic] = np.concatenate(
                [batch.columns[s][name] for s in group.members]
            )
            return values[index]

        instruments = iter(self.instrument_ids[stream].tolist())
        return group, instruments, group.lists(column)
