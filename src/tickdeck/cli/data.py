"""`tickdeck data`: ingest, list, inspect, query and resample the catalog."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, cast

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tickdeck.cli import _render
from tickdeck.cli._console import CatalogOption, console
from tickdeck.core import DataKind, InputError, Instrument, parse_duration, parse_timestamp
from tickdeck.data.catalog import Catalog
from tickdeck.data.catalog.inspect import describe
from tickdeck.data.catalog.sql import query as run_query
from tickdeck.data.cleaning import CleaningConfig
from tickdeck.data.ingest import ColumnMapping, TimestampFormat
from tickdeck.data.ingest.pipeline import ingest as run_ingest
from tickdeck.data.resample import PriceSource, resample_ticks, resample_time, resample_volume

__all__ = ["app"]

app = typer.Typer(
    help="Ingest, list, inspect, query and resample market data.", no_args_is_help=True
)

_DEFAULT_CATALOG = Path("catalog")
_MODES = ("merge", "replace")


def _existing(path: Path) -> Catalog:
    """The catalog at `path` for a command that only reads: it must exist."""
    if not (path / "manifest.json").exists():
        raise InputError(
            "--catalog",
            str(path),
            "a folder holding a catalog",
            hint="ingest data into it first, or pass --catalog (env TICKDECK_CATALOG)",
        )
    return Catalog(path)


def _instrument(
    catalog: Catalog,
    instrument_id: str,
    tick_size: str | None,
    lot_size: str,
    multiplier: str,
    currency: str | None,
    asset_class: str | None,
) -> str | Instrument:
    """An existing id, or a new instrument defined by the flags."""
    symbol, venue = Instrument.parse_id(instrument_id)
    known = {i.id: i for i in catalog.instruments()}
    if tick_size is None:
        if instrument_id not in known:
            raise InputError(
                "--instrument",
                instrument_id,
                "an instrument of the catalog",
                hint="define a new one with --tick-size (and --currency, --asset-class)",
            )
        return instrument_id
    if currency is None or asset_class is None:
        # A silent default would price USDJPY in USD as an equity: make the user say it.
        missing = "--currency" if currency is None else "--asset-class"
        raise InputError(missing, None, f"a value when defining the new instrument {instrument_id}")
    return Instrument(symbol, venue, tick_size, lot_size, multiplier, currency, asset_class)


@app.command()
def ingest(
    files: Annotated[list[Path], typer.Argument(help="Files to ingest (CSV, Parquet, .bi5).")],
    instrument: Annotated[
        str, typer.Option("--instrument", "-i", help="Instrument id SYMBOL.VENUE.")
    ],
    catalog: CatalogOption = _DEFAULT_CATALOG,
    kind: Annotated[str | None, typer.Option(help="quotes, trades, bars, book_deltas, ...")] = None,
    format: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help="auto, csv, parquet, bi5 (Dukascopy), dukascopy-csv, tickstory-csv, yahoo-bars, "
            "bars-csv.",
        ),
    ] = "auto",
    map: Annotated[
        str | None, typer.Option("--map", help="Column mapping: ts_event=Time,bid_price=Bid,...")
    ] = None,
    mapping_file: Annotated[
        Path | None, typer.Option("--mapping", help="TOML mapping file.")
    ] = None,
    ts_format: Annotated[
        str | None, typer.Option(help="auto, s, ms, us, ns, iso, or a strptime pattern.")
    ] = None,
    tz: Annotated[
        str | None, typer.Option(help="Time zone of naive timestamps (default UTC).")
    ] = None,
    delimiter: Annotated[str | None, typer.Option(help="CSV field delimiter.")] = None,
    tick_size: Annotated[
        str | None, typer.Option(help="Defines a new instrument: price increment.")
    ] = None,
    lot_size: Annotated[str, typer.Option(help="New instrument: size increment.")] = "1",
    multiplier: Annotated[str, typer.Option(help="New instrument: contract multiplier.")] = "1",
    currency: Annotated[str | None, typer.Option(help="New instrument: quote currency.")] = None,
    asset_class: Annotated[
        str | None, typer.Option(help="New instrument: fx, equity, future, crypto, ...")
    ] = None,
    mode: Annotated[
        str, typer.Option(help="merge (add rows) or replace (overwrite the days touched).")
    ] = "merge",
    keep_locked: Annotated[bool, typer.Option(help="Keep quotes with bid == ask.")] = False,
    spike_threshold: Annotated[
        float | None, typer.Option(help="Spike filter threshold in robust sigmas.")
    ] = None,
    gap: Annotated[str, typer.Option(help="Report gaps longer than this.")] = "5m",
    quarantine: Annotated[
        bool, typer.Option(help="Keep removed rows in catalog/quarantine/.")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Read, clean and commit files to the catalog in one atomic step."""
    if mode not in _MODES:
        raise InputError("--mode", mode, "merge or replace")
    cat = Catalog(catalog)
    target = _instrument(cat, instrument, tick_size, lot_size, multiplier, currency, asset_class)
    options: dict[str, Any] = {}
    if map or mapping_file:
        options["mapping"] = _mapping(map, mapping_file)
    if ts_format or tz:
        options["timestamps"] = _timestamps(ts_format, tz)
    if delimiter:
        options["delimiter"] = delimiter
    config_fields: dict[str, Any] = {
        "keep_locked": keep_locked,
        "gap_threshold_ns": parse_duration(gap, field="--gap"),
    }
    if spike_threshold is not None:
        config_fields["spike_threshold"] = spike_threshold
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=as_json,
    ) as bar:
        task = bar.add_task("reading", total=len(files))

        def advance(done: int, total: int, what: str) -> None:
            bar.update(task, completed=done, description=Path(what).name if done < total else what)

        report = run_ingest(
            cat,
            files,
            instrument=target,
            kind=kind,
            format=format,
            cleaning=CleaningConfig(**config_fields),
            mode=mode,  # type: ignore[arg-type]
            quarantine=quarantine,
            progress=advance,
            **options,
        )
    if as_json:
        console.print_json(json.dumps(report.to_dict()))
        return
    console.print(_render.cleaning_table(report.cleaning))
    console.print(
        f"[bold]{report.instrument_id}[/] {report.kind.label}: read {report.rows_read:,}, "
        f"kept {report.rows_kept:,}, new to the catalog {report.rows_added:,} "
        f"in {len(report.partitions)} day(s), {report.seconds:.2f}s "
        f"({report.rows_read / max(report.seconds, 1e-9) / 1e6:.2f}M rows/s)"
    )
    if report.quarantine is not None:
        console.print(f"removed rows kept in {report.quarantine}")


