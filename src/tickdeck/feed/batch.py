"""`EventBatch`: a slice of the replay stream as arrays, for compiled consumers.

A batch does not copy rows into one wide table, because streams of different
kinds have different columns. Instead it holds, in replay order, each event's
``ts_recv``, the index of the stream it comes from and its row in that
stream's columns; the columns themselves are numpy arrays per stream, usually
zero-copy views of the Arrow buffers read from the catalog. Field ``f`` of
event ``i`` is ``batch.columns[batch.stream[i]][f][batch.row[i]]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from tickdeck.core import DataKind, layout

__all__ = ["EventBatch", "Stream"]

Columns = Mapping[str, npt.NDArray[np.generic]]


class Stream(NamedTuple):
    """One input of the merge: all rows of one data kind for one instrument."""

    kind: DataKind
    instrument: str


@dataclass(frozen=True, eq=False, slots=True)
class EventBatch:
    """Consecutive events of a replay, in replay order.

    - ``ts_recv``: int64 ns UTC, non-decreasing (and never below the previous
      batch's last value);
    - ``stream``: int32 index into `streams` (the stream table, shared by all
      batches of a replay);
    - ``row``: int64 index into ``columns[stream]``'s arrays;
    - ``columns``: one mapping per stream from field name (the kind's layout,
      `tickdeck.core.schema`) to a read-only numpy array. A stream with no
      event in this batch has empty arrays.

    The arrays are read-only and may share memory with the catalog reader's
    buffers, so copy before modifying.
    """

    ts_recv: npt.NDArray[np.int64]
    stream: npt.NDArray[np.int32]
    row: npt.NDArray[np.int64]
    columns: tuple[Columns, ...]
    streams: tuple[Stream, ...]

    def __len__(self) -> int:
        return int(self.ts_recv.shape[0])

    def counts(self) -> npt.NDArray[np.int64]:
        """Events per stream in this batch, indexed like `streams`."""
        return np.bincount(self.stream, minlength=len(self.streams)).astype(np.int64)

    def to_table(self) -> pa.Table:
        """One row per event, in replay order: for inspection, not for speed.

        Columns: ``ts_recv``, ``kind`` and ``instrument`` (dictionary strings),
        then every field of the kinds present, in layout order; a field an
        event's kind lacks is null.
        """
        n = len(self)
        kinds = sorted({s.kind for s in self.streams})
        names: list[str] = []
        for kind in kinds:
            names.extend(f for f in layout(kind).names if f != "ts_recv" and f not in names)
        kind_codes = np.array([kinds.index(s.kind) for s in self.streams], dtype=np.int32)
        instrument_ids = sorted({s.instrument for s in self.streams})
        instrument_codes = np.array(
            [instrument_ids.index(s.instrument) for s in self.streams], dtype=np.int32
        )
        members = [np.flatnonzero(self.stream == s) for s in range(len(self.streams))]
        arrays: dict[str, pa.Array[Any]] = {
            "ts_recv": pa.array(self.ts_recv),
            "kind": pa.DictionaryArray.from_arrays(
                kind_codes[self.stream], pa.array([k.label for k in kinds])
            ),
            "instrument": pa.DictionaryArray.from_arrays(
                instrument_codes[self.stream], pa.array(instrument_ids)
            ),
        }
        for name in names:
            dtype = next(
                layout(s.kind).field(name).dtype
                for s in self.streams
                if name in layout(s.kind).names
            )
            values = np.zeros(n, dtype=dtype)
            valid = np.zeros(n, dtype=bool)
            for s, where in enumerate(members):
                if where.size and name in self.columns[s]:
                    values[where] = self.columns[s][name][self.row[where]]
                    valid[where] = True
            arrays[name] = pa.array(values, mask=None if valid.all() else ~valid)
        return pa.table(arrays)

    def to_pandas(self) -> pd.DataFrame:
        """`to_table` as a DataFrame."""
        return self.to_table().to_pandas()
