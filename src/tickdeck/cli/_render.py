"""Rich renderings of library results; computing lives in the library, printing here."""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
from rich.table import Table

from tickdeck.core import format_timestamp
from tickdeck.data.catalog import PartitionInfo
from tickdeck.data.catalog.inspect import InstrumentInfo
from tickdeck.data.cleaning import CleaningReport

__all__ = ["arrow_table", "cleaning_table", "duration", "info_tables", "listing_table"]


def duration(ns: int) -> str:
    """A human duration: 1.5s, 12m 03s, 2h 05m, 3d 04h."""
    seconds = ns / 1e9
    if seconds < 60:
        return f"{seconds:.3g}s"
    minutes, sec = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days}d {hours:02d}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {sec:02d}s"


def cleaning_table(reports: Sequence[CleaningReport]) -> Table:
    """One row per source: rows in, rows kept, and what each rule removed."""
    rules = list(reports[0].removed) if reports else []
    table = Table(title="Cleaning report", title_justify="left")
    table.add_column("source", overflow="fold")
    table.add_column("rows in", justify="right")
    table.add_column("kept", justify="right")
    table.add_column("reordered", justify="right")
    for rule in rules:
        if any(r.removed[rule] for r in reports):
            table.add_column(rule.replace("_", " "), justify="right")
    table.add_column("gaps", justify="right")
    shown = [rule for rule in rules if any(r.removed[rule] for r in reports)]
    for r in reports:
        table.add_row(
            r.source,
            f"{r.rows_in:,}",
            f"{r.rows_out:,}",
            f"{r.out_of_order:,}",
            *(f"{r.removed[rule]:,}" for rule in shown),
            f"{r.gap_count:,}",
        )
    return table


def listing_table(partitions: Sequence[PartitionInfo]) -> Table:
    """One row per (instrument, kind): rows, days, bytes and time range."""
    groups: dict[tuple[str, str], list[PartitionInfo]] = {}
    for p in partitions:
        groups.setdefault((p.instrument_id, p.kind.label), []).append(p)
    table = Table(title="Catalog", title_justify="left")
    for name, justify in (
        ("instrument", "left"),
        ("kind", "left"),
        ("rows", "right"),
        ("days", "right"),
        ("size", "right"),
        ("from", "left"),
        ("to", "left"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for (instrument, kind), parts in sorted(groups.items()):
        table.add_row(
            instrument,
            kind,
            f"{sum(p.rows for p in parts):,}",
            str(len(parts)),
            f"{sum(p.bytes for p in parts) / 1e6:.2f} MB",
            format_timestamp(min(p.ts_min for p in parts)),
            format_timestamp(max(p.ts_max for p in parts)),
        )
    return table


def info_tables(info: InstrumentInfo) -> list[Table]:
    """The per-kind summary, the largest gaps, and spread statistics."""
    kinds = Table(title=f"{info.instrument_id}", title_justify="left")
    for name in ("kind", "rows", "days", "from", "to", f"gaps > {duration(info.gap_threshold_ns)}"):
        kinds.add_column(name)
    gaps = Table(title="Largest gaps", title_justify="left")
    for name in ("kind", "from", "to", "length"):
        gaps.add_column(name)
    for k in info.kinds:
        kinds.add_row(
            k.kind.label,
            f"{k.rows:,}",
            str(k.partitions),
            format_timestamp(k.ts_min),
            format_timestamp(k.ts_max),
            f"{k.gap_count:,}",
        )
        for start, end in k.largest_gaps:
            gaps.add_row(
                k.kind.label, format_timestamp(start), format_timestamp(end), duration(end - start)
            )
    tables = [kinds]
    if gaps.row_count:
        tables.append(gaps)
    if info.spread is not None:
        s = info.spread
        spread = Table(title="Quoted spread", title_justify="left")
        for name in ("mean", "median", "p95", "max", "mean bps", "median bps"):
            spread.add_column(name, justify="right")
        spread.add_row(
            f"{s.mean_ticks:.2f} ticks",
            f"{s.median_ticks:.1f} ticks",
            f"{s.p95_ticks:.1f} ticks",
            f"{s.max_ticks:.0f} ticks",
            f"{s.mean_bps:.2f}",
            f"{s.median_bps:.2f}",
        )
        tables.append(spread)
    return tables


def arrow_table(result: pa.Table, *, limit: int) -> Table:
    """A query result as a Rich table, cut at `limit` rows."""
    table = Table(show_lines=False)
    for name in result.column_names:
        table.add_column(name)
    for row in result.slice(0, limit).to_pylist():
        table.add_row(*("" if v is None else str(v) for v in row.values()))
    if result.num_rows > limit:
        table.caption = f"{limit} of {result.num_rows:,} rows shown"
    return table
