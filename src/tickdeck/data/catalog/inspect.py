"""What one instrument's data looks like: rows, time range, gaps and spreads."""

from __future__ import annotations

from dataclasses import dataclass

from tickdeck.core import DataKind
from tickdeck.data.catalog.sql import connect
from tickdeck.data.catalog.store import Catalog

__all__ = ["InstrumentInfo", "KindInfo", "SpreadStats", "describe"]


@dataclass(frozen=True)
class SpreadStats:
    """Quoted spread ``ask - bid``, in ticks and in basis points of the mid."""

    mean_ticks: float
    median_ticks: float
    p95_ticks: float
    max_ticks: float
    mean_bps: float
    median_bps: float


@dataclass(frozen=True)
class KindInfo:
    """Rows of one kind: count, ``ts_recv`` range, and gaps longer than the threshold."""

    kind: DataKind
    rows: int
    partitions: int
    bytes: int
    ts_min: int
    ts_max: int
    gap_count: int
    largest_gaps: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class InstrumentInfo:
    instrument_id: str
    gap_threshold_ns: int
    kinds: tuple[KindInfo, ...]
    spread: SpreadStats | None


def describe(
    catalog: Catalog,
    instrument_id: str,
    *,
    gap_threshold_ns: int = 300_000_000_000,
    largest: int = 5,
) -> InstrumentInfo:
    """Summarise the data of one instrument; gaps are ``ts_recv`` jumps above the threshold."""
    instrument = catalog.instrument(instrument_id)
    kinds: list[KindInfo] = []
    spread: SpreadStats | None = None
    con = connect(catalog)
    try:
        for kind in DataKind:
            parts = catalog.partitions(kind, instrument_id)
            if not parts:
                continue
            gaps = con.execute(
                f"""
                WITH d AS (
                    SELECT lag(ts_recv) OVER (ORDER BY ts_recv) AS prev, ts_recv
                    FROM {kind.label} WHERE instrument = ?
                )
                SELECT prev, ts_recv, count(*) OVER () FROM d
                WHERE ts_recv - prev > ? ORDER BY ts_recv - prev DESC, prev LIMIT ?
                """,
                [instrument_id, gap_threshold_ns, largest],
            ).fetchall()
            kinds.append(
                KindInfo(
                    kind,
                    sum(p.rows for p in parts),
                    len(parts),
                    sum(p.bytes for p in parts),
                    min(p.ts_min for p in parts),
                    max(p.ts_max for p in parts),
                    int(gaps[0][2]) if gaps else 0,
                    tuple((int(a), int(b)) for a, b, _ in gaps),
                )
            )
            if kind == DataKind.QUOTE:
                tick = float(instrument.tick_size)
                row = con.execute(
                    """
                    WITH s AS (
                        SELECT round((ask_price - bid_price) / ?) AS ticks,
                               (ask_price - bid_price) / ((ask_price + bid_price) / 2) * 1e4 AS bps
                        FROM quotes WHERE instrument = ?
                    )
                    SELECT avg(ticks), median(ticks), quantile_cont(ticks, 0.95), max(ticks),
                           avg(bps), median(bps) FROM s
                    """,
                    [tick, instrument_id],
                ).fetchone()
                if row is not None and row[0] is not None:
                    spread = SpreadStats(*(float(v) for v in row))
    finally:
        con.close()
    return InstrumentInfo(instrument_id, gap_threshold_ns, tuple(kinds), spread)
