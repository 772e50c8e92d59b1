"""`Catalog`: market data on disk as Parquet, one file per kind, instrument and day.

Layout under the root::

    manifest.json                                   what is committed (see _manifest)
    data/<kind>/instrument=<ID>/date=<YYYY-MM-DD>/part-<uuid>.parquet

A partition holds one UTC day of ``ts_recv``, except bars, which are
partitioned by UTC year (``date`` is then the year's first day).

Guarantees:

- **Atomic**: a `transaction` commits all its writes at once or none of them,
  even if the process is killed mid-write.
- **Idempotent**: rows are merged into their day partition, kept sorted by
  ``ts_recv`` (for ties: rows already stored first, then new rows in their
  order), and an incoming row equal to a stored one is not added again
  (as multisets: see `_unseen`), so writing the same rows twice leaves the
  catalog unchanged while identical events in one write are all kept.
- **Bounded reads**: `scan` streams record batches from one row group at a
  time, pruned by the time range before any page is decoded.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tickdeck.core import DataKind, InputError, Instrument, InvariantError, layout
from tickdeck.core.errors import suggest
from tickdeck.core.files import durable_replace
from tickdeck.data.catalog._manifest import (
    Manifest,
    PartitionInfo,
    RetiredFile,
    read_manifest,
    write_manifest,
)

# (root, thread) pairs holding the writer lock in this process: flock would block on itself.
_HELD: set[tuple[Path, int]] = set()

__all__ = ["Catalog", "Transaction", "WriteMode", "WriteSummary"]

WriteMode = Literal["merge", "replace"]
_ROW_GROUP_ROWS = 262_144


@dataclass(frozen=True)
class WriteSummary:
    """What one write changed: rows offered, rows new to the catalog, partitions touched."""

    kind: DataKind
    instrument_id: str
    rows_offered: int
    rows_added: int
    partitions: tuple[str, ...]


def _conform(kind: DataKind, table: pa.Table) -> pa.Table:
    """`table` in exactly the kind's layout, or an InputError naming the problem column."""
    schema = layout(kind).arrow_schema
    missing = [n for n in schema.names if n not in table.column_names]
    if missing:
        raise InputError(
            f"{kind.label} table",
            table.column_names,
            f"the columns {list(schema.names)}",
            hint=f"missing {missing}",
        )
    columns = []
    for f in schema:
        column = table.column(f.name)
        if column.null_count:
            raise InputError(f"{kind.label}.{f.name}", "null", "no null values")
        try:
            columns.append(column.cast(f.type, safe=True))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise InputError(
                f"{kind.label}.{f.name}", str(column.type), f"{f.type}: {exc}"
            ) from exc
    return pa.Table.from_arrays(columns, schema=schema)


def _sorted_by_recv(table: pa.Table) -> pa.Table:
    ts = table.column("ts_recv").to_numpy()
    if ts.size < 2 or bool(np.all(ts[1:] >= ts[:-1])):
        return table
    return table.take(np.argsort(ts, kind="stable"))


def _row_bytes(kind: DataKind, table: pa.Table) -> npt.NDArray[np.void]:
    rows = np.empty(table.num_rows, dtype=layout(kind).numpy_dtype)
    for name in rows.dtype.names or ():
        rows[name] = table.column(name).to_numpy()
    return rows.view(np.dtype((np.void, rows.dtype.itemsize)))


