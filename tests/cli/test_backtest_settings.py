"""`tickdeck backtest` reads a TOML config, saves every run, and keeps a run cut short by Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from tests.conftest import EURUSD, quotes_table

from tickdeck.cli import run
from tickdeck.data.catalog import Catalog
from tickdeck.results.store import RunStore

T0 = 1_704_186_000_000_000_000


@pytest.fixture
def loaded(catalog: Catalog) -> Catalog:
    catalog.write("quotes", EURUSD.id, quotes_table(T0 + np.arange(2_000) * 10**9))
    return catalog


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "run.toml"
    path.write_text(text)
    return path


def backtest_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    assert run(["backtest", *argv, "--json"]) == 0
    out: dict[str, object] = json.loads(capsys.readouterr().out)
    return out


CONFIG = f"""
strategy = "sma_crossover"
instruments = ["{EURUSD.id}"]
seed = 3
cash = 50_000

[params]
fast = 5
slow = 20
quantity = 1000

[simulation.fees]
type = "bps"
bps = 1.0

[simulation.latency]
order_entry = "2s"
"""


def test_a_config_file_gives_the_same_run_as_the_same_options(
    loaded: Catalog, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, CONFIG)
    from_file = backtest_json(capsys, "--config", str(config), "-c", str(loaded.root))
    from_options = backtest_json(
        capsys, "sma_crossover", "-i", EURUSD.id, "-c", str(loaded.root), "--seed", "3",
        "--cash", "50000", "-p", "fast=5", "-p", "slow=20", "-p", "quantity=1000",
        "--fee-bps", "1", "--latency", "2s",
    )  # fmt: skip
    assert from_file["fills"]
    assert from_file["fills"] == from_options["fills"]
    assert from_file["metrics"] == from_options["metrics"]
    assert from_file["params"] == from_options["params"]
    assert {"fast": 5, "slow": 20, "quantity": 1000}.items() <= from_file["params"].items()  # type: ignore[attr-defined]


def test_options_override_the_config_file(
    loaded: Catalog, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, CONFIG)
    base = backtest_json(capsys, "--config", str(config), "-c", str(loaded.root))
    wider = backtest_json(capsys, "--config", str(config), "-c", str(loaded.root), "-p", "slow=40")
    assert {"fast": 5, "slow": 40, "quantity": 1000}.items() <= wider["params"].items()  # type: ignore[attr-defined]
    assert wider["orders"] != base["orders"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("strategy = [", "valid TOML"),
        ('instruments = ["X"]\nseed = -1', "seed: got -1, expected at least 0"),
        ("[fills]\nqueue = 'lifo'", "fills.queue"),
        ("[simulation.latency]\norder_entry = 'soon'", "simulation.latency.order_entry"),
        ("cash = 1\nbogus = 2", "expected no field 'bogus' here"),
        ("cash = 'lots'", "cash: got 'lots', expected a number"),
    ],
)
def test_a_bad_config_file_is_named_with_the_bad_key(
    loaded: Catalog,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    text: str,
    message: str,
) -> None:
    config = write_config(tmp_path, text)
    assert run(["backtest", "sma_crossover", "--config", str(config), "-c", str(loaded.root)]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "run.toml" in err or "--config" in err or "command line" in err


def test_every_run_is_saved_with_its_tags_and_can_be_skipped(
    loaded: Catalog, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runs = tmp_path / "runs"
    first = backtest_json(
        capsys, "sma_crossover", "-i", EURUSD.id, "-c", str(loaded.root), "-p", "fast=5",
        "-p", "slow=20", "--tag", "smoke",
    )  # fmt: skip
    backtest_json(capsys, "sma_crossover", "-i", EURUSD.id, "-c", str(loaded.root), "--no-save")
    with RunStore(root=runs) as store:
        [saved] = store.list()
        assert saved.run_id == first["run_id"]
        assert store.show(saved.run_id).tags == ("smoke",)
        result = store.load(saved.run_id)
    assert len(result.fills) == first["fills"]
    assert result.complete


INTERRUPTIBLE = """
import os, time
from pathlib import Path
from tickdeck.strategy import Strategy

class Slow(Strategy):
    def on_start(self):
        self.count = 0

    def on_quote(self, quote):
        self.count += 1
        if self.count == 10:
            self.buy(1000)
        if self.count == 50:
            Path(os.environ["MARKER"]).write_text("50")
        if self.count >= 50:
            time.sleep(0.01)
"""


def test_ctrl_c_keeps_the_partial_run_marked_incomplete(loaded: Catalog, tmp_path: Path) -> None:
    strategy = tmp_path / "slow.py"
    strategy.write_text(INTERRUPTIBLE)
    marker = tmp_path / "marker"
    runs = tmp_path / "runs"
    env = {**os.environ, "MARKER": str(marker), "TICKDECK_RUNS": str(runs)}
    process = subprocess.Popen(
        [sys.executable, "-m", "tickdeck", "backtest", f"{strategy}:Slow", "-i", EURUSD.id,
         "-c", str(loaded.root), "--json"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the strategy never reached its 50th quote"
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    summary = json.loads(out)
    assert summary["complete"] is False
    assert 50 <= summary["events"] < 2_000
    with RunStore(root=runs) as store:
        [saved] = store.list()
        result = store.load(saved.run_id)
    assert not result.complete
    assert result.events == summary["events"]
    assert {f.order_id for f in result.fills} == {1}  # the order before the interruption is kept
    assert result.equity.ts[-1] <= T0 + result.events * 10**9
