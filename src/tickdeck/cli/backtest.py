"""`tickdeck backtest STRATEGY`: run a strategy over catalog data, save the run, print its metrics.

STRATEGY is ``FILE.py:Class``, ``module:Class``, a template name or a JSON
spec file. Settings come from ``--config FILE.toml`` (see
`tickdeck.spec.RunFile`), and any option given on the command line overrides
the file. Every run is saved in the run store (``--no-save`` to skip), and
``--report`` writes its HTML report. Ctrl-C stops the replay cleanly: the
partial run is saved, marked incomplete.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tickdeck.cli import _render
from tickdeck.cli._console import CatalogOption, DatabaseOption, RunsOption, console, open_store
from tickdeck.cli._run_settings import parse_params, run_settings
from tickdeck.cli.data import _existing
from tickdeck.core import InputError
from tickdeck.engine import run_backtest
from tickdeck.results.analysis import run_metrics
from tickdeck.results.metrics import Metrics
from tickdeck.results.run import RunResult
from tickdeck.spec import resolve_strategy

__all__ = ["backtest"]


def backtest(
    strategy: Annotated[
        str | None,
        typer.Argument(help="FILE.py:Class, module:Class, a template name or a spec .json."),
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", help="TOML file of settings (options override).")
    ] = None,
    instrument: Annotated[
        list[str] | None,
        typer.Option("--instrument", "-i", help="Instrument id (repeat for several)."),
    ] = None,
    catalog: CatalogOption = Path("catalog"),
    kind: Annotated[
        list[str] | None,
        typer.Option("--kind", "-k", help="Data kinds to replay (default quotes)."),
    ] = None,
    start: Annotated[str | None, typer.Option(help="First time (ISO 8601).")] = None,
    end: Annotated[str | None, typer.Option(help="End time, exclusive.")] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="Strategy parameter NAME=VALUE.")
    ] = None,
    cash: Annotated[float | None, typer.Option(help="Initial cash, base currency.")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of every random model.")] = None,
    fee_bps: Annotated[float | None, typer.Option(help="Fee in bps of notional.")] = None,
    fee_per_unit: Annotated[float | None, typer.Option(help="Fee per share or contract.")] = None,
    slippage_bps: Annotated[float | None, typer.Option(help="Taker slippage in bps.")] = None,
    latency: Annotated[str | None, typer.Option(help="Order-entry latency, e.g. 5ms.")] = None,
    market_data_latency: Annotated[str | None, typer.Option(help="Market-data latency.")] = None,
    report_latency: Annotated[str | None, typer.Option(help="Report latency.")] = None,
    queue: Annotated[str | None, typer.Option(help="conservative or probabilistic.")] = None,
    same_bar: Annotated[str | None, typer.Option(help="stop_first, target_first or path.")] = None,
    runs: RunsOption = Path("runs"),
    database: DatabaseOption = None,
    save: Annotated[bool, typer.Option(help="Save the run in the run store.")] = True,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="Tag the saved run.")] = None,
    report: Annotated[
        Path | None, typer.Option("--report", help="Also write the run's HTML report here.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Run a strategy over catalog data; saves the run and prints its metrics."""
    if queue is not None and queue not in ("conservative", "probabilistic"):
        raise InputError("--queue", queue, "conservative or probabilistic")
    if same_bar is not None and same_bar not in ("stop_first", "target_first", "path"):
        raise InputError("--same-bar", same_bar, "stop_first, target_first or path")
    strategy_ref, settings = run_settings(
        config,
        {
            "strategy": strategy,
            "instruments": instrument or None,
            "kinds": kind or None,
            "start": start,
            "end": end,
            "cash": cash,
            "seed": seed,
            "fills.queue": queue,
            "fills.same_bar": same_bar,
        },
        fee_bps=fee_bps,
        fee_per_unit=fee_per_unit,
        slippage_bps=slippage_bps,
        latencies={
            "order_entry": latency,
            "market_data": market_data_latency,
            "report": report_latency,
        },
    )
    engine_config = settings.backtest_config()
    cls = resolve_strategy(strategy_ref)
    params: dict[str, object] = {**settings.params, **parse_params(param)}
    cat = _existing(catalog)
    total = sum(
        p.rows
        for k in engine_config.kinds
        for i in engine_config.instruments
        for p in cat.partitions(k, i, start=engine_config.start, end=engine_config.end)
    )
    with Progress(
        TextColumn("replaying"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=as_json,
    ) as bar:
        task = bar.add_task("replay", total=total)
        result = run_backtest(
            cat, cls, engine_config, params, progress=lambda n: bar.update(task, completed=n)
        )
    metrics = run_metrics(result)
    run_id = None
    if save:
        with open_store(runs, database) as store:
            run_id = store.save(result, metrics=metrics, tags=tag or ())
    if report is not None:
        from tickdeck.results.report import write_report

        write_report(report, result, metrics, run_id=run_id)
    if as_json:
        typer.echo(json.dumps(_as_json(result, metrics, run_id), default=str))
        return
    _print(result, metrics, run_id, report)


def _finite(value: object) -> object:
    return None if isinstance(value, float) and not math.isfinite(value) else value


def _as_json(result: RunResult, metrics: Metrics, run_id: str | None) -> dict[str, object]:
    fidelity = result.fidelity
    return {
        "run_id": run_id,
        "strategy": result.strategy,
        "params": result.params,
        "events": result.events,
        "complete": result.complete,
        "orders": len(result.orders),
        "fills": len(result.fills),
        "trades": len(result.trades),
        "final_equity": result.final_equity,
        "fidelity": {
            "real_events": fidelity.real_events,
            "synthetic_events": fidelity.synthetic_events,
            "book_fills": fidelity.book_fills,
            "heuristic_fills": fidelity.heuristic_fills,
            "statement": fidelity.statement(),
        },
        "metrics": {k: _finite(v) for k, v in metrics.to_dict().items()},
    }


def _print(result: RunResult, metrics: Metrics, run_id: str | None, report: Path | None) -> None:
    status = "" if result.complete else " [red](interrupted: partial run)[/]"
    console.print(
        f"[bold]{result.strategy}[/] {result.params}: {result.events:,} events, "
        f"{len(result.fills):,} fills, {len(result.trades):,} round trips, "
        f"final equity {result.final_equity:,.2f}{status}"
    )
    console.print(f"data fidelity: {result.fidelity.statement()}")
    console.print(_render.metrics_table(metrics))
    if run_id is not None:
        console.print(f"saved as run [bold]{run_id}[/] (tickdeck runs show {run_id[:13]})")
    if report is not None:
        console.print(f"report: {report}")
