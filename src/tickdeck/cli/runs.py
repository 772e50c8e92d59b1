"""`tickdeck runs ls|show|compare|rm` and `tickdeck report RUN`: the run store from the shell.

RUN is a run id, any prefix of one that names a single run (as git takes
commits), or ``latest`` (also ``last``) for the newest run. Metrics print as
the HTML report writes them (`tickdeck.results.report.format_metric`);
``--json`` prints plain values instead, a non-finite metric as null.
"""

from __future__ import annotations

import json
import math
import webbrowser
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.table import Table
from rich.text import Text

from tickdeck.cli._console import DatabaseOption, RunsOption, console, open_store
from tickdeck.core import InputError, format_timestamp
from tickdeck.core.errors import suggest
from tickdeck.results.report import format_metric, write_report
from tickdeck.results.store import RunStore, RunSummary

__all__ = ["app", "report", "resolve_run"]

app = typer.Typer(help="List, show, compare and delete saved runs.", no_args_is_help=True)

#: Words that name the newest run.
LATEST = ("latest", "last")
#: Short names `--order-by` accepts besides the store's column names.
_ORDER_ALIASES = {
    "created": "created_ns",
    "return": "total_return",
    "sharpe": "sharpe_ratio",
    "drawdown": "max_drawdown",
    "trades": "trade_count",
    "equity": "final_equity",
}
_DEFAULT_RUNS = Path("runs")

