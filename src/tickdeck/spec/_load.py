"""Reading a spec from JSON text, a mapping or a file, and the exported JSON Schema."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tickdeck.core import InputError
from tickdeck.spec._errors import SpecError, problems_from
from tickdeck.spec._model import StrategySpec

__all__ = ["json_schema", "load_spec", "parse_spec"]


def parse_spec(data: Mapping[str, Any] | str | bytes, *, source: str = "spec") -> StrategySpec:
    """A validated `StrategySpec` from JSON text or an already decoded mapping.

    Raises `SpecError` listing every problem with its field path, the bad value
    and what was expected; JSON that does not parse is an `InputError` naming
    the line and column.
    """
    if isinstance(data, str | bytes):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise InputError(
                source,
                exc.doc[max(0, exc.pos - 20) : exc.pos + 20],
                f"JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})",
            ) from None
    if not isinstance(data, Mapping):
        raise InputError(source, data, "a JSON object (the strategy spec)")
    try:
        return StrategySpec.model_validate(dict(data))
    except ValidationError as exc:
        raise SpecError(problems_from(exc, StrategySpec), source=source) from None


def load_spec(path: str | Path) -> StrategySpec:
    """The spec saved as JSON at `path`, validated (see `parse_spec`)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(
            "spec file", str(file), "a readable JSON file", hint=exc.strerror
        ) from None
    return parse_spec(text, source=str(file))


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of `StrategySpec`, for editors, GUIs and LLMs."""
    return StrategySpec.model_json_schema()
