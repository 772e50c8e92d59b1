"""The consoles the CLI prints to, and the options every command shares."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from tickdeck.results.store import RunStore

__all__ = ["CatalogOption", "DatabaseOption", "RunsOption", "console", "err_console", "open_store"]


def _width(stream: object) -> int | None:
    # Piped or redirected output has no width to fit: keep tables whole
    # rather than cut at Rich's default of 80 columns.
    isatty = getattr(stream, "isatty", None)
    return None if callable(isatty) and isatty() else 160


console = Console(highlight=False, width=_width(sys.stdout))
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

CatalogOption = Annotated[
    Path,
    typer.Option(
        "--catalog",
        "-c",
        envvar="TICKDECK_CATALOG",
        help="Catalog folder (env TICKDECK_CATALOG).",
        show_default=True,
    ),
]

RunsOption = Annotated[
    Path,
    typer.Option(
        "--runs",
        envvar="TICKDECK_RUNS",
        help="Run store folder: the run arrays, and the SQLite database unless --database "
        "(env TICKDECK_RUNS).",
        show_default=True,
    ),
]

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database",
        envvar="TICKDECK_DATABASE_URL",
        help="Run store database URL, e.g. postgresql+psycopg://user@host/db "
        "(env TICKDECK_DATABASE_URL; default SQLite in the --runs folder).",
    ),
]


def open_store(runs: Path, database: str | None) -> RunStore:
    """The run store the shared options name."""
    return RunStore(database, root=runs)
