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
  ``ts_recv`` (source order for ties) and exact duplicates are dropped, so
  writing the same rows twice leaves the catalog unchanged.
- **Bounded reads**: `scan` streams record batches from one row group at a
  time, pruned by the time range before any page is decoded.
"""

from __future__ import annotations

import fcntl
import os
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tickdeck.core import DataKind, InputError, Instrument, InvariantError, layout
from tickdeck.core.errors import suggest
from tickdeck.data.catalog._manifest import (
    Manifest,
    PartitionInfo,
    durable_replace,
    read_manifest,
    write_manifest,
)

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


def _drop_duplicates(kind: DataKind, table: pa.Table) -> pa.Table:
    """Keep the first of each set of bitwise-equal rows; order is kept. Input sorted by ts_recv."""
    n = table.num_rows
    if n < 2:
        return table
    ts = table.column("ts_recv").to_numpy()
    # Only rows sharing a ts_recv with a neighbour can be duplicates: compare just those.
    same = np.zeros(n, dtype=bool)
    same[1:] = ts[1:] == ts[:-1]
    same[:-1] |= same[1:]
    candidates = np.flatnonzero(same)
    if candidates.size == 0:
        return table
    sub = table.take(candidates)
    rows = np.empty(candidates.size, dtype=layout(kind).numpy_dtype)
    for name in rows.dtype.names or ():
        rows[name] = sub.column(name).to_numpy()
    raw = rows.view(np.dtype((np.void, rows.dtype.itemsize)))
    _, first = np.unique(raw, return_index=True)
    keep = np.ones(n, dtype=bool)
    keep[candidates] = False
    keep[candidates[first]] = True
    if keep.all():
        return table
    return table.filter(pa.array(keep))


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
    ) -> WriteSummary:
        """Stage rows of one kind and instrument; visible to readers only after commit.

        ``merge`` adds the rows to their day partitions; ``replace`` makes the
        rows the whole content of each day partition they touch.
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
            before = 0
            if previous is not None and mode == "merge":
                before = previous.rows
                chunk = _sorted_by_recv(
                    pa.concat_tables([self._catalog._read_file(previous), chunk])
                )
            chunk = _drop_duplicates(kind, chunk)
            if previous is not None and mode == "merge" and chunk.num_rows == previous.rows:
                continue  # nothing new: leave the file as it is
            self._partitions[key] = self._write_file(kind, instrument_id, date, chunk)
            added += chunk.num_rows - before
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
        self, kind: DataKind, instrument_id: str, date: str, table: pa.Table
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
        )

    def _commit(self) -> Manifest | None:
        if (
            self._instruments == self._base.instruments
            and self._partitions == self._base.partition_map()
        ):
            return None
        manifest = self._base.with_changes(self._instruments, self._partitions)
        write_manifest(self._catalog.root, manifest)
        return manifest

    def _abort(self) -> None:
        for path in self._written:
            path.unlink(missing_ok=True)


class Catalog:
    """A tick data catalog rooted at a folder (created on first write)."""

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
    def transaction(self) -> Iterator[Transaction]:
        """Stage writes and commit them atomically on exit; an exception commits nothing."""
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "data").mkdir(exist_ok=True)
        with open(self.root / ".lock", "a+") as lock:
            # One writer at a time; readers never wait (they read the last manifest).
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                base = read_manifest(self.root)
                tx = Transaction(self, base)
                try:
                    yield tx
                    committed = tx._commit()
                except BaseException:
                    tx._abort()
                    raise
                if committed is not None:
                    self._cache = None
                    self._remove_superseded(base, committed)
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

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
    ) -> WriteSummary:
        """Write rows of one kind and instrument in a transaction of their own."""
        with self.transaction() as tx:
            return tx.write(kind, instrument_id, table, mode=mode)

    def _remove_superseded(self, old: Manifest, new: Manifest) -> None:
        live = {p.path for p in new.partitions}
        for p in old.partitions:
            if p.path not in live:
                (self.root / p.path).unlink(missing_ok=True)

    def vacuum(self) -> list[Path]:
        """Delete files no committed manifest names (left by killed writers); returns them."""
        removed: list[Path] = []
        data = self.root / "data"
        if not data.exists():
            return removed
        with open(self.root / ".lock", "a+") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                live = {self.root / p.path for p in read_manifest(self.root).partitions}
                for path in sorted(data.rglob("*")):
                    if path.is_file() and path not in live:
                        path.unlink()
                        removed.append(path)
                for folder in sorted(data.rglob("*"), reverse=True):
                    if folder.is_dir() and not any(folder.iterdir()):
                        folder.rmdir()
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
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
