"""`tickdeck replay`: stream catalog data in time order, as fast as possible or paced."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from tickdeck.cli._console import CatalogOption, console
from tickdeck.core import DataKind, InputError, format_timestamp, parse_timestamp
from tickdeck.data.catalog import Catalog
from tickdeck.feed import Pacer, Replay

__all__ = ["replay"]


def replay(
    instruments: Annotated[list[str], typer.Argument(help="Instrument ids, e.g. EURUSD.DUKA.")],
    catalog: CatalogOption = Path("catalog"),
    kind: Annotated[
        list[str] | None, typer.Option("--kind", "-k", help="Kinds to replay (repeat).")
    ] = None,
    start: Annotated[str | None, typer.Option(help="First time (ISO 8601).")] = None,
    end: Annotated[str | None, typer.Option(help="End time, exclusive.")] = None,
    speed: Annotated[
        float | None, typer.Option(help="Pace at this multiple of real time (default: max).")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Stop after this many events.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the summary.")] = False,
) -> None:
    """Replay instruments as one stream ordered by receive time."""
    if limit is not None and limit <= 0:
        raise InputError("--limit", limit, "a positive number of events")
    kinds = [DataKind.parse(k, field="--kind") for k in (kind or ["quotes"])]
    feed = Replay(
        Catalog(catalog),
        instruments,
        kinds=kinds,
        start=parse_timestamp(start, field="--start") if start else None,
        end=parse_timestamp(end, field="--end") if end else None,
    )
    pacer = Pacer(speed) if speed is not None else None
    count = 0
    first = last = None
    started = time.perf_counter()
    for event in feed.events(pacer=pacer):
        if not quiet:
            console.print(f"{format_timestamp(event.ts_recv)} {event}", soft_wrap=True)
        first = first if first is not None else event.ts_recv
        last = event.ts_recv
        count += 1
        if limit is not None and count >= limit:
            break
    seconds = time.perf_counter() - started
    span = (
        ""
        if first is None or last is None
        else f" from {format_timestamp(first)} to {format_timestamp(last)}"
    )
    console.print(
        f"{count:,} events{span} in {seconds:.3f}s "
        f"({count / max(seconds, 1e-9) / 1e6:.2f}M events/s)"
    )
