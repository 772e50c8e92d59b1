"""Ingestion: read vendor files, clean them, and commit them to the catalog at once.

Every source is read and cleaned before anything is written, and all of them
are committed in one catalog transaction: a bad file anywhere in the batch
raises a `DataError` naming it and leaves the catalog exactly as it was.
Removed rows are never lost silently: each cleaning report counts them by rule
and, unless disabled, they are kept in a quarantine Parquet file.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from tickdeck.core import DataKind, InputError, Instrument, layout
from tickdeck.data._source import SourceTable
from tickdeck.data.catalog import Catalog, WriteMode, durable_replace
from tickdeck.data.cleaning import CleaningConfig, CleaningReport, clean
from tickdeck.data.ingest._convert import defaulted_fields
from tickdeck.data.ingest.presets import read_source

__all__ = ["IngestReport", "ingest"]

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class IngestReport:
    """What an ingest read, kept, added to the catalog, and set aside."""

    kind: DataKind
    instrument_id: str
    sources: tuple[str, ...]
    cleaning: tuple[CleaningReport, ...]
    rows_read: int
    rows_kept: int
    rows_added: int
    partitions: tuple[str, ...]
    quarantine: Path | None
    seconds: float

    @property
    def rows_removed(self) -> int:
        return self.rows_read - self.rows_kept

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready values."""
        return {
            "kind": self.kind.label,
            "instrument": self.instrument_id,
            "sources": list(self.sources),
            "rows_read": self.rows_read,
            "rows_kept": self.rows_kept,
            "rows_added": self.rows_added,
            "partitions": list(self.partitions),
            "quarantine": None if self.quarantine is None else str(self.quarantine),
            "cleaning": [r.to_dict() for r in self.cleaning],
            "seconds": self.seconds,
        }


def _write_quarantine(
    root: Path, instrument_id: str, kind: DataKind, removed: list[pa.Table]
) -> Path:
    rows = pa.concat_tables(removed, promote_options="permissive")
    sink = pa.BufferOutputStream()
    pq.write_table(rows, sink)
    payload = sink.getvalue().to_pybytes()
    digest = hashlib.sha256(payload).hexdigest()[:16]
    folder = root / "quarantine"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{instrument_id}-{kind.label}-{digest}.parquet"
    if not path.exists():
        tmp = folder / f".{path.name}.tmp"
        tmp.write_bytes(payload)
        durable_replace(tmp, path)
    return path


def _resolve_instrument(catalog: Catalog, instrument: str | Instrument) -> Instrument:
    if isinstance(instrument, Instrument):
        return instrument
    return catalog.instrument(instrument)


def ingest(
    catalog: Catalog,
    paths: Sequence[str | os.PathLike[str]],
    *,
    instrument: str | Instrument,
    kind: DataKind | str | None = None,
    format: str = "auto",
    cleaning: CleaningConfig | None = None,
    mode: WriteMode = "merge",
    quarantine: bool = True,
    progress: Progress | None = None,
    **reader_options: Any,
) -> IngestReport:
    """Read `paths`, clean each, and commit them to `catalog` in one transaction.

    `instrument` is an id already in the catalog or a new `Instrument` to
    register along with the data. `kind` is inferred from the format where it
    can be (``.bi5`` files are quotes, bar presets are bars). `reader_options`
    go to the reader (column mapping, timestamp format, delimiter, ...).
    """
    started = time.perf_counter()
    if not paths:
        raise InputError("paths", [], "at least one file to ingest")
    target = _resolve_instrument(catalog, instrument)
    config = cleaning or CleaningConfig()
    wanted = DataKind.parse(kind, field="kind") if kind is not None else None
    sources = [Path(p) for p in paths]
    for path in sources:
        if not path.is_file():
            raise InputError("path", str(path), "an existing file")

    cleaned: list[SourceTable] = []
    reports: list[CleaningReport] = []
    removed: list[pa.Table] = []
    read_kind: DataKind | None = wanted
    for index, path in enumerate(sources):
        if progress is not None:
            progress(index, len(sources), str(path))
        try:
            data = read_source(
                path, format=format, kind=read_kind, instrument=target, **reader_options
            )
        except InputError as exc:
            # Say which file of the batch the bad argument met.
            raise InputError(
                f"{path}: {exc.field}", exc.value, exc.expected, hint=exc.hint
            ) from None
        read_kind = data.kind  # later files must hold the same kind: readers enforce it
        source_config = config
        if defaulted_fields(data) & set(layout(data.kind).size_fields):
            # The file has no sizes: zeros mean "unknown" here, not bad rows.
            source_config = dataclasses.replace(config, allow_zero_size=True)
        result = clean(data, target, source_config)
        cleaned.append(result.data)
        reports.append(result.report)
        if result.quarantine.num_rows:
            removed.append(
                result.quarantine.append_column(
                    "source", pa.array([str(path)] * result.quarantine.num_rows, pa.string())
                )
            )
    if progress is not None:
        progress(len(sources), len(sources), "committing")
    if read_kind is None:
        raise InputError("kind", None, "a data kind", hint="pass kind= for this format")

    table = pa.concat_tables([c.table for c in cleaned])
    # The quarantine is written before the commit, through a temporary name, and
    # named by its content: a crash cannot lose it, and re-ingesting the same
    # files rewrites the same file instead of adding another.
    quarantine_path = (
        _write_quarantine(catalog.root, target.id, read_kind, removed)
        if quarantine and removed
        else None
    )
    with catalog.transaction() as tx:
        tx.add_instrument(target)
        summary = tx.write(read_kind, target.id, table, mode=mode)

    return IngestReport(
        kind=read_kind,
        instrument_id=target.id,
        sources=tuple(str(p) for p in sources),
        cleaning=tuple(reports),
        rows_read=sum(r.rows_in for r in reports),
        rows_kept=table.num_rows,
        rows_added=summary.rows_added,
        partitions=summary.partitions,
        quarantine=quarantine_path,
        seconds=time.perf_counter() - started,
    )
