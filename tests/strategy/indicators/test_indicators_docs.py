"""The Python examples in docs/indicators.md run as written, each on its own."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[3] / "docs" / "indicators.md"
EXAMPLES = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)


def test_the_page_has_examples() -> None:
    assert len(EXAMPLES) >= 4


@pytest.mark.parametrize("code", EXAMPLES)
def test_example_runs(code: str) -> None:
    exec(compile(code, str(DOC), "exec"), {})


def test_the_page_lists_every_public_name() -> None:
    import tickdeck.strategy.indicators

    text = DOC.read_text(encoding="utf-8")
    missing = [name for name in tickdeck.strategy.indicators.__all__ if f"`{name}" not in text]
    assert not missing
