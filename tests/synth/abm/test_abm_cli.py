"""`tickdeck synth abm` writes the agent-based market into the catalog, marked synthetic."""

from __future__ import annotations

from pathlib import Path

import pytest

from tickdeck.cli import run
from tickdeck.data.catalog import Catalog

ARGS = ["--tick-size", "0.01", "--currency", "USD", "--asset-class", "equity"]


def simulate(root: Path, *extra: str) -> int:
    return run(
        ["synth", "abm", "-i", "ABM.SIM", "-c", str(root), "--duration", "20s", *ARGS, *extra]
    )


def test_the_market_lands_in_the_catalog_as_synthetic_data(tmp_path: Path) -> None:
    assert simulate(tmp_path / "cat", "--seed", "5") == 0
    catalog = Catalog(tmp_path / "cat")
    parts = catalog.partitions(instrument_id="ABM.SIM-SYN")
    kinds = {p.kind.label for p in parts}
    assert kinds == {"order_events", "trades", "quotes", "book_deltas", "book_snapshots"}
    assert all(p.rows > 0 and p.synthetic_rows == p.rows for p in parts)


def test_the_same_seed_writes_the_same_rows(tmp_path: Path) -> None:
    assert simulate(tmp_path / "a", "--seed", "5") == 0
    assert simulate(tmp_path / "b", "--seed", "5") == 0
    assert simulate(tmp_path / "c", "--seed", "6") == 0
    read = {
        name: Catalog(tmp_path / name).read("trades", "ABM.SIM-SYN") for name in ("a", "b", "c")
    }
    assert read["a"].equals(read["b"])
    assert not read["a"].equals(read["c"])


def test_a_bad_agent_config_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "agents.json"
    config.write_text('{"noise": {"limit_rate_per_s": -1}}')
    assert simulate(tmp_path / "cat", "--config", str(config)) == 2
    assert "noise.limit_rate_per_s" in capsys.readouterr().err
    config.write_text('{"noise": ')
    assert simulate(tmp_path / "cat", "--config", str(config)) == 2
    assert "line 1" in capsys.readouterr().err
