"""Strategies as data: the JSON strategy spec, what compiles it, and English to spec and back.

- `StrategySpec`: the pydantic model, versioned (`SPEC_VERSION`), with its
  JSON Schema from `json_schema()`; `parse_spec` / `load_spec` validate JSON
  and raise `SpecError` naming each bad field's path, value and expectation.
- `compile_strategy(spec)`: a `Strategy` class for the event-driven engine,
  whose parameters are the spec's numbers; `backtest_config` and `run_spec`
  turn its data and simulation sections into a run.
- `template_spec(name)`: the engine's templates as shipped JSON specs.
- `from_text(text)`: English to spec with a grammar (offline) or an
  OpenAI-compatible model; `describe(spec)`: spec to English.

docs/spec.md describes the fields, the English the grammar reads, and the limits.
"""

from __future__ import annotations

from typing import Literal

from tickdeck.core import InputError
from tickdeck.spec._compile import SpecStrategy, compile_strategy
from tickdeck.spec._config import backtest_config, run_spec
from tickdeck.spec._describe import describe
from tickdeck.spec._english import parse_text
from tickdeck.spec._errors import SpecError
from tickdeck.spec._kernel import compiled_unsupported, run_spec_compiled
from tickdeck.spec._llm import parse_text_with_llm
from tickdeck.spec._load import json_schema, load_spec, parse_spec
from tickdeck.spec._model import SPEC_VERSION, SideRules, StrategySpec
from tickdeck.spec._parameters import spec_parameters, with_parameters
from tickdeck.spec._run_file import RunFile, load_run_file, parse_run_file, resolve_strategy
from tickdeck.spec._templates import UNEXPRESSIBLE_TEMPLATES, template_names, template_spec
from tickdeck.spec._text import Explanation, TextError, TextProblem, TextResult

__all__ = [
    "SPEC_VERSION",
    "UNEXPRESSIBLE_TEMPLATES",
    "Explanation",
    "RunFile",
    "SideRules",
    "SpecError",
    "SpecStrategy",
    "StrategySpec",
    "TextError",
    "TextProblem",
    "TextResult",
    "backtest_config",
    "compile_strategy",
    "compiled_unsupported",
    "describe",
    "from_text",
    "json_schema",
    "load_run_file",
    "load_spec",
    "parse_run_file",
    "parse_spec",
    "resolve_strategy",
    "run_spec",
    "run_spec_compiled",
    "spec_parameters",
    "template_names",
    "template_spec",
    "with_parameters",
]


def from_text(text: str, *, backend: Literal["grammar", "llm"] = "grammar") -> TextResult:
    """The spec `text` describes, with how each phrase was understood.

    ``backend="grammar"`` (the default) works offline and reads the English of
    docs/spec.md, raising `TextError` for any part it cannot read.
    ``backend="llm"`` asks the OpenAI-compatible API configured by
    ``TICKDECK_LLM_BASE_URL``, ``TICKDECK_LLM_MODEL`` and ``TICKDECK_LLM_API_KEY``
    and validates its answer against the schema (`SpecError` if invalid).
    """
    if backend == "grammar":
        return parse_text(text)
    if backend == "llm":
        return parse_text_with_llm(text)
    raise InputError("backend", backend, "'grammar' or 'llm'")
