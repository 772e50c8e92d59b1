"""The catalog manifest: the one file that says what the catalog contains.

Data files are immutable and never renamed once referenced. A commit writes
new files under unique names, then atomically replaces ``manifest.json``;
readers only ever open files the manifest names. So a writer killed at any
point leaves the previous manifest, and with it the previous catalog, intact;
files it had written are orphans that `Catalog.vacuum` removes.

A file a commit replaces is not deleted at once: it is listed as *retired*
with the time it was retired, so a reader still working from the previous
manifest can finish. Retired files are deleted by a later commit or by
`Catalog.vacuum` once they are older than the grace period.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tickdeck.core import DataError, DataKind, Instrument
from tickdeck.core.files import durable_replace

__all__ = [
    "FORMAT_VERSION",
    "Manifest",
    "PartitionInfo",
    "RetiredFile",
    "read_manifest",
    "write_manifest",
]

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"


@dataclass(frozen=True, slots=True)
class PartitionInfo:
    """One data file: all rows of one kind, instrument and UTC day of ``ts_recv``."""

    kind: DataKind
    instrument_id: str
    date: str
    path: str
    rows: int
    ts_min: int
    ts_max: int
    bytes: int
    #: Rows a generator wrote (tickdeck.synth), as opposed to observed market data.
    synthetic_rows: int = 0

    def overlaps(self, start: int | None, end: int | None) -> bool:
        """Whether any row may have ``start <= ts_recv < end``."""
        return (start is None or self.ts_max >= start) and (end is None or self.ts_min < end)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.label,
            "instrument": self.instrument_id,
            "date": self.date,
            "path": self.path,
            "rows": self.rows,
            "ts_min": self.ts_min,
            "ts_max": self.ts_max,
            "bytes": self.bytes,
            "synthetic_rows": self.synthetic_rows,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PartitionInfo:
        return cls(
            DataKind.parse(data["kind"]),
            str(data["instrument"]),
            str(data["date"]),
            str(data["path"]),
            int(data["rows"]),
            int(data["ts_min"]),
            int(data["ts_max"]),
            int(data["bytes"]),
            int(data.get("synthetic_rows", 0)),  # absent in catalogs older than synth
        )


@dataclass(frozen=True, slots=True)
class RetiredFile:
    """A data file no longer in the catalog, kept for readers of older manifests."""

    path: str
    since_ns: int


def _sort_key(p: PartitionInfo) -> tuple[int, str, str]:
    return (int(p.kind), p.instrument_id, p.date)


@dataclass(frozen=True)
class Manifest:
    """An immutable snapshot of the catalog's contents."""

    generation: int = 0
    instruments: dict[str, Instrument] = field(default_factory=dict)
    partitions: tuple[PartitionInfo, ...] = ()
    retired: tuple[RetiredFile, ...] = ()

    def with_changes(
        self,
        instruments: dict[str, Instrument],
        partitions: dict[tuple[DataKind, str, str], PartitionInfo],
        retired: tuple[RetiredFile, ...],
    ) -> Manifest:
        return Manifest(
            self.generation + 1,
            dict(sorted(instruments.items())),
            tuple(sorted(partitions.values(), key=_sort_key)),
            retired,
        )

    def partition_map(self) -> dict[tuple[DataKind, str, str], PartitionInfo]:
        return {(p.kind, p.instrument_id, p.date): p for p in self.partitions}

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT_VERSION,
                "generation": self.generation,
                "instruments": {k: v.to_dict() for k, v in self.instruments.items()},
                "partitions": [p.to_json() for p in self.partitions],
                "retired": [{"path": r.path, "since_ns": r.since_ns} for r in self.retired],
            },
            indent=1,
        )


def read_manifest(root: Path) -> Manifest:
    """The committed manifest of the catalog at `root` (empty if none was ever committed)."""
    path = root / MANIFEST_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Manifest()
    try:
        data = json.loads(text)
        if data.get("format") != FORMAT_VERSION:
            raise DataError(
                str(path),
                f"catalog format {data.get('format')!r}, this tickdeck reads {FORMAT_VERSION}",
            )
        return Manifest(
            int(data["generation"]),
            {k: Instrument.from_dict(v) for k, v in data["instruments"].items()},
            tuple(sorted((PartitionInfo.from_json(p) for p in data["partitions"]), key=_sort_key)),
            tuple(RetiredFile(str(r["path"]), int(r["since_ns"])) for r in data.get("retired", [])),
        )
    except (ValueError, KeyError, TypeError) as exc:
        if isinstance(exc, DataError):
            raise
        raise DataError(str(path), f"unreadable catalog manifest: {exc}") from exc


def write_manifest(root: Path, manifest: Manifest) -> None:
    """Commit `manifest` atomically."""
    tmp = root / f".{MANIFEST_NAME}.tmp"
    tmp.write_text(manifest.to_json(), encoding="utf-8")
    durable_replace(tmp, root / MANIFEST_NAME)