def _mapping(text: str | None, path: Path | None) -> ColumnMapping:
    if path is not None and text is not None:
        raise InputError("--map", text, "either --map or --mapping, not both")
    if path is not None:
        return ColumnMapping.from_toml(path)
    return ColumnMapping.parse(text or "")


def _timestamps(ts_format: str | None, tz: str | None) -> TimestampFormat:
    return TimestampFormat(ts_format or "auto", tz=tz or "UTC")


@app.command("ls")
def list_(catalog: CatalogOption = _DEFAULT_CATALOG) -> None:
    """List what the catalog holds, per instrument and kind."""
    cat = _existing(catalog)
    parts = cat.partitions()
    if not parts:
        console.print(f"the catalog at {catalog} is empty")
        return
    console.print(_render.listing_table(parts))


@app.command()
def info(
    instrument: Annotated[str, typer.Argument(help="Instrument id SYMBOL.VENUE.")],
    catalog: CatalogOption = _DEFAULT_CATALOG,
    gap: Annotated[str, typer.Option(help="Report gaps longer than this.")] = "5m",
) -> None:
    """Rows, time range, gaps and spread statistics of one instrument."""
    details = describe(
        _existing(catalog), instrument, gap_threshold_ns=parse_duration(gap, field="--gap")
    )
    for table in _render.info_tables(details):
        console.print(table)


