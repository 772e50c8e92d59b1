"""`tickdeck backtest` runs a strategy file over catalog data and reports its metrics."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from tests.conftest import EURUSD, quotes_table

from tickdeck.cli import run
from tickdeck.data.catalog import Catalog

STRATEGY = '''
from tickdeck.strategy import Param, Strategy


class EveryNth(Strategy):
    """Alternates buying and selling every `every` quotes."""

    every = Param(10, minimum=1)

    def on_start(self):
        self.count = 0

    def on_quote(self, quote):
        self.count += 1
        if self.count % self.every == 0:
            if self.position() > 0:
                self.sell(1000)
            else:
                self.buy(1000)
'''


@pytest.fixture
def setup(catalog: Catalog, tmp_path: Path) -> tuple[Catalog, Path]:
    catalog.write(
        "quotes", EURUSD.id, quotes_table(1_704_186_000_000_000_000 + np.arange(500) * 10**9)
    )
    path = tmp_path / "every_nth.py"
    path.write_text(STRATEGY)
    return catalog, path


def argv(catalog: Catalog, path: Path, *extra: str) -> list[str]:
    return ["backtest", f"{path}:EveryNth", "-i", EURUSD.id, "--catalog", str(catalog.root), *extra]


def test_a_run_prints_its_fills_and_metrics(
    setup: tuple[Catalog, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    catalog, path = setup
    assert run(argv(catalog, path, "-p", "every=50", "--json")) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["params"] == {"every": 50}
    assert report["events"] == 500
    assert report["orders"] == 10
    # 1000 against 1-9 displayed: each order walks the top and 4 synthetic levels.
    assert report["fills"] == 50
    assert report["trades"] == 5  # one per buy order closed by a sell order
    assert report["metrics"]["trade_count"] == 5
    assert run(argv(catalog, path, "--fee-bps", "1")) == 0
    out = capsys.readouterr().out
    assert "EveryNth" in out
    assert "Sharpe ratio" in out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("-p", "evry=3"), "did you mean 'every'"),
        (("-p", "every=0"), "at least 1"),
        (("-p", "every"), "NAME=VALUE"),
        (("--queue", "fifo"), "--queue"),
        (("--latency", "soon"), "--latency"),
    ],
)
def test_bad_options_are_clear_errors(
    setup: tuple[Catalog, Path],
    capsys: pytest.CaptureFixture[str],
    extra: tuple[str, ...],
    message: str,
) -> None:
    catalog, path = setup
    assert run(argv(catalog, path, *extra)) == 2
    assert message in capsys.readouterr().err


def test_a_missing_strategy_class_is_named_with_a_suggestion(
    setup: tuple[Catalog, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    catalog, path = setup
    bad = ["backtest", f"{path}:EveryNt", "-i", EURUSD.id, "--catalog", str(catalog.root)]
    assert run(bad) == 2
    assert "did you mean 'EveryNth'" in capsys.readouterr().err
    assert run(["backtest", "nofile.py:X", "-i", EURUSD.id, "--catalog", str(catalog.root)]) == 2
    assert "an existing Python file" in capsys.readouterr().err
