"""The consoles the CLI prints to, and the options every command shares."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

__all__ = ["CatalogOption", "console", "err_console"]

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

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
