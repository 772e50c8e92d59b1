"""k-way merge of per-stream record batches into one `EventBatch` stream.

Each input is an iterator of Arrow record batches of one stream, sorted by
``ts_recv`` (what `Catalog.scan` yields). The output is every row exactly
once, ordered by ``(ts_recv, stream index, row)``; the replay numbers its
streams so that this is the documented tie-break (kind rank, then instrument
order, then catalog row order).

Memory stays at about one record batch per stream: each stream buffers one
batch at a time and the merge emits, in rounds, exactly the buffered rows
whose place in the total order is already certain. With ``W`` the smallest
*last* buffered ``ts_recv`` over the streams that still have batches to read,
and ``m`` the lowest-numbered such stream whose buffer ends at ``W``, a
buffered row ``(ts, s)`` is certain iff ``ts < W``, or ``ts == W`` and
``s <= m``: any row not yet read has ``ts >= W``, and one with ``ts == W``
comes from a stream numbered ``m`` or more (and from ``m`` only after its
buffered rows). Stream ``m`` is thus always fully drained, so each round
reads one new batch, and no buffer ever has to be concatenated with the next
batch (which would copy it).

A single stream needs no merging: its batches pass straight through.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Literal, cast

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from tickdeck.core import InvariantError, layout
from tickdeck.feed._kernels import merge_runs
from tickdeck.feed.batch import Columns, EventBatch, Stream

__all__ = ["merge_streams"]


def _columns(batch: pa.RecordBatch) -> dict[str, npt.NDArray[np.generic]]:
    # zero_copy_only=False: still zero-copy for the null-free primitive columns
    # of the catalog, but does not fail on a column that would need a copy.
    return {
        name: batch.column(i).to_numpy(zero_copy_only=False)
        for i, name in enumerate(batch.schema.names)
    }


def _ts(columns: Columns) -> npt.NDArray[np.int64]:
    return cast("npt.NDArray[np.int64]", columns["ts_recv"])


class _Ramp:
    """Read-only ``arange(n)`` slices, reallocated only when n outgrows the last one."""

    def __init__(self) -> None:
        self._rows = np.arange(0, dtype=np.int64)

    def rows(self, n: int) -> npt.NDArray[np.int64]:
        if n > self._rows.shape[0]:
            self._rows = np.arange(max(n, 2 * self._rows.shape[0]), dtype=np.int64)
            self._rows.flags.writeable = False
        return self._rows[:n]


def _single(source: Iterator[pa.RecordBatch], streams: tuple[Stream, ...]) -> Iterator[EventBatch]:
    ramp = _Ramp()
    zeros = np.zeros(0, dtype=np.int32)
    for record_batch in source:
        n = record_batch.num_rows
        if n == 0:
            continue
        if n > zeros.shape[0]:
            zeros = np.zeros(n, dtype=np.int32)
            zeros.flags.writeable = False
        columns = _columns(record_batch)
        yield EventBatch(_ts(columns), zeros[:n], ramp.rows(n), (columns,), streams)


class _Cursor:
    """One stream's buffered batch and the position of its first unemitted row."""

    __slots__ = ("columns", "live", "pos", "source", "ts")

    def __init__(self, source: Iterator[pa.RecordBatch], stream: Stream) -> None:
        self.source = source
        self.live = True
        self.columns: dict[str, npt.NDArray[np.generic]] = {
            f.name: np.empty(0, dtype=f.dtype) for f in layout(stream.kind).fields
        }
        self.ts = _ts(self.columns)
        self.pos = 0
        self.refill()

    @property
    def size(self) -> int:
        return int(self.ts.shape[0])

    def refill(self) -> None:
        """Replace the (drained) buffer by the next non-empty batch, or mark the stream done."""
        for record_batch in self.source:
            if record_batch.num_rows:
                self.columns = _columns(record_batch)
                self.ts = _ts(self.columns)
                self.pos = 0
                return
        self.live = False
        self.pos = self.size

    def window(self, stop: int) -> Columns:
        return {name: values[self.pos : stop] for name, values in self.columns.items()}


def _cuts(cursors: list[_Cursor]) -> list[int]:
    """Per cursor, the end of its rows whose place in the replay order is certain."""
    live = [i for i, c in enumerate(cursors) if c.live]
    if not live:
        return [c.size for c in cursors]
    watermark = min(int(cursors[i].ts[-1]) for i in live)
    first_open = min(i for i in live if int(cursors[i].ts[-1]) == watermark)
    cuts = []
    for i, c in enumerate(cursors):
        side: Literal["left", "right"] = "right" if i <= first_open else "left"
        cuts.append(c.pos + int(np.searchsorted(c.ts[c.pos :], watermark, side=side)))
    return cuts


def _merged(
    sources: Sequence[Iterator[pa.RecordBatch]], streams: tuple[Stream, ...]
) -> Iterator[EventBatch]:
    cursors = [_Cursor(source, stream) for source, stream in zip(sources, streams, strict=True)]
    ramp = _Ramp()
    k = len(cursors)
    while True:
        cuts = _cuts(cursors)
        sizes = [cut - c.pos for cut, c in zip(cuts, cursors, strict=True)]
        total = sum(sizes)
        if total:
            columns = tuple(c.window(cut) for c, cut in zip(cursors, cuts, strict=True))
            busy = [s for s in range(k) if sizes[s]]
            if len(busy) == 1:
                # Only one stream has certain rows this round: its slice is already in order.
                s = busy[0]
                ts = _ts(columns[s])
                stream = np.full(total, s, dtype=np.int32)
                row = ramp.rows(total)
            else:
                offsets = np.zeros(k + 1, dtype=np.int64)
                np.cumsum(sizes, out=offsets[1:])
                runs = np.concatenate([c["ts_recv"] for c in columns]).astype(np.int64, copy=False)
                ts = np.empty(total, dtype=np.int64)
                stream = np.empty(total, dtype=np.int32)
                row = np.empty(total, dtype=np.int64)
                merge_runs(runs, offsets, ts, stream, row)
            yield EventBatch(ts, stream, row, columns, streams)
        elif any(c.live for c in cursors):
            # A live stream's buffer is never empty and the first open one drains.
            raise InvariantError("replay merge made no progress")
        else:
            return
        for c, cut in zip(cursors, cuts, strict=True):
            c.pos = cut
            if c.live and c.pos == c.size:
                c.refill()


def merge_streams(
    sources: Sequence[Iterator[pa.RecordBatch]], streams: Sequence[Stream]
) -> Iterator[EventBatch]:
    """Merge one sorted record batch iterator per stream into `EventBatch`es in replay order.

    ``sources[s]`` yields stream ``s``'s rows (its kind's layout columns) sorted
    by ``ts_recv``; ties between streams go to the lower index. Batches are
    never empty.
    """
    table = tuple(streams)
    if len(sources) != len(table):
        raise InvariantError(f"{len(sources)} sources for {len(table)} streams")
    if len(table) == 1:
        return _single(sources[0], table)
    return _merged(sources, table)
