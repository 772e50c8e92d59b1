"""Shared fixtures: small real catalogs on disk."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import settings
from tests.postgres_server import postgres_server

from tickdeck.core import Instrument
from tickdeck.data.catalog import Catalog

# Property tests run on every CI build: keep each one quick, and deterministic.
settings.register_profile("tickdeck", max_examples=40, deadline=None, derandomize=True)
settings.load_profile("tickdeck")

EURUSD = Instrument("EURUSD", "DUKA", "0.00001", asset_class="fx")
ACME = Instrument("ACME", "XNAS", "0.01")


def quotes_table(ts: np.ndarray, *, seed: int = 0, base_ticks: int = 110_000) -> pa.Table:
    """Quotes at the given receive times, on EURUSD's grid, with ts_event == ts_recv."""
    rng = np.random.default_rng(seed)
    n = ts.size
    bid = base_ticks + rng.integers(-50, 50, n)
    ask = bid + rng.integers(1, 5, n)
    return pa.table(
        {
            "ts_event": ts.astype(np.int64),
            "ts_recv": ts.astype(np.int64),
            "bid_price": EURUSD.ticks_to_prices(bid),
            "ask_price": EURUSD.ticks_to_prices(ask),
            "bid_size": rng.integers(1, 10, n).astype(np.float64),
            "ask_size": rng.integers(1, 10, n).astype(np.float64),
        }
    )


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    cat = Catalog(tmp_path / "catalog")
    cat.add_instrument(EURUSD)
    cat.add_instrument(ACME)
    return cat


@pytest.fixture
def make_quotes() -> Callable[..., pa.Table]:
    return quotes_table


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A real PostgreSQL database for this test process (see tests/postgres_server.py)."""
    with postgres_server() as url:
        yield url


@pytest.fixture(autouse=True)
def _private_run_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands that save runs save them under the test's folder, never in the checkout."""
    monkeypatch.setenv("TICKDECK_RUNS", str(tmp_path / "runs"))
    monkeypatch.delenv("TICKDECK_DATABASE_URL", raising=False)
