"""`tickdeck backtest FILE.py:Class`: run a strategy over catalog data and print its metrics."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tickdeck.cli._console import CatalogOption, console
from tickdeck.cli.data import _existing
from tickdeck.core import DataKind, InputError, parse_duration, parse_timestamp
from tickdeck.engine import BacktestConfig, load_strategy, run_backtest
from tickdeck.execution import (
    BpsFee,
    ConstantLatency,
    FixedBpsSlippage,
    LatencyProfile,
    NoFee,
    NoSlippage,
    PerUnitFee,
)
from tickdeck.execution.config import ExchangeConfig, SameBarRule
from tickdeck.execution.queue import ConservativeQueue, ProbabilisticQueue
from tickdeck.results.analysis import run_metrics

__all__ = ["backtest"]


def _params(pairs: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals or not name.strip():
            raise InputError("--param", pair, "NAME=VALUE, e.g. --param fast=20")
        values[name.strip()] = value.strip()
    return values


def _ns(text: str | None, field: str) -> int:
    return 0 if text is None or text == "0" else parse_duration(text, field=field)


def backtest(
    strategy: Annotated[str, typer.Argument(help="FILE.py:ClassName or module:ClassName.")],
    instrument: Annotated[
        list[str], typer.Option("--instrument", "-i", help="Instrument id (repeat for several).")
    ],
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
    cash: Annotated[float, typer.Option(help="Initial cash, base currency.")] = 1_000_000.0,
    seed: Annotated[int, typer.Option(help="Seed of every random model.")] = 0,
    fee_bps: Annotated[float, typer.Option(help="Fee in bps of notional.")] = 0.0,
    fee_per_unit: Annotated[float, typer.Option(help="Fee per share or contract.")] = 0.0,
    slippage_bps: Annotated[float, typer.Option(help="Taker slippage in bps.")] = 0.0,
    latency: Annotated[str | None, typer.Option(help="Order-entry latency, e.g. 5ms.")] = None,
    market_data_latency: Annotated[str | None, typer.Option(help="Market-data latency.")] = None,
    report_latency: Annotated[str | None, typer.Option(help="Report latency.")] = None,
    queue: Annotated[str, typer.Option(help="conservative or probabilistic.")] = "conservative",
    same_bar: Annotated[str, typer.Option(help="stop_first, target_first or path.")] = "stop_first",
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Run a strategy over catalog data; prints fills, trades and metrics."""
    if fee_bps and fee_per_unit:
        raise InputError("--fee-bps", fee_bps, "either --fee-bps or --fee-per-unit, not both")
    if queue not in ("conservative", "probabilistic"):
        raise InputError("--queue", queue, "conservative or probabilistic")
    try:
        rule = SameBarRule[same_bar.upper()]
    except KeyError:
        raise InputError("--same-bar", same_bar, "stop_first, target_first or path") from None
    exchange = ExchangeConfig(
        fees=BpsFee(fee_bps) if fee_bps else PerUnitFee(fee_per_unit) if fee_per_unit else NoFee(),
        slippage=FixedBpsSlippage(slippage_bps) if slippage_bps else NoSlippage(),
        queue=ProbabilisticQueue() if queue == "probabilistic" else ConservativeQueue(),
        same_bar=rule,
    )
    config = BacktestConfig(
        instruments=tuple(instrument),
        kinds=tuple(DataKind.parse(k, field="--kind") for k in (kind or ["quotes"])),
        start=parse_timestamp(start, field="--start") if start else None,
        end=parse_timestamp(end, field="--end") if end else None,
        initial_cash=cash,
        seed=seed,
        exchange=exchange,
        latency=LatencyProfile(
            market_data=ConstantLatency(_ns(market_data_latency, "--market-data-latency")),
            order_entry=ConstantLatency(_ns(latency, "--latency")),
            report=ConstantLatency(_ns(report_latency, "--report-latency")),
        ),
    )
    cls = load_strategy(strategy)
    cat = _existing(catalog)
    total = sum(
        p.rows
        for k in config.kinds
        for i in config.instruments
        for p in cat.partitions(k, i, start=config.start, end=config.end)
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
            cat,
            cls,
            config,
            _params(param or []),
            progress=lambda n: bar.update(task, completed=n),
        )
    metrics = run_metrics(result)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "strategy": result.strategy,
                    "params": result.params,
                    "events": result.events,
                    "complete": result.complete,
                    "orders": len(result.orders),
                    "fills": len(result.fills),
                    "trades": len(result.trades),
                    "final_equity": result.final_equity,
                    "metrics": {
                        k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                        for k, v in metrics.to_dict().items()
                    },
                },
                default=str,
            )
        )
        return
    status = "" if result.complete else " [red](interrupted: partial run)[/]"
    console.print(
        f"[bold]{result.strategy}[/] {result.params}: {result.events:,} events, "
        f"{len(result.fills):,} fills, {len(result.trades):,} round trips, "
        f"final equity {result.final_equity:,.2f}{status}"
    )
    table = Table(title="Metrics", title_justify="left")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in metrics.to_dict().items():
        if value is None:
            continue
        shown = f"{value:,.6g}" if isinstance(value, float) else f"{value:,}"
        table.add_row(name.replace("_", " "), shown)
    console.print(table)
