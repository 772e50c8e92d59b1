"""`tickdeck demo`: the main job on built-in sample data, end to end.

Writes deterministic sample vendor files, ingests them through the same path as
real data (with the cleaning report), builds one-minute bars, replays every
instrument as one time-ordered stream, then backtests the SMA crossover
template on the EURUSD quotes, saves the run and writes its HTML report.
Running it twice gives the same catalog (ingestion is idempotent) and the same
run, bit for bit.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from tickdeck.cli import _render
from tickdeck.cli._console import console
from tickdeck.core import DataKind, format_timestamp
from tickdeck.data.catalog import Catalog
from tickdeck.data.catalog.sql import query
from tickdeck.data.ingest.pipeline import IngestReport, ingest
from tickdeck.data.resample import resample_time
from tickdeck.data.sample import SAMPLE_INSTRUMENTS, write_sample_files
from tickdeck.engine import BacktestConfig, run_backtest
from tickdeck.execution import ConstantLatency, LatencyProfile
from tickdeck.execution.config import ExchangeConfig
from tickdeck.execution.fees import BpsFee
from tickdeck.feed import Replay
from tickdeck.results.analysis import run_metrics
from tickdeck.results.report import write_report
from tickdeck.results.store import RunStore
from tickdeck.strategy.templates import TEMPLATES
from tickdeck.synth import synthetic_instrument, ticks_from_bars, write_to_catalog

__all__ = ["demo"]

_MINUTE_NS = 60_000_000_000


def _ingest_samples(catalog: Catalog, folder: Path, seed: int) -> list[IngestReport]:
    files = write_sample_files(folder, seed=seed)
    jobs = [
        (list(files.eurusd_bi5), "EURUSD.DUKA", "bi5", None),
        ([files.usdjpy_csv], "USDJPY.DUKA", "dukascopy-csv", None),
        ([files.acme_trades_csv], "ACME.XNAS", "csv", "trades"),
        ([files.acme_bars_csv], "ACME.XNAS", "yahoo-bars", None),
    ]
    reports = []
    for paths, instrument_id, fmt, kind in jobs:
        reports.append(
            ingest(
                catalog,
                paths,
                instrument=SAMPLE_INSTRUMENTS[instrument_id],
                format=fmt,
                kind=kind,
            )
        )
    return reports


def demo(
    workdir: Annotated[Path, typer.Option(help="Where the sample files and catalog go.")] = Path(
        "tickdeck-demo"
    ),
    seed: Annotated[int, typer.Option(help="Seed of the sample data.")] = 7,
) -> None:
    """Ingest built-in sample data, replay it, backtest a strategy and write its report."""
    catalog = Catalog(workdir / "catalog")
    console.rule("[bold]1. Ingest sample vendor files")
    started = time.perf_counter()
    reports = _ingest_samples(catalog, workdir / "sample", seed)
    console.print(
        _render.cleaning_table(
            [r for rep in reports for r in rep.cleaning],
            labels=[
                f"{rep.instrument_id} {rep.kind.label}" for rep in reports for _ in rep.cleaning
            ],
        )
    )
    console.print(f"ingested in {time.perf_counter() - started:.2f}s")

    console.rule("[bold]2. The catalog")
    eurusd = catalog.read(DataKind.QUOTE, "EURUSD.DUKA")
    bars = resample_time(
        eurusd, DataKind.QUOTE, _MINUTE_NS, instrument=SAMPLE_INSTRUMENTS["EURUSD.DUKA"]
    )
    catalog.write(DataKind.BAR, "EURUSD.DUKA", bars)
    console.print(_render.listing_table(catalog.partitions()))
    spreads = query(
        catalog,
        "SELECT instrument, count(*) AS quotes, round(avg(ask_price - bid_price) "
        "/ any_value(tick_size::DOUBLE), 2) AS mean_spread_ticks "
        "FROM quotes JOIN instruments USING (instrument) GROUP BY 1 ORDER BY 1",
    )
    console.print(_render.arrow_table(spreads, limit=10))

    console.rule("[bold]3. Replay every instrument as one stream")
    instruments = sorted(SAMPLE_INSTRUMENTS)
    replay = Replay(catalog, instruments, kinds=[DataKind.QUOTE, DataKind.TRADE])
    started = time.perf_counter()
    total = sum(len(batch) for batch in replay.batches())
    batch_seconds = time.perf_counter() - started
    counts: Counter[tuple[str, str]] = Counter()
    first = last = None
    previous = -1
    in_order = True
    started = time.perf_counter()
    for event in replay.events():
        counts[(event.instrument, event.kind.label)] += 1
        in_order &= event.ts_recv >= previous
        previous = event.ts_recv
        if first is None:
            first = event
        last = event
    event_seconds = time.perf_counter() - started
    table = Table(title="Replayed events", title_justify="left")
    for name in ("instrument", "kind", "events"):
        table.add_column(name, justify="right" if name == "events" else "left")
    for (instrument, kind), n in sorted(counts.items()):
        table.add_row(instrument, kind, f"{n:,}")
    console.print(table)
    if first is not None and last is not None:
        console.print(f"first event: {first}")
        console.print(f"last event:  {last}")
        console.print(
            f"{sum(counts.values()):,} events from {format_timestamp(first.ts_recv)} to "
            f"{format_timestamp(last.ts_recv)}, in time order: {'yes' if in_order else 'NO'}"
        )
    console.print(
        f"as record batches: {total:,} events in {batch_seconds:.3f}s; "
        f"as Python events (with the tally above): {event_seconds:.3f}s"
    )

    console.rule("[bold]4. Backtest the SMA crossover on EURUSD quotes")
    _backtest(catalog, workdir, seed)

    console.rule("[bold]5. No ticks, only daily bars: generate them, then backtest")
    _synthetic(catalog, workdir, seed)


def _synthetic(catalog: Catalog, workdir: Path, seed: int) -> None:
    """ACME has daily bars only: ticks inside them, then the same strategy on those."""
    acme = SAMPLE_INSTRUMENTS["ACME.XNAS"]
    bars = catalog.read(DataKind.BAR, acme.id)
    started = time.perf_counter()
    ticks = ticks_from_bars(bars, acme, seed=seed)
    target = synthetic_instrument(acme)
    write_to_catalog(catalog, [{target: ticks}])
    console.print(
        f"{bars.num_rows} daily bars of {acme.id} -> {ticks.trades.num_rows:,} trades and "
        f"{ticks.quotes.num_rows:,} quotes as {target.id} in {time.perf_counter() - started:.2f}s "
        "(they resample back to the same bars exactly)"
    )
    config = BacktestConfig(instruments=(target.id,), initial_cash=100_000.0, seed=seed)
    params = {"fast": 500, "slow": 5_000, "quantity": 100}
    result = run_backtest(catalog, TEMPLATES["sma_crossover"], config, params)
    metrics = run_metrics(result)
    with RunStore(root=workdir / "runs") as store:
        run_id = store.save(result, metrics=metrics, tags=["demo", "synthetic"])
    report = write_report(workdir / "report-synthetic.html", result, metrics, run_id=run_id)
    console.print(
        f"{result.strategy} {params} on {target.id}: {len(result.fills):,} fills, "
        f"total return {metrics.total_return:.2%}"
    )
    console.print(f"data fidelity: {result.fidelity.statement()}")
    console.print(f"report: [bold]{report}[/]")


def _backtest(catalog: Catalog, workdir: Path, seed: int) -> None:
    config = BacktestConfig(
        instruments=("EURUSD.DUKA",),
        initial_cash=100_000.0,
        seed=seed,
        exchange=ExchangeConfig(fees=BpsFee(0.2)),
        latency=LatencyProfile(
            market_data=ConstantLatency(1_000_000), order_entry=ConstantLatency(5_000_000)
        ),
    )
    params = {"fast": 200, "slow": 1_000, "quantity": 10_000}
    started = time.perf_counter()
    result = run_backtest(catalog, TEMPLATES["sma_crossover"], config, params)
    seconds = time.perf_counter() - started
    metrics = run_metrics(result)
    with RunStore(root=workdir / "runs") as store:
        run_id = store.save(result, metrics=metrics, tags=["demo"])
    report = write_report(workdir / "report.html", result, metrics, run_id=run_id)
    console.print(
        f"{result.strategy} {params}: {result.events:,} quotes in {seconds:.2f}s, "
        f"{len(result.orders):,} orders, {len(result.fills):,} fills, "
        f"{len(result.trades):,} round trips"
    )
    console.print(f"data fidelity: {result.fidelity.statement()}")
    console.print(_render.metrics_table(metrics))
    console.print(f"saved as run [bold]{run_id}[/] in {workdir / 'runs'}")
    console.print(f"report: [bold]{report}[/] (open it in a browser; it works offline)")