def _unseen(kind: DataKind, stored: pa.Table, incoming: pa.Table) -> pa.Table:
    """`incoming` less the rows `stored` already holds, as multisets.

    A row present k times in `stored` cancels at most k equal incoming rows,
    so re-writing the same rows adds nothing, while identical rows that are
    genuinely distinct events (three equal prints in one millisecond) keep
    their multiplicity. Incoming order is kept.
    """
    if stored.num_rows == 0 or incoming.num_rows == 0:
        return incoming
    stored_ts = stored.column("ts_recv").to_numpy()
    incoming_ts = incoming.column("ts_recv").to_numpy()
    # Only rows sharing a ts_recv with a stored row can be equal to one.
    candidates = np.flatnonzero(np.isin(incoming_ts, stored_ts))
    if candidates.size == 0:
        return incoming
    peers = stored.filter(pa.array(np.isin(stored_ts, incoming_ts[candidates])))
    both = np.concatenate([_row_bytes(kind, peers), _row_bytes(kind, incoming.take(candidates))])
    _, group = np.unique(both, return_inverse=True)
    group = group.ravel()
    stored_count = np.bincount(group[: peers.num_rows], minlength=int(group.max()) + 1)
    ours = group[peers.num_rows :]
    # Rank of each incoming row among the incoming rows of its group, in order.
    order = np.argsort(ours, kind="stable")
    sorted_groups = ours[order]
    first = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])
    sizes = np.diff(np.r_[first, sorted_groups.size])
    rank = np.empty(ours.size, dtype=np.int64)
    rank[order] = np.arange(ours.size) - np.repeat(first, sizes)
    keep = np.ones(incoming.num_rows, dtype=bool)
    keep[candidates[rank < stored_count[ours]]] = False
    return incoming if keep.all() else incoming.filter(pa.array(keep))


def _periods(kind: DataKind, ts: npt.NDArray[np.int64]) -> npt.NDArray[np.datetime64]:
    """The partition period of each row: its UTC day, or its UTC year for bars.

    Bars are few per day (one for daily bars), so day files would be tiny;
    a year of one-minute bars is still only ~500k rows.
    """
    unit = "Y" if kind == DataKind.BAR else "D"
    return ts.astype("datetime64[ns]").astype(f"datetime64[{unit}]")


