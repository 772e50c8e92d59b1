"""The portfolio package exports a small, explicit API, and imports only core and numpy."""

from __future__ import annotations

import ast
from pathlib import Path

import tickdeck.portfolio

PACKAGE = Path(tickdeck.portfolio.__file__).parent


def test_every_exported_name_exists_and_is_public() -> None:
    exported = tickdeck.portfolio.__all__
    assert len(exported) == len(set(exported))
    assert {"Portfolio", "ClosedLot", "FillEffect", "EquityRecorder", "EquityCurve"} <= set(
        exported
    )
    for name in exported:
        assert hasattr(tickdeck.portfolio, name), name
        assert not name.startswith("_")


def test_the_layer_imports_only_core_numpy_and_pandas_for_its_helper() -> None:
    allowed = {"__future__", "collections", "dataclasses", "math", "re", "types", "typing"}
    allowed |= {"numpy", "pandas", "tickdeck.core", "tickdeck.portfolio"}
    for module in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                assert any(name == a or name.startswith(a + ".") for a in allowed), (
                    f"{module.name} imports {name}"
                )
