"""docs/spec.md: its Python example runs, and every English example in its tables is read."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tickdeck.spec import from_text

DOC = (Path(__file__).resolve().parents[2] / "docs" / "spec.md").read_text()


def test_the_python_example_runs() -> None:
    [block] = re.findall(r"```python\n(.*?)```", DOC, re.DOTALL)
    exec(compile(block, "docs/spec.md", "exec"), {})


def table_examples(first_column: tuple[str, ...]) -> list[tuple[str, str]]:
    found = []
    for line in DOC.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 2 and cells[0] in first_column:
            found += [(cells[0], example) for example in re.findall(r"`([^`]+)`", cells[1])]
    return found


OPERANDS = ("averages", "oscillators", "bands, volatility", "others", "chained")
CLAUSES = ("risk", "sizing", "data, instrument", "execution", "costs")


@pytest.mark.parametrize(("row", "example"), table_examples(OPERANDS))
def test_every_operand_example_is_read(row: str, example: str) -> None:
    text = f"on 1-minute bars built from trades, buy when {example} is above 1"
    spec = from_text(text).spec
    assert spec.indicators, f"{row}: {example!r} named no indicator"


@pytest.mark.parametrize(("row", "example"), table_examples(CLAUSES))
def test_every_clause_example_is_read(row: str, example: str) -> None:
    rule = "buy when the price is above 1"
    needs_stop = ", stop loss 1%" if example.startswith("risk") else ""
    needs_tick = ", tick size 0.01" if "limit orders" in example else ""
    from_text(f"{rule}, {example}{needs_stop}{needs_tick}")
