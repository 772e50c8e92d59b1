"""`tickdeck sweep STRATEGY`: try many parameter sets, save every run, rank them by a metric.

The strategy and the run settings are named as for ``tickdeck backtest``
(``--config run.toml``, options override the file). The space comes from
``--grid``/``--range`` options (the same thing under two names)::

    --grid fast=10,20,30         these values
    --grid slow=50:200:50        50, 100, 150, 200 (LOW:HIGH[:STEP], both ends included)
    --range k=0.5:3              an interval (random and Optuna searches draw from it)
    --range lr=0.001:0.1:log     drawn uniformly in the logarithm
    --range fast                 the parameter's declared minimum and maximum (or choices)

A grid runs every combination; ``--random N`` draws N points and
``--optuna N`` lets Optuna's TPE choose N, both seeded by ``--sampler-seed``.
``--walk-forward train=30d,test=7d[,step=7d][,anchored]`` optimises on each
training window and reports the winners' out-of-sample runs apart.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tickdeck.cli._console import CatalogOption, DatabaseOption, RunsOption, console, open_store
from tickdeck.cli._run_settings import parse_params, run_settings
from tickdeck.cli.data import _existing
from tickdeck.core import InputError, format_timestamp, parse_duration
from tickdeck.core.errors import suggest
from tickdeck.results.metrics import Metrics
from tickdeck.results.report import format_metric
from tickdeck.sweep import (
    EXECUTORS,
    METRICS,
    Domain,
    GridSearch,
    OptunaSearch,
    OutOfSample,
    RandomSearch,
    Range,
    Search,
    Sweep,
    SweepResult,
    Trial,
    WalkForward,
    run_sweep,
)

__all__ = ["sweep"]

_SPACE_FORMS = "NAME=A,B,C, NAME=LOW:HIGH[:STEP|:log] or NAME"
#: Shown beside the objective in the table, when it is not one of them.
_KEY_METRICS = ("total_return", "sharpe_ratio", "max_drawdown", "trade_count")


def _number(option: str, entry: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(option, entry, _SPACE_FORMS, hint=f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise InputError(option, entry, _SPACE_FORMS, hint=f"{text!r} is not a finite number")
    return value


def parse_space(entries: list[str], option: str = "--grid") -> dict[str, Domain]:
    """``--grid``/``--range`` entries as a sweep's space (values stay text: the Param converts)."""
    space: dict[str, Domain] = {}
    for entry in entries:
        name, equals, spec = (part.strip() for part in entry.partition("="))
        if not name or (equals and not spec):
            raise InputError(option, entry, _SPACE_FORMS)
        if name in space:
            raise InputError(option, entry, "each parameter once")
        if not equals:
            space[name] = None
        elif ":" in spec and "," not in spec:
            parts = [p.strip() for p in spec.split(":")]
            if len(parts) not in (2, 3) or not all(parts):
                raise InputError(option, entry, _SPACE_FORMS)
            low, high = (_number(option, entry, p) for p in parts[:2])
            if len(parts) == 3 and parts[2].lower() == "log":
                space[name] = Range(low, high, log=True)
            else:
                step = _number(option, entry, parts[2]) if len(parts) == 3 else None
                space[name] = Range(low, high, step)
        else:
            values = [v.strip() for v in spec.split(",")]
            if not all(values):
                raise InputError(option, entry, _SPACE_FORMS, hint="an empty value")
            space[name] = values
    return space


def parse_walk_forward(text: str) -> WalkForward:
    """``train=30d,test=7d[,step=7d][,anchored]`` as a `WalkForward`."""
    found: dict[str, int] = {}
    anchored = False
    expected = "train=DURATION,test=DURATION[,step=DURATION][,anchored]"
    for part in (p.strip() for p in text.split(",")):
        key, equals, value = (s.strip() for s in part.partition("="))
        if part == "anchored":
            anchored = True
        elif equals and key in ("train", "test", "step") and key not in found:
            found[key] = parse_duration(value, field=f"--walk-forward {key}")
        else:
            raise InputError("--walk-forward", part, expected)
    if "train" not in found or "test" not in found:
        raise InputError("--walk-forward", text, expected)
    return WalkForward(found["train"], found["test"], found.get("step"), anchored)


def _search(
    grid_given: bool, random: int | None, optuna: int | None, seed: int, batch: int
) -> Search:
    if random is not None and optuna is not None:
        raise InputError("--random", random, "either --random or --optuna, not both")
    if random is not None:
        return RandomSearch(random, seed)
    if optuna is not None:
        return OptunaSearch(optuna, seed, batch)
    if not grid_given:
        raise InputError("--grid", None, "at least one --grid/--range NAME=VALUES to sweep")
    return GridSearch()


