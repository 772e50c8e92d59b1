"""The `tickdeck` command: the composition of the command groups, and error handling.

Errors tickdeck raises on purpose (`TickdeckError`) print as one clear line
and exit with status 2; anything else is a bug and shows its traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click
import typer
from rich.markup import escape

from tickdeck import __version__
from tickdeck.cli import backtest, data, demo, replay, runs, strategy, sweep, synth
from tickdeck.cli._console import err_console
from tickdeck.core import TickdeckError

__all__ = ["app", "main", "run"]

app = typer.Typer(
    name="tickdeck",
    help="Backtest trading strategies on tick data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(data.app, name="data")
app.add_typer(strategy.app, name="strategy")
app.add_typer(runs.app, name="runs")
app.add_typer(synth.app, name="synth")
app.command("report")(runs.report)
app.command("replay")(replay.replay)
app.command("backtest")(backtest.backtest)
app.command("sweep")(sweep.sweep)
app.command("demo")(demo.demo)


@app.command("version")
def version() -> None:
    """Print the tickdeck version."""
    typer.echo(__version__)


def run(argv: Sequence[str] | None = None) -> int:
    """Run the CLI on `argv` and return the exit status (used by `main` and the tests)."""
    try:
        result = app(
            args=list(argv) if argv is not None else None,
            prog_name="tickdeck",
            standalone_mode=False,
        )
    except TickdeckError as exc:
        # The message may quote data ("[/b]" in a CSV cell): never read it as markup.
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        return 2
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return int(exc.exit_code)
    except click.exceptions.Abort:
        err_console.print("aborted")
        return 130
    return int(result) if isinstance(result, int) else 0


def main() -> None:
    sys.exit(run())
