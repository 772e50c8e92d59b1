"""The template package: its registry, declared parameters, docstrings, imports and docs page."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import tickdeck.strategy.templates as templates
from tickdeck.core import InputError
from tickdeck.strategy import Strategy
from tickdeck.strategy.templates import TEMPLATES

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "src" / "tickdeck" / "strategy" / "templates"
DOC = ROOT / "docs" / "templates.md"
EXAMPLES = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)
ALLOWED_IMPORTS = ("tickdeck.core", "tickdeck.strategy")


def test_the_registry_names_every_template_once() -> None:
    assert list(TEMPLATES) == [
        "sma_crossover",
        "rsi_mean_reversion",
        "bollinger_breakout",
        "time_series_momentum",
        "pairs_trading",
        "market_maker",
    ]
    assert len(set(TEMPLATES.values())) == len(TEMPLATES)
    assert all(issubclass(cls, Strategy) for cls in TEMPLATES.values())
    exported = {name for name in templates.__all__ if name != "TEMPLATES"}
    assert exported == {cls.__name__ for cls in TEMPLATES.values()}
    assert all(getattr(templates, name) is not None for name in templates.__all__)


@pytest.mark.parametrize("cls", TEMPLATES.values(), ids=TEMPLATES.keys())
def test_every_template_states_its_rule_and_documents_its_parameters(
    cls: type[Strategy],
) -> None:
    doc = cls.__doc__ or ""
    assert "**Reacts to**" in doc
    assert "**Sizing**" in doc
    specs = cls.parameters()
    assert specs
    for name, spec in specs.items():
        assert spec.doc, f"{cls.__name__}.{name} has no doc"
        assert spec.type in (int, float, bool, str)
        assert spec.check(spec.default) == spec.default  # defaults are valid values


@pytest.mark.parametrize("cls", TEMPLATES.values(), ids=TEMPLATES.keys())
def test_unknown_parameters_are_rejected_with_a_suggestion(cls: type[Strategy]) -> None:
    name = max(cls.parameters(), key=len)
    typo = name[:-2] + name[-1]  # one letter dropped
    with pytest.raises(InputError) as caught:
        cls(_NoContext(), {typo: 1})
    assert name in str(caught.value)


class _NoContext:
    """Enough of a context to build a strategy: parameters are checked before it is used."""


def test_templates_import_only_the_core_and_the_strategy_layer() -> None:
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                module = node.module
            elif isinstance(node, ast.Import):
                module = node.names[0].name
            else:
                continue
            if module.startswith("tickdeck"):
                assert module.startswith(ALLOWED_IMPORTS), f"{path.name} imports {module}"
            else:
                assert module.split(".")[0] in ("__future__", "collections", "math"), module


def test_templates_stay_small() -> None:
    for path in PACKAGE.glob("*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 500, path.name


def test_the_docs_page_has_a_section_per_template_with_its_parameters() -> None:
    text = DOC.read_text(encoding="utf-8")
    for key, cls in TEMPLATES.items():
        heading = re.search(rf"^## .*`{cls.__name__}`", text, flags=re.MULTILINE)
        assert heading, f"no section for {cls.__name__}"
        section = text[heading.end() :].split("\n## ", 1)[0]
        assert f'"{key}"' in section
        for name in cls.parameters():
            assert f"`{name}`" in section, f"{cls.__name__}: `{name}` not in its section"


def test_the_docs_page_has_a_runnable_example() -> None:
    assert EXAMPLES


@pytest.mark.parametrize("code", EXAMPLES)
def test_docs_examples_run(code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    exec(compile(code, str(DOC), "exec"), {})
