"""`tickdeck strategy ...`: strategies as JSON specs, from English and back.

- ``from-text "..."``: English to a spec, with how each phrase was understood;
- ``explain SPEC.json``: a spec in English;
- ``schema``: the spec's JSON Schema;
- ``validate SPEC.json``: check a spec, listing every problem with its path.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from tickdeck.cli._console import console, err_console
from tickdeck.core import InputError, TickdeckError
from tickdeck.spec import (
    StrategySpec,
    TextResult,
    describe,
    from_text,
    json_schema,
    load_spec,
    spec_parameters,
)

__all__ = ["app"]

app = typer.Typer(
    name="strategy",
    help="Strategies as JSON specs: from English, to English, schema and validation.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _fail(error: TickdeckError) -> typer.Exit:
    """Print a tickdeck error as the main command does, and exit with status 2."""
    err_console.print(f"[bold red]error:[/] {escape(str(error))}", highlight=False)
    return typer.Exit(2)


def _load(path: Path) -> StrategySpec:
    try:
        return load_spec(path)
    except TickdeckError as error:
        raise _fail(error) from None


def _read_text(text: str, backend: str) -> TextResult:
    try:
        if backend not in ("grammar", "llm"):
            raise InputError("--backend", backend, "grammar or llm")
        return from_text(text, backend="llm" if backend == "llm" else "grammar")
    except TickdeckError as error:
        raise _fail(error) from None


SpecArgument = Annotated[Path, typer.Argument(help="A strategy spec (JSON file).")]


@app.command("from-text")
def from_text_command(
    text: Annotated[str, typer.Argument(help="The strategy in English, in quotes.")],
    backend: Annotated[
        str, typer.Option(help="grammar (offline) or llm (TICKDECK_LLM_* variables).")
    ] = "grammar",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the spec to this file.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print only the spec, as JSON (for scripts).")
    ] = False,
) -> None:
    """Turn an English sentence into a validated spec; says how each phrase was read."""
    result = _read_text(text, backend)
    spec_json = result.spec.to_json()
    if output is not None:
        output.write_text(spec_json + "\n", encoding="utf-8")
    if as_json:
        typer.echo(spec_json)
        return
    table = Table(title=f"How the text was read ({result.backend})", show_lines=False)
    table.add_column("phrase", overflow="fold")
    table.add_column("understood as", overflow="fold")
    for item in result.explanations:
        table.add_row(escape(item.phrase or "(default)"), escape(item.meaning))
    console.print(table)
    console.print(f"[bold]In canonical English:[/] {escape(describe(result.spec))}")
    if output is not None:
        console.print(f"spec written to {escape(str(output))}")
    else:
        typer.echo(spec_json)  # plain: JSON must not be wrapped or styled


@app.command("explain")
def explain(spec_file: SpecArgument) -> None:
    """Say in English what a spec does, and list its parameters."""
    spec = _load(spec_file)
    console.print(f"[bold]{escape(spec.name)}[/]")
    if spec.description:
        console.print(escape(spec.description))
    console.print(f"[bold]Rules:[/] {escape(describe(spec))}")
    table = Table(title="Parameters (for sweeps: --param NAME=VALUE)")
    table.add_column("name")
    table.add_column("value")
    table.add_column("meaning")
    for name, param in spec_parameters(spec).items():
        table.add_row(escape(name), escape(repr(param.default)), escape(param.doc))
    console.print(table)


@app.command("schema")
def schema(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the schema to this file.")
    ] = None,
) -> None:
    """Print the JSON Schema of strategy specs (for editors, GUIs and LLMs)."""
    text = json.dumps(json_schema(), indent=2)
    if output is not None:
        output.write_text(text + "\n", encoding="utf-8")
        console.print(f"schema written to {escape(str(output))}")
        return
    typer.echo(text)


@app.command("validate")
def validate(spec_file: SpecArgument) -> None:
    """Check a spec; an invalid one lists every problem with its field path (exit status 2)."""
    spec = _load(spec_file)
    parameters = len(spec_parameters(spec))
    console.print(
        f"{escape(str(spec_file))}: valid spec {escape(spec.name)!r} "
        f"(version {spec.spec_version}, {len(spec.indicators)} indicators, "
        f"{parameters} parameters)"
    )