class Transaction:
    """Writes collected under the catalog lock and committed together by `Catalog.transaction`."""

    def __init__(self, catalog: Catalog, base: Manifest) -> None:
        self._catalog = catalog
        self._base = base
        self._instruments = dict(base.instruments)
        self._partitions = base.partition_map()
        self._written: list[Path] = []
        self.summaries: list[WriteSummary] = []

    def add_instrument(self, instrument: Instrument, *, replace: bool = False) -> None:
        """Register `instrument`; re-adding an identical definition is a no-op."""
        current = self._instruments.get(instrument.id)
        if current is not None and current != instrument and not replace:
            raise InputError(
                "instrument",
                instrument.id,
                "a new instrument id, or replace=True",
                hint=f"the catalog defines it as {current}",
            )
        has_data = any(k[1] == instrument.id for k in self._partitions)
        if current is not None and has_data and current.tick_size % instrument.tick_size != 0:
            # Stored prices lie on the old grid; they stay on the new one only if it is finer.
            raise InputError(
                "tick_size",
                str(instrument.tick_size),
                f"a tick that divides the stored data's tick {current.tick_size}",
                hint="delete the instrument's data first, or use a finer tick",
            )
        self._instruments[instrument.id] = instrument

    def instrument(self, instrument_id: str) -> Instrument:
        try:
            return self._instruments[instrument_id]
        except KeyError:
            raise InputError(
                "instrument",
                instrument_id,
                "an instrument defined in the catalog",
                hint=suggest(instrument_id, self._instruments) or "add it first",
            ) from None

    def write(
        self,
        kind: DataKind | str,
        instrument_id: str,
        table: pa.Table,
        *,
        mode: WriteMode = "merge",
        synthetic: bool = False,
    ) -> WriteSummary:
        """Stage rows of one kind and instrument; visible to readers only after commit.

        ``merge`` adds the rows to their day partitions; ``replace`` makes the
        rows the whole content of each day partition they touch. `synthetic`
        marks rows a generator made: each partition counts them, so a run can
        say how much of what it replayed was real.
        """
        kind = DataKind.parse(kind, field="kind")
        if mode not in ("merge", "replace"):
            raise InputError("mode", mode, "'merge' or 'replace'")
        self.instrument(instrument_id)
        data = _sorted_by_recv(_conform(kind, table))
        ts = data.column("ts_recv").to_numpy()
        if ts.size and ts[0] < 0:
            raise InputError(f"{kind.label}.ts_recv", int(ts[0]), "a time after 1970-01-01")
        periods = _periods(kind, ts)
        bounds = np.flatnonzero(periods[1:] != periods[:-1]) + 1
        starts = np.concatenate([[0], bounds]).astype(np.int64)
        stops = np.concatenate([bounds, [ts.size]]).astype(np.int64)
        added = 0
        touched: list[str] = []
        for lo, hi in zip(starts.tolist(), stops.tolist(), strict=True):
            if lo == hi:
                continue
            date = str(periods[lo].astype("datetime64[D]"))
            key = (kind, instrument_id, date)
            chunk = data.slice(lo, hi - lo)
            previous = self._partitions.get(key)
            stored = self._catalog._read_file(previous) if previous is not None else None
            new = chunk if stored is None else _unseen(kind, stored, chunk)
            synthetic_rows = chunk.num_rows if synthetic else 0
            if stored is not None and mode == "merge":
                if new.num_rows == 0:
                    continue  # nothing new: leave the file as it is
                chunk = _sorted_by_recv(pa.concat_tables([stored, new]))
                assert previous is not None  # stored was read from it
                synthetic_rows = previous.synthetic_rows + (new.num_rows if synthetic else 0)
            elif stored is not None and stored.equals(chunk):
                continue  # replacing a partition by its own content changes nothing
            self._partitions[key] = self._write_file(
                kind, instrument_id, date, chunk, synthetic_rows
            )
            added += new.num_rows
            touched.append(date)
        summary = WriteSummary(kind, instrument_id, data.num_rows, added, tuple(touched))
        self.summaries.append(summary)
        return summary

    def delete(self, kind: DataKind | str, instrument_id: str) -> int:
        """Stage the removal of every partition of one kind and instrument; returns rows removed."""
        kind = DataKind.parse(kind, field="kind")
        doomed = [k for k in self._partitions if k[0] == kind and k[1] == instrument_id]
        rows = sum(self._partitions[k].rows for k in doomed)
        for k in doomed:
            del self._partitions[k]
        return rows

    def _write_file(
        self, kind: DataKind, instrument_id: str, date: str, table: pa.Table, synthetic_rows: int
    ) -> PartitionInfo:
        relative = Path("data", kind.label, f"instrument={instrument_id}", f"date={date}")
        folder = self._catalog.root / relative
        folder.mkdir(parents=True, exist_ok=True)
        name = f"part-{uuid.uuid4().hex}.parquet"
        tmp = folder / f".{name}.tmp"
        self._written.append(tmp)
        pq.write_table(
            table,
            tmp,
            compression="zstd",
            row_group_size=_ROW_GROUP_ROWS,
            write_statistics=["ts_recv", "ts_event"],
        )
        final = folder / name
        durable_replace(tmp, final)
        self._written.append(final)
        ts = table.column("ts_recv")
        return PartitionInfo(
            kind,
            instrument_id,
            date,
            str(relative / name),
            table.num_rows,
            int(pc.min(ts).as_py()),
            int(pc.max(ts).as_py()),
            final.stat().st_size,
            synthetic_rows,
        )

    def _commit(self, now_ns: int, grace_ns: int) -> list[Path]:
        """Write the new manifest; return the retired files now past their grace period."""
        if (
            self._instruments == self._base.instruments
            and self._partitions == self._base.partition_map()
        ):
            return []
        live = {p.path for p in self._partitions.values()}
        superseded = tuple(
            RetiredFile(p.path, now_ns) for p in self._base.partitions if p.path not in live
        )
        kept = tuple(r for r in self._base.retired if r.since_ns > now_ns - grace_ns)
        expired = [r for r in self._base.retired if r.since_ns <= now_ns - grace_ns]
        manifest = self._base.with_changes(self._instruments, self._partitions, kept + superseded)
        write_manifest(self._catalog.root, manifest)
        return [self._catalog.root / r.path for r in expired]

    def _abort(self) -> None:
        for path in self._written:
            path.unlink(missing_ok=True)