@app.command()
def query(
    sql: Annotated[
        str, typer.Argument(help="SQL over the views quotes, trades, bars, ..., instruments.")
    ],
    catalog: CatalogOption = _DEFAULT_CATALOG,
    output: Annotated[str, typer.Option("--output", "-o", help="table, csv or json.")] = "table",
    limit: Annotated[int, typer.Option(help="Rows shown in table output.")] = 50,
) -> None:
    """Run SQL over the catalog with DuckDB."""
    if limit <= 0:
        raise InputError("--limit", limit, "a positive number of rows")
    if output not in ("table", "csv", "json"):
        raise InputError("--output", output, "table, csv or json")
    result = run_query(_existing(catalog), sql)
    if output == "table":
        console.print(_render.arrow_table(result, limit=limit))
    elif output == "csv":
        typer.echo(result.to_pandas().to_csv(index=False), nl=False)
    elif output == "json":
        typer.echo(result.to_pandas().to_json(orient="records", date_format="iso"))
    else:
        raise InputError("--output", output, "table, csv or json")


@app.command()
def resample(
    instrument: Annotated[str, typer.Argument(help="Instrument id SYMBOL.VENUE.")],
    catalog: CatalogOption = _DEFAULT_CATALOG,
    interval: Annotated[
        str | None, typer.Option(help="Time bars of this length, e.g. 1m, 1h.")
    ] = None,
    ticks: Annotated[int | None, typer.Option(help="Tick bars of this many ticks.")] = None,
    volume: Annotated[
        float | None, typer.Option(help="Volume bars of this much volume (trades).")
    ] = None,
    source: Annotated[str | None, typer.Option(help="mid, bid, ask (quotes) or trade.")] = None,
    start: Annotated[str | None, typer.Option(help="First time (ISO 8601).")] = None,
    end: Annotated[str | None, typer.Option(help="End time, exclusive.")] = None,
) -> None:
    """Build bars from the catalog's quotes or trades and store them as bars."""
    chosen = [x is not None for x in (interval, ticks, volume)]
    if sum(chosen) != 1:
        raise InputError("--interval/--ticks/--volume", None, "exactly one of them")
    cat = _existing(catalog)
    price = PriceSource.parse(source, field="--source") if source else None
    kind = DataKind.TRADE if (price == PriceSource.TRADE or volume is not None) else DataKind.QUOTE
    if not cat.partitions(kind, instrument):
        other = DataKind.TRADE if kind == DataKind.QUOTE else DataKind.QUOTE
        if price is None and volume is None and cat.partitions(other, instrument):
            kind = other
        else:
            raise InputError(
                "instrument", instrument, f"an instrument with {kind.label} in the catalog"
            )
    length = parse_duration(interval, field="--interval") if interval is not None else None
    lo = parse_timestamp(start, field="--start") if start else None
    if lo is not None and length is not None:
        lo -= lo % length  # start on a bucket boundary, so the first bar is whole
    hi = parse_timestamp(end, field="--end") if end else None
    table = cat.read(kind, instrument, start=lo, end=hi)
    grid = cat.instrument(instrument)
    if length is not None:
        # The last bucket may still be filling (more data may come): keep only whole bars,
        # so running the command again later adds bars and never rewrites one.
        bars = resample_time(
            table, kind, length, source=price, instrument=grid, include_partial=False
        )
    elif ticks is not None:
        bars = resample_ticks(table, kind, ticks, source=price, instrument=grid)
    else:  # exactly one of the three was given, checked above
        bars = resample_volume(table, kind, cast(float, volume), source=price, instrument=grid)
    summary = cat.write(DataKind.BAR, instrument, bars)
    console.print(
        f"{instrument}: {table.num_rows:,} {kind.label} -> {bars.num_rows:,} bars "
        f"({summary.rows_added:,} new to the catalog)"
    )


@app.command()
def vacuum(
    catalog: CatalogOption = _DEFAULT_CATALOG,
    all_: Annotated[
        bool, typer.Option("--all", help="Also delete files retired less than 10 minutes ago.")
    ] = False,
) -> None:
    """Delete files left by interrupted writes, and files retired by earlier commits."""
    removed = _existing(catalog).vacuum(grace_ns=0 if all_ else None)
    console.print(f"removed {len(removed)} orphaned file(s)")
