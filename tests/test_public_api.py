"""The public API is small, explicit, and every exported name exists."""

from __future__ import annotations

import importlib
import importlib.metadata

import pytest

PACKAGES = [
    "tickdeck",
    "tickdeck.core",
    "tickdeck.data",
    "tickdeck.data.catalog",
    "tickdeck.data.cleaning",
    "tickdeck.data.ingest",
    "tickdeck.data.resample",
    "tickdeck.feed",
    "tickdeck.execution",
    "tickdeck.portfolio",
    "tickdeck.strategy",
    "tickdeck.results",
    "tickdeck.engine",
    "tickdeck.synth",
    "tickdeck.synth.abm",
    "tickdeck.spec",
    "tickdeck.sweep",
    "tickdeck.cli",
]


@pytest.mark.parametrize("name", PACKAGES)
def test_every_exported_name_exists_and_is_public(name: str) -> None:
    module = importlib.import_module(name)
    exported = module.__all__
    assert len(exported) == len(set(exported)), "duplicates in __all__"
    for symbol in exported:
        assert hasattr(module, symbol), f"{name}.{symbol}"
        assert not symbol.startswith("_") or symbol == "__version__"


def test_the_top_level_api_is_the_one_a_user_needs_first() -> None:
    import tickdeck

    assert {"Catalog", "Instrument", "Replay", "ingest", "query"} <= set(tickdeck.__all__)
    assert tickdeck.__version__ == importlib.metadata.version("tickdeck")