class Catalog:
    """A tick data catalog rooted at a folder (created on first write).

    `retire_grace_ns` is how long a file replaced by a commit stays on disk for
    readers of the older manifest (10 minutes).
    """

    retire_grace_ns: int = 600_000_000_000

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        if self.root.exists() and not self.root.is_dir():
            raise InputError("catalog", str(self.root), "a folder", hint="it is a file")
        self._cache: tuple[tuple[int, int], Manifest] | None = None

    # -- reading ------------------------------------------------------------------

    def manifest(self) -> Manifest:
        """The committed manifest, re-read only when the file changed."""
        try:
            st = (self.root / "manifest.json").stat()
            stamp = (st.st_mtime_ns, st.st_ino)
        except FileNotFoundError:
            return Manifest()
        if self._cache is None or self._cache[0] != stamp:
            self._cache = (stamp, read_manifest(self.root))
        return self._cache[1]

    def instruments(self) -> list[Instrument]:
        return list(self.manifest().instruments.values())

    def instrument(self, instrument_id: str) -> Instrument:
        """The instrument with this id, or an InputError suggesting the closest one."""
        known = self.manifest().instruments
        try:
            return known[instrument_id]
        except KeyError:
            raise InputError(
                "instrument",
                instrument_id,
                f"an instrument of the catalog at {self.root}",
                hint=suggest(instrument_id, known) or "the catalog has none yet",
            ) from None

    def partitions(
        self,
        kind: DataKind | str | None = None,
        instrument_id: str | None = None,
        *,
        start: int | None = None,
        end: int | None = None,
    ) -> list[PartitionInfo]:
        """Committed partitions, sorted by (kind, instrument, date), filtered as asked."""
        wanted = DataKind.parse(kind, field="kind") if kind is not None else None
        if instrument_id is not None:
            self.instrument(instrument_id)
        return [
            p
            for p in self.manifest().partitions
            if (wanted is None or p.kind == wanted)
            and (instrument_id is None or p.instrument_id == instrument_id)
            and p.overlaps(start, end)
        ]

    def scan(
        self,
        kind: DataKind | str,
        instrument_id: str,
        *,
        start: int | None = None,
        end: int | None = None,
        columns: Sequence[str] | None = None,
        batch_size: int = 65_536,
    ) -> Iterator[pa.RecordBatch]:
        """Stream rows with ``start <= ts_recv < end`` in ``ts_recv`` order.

        Only the row groups that can hold the range are read, and only the
        requested `columns` are decoded; memory stays at about one row group.
        """
        kind = DataKind.parse(kind, field="kind")
        names = list(layout(kind).names)
        wanted = names if columns is None else list(columns)
        for c in wanted:
            if c not in names:
                raise InputError("columns", c, f"a {kind.label} column", hint=suggest(c, names))
        if batch_size <= 0:
            raise InputError("batch_size", batch_size, "a positive number of rows")
        read_cols = wanted if "ts_recv" in wanted else [*wanted, "ts_recv"]
        for part in self.partitions(kind, instrument_id, start=start, end=end):
            yield from self._scan_file(part, read_cols, wanted, start, end, batch_size)

    def _scan_file(
        self,
        part: PartitionInfo,
        read_cols: list[str],
        wanted: list[str],
        start: int | None,
        end: int | None,
        batch_size: int,
    ) -> Iterator[pa.RecordBatch]:
        handle = pq.ParquetFile(self.root / part.path, memory_map=True)
        metadata = handle.metadata
        ts_index = handle.schema_arrow.get_field_index("ts_recv")
        groups = []
        for i in range(metadata.num_row_groups):
            stats = metadata.row_group(i).column(ts_index).statistics
            low = stats.min if stats is not None and stats.has_min_max else None
            high = stats.max if stats is not None and stats.has_min_max else None
            if (start is not None and high is not None and high < start) or (
                end is not None and low is not None and low >= end
            ):
                continue
            groups.append(i)
        if not groups:
            return
        whole = start is None or part.ts_min >= start
        whole = whole and (end is None or part.ts_max < end)
        for batch in handle.iter_batches(
            batch_size=batch_size, row_groups=groups, columns=read_cols
        ):
            if not whole:
                # Rows are sorted by ts_recv, so the range is one contiguous slice.
                ts = batch.column("ts_recv").to_numpy()
                lo = 0 if start is None else int(np.searchsorted(ts, start, side="left"))
                hi = ts.size if end is None else int(np.searchsorted(ts, end, side="left"))
                if lo >= hi:
                    continue
                batch = batch.slice(lo, hi - lo)
            if read_cols != wanted:
                batch = batch.select(wanted)
            yield batch

    def read(
        self,
        kind: DataKind | str,
        instrument_id: str,
        *,
        start: int | None = None,
        end: int | None = None,
        columns: Sequence[str] | None = None,
    ) -> pa.Table:
        """All rows of `scan` as one table (for data known to fit in memory)."""
        kind = DataKind.parse(kind, field="kind")
        batches = list(self.scan(kind, instrument_id, start=start, end=end, columns=columns))
        schema = layout(kind).arrow_schema
        if columns is not None:
            schema = pa.schema([schema.field(c) for c in columns]).with_metadata(schema.metadata)
        return pa.Table.from_batches(batches, schema=schema)

    def _read_file(self, part: PartitionInfo) -> pa.Table:
        table = pq.read_table(self.root / part.path)
        return table.replace_schema_metadata(layout(part.kind).arrow_schema.metadata)

    # -- writing ------------------------------------------------------------------

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the catalog's writer lock; refuse to nest (flock would wait on itself)."""
        key = (self.root.resolve(), threading.get_ident())
        if key in _HELD:
            raise InputError(
                "transaction",
                str(self.root),
                "no transaction already open on this catalog in this thread",
                hint="do all the writes inside the one transaction",
            )
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "data").mkdir(exist_ok=True)
        with open(self.root / ".lock", "a+") as lock:
            # One writer at a time; readers never wait (they read the last manifest).
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            _HELD.add(key)
            try:
                yield
            finally:
                _HELD.discard(key)
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """Stage writes and commit them atomically on exit; an exception commits nothing."""
        with self._locked():
            tx = Transaction(self, read_manifest(self.root))
            try:
                yield tx
                expired = tx._commit(time.time_ns(), self.retire_grace_ns)
            except BaseException:
                tx._abort()
                raise
            self._cache = None
            for path in expired:
                path.unlink(missing_ok=True)

    def add_instrument(self, instrument: Instrument, *, replace: bool = False) -> None:
        """Register an instrument (atomically)."""
        with self.transaction() as tx:
            tx.add_instrument(instrument, replace=replace)

    def write(
        self,
        kind: DataKind | str,
        instrument_id: str,
        table: pa.Table,
        *,
        mode: WriteMode = "merge",
        synthetic: bool = False,
    ) -> WriteSummary:
        """Write rows of one kind and instrument in a transaction of their own (see `write`)."""
        with self.transaction() as tx:
            return tx.write(kind, instrument_id, table, mode=mode, synthetic=synthetic)

    def vacuum(self, *, grace_ns: int | None = None) -> list[Path]:
        """Delete files no reader can need: orphans of killed writers, and retired files
        older than `grace_ns` (default `retire_grace_ns`; 0 deletes every retired file).
        Returns the deleted paths.
        """
        grace = self.retire_grace_ns if grace_ns is None else grace_ns
        if grace < 0:
            raise InputError("grace_ns", grace, "a duration >= 0")
        removed: list[Path] = []
        if not (self.root / "data").exists():
            return removed
        with self._locked():
            manifest = read_manifest(self.root)
            now = time.time_ns()
            kept = tuple(r for r in manifest.retired if r.since_ns > now - grace)
            keep = {self.root / p.path for p in manifest.partitions}
            keep |= {self.root / r.path for r in kept}
            for path in sorted((self.root / "data").rglob("*")):
                if path.is_file() and path not in keep:
                    path.unlink()
                    removed.append(path)
            for folder in sorted((self.root / "data").rglob("*"), reverse=True):
                if folder.is_dir() and not any(folder.iterdir()):
                    folder.rmdir()
            if kept != manifest.retired:
                write_manifest(self.root, replace(manifest, retired=kept))
                self._cache = None
        return removed

    def check(self) -> None:
        """Check that every committed file exists with the rows the manifest says."""
        for p in self.manifest().partitions:
            path = self.root / p.path
            if not path.exists():
                raise InvariantError(f"{path}: named by the manifest but missing")
            rows = pq.ParquetFile(path).metadata.num_rows
            if rows != p.rows:
                raise InvariantError(f"{path}: {rows} rows, manifest says {p.rows}")