RunArgument = Annotated[
    str,
    typer.Argument(
        metavar="RUN", help="Run id, a unique prefix of one, or 'latest'.", show_default=False
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def resolve_run(store: RunStore, text: str) -> str:
    """The full id of the run `text` names: an id, a unique prefix of one, or ``latest``.

    Raises:
        InputError: No run matches (with the closest id as a hint), the prefix
            matches several runs (naming them), or the store is empty.
    """
    wanted = text.strip().lower()
    if wanted in LATEST:
        newest = store.list(limit=1)
        if not newest:
            raise InputError("RUN", text, "a saved run", hint=f"no run is saved in {store.url}")
        return newest[0].run_id
    ids = [summary.run_id for summary in store.list(order_by="created_ns", descending=False)]
    if wanted in ids:
        return wanted
    matches = [run_id for run_id in ids if wanted and run_id.startswith(wanted)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        named = ", ".join(matches[:5]) + (
            f" and {len(matches) - 5} more" if len(matches) > 5 else ""
        )
        raise InputError(
            "RUN",
            text,
            "a prefix of exactly one run id",
            hint=f"it matches {len(matches)} runs: {named}",
        )
    hint = suggest(wanted, ids) if ids else f"no run is saved in {store.url}"
    raise InputError(
        "RUN",
        text,
        f"the id, or a unique prefix of the id, of a run saved in {store.url}",
        hint=hint or "list the runs with `tickdeck runs ls`",
    )


def _plain(value: object) -> object:
    """A value for --json: non-finite floats as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _created(ns: int) -> str:
    return format_timestamp(ns - ns % 1_000_000_000).removesuffix("Z").replace("T", " ")


def _summary_json(summary: RunSummary) -> dict[str, Any]:
    return {
        "run_id": summary.run_id,
        "created": format_timestamp(summary.created_ns),
        "strategy": summary.strategy,
        "params": summary.params,
        "complete": summary.complete,
        "tags": list(summary.tags),
        "metrics": {k: _plain(v) for k, v in summary.metrics.to_dict().items()},
    }


def _currency(summary: RunSummary) -> str:
    currency = summary.config.get("base_currency")
    return currency if isinstance(currency, str) else ""


@app.command("ls")
def list_runs(
    runs: RunsOption = _DEFAULT_RUNS,
    database: DatabaseOption = None,
    strategy: Annotated[
        str | None, typer.Option("--strategy", "-s", help="Only runs of this strategy.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="At most this many runs.")] = 50,
    order_by: Annotated[
        str,
        typer.Option(
            help="created, total_return, sharpe_ratio, max_drawdown, trade_count or final_equity."
        ),
    ] = "created",
    ascending: Annotated[bool, typer.Option(help="Smallest first (default largest).")] = False,
    as_json: JsonOption = False,
) -> None:
    """List saved runs, newest first: id, strategy, headline metrics, tags."""
    if limit <= 0:
        raise InputError("--limit", limit, "a positive number of runs")
    column = _ORDER_ALIASES.get(order_by, order_by)
    with open_store(runs, database) as store:
        try:
            found = store.list(
                strategy=strategy, limit=limit + 1, order_by=column, descending=not ascending
            )
        except InputError as exc:
            if exc.field != "order_by":
                raise
            names = sorted({*_ORDER_ALIASES, *_ORDER_ALIASES.values()})
            raise InputError(
                "--order-by", order_by, "a column to sort by", hint=suggest(order_by, names)
            ) from None
    shown, more = found[:limit], len(found) > limit
    if as_json:
        typer.echo(json.dumps([_summary_json(s) for s in shown], default=str))
        return
    table = Table(title="Runs", title_justify="left")
    table.add_column("id", no_wrap=True)
    table.add_column("created (UTC)", no_wrap=True)
    table.add_column("strategy")
    table.add_column("complete")
    for name in ("total return", "sharpe", "max dd", "trades"):
        table.add_column(name, justify="right")
    table.add_column("tags")
    for s in shown:
        m = s.metrics
        table.add_row(
            s.run_id,
            _created(s.created_ns),
            Text(s.strategy),
            "yes" if s.complete else Text("no", style="red"),
            format_metric("total_return", m.total_return),
            format_metric("sharpe_ratio", m.sharpe_ratio),
            format_metric("max_drawdown", m.max_drawdown),
            format_metric("trade_count", m.trade_count),
            Text(", ".join(s.tags)),
        )
    if not shown:
        table.caption = "no saved runs" + (f" of {strategy}" if strategy else "")
    elif more:
        table.caption = f"the first {limit} runs; more with --limit"
    console.print(table)


def _cell(section: str, name: str, value: object, currency: str) -> str:
    """One value of `show` or `compare`, written for a person."""
    if section == "metrics":
        return format_metric(name, value, currency=currency)  # type: ignore[arg-type]
    if name == "created_ns" and isinstance(value, int):
        return _created(value)
    if name in ("initial_cash", "final_equity") and isinstance(value, float):
        return f"{value:,.2f} {currency}".rstrip()
    if name == "complete" and isinstance(value, bool):
        return "yes" if value else "no"
    if name == "events" and isinstance(value, int):
        return f"{value:,}"
    if name == "tags" and isinstance(value, tuple | list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, str):
        return value
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def _flatten(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, dict) and value:
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


@app.command("show")
def show(
    run: RunArgument,
    runs: RunsOption = _DEFAULT_RUNS,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one run without its arrays: params, config, metrics, data fidelity, tags."""
    with open_store(runs, database) as store:
        run_id = resolve_run(store, run)
        summary = store.show(run_id)
        fidelity = store.load(run_id).fidelity
    if as_json:
        record = _summary_json(summary) | {
            "created_ns": summary.created_ns,
            "config": summary.config,
            "seed": summary.seed,
            "version": summary.version,
            "data_fingerprint": summary.data_fingerprint,
            "events": summary.events,
            "initial_cash": summary.initial_cash,
            "final_equity": summary.final_equity,
            "fidelity": {
                "statement": fidelity.statement(),
                "real_events": fidelity.real_events,
                "synthetic_events": fidelity.synthetic_events,
                "book_fills": fidelity.book_fills,
                "heuristic_fills": fidelity.heuristic_fills,
                "fills_by_basis": {b.label: n for b, n in sorted(fidelity.fills_by_basis.items())},
            },
        }
        typer.echo(json.dumps(record, default=str))
        return
    currency = _currency(summary)
    facts = Table(title=f"Run {run_id}", title_justify="left", show_header=False)
    facts.add_column("field", style="bold")
    facts.add_column("value")
    status = "yes" if summary.complete else Text("no: interrupted, partial run", style="bold red")
    for name, value in (
        ("strategy", Text(summary.strategy)),
        ("created (UTC)", _created(summary.created_ns)),
        ("complete", status),
        ("events", f"{summary.events:,}"),
        (
            "equity",
            f"{_cell('run', 'initial_cash', summary.initial_cash, currency)} to "
            f"{_cell('run', 'final_equity', summary.final_equity, currency)}",
        ),
        ("seed", str(summary.seed)),
        ("version", summary.version),
        ("data fingerprint", summary.data_fingerprint),
        ("tags", Text(", ".join(summary.tags) or "-")),
        ("data fidelity", Text(fidelity.statement())),
    ):
        facts.add_row(name, value if isinstance(value, Text) else Text(value))
    console.print(facts)
    for title, section, values in (
        ("Parameters", "params", summary.params),
        ("Config", "config", _flatten(summary.config)),
        ("Metrics", "metrics", summary.metrics.to_dict()),
    ):
        table = Table(title=title, title_justify="left")
        table.add_column("name")
        table.add_column("value", justify="right" if section == "metrics" else "left")
        for key, item in values.items():
            table.add_row(Text(key), Text(_cell(section, key, item, currency)))
        if not values:
            table.caption = "none"
        console.print(table)


def _short_ids(ids: list[str]) -> list[str]:
    """The shortest prefixes (8 characters at least) that tell `ids` apart."""
    for length in range(8, 37):
        prefixes = [run_id[:length] for run_id in ids]
        if len(set(prefixes)) == len(set(ids)):
            return prefixes
    return ids  # pragma: no cover - full ids are distinct


@app.command("compare")
def compare(
    run: Annotated[
        list[str],
        typer.Argument(metavar="RUN...", help="Two or more runs (ids, prefixes, latest)."),
    ],
    runs: RunsOption = _DEFAULT_RUNS,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Compare runs side by side: run facts, params, differing config values, metrics."""
    with open_store(runs, database) as store:
        ids = [resolve_run(store, text) for text in run]
        frame: pd.DataFrame = store.compare(ids)
        currencies = {run_id: _currency(store.show(run_id)) for run_id in dict.fromkeys(ids)}
    if as_json:
        rows = [
            {
                "section": section,
                "name": name,
                "values": [_plain(v) for v in frame.loc[(section, name)]],
            }
            for section, name in frame.index
        ]
        typer.echo(json.dumps({"runs": ids, "rows": rows}, default=str))
        return
    table = Table(title="Runs compared", title_justify="left")
    table.add_column("section")
    table.add_column("name")
    for short in _short_ids(ids):
        table.add_column(short, justify="right")
    previous = None
    for section, name in frame.index:
        if previous is not None and section != previous:
            table.add_section()
        previous = section
        values = frame.loc[(section, name)].tolist()
        table.add_row(
            section,
            Text(name),
            *(
                Text(_cell(section, name, v, currencies[i]))
                for v, i in zip(values, ids, strict=True)
            ),
        )
    console.print(table)


@app.command("rm")
def remove(
    run: Annotated[
        list[str], typer.Argument(metavar="RUN...", help="Runs to delete (ids, prefixes, latest).")
    ],
    runs: RunsOption = _DEFAULT_RUNS,
    database: DatabaseOption = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete runs (their row and their folder); asks first unless --yes."""
    with open_store(runs, database) as store:
        ids = list(dict.fromkeys(resolve_run(store, text) for text in run))
        summaries = [store.show(run_id) for run_id in ids]
        for summary in summaries:
            console.print(
                Text(f"{summary.run_id}  {_created(summary.created_ns)}  {summary.strategy}")
            )
        noun = "run" if len(ids) == 1 else "runs"
        if not yes and not typer.confirm(f"Delete {len(ids)} {noun}?", default=False):
            console.print("Nothing deleted.")
            raise typer.Exit(1)
        for run_id in ids:
            store.delete(run_id)
            console.print(f"deleted {run_id}")


def report(
    run: RunArgument,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="HTML file to write (default <runs>/<run id>/report.html)."
        ),
    ] = None,
    open_report: Annotated[
        bool, typer.Option("--open", help="Open the report in a web browser.")
    ] = False,
    title: Annotated[str | None, typer.Option(help="Page title.")] = None,
    runs: RunsOption = _DEFAULT_RUNS,
    database: DatabaseOption = None,
) -> None:
    """Write a saved run's self-contained HTML report and print its path."""
    with open_store(runs, database) as store:
        run_id = resolve_run(store, run)
        result = store.load(run_id)
        metrics = store.show(run_id).metrics  # the saved metrics, as `runs show` prints them
        target = output if output is not None else store.root / run_id / "report.html"
    path = write_report(target, result, metrics, run_id=run_id, title=title)
    typer.echo(str(path))
    if open_report:
        webbrowser.open(path.resolve().as_uri())
