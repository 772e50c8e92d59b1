"""docs/spec-compiled.md: its Python example runs, and the doc names what the subset refuses."""

from __future__ import annotations

import re
from pathlib import Path

from tickdeck.spec import compiled_unsupported, parse_spec, template_spec

DOC = (Path(__file__).resolve().parents[2] / "docs" / "spec-compiled.md").read_text()


def test_the_python_example_runs() -> None:
    [block] = re.findall(r"```python\n(.*?)```", DOC, re.DOTALL)
    exec(compile(block, "docs/spec-compiled.md", "exec"), {})


def test_every_refusal_the_code_can_give_is_in_the_doc() -> None:
    spec = template_spec("sma_crossover").model_dump(mode="json")
    spec["data"] = {"type": "trades"}
    spec["simulation"] = {
        "slippage": {"type": "square_root"},
        "latency": {"market_data": {"type": "uniform", "low_ns": 0, "high_ns": 5}},
    }
    problems = compiled_unsupported(parse_spec(spec))
    assert len(problems) == 3
    for needle in ("trades", "uniform", "square_root", "default_volume", "lognormal"):
        assert needle in DOC
