"""The results layer exports a small, explicit API and imports only core, numpy and pandas."""

from __future__ import annotations

import ast
import importlib
import inspect
import sys
from pathlib import Path

import pytest

import tickdeck.results
import tickdeck.results.metrics

SOURCE = Path(tickdeck.results.__file__).parent
ALLOWED = ("tickdeck.core", "tickdeck.results", "numpy", "pandas", "pyarrow", "sqlalchemy")

METRICS = {
    "total_return",
    "annual_return",
    "annual_volatility",
    "sharpe_ratio",
    "sortino_ratio",
    "max_drawdown",
    "max_drawdown_duration_ns",
    "calmar_ratio",
    "win_rate",
    "profit_factor",
    "expectancy",
    "average_win",
    "average_loss",
    "trade_count",
    "time_in_market",
    "turnover",
    "limit_fill_rate",
    "average_slippage_bps",
    "average_latency_ns",
}


@pytest.mark.parametrize("name", ["tickdeck.results", "tickdeck.results.metrics"])
def test_every_exported_name_exists_and_is_public(name: str) -> None:
    module = importlib.import_module(name)
    exported = module.__all__
    assert len(exported) == len(set(exported))
    for symbol in exported:
        assert hasattr(module, symbol), f"{name}.{symbol}"
        assert not symbol.startswith("_")


def test_every_metric_of_the_specification_is_exported_with_a_summary() -> None:
    assert METRICS | {"summary", "Metrics"} <= set(tickdeck.results.__all__)
    run_records = {"RunResult", "RoundTrip", "EquityArrays", "PriceMarks", "Fidelity"}
    assert set(tickdeck.results.__all__) - run_records <= set(tickdeck.results.metrics.__all__)


@pytest.mark.parametrize("name", sorted(METRICS))
def test_every_metric_states_its_formula_and_edge_cases(name: str) -> None:
    doc = inspect.getdoc(getattr(tickdeck.results, name)) or ""
    assert "``" in doc, "a formula in the docstring"
    assert any(word in doc for word in ("NaN", "0.0", " 0 ", "0 without", "inf")), "edge values"


def test_the_layer_imports_only_core_numpy_and_pandas() -> None:
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                allowed = module.startswith(ALLOWED) or top in sys.stdlib_module_names
                assert allowed, f"{path.name} imports {module}"
