"""The Python examples in docs/metrics.md run as written, in order, sharing one namespace."""

from __future__ import annotations

import re
from pathlib import Path

import tickdeck.results

DOC = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"
TEXT = DOC.read_text(encoding="utf-8")
EXAMPLES = re.findall(r"```python\n(.*?)```", TEXT, flags=re.DOTALL)


def test_the_page_has_examples() -> None:
    assert len(EXAMPLES) >= 3


def test_the_examples_run_in_order() -> None:
    namespace: dict[str, object] = {}
    for code in EXAMPLES:
        exec(compile(code, str(DOC), "exec"), namespace)


def test_the_page_lists_every_metric() -> None:
    documented = set(re.findall(r"^\| `(\w+)\(", TEXT, flags=re.MULTILINE))
    functions = {
        name
        for name in tickdeck.results.__all__
        if callable(getattr(tickdeck.results, name)) and name[0].islower()
    }
    helpers = {
        "summary",
        "period_returns",
        "infer_periods_per_year",
        "choose_return_period",
        "per_period_rate",
    }
    assert documented == functions - helpers