def sweep(
    strategy: Annotated[
        str | None,
        typer.Argument(help="FILE.py:Class, module:Class, a template name or a spec .json."),
    ] = None,
    grid: Annotated[
        list[str] | None,
        typer.Option(
            "--grid", "--range", "-g", help=f"A swept parameter: {_SPACE_FORMS} (repeat)."
        ),
    ] = None,
    random: Annotated[
        int | None, typer.Option("--random", help="Random search: draw this many points.")
    ] = None,
    optuna: Annotated[
        int | None, typer.Option("--optuna", help="Bayesian search (Optuna TPE): this many trials.")
    ] = None,
    sampler_seed: Annotated[int, typer.Option(help="Seed of the random or Optuna search.")] = 0,
    batch_size: Annotated[
        int, typer.Option(help="Optuna: points asked per batch (independent of --workers).")
    ] = 8,
    metric: Annotated[str, typer.Option(help="The metric to rank by.")] = "sharpe_ratio",
    minimize: Annotated[bool, typer.Option(help="Smaller is better.")] = False,
    walk_forward: Annotated[
        str | None,
        typer.Option(help="Walk-forward: train=30d,test=7d[,step=7d][,anchored]."),
    ] = None,
    executor: Annotated[str, typer.Option(help="local (process pool), ray, or serial.")] = "local",
    workers: Annotated[
        int | None, typer.Option(help="Worker processes (default: every CPU).")
    ] = None,
    address: Annotated[
        str | None, typer.Option(help="Ray cluster HOST:PORT (with --executor ray).")
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
        list[str] | None,
        typer.Option("--param", "-p", help="A fixed strategy parameter NAME=VALUE."),
    ] = None,
    cash: Annotated[float | None, typer.Option(help="Initial cash, base currency.")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of every simulation model.")] = None,
    fee_bps: Annotated[float | None, typer.Option(help="Fee in bps of notional.")] = None,
    slippage_bps: Annotated[float | None, typer.Option(help="Taker slippage in bps.")] = None,
    latency: Annotated[str | None, typer.Option(help="Order-entry latency, e.g. 5ms.")] = None,
    runs: RunsOption = Path("runs"),
    database: DatabaseOption = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="Tag every saved run.")] = None,
    top: Annotated[int, typer.Option(help="Rows of the ranked table.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Sweep a strategy's parameters; saves every run and prints them ranked by --metric."""
    if metric not in METRICS:
        hint = suggest(metric, METRICS) or "one of " + ", ".join(METRICS)
        raise InputError("--metric", metric, "a metric name", hint=hint)
    if executor not in EXECUTORS:
        raise InputError("--executor", executor, "local, ray or serial")
    if top < 1:
        raise InputError("--top", top, "a positive number of rows")
    space = parse_space(grid or [])
    search = _search(bool(space), random, optuna, sampler_seed, batch_size)
    plan = parse_walk_forward(walk_forward) if walk_forward is not None else None
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
        },
        fee_bps=fee_bps,
        slippage_bps=slippage_bps,
        latencies={"order_entry": latency},
    )
    definition = Sweep(
        strategy_ref,
        settings.backtest_config(),
        space,
        search,
        metric=metric,
        maximize=not minimize,
        params={**settings.params, **parse_params(param)},
        walk_forward=plan,
    )
    cat = _existing(catalog)
    with (
        open_store(runs, database) as store,
        Progress(
            TextColumn("sweeping"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[failed]} failed"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=as_json,
        ) as bar,
    ):
        task = bar.add_task("sweep", total=None, failed=0)
        failed = 0

        def advance(trial: Trial, done: int, planned: int) -> None:
            nonlocal failed
            failed += not trial.ok
            bar.update(task, completed=done, total=planned, failed=failed)

        result = run_sweep(
            definition,
            cat,
            store=store,
            tags=tag or (),
            executor=executor,
            workers=workers,
            address=address,
            progress=advance,
        )
    if as_json:
        typer.echo(json.dumps(_as_json(result), default=str))
    else:
        _print(result, list(space), top)
    if result.interrupted:
        raise typer.Exit(130)


# -- output -------------------------------------------------------------------


def _finite(value: object) -> object:
    return None if isinstance(value, float) and not math.isfinite(value) else value


def _metrics_json(metrics: Metrics | None) -> dict[str, object] | None:
    return None if metrics is None else {k: _finite(v) for k, v in metrics.to_dict().items()}


def _trial_json(trial: Trial) -> dict[str, object]:
    return {
        "number": trial.number,
        "params": trial.params,
        "status": trial.status.label,
        "value": _finite(trial.value),
        "run_id": trial.run_id,
        "error": trial.error,
        "fold": trial.fold,
        "out_of_sample": trial.out_of_sample,
        "metrics": _metrics_json(trial.metrics),
    }


