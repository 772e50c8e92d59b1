"""Rich renderings of library results; computing lives in the library, printing here."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
from rich.table import Table
from rich.text import Text

from tickdeck.core import format_timestamp
from tickdeck.data.catalog import PartitionInfo
from tickdeck.data.catalog.inspect import InstrumentInfo
from tickdeck.data.cleaning import RULES, CleaningReport
from tickdeck.results.metrics import Metrics
from tickdeck.results.report import METRIC_LABELS, format_metric

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


def _short(path: str, depth: int = 3) -> str:
    parts = Path(path).parts
    return str(Path(*parts[-depth:])) if len(parts) > depth else path


def _removed_text(group: Sequence[CleaningReport]) -> str:
    totals = {rule: sum(r.removed[rule] for r in group) for rule in RULES}
    return ", ".join(f"{rule.replace('_', ' ')} {n:,}" for rule, n in totals.items() if n) or "-"


def cleaning_table(
    reports: Sequence[CleaningReport], *, labels: Sequence[str] | None = None, max_rows: int = 12
) -> Table:
    """One row per source with findings (removed, reordered or gappy rows), then a total.

    With `labels`, `reports` are grouped: one row per label (e.g. one ingest
    of many files), in order of first appearance.
    """
    table = Table(title="Cleaning report", title_justify="left")
    table.add_column("source", overflow="fold", min_width=12)
    for name in ("rows in", "kept", "removed by rule", "reordered", "gaps"):
        table.add_column(name, justify="left" if name == "removed by rule" else "right")

    def add(label: str, group: Sequence[CleaningReport], style: str | None = None) -> None:
        table.add_row(
            label,
            f"{sum(x.rows_in for x in group):,}",
            f"{sum(x.rows_out for x in group):,}",
            _removed_text(group),
            f"{sum(x.out_of_order for x in group):,}",
            f"{sum(x.gap_count for x in group):,}",
            style=style,
        )

    if labels is not None:
        groups: dict[str, list[CleaningReport]] = {}
        for label, report in zip(labels, reports, strict=True):
            groups.setdefault(label, []).append(report)
        for label, group in groups.items():
            add(f"{label} ({len(group)} file{'s' if len(group) > 1 else ''})", group)
        return table
    notable = [r for r in reports if r.rows_in != r.rows_out or r.out_of_order or r.gap_count]
    for r in notable[:max_rows]:
        add(_short(r.source), [r])
    if len(notable) > max_rows:
        table.add_row(f"... {len(notable) - max_rows} more with findings")
    if len(reports) > 1 or not notable:
        table.add_section()
        add(f"all {len(reports)} source(s)", reports, style="bold")
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
        table.add_row(*(Text("" if v is None else str(v)) for v in row.values()))
    if result.num_rows > limit:
        table.caption = f"{limit} of {result.num_rows:,} rows shown"
    return table


def metrics_table(metrics: Metrics, *, currency: str = "") -> Table:
    """Every metric, labelled and formatted as the HTML report shows it."""
    table = Table(title="Metrics", title_justify="left")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in metrics.to_dict().items():
        if name in METRIC_LABELS:
            table.add_row(METRIC_LABELS[name], format_metric(name, value, currency=currency))
    return table
