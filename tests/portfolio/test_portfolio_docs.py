"""The Python examples in docs/portfolio.md run as written, in order, sharing one namespace."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "portfolio.md"
EXAMPLES = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)


def test_the_page_has_examples() -> None:
    assert len(EXAMPLES) >= 4


def test_the_examples_run_in_order(capsys: pytest.CaptureFixture[str]) -> None:
    namespace: dict[str, object] = {}
    for code in EXAMPLES:
        exec(compile(code, str(DOC), "exec"), namespace)
    assert "equity" in capsys.readouterr().out