def _oos_json(oos: OutOfSample) -> dict[str, object]:
    return {
        "folds": list(oos.folds),
        "run_ids": list(oos.run_ids),
        "metrics": _metrics_json(oos.metrics),
    }


def _as_json(result: SweepResult) -> dict[str, object]:
    folds = [
        {
            "fold": f.window.fold,
            "train_start_ns": f.window.train_start_ns,
            "train_end_ns": f.window.train_end_ns,
            "test_start_ns": f.window.test_start_ns,
            "test_end_ns": f.window.test_end_ns,
            "trials": [_trial_json(t) for t in f.trials],
            "test": None if f.test is None else _trial_json(f.test),
        }
        for f in result.folds
    ]
    oos = result.out_of_sample
    return {
        "sweep_id": result.sweep_id,
        "strategy": result.strategy,
        "metric": result.metric,
        "maximize": result.maximize,
        "interrupted": result.interrupted,
        "trials": [_trial_json(t) for t in result.trials],
        "failed": [_trial_json(t) for t in result.failed],
        "folds": folds,
        "out_of_sample": None
        if oos is None
        else {
            "folds": list(oos.folds),
            "run_ids": list(oos.run_ids),
            "metrics": _metrics_json(oos.metrics),
        },
    }


def _shown(name: str, value: float | int | None) -> str:
    return format_metric(name, value)


def _params_text(params: dict[str, object], names: list[str]) -> list[str]:
    return [str(params.get(name, "")) for name in names]


def _ranked_table(result: SweepResult, names: list[str], top: int) -> Table:
    extra = [m for m in _KEY_METRICS if m != result.metric]
    direction = "max" if result.maximize else "min"
    table = Table(title=f"Top {top} by {result.metric} ({direction})", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("trial", justify="right")
    for name in names:
        table.add_column(name, justify="right")
    table.add_column(result.metric.replace("_", " "), justify="right", style="bold")
    for name in extra:
        table.add_column(name.replace("_", " "), justify="right")
    table.add_column("run id", no_wrap=True)
    ok = [t for t in result.trials if t.ok][:top]
    for place, trial in enumerate(ok, 1):
        metrics = trial.metrics.to_dict() if trial.metrics else {}
        table.add_row(
            str(place),
            str(trial.number),
            *_params_text(trial.params, names),
            _shown(result.metric, trial.value),
            *(_shown(m, metrics.get(m)) for m in extra),
            trial.run_id or "",
        )
    return table


def _fold_table(result: SweepResult, names: list[str]) -> Table:
    # Training ends where testing starts: three times give both windows.
    table = Table(title=f"Walk-forward by {result.metric}", title_justify="left")
    for column in ("fold", "train from", "test from", "test to"):
        table.add_column(column, justify="right" if column == "fold" else "left")
    for column in (*names, "in-sample", "out-of-sample"):
        table.add_column(column, justify="right")
    table.add_column("out-of-sample run id", no_wrap=True)
    for fold in result.folds:
        w = fold.window
        best, test = fold.best, fold.test
        table.add_row(
            str(w.fold),
            format_timestamp(w.train_start_ns),
            format_timestamp(w.test_start_ns),
            format_timestamp(w.test_end_ns),
            *(_params_text(best.params, names) if best else ["—"] * len(names)),
            _shown(result.metric, best.value) if best else "—",
            _shown(result.metric, test.value) if test and test.ok else "—",
            (test.run_id or test.error or "") if test else "",
        )
    return table


def _print(result: SweepResult, names: list[str], top: int) -> None:
    trials = list(result.all_trials())
    failed = result.failed
    console.print(
        f"[bold]{escape(result.strategy)}[/]: {len(trials)} runs, {len(trials) - len(failed)} ok, "
        f"{len(failed)} failed; sweep {result.sweep_id} (runs tagged sweep:{result.sweep_id})"
    )
    if result.folds or result.out_of_sample is not None:
        console.print(_fold_table(result, names))
        oos = result.out_of_sample
        if oos is not None and oos.metrics is not None:
            values = oos.metrics.to_dict()
            shown = ", ".join(
                f"{m.replace('_', ' ')} {_shown(m, values[m])}"
                for m in dict.fromkeys([result.metric, *_KEY_METRICS])
            )
            console.print(f"out of sample ({len(oos.folds)} folds joined): {shown}")
    else:
        console.print(_ranked_table(result, names, top))
    if failed:
        console.print(f"[red]{len(failed)} failed:[/]")
        for trial in failed:
            console.print(
                f"  trial {trial.number} {escape(str(trial.params))}: {escape(trial.error or '')}"
            )
    if result.interrupted:
        console.print(f"[red]interrupted[/]: {len(trials)} runs finished and are kept")
