"""The consoles the CLI prints to, and the options every command shares."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

__all__ = ["CatalogOption", "console", "err_console"]


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
