"""`tickdeck sweep`: the space from options, a progress bar, a ranked table, JSON, clear errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from rich.markup import escape
from tests.conftest import EURUSD

from tickdeck.cli._console import err_console
from tickdeck.cli.sweep import sweep
from tickdeck.core import TickdeckError
from tickdeck.data.catalog import Catalog
from tickdeck.results.store import RunStore


def cli(*args: str) -> int:
    """The command as `tickdeck.cli.run` runs it: a TickdeckError is one line and status 2."""
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command("sweep")(sweep)
    try:
        app(args=list(args), prog_name="tickdeck sweep", standalone_mode=False)
    except TickdeckError as exc:
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        return 2
    except typer.Exit as exc:
        return int(exc.exit_code)
    return 0


def base(catalog: Catalog, *extra: str) -> list[str]:
    return ["sma_crossover", "-c", str(catalog.root), "-i", EURUSD.id, *extra]


def json_out(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_a_grid_from_the_command_line_is_ranked_and_saved(
    sweep_catalog: Catalog, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = base(sweep_catalog, "--grid", "fast=5,10", "--grid", "slow=20:40:20", "--json")
    assert cli(*args, "--metric", "total_return", "--executor", "serial", "--tag", "cli") == 0
    report = json_out(capsys)
    assert report["metric"] == "total_return"
    assert report["maximize"] is True
    assert sorted((t["params"]["fast"], t["params"]["slow"]) for t in report["trials"]) == [
        (5, 20), (5, 40), (10, 20), (10, 40),
    ]  # fmt: skip
    values = [t["value"] for t in report["trials"]]
    assert values == sorted(values, reverse=True)
    with RunStore(root=tmp_path / "runs") as store:  # TICKDECK_RUNS, set by tests/conftest.py
        saved = {s.run_id: s.tags for s in store.list()}
    assert set(saved) == {t["run_id"] for t in report["trials"]}
    assert all(f"sweep:{report['sweep_id']}" in tags and "cli" in tags for tags in saved.values())


def test_the_table_ranks_trials_and_lists_failures_with_their_errors(
    sweep_catalog: Catalog, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = base(sweep_catalog, "--grid", "fast=10,30", "--grid", "slow=20,40", "--workers", "2")
    assert cli(*args, "--metric", "max_drawdown", "--minimize", "--top", "2") == 0
    out = capsys.readouterr().out
    assert "Top 2 by max_drawdown (min)" in out
    assert "4 runs, 3 ok, 1 failed" in out
    failures = out.split("1 failed:", 1)[1]
    assert "trial 2 {'fast': 30, 'slow': 20}" in failures
    assert "fewer quotes than slow" in failures
    with RunStore(root=tmp_path / "runs") as store:
        ranked = [s.run_id for s in store.list(order_by="max_drawdown", descending=False)]
    table = out.split("Top 2", 1)[1].split("1 failed:", 1)[0]
    assert len(ranked) == 3
    assert ranked[0] in table
    assert ranked[1] in table
    assert ranked[2] not in table
    assert table.index(ranked[0]) < table.index(ranked[1])


def test_settings_come_from_the_config_file_and_options_override_it(
    sweep_catalog: Catalog, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "run.toml"
    config.write_text(
        f'strategy = "sma_crossover"\ninstruments = ["{EURUSD.id}"]\nseed = 4\n'
        "[params]\nquantity = 3000\nslow = 40\n",
        encoding="utf-8",
    )
    args = ["--config", str(config), "-c", str(sweep_catalog.root), "--executor", "serial"]
    assert cli(*args, "--random", "3", "--range", "fast=2:30", "--json") == 0
    report = json_out(capsys)
    assert len(report["trials"]) == 3
    for trial in report["trials"]:
        assert trial["params"]["quantity"] == 3000
        assert trial["params"]["slow"] == 40
        assert 2 <= trial["params"]["fast"] <= 30
    assert cli(*args, "--grid", "fast=5", "-p", "quantity=1000", "--json") == 0
    assert json_out(capsys)["trials"][0]["params"] == {"quantity": 1000, "slow": 40, "fast": 5}


def test_optuna_and_walk_forward_from_the_command_line(
    sweep_catalog: Catalog, capsys: pytest.CaptureFixture[str]
) -> None:
    args = base(sweep_catalog, "--executor", "serial", "--json")
    assert cli(*args, "--optuna", "4", "--range", "fast=2:15", "--batch-size", "2") == 0
    assert len(json_out(capsys)["trials"]) == 4
    walk = ["--grid", "fast=5,10", "--grid", "slow=30", "--walk-forward", "train=1d,test=12h"]
    assert cli(*args, *walk) == 0
    report = json_out(capsys)
    assert report["trials"] == []
    assert [f["fold"] for f in report["folds"]] == [0, 1, 2, 3]
    for fold in report["folds"]:
        assert fold["test_start_ns"] == fold["train_end_ns"]
        assert fold["test"]["out_of_sample"] is True
        assert fold["test"]["params"] == fold["trials"][0]["params"]
    assert report["out_of_sample"]["folds"] == [0, 1, 2, 3]
    assert report["out_of_sample"]["metrics"]["sharpe_ratio"] is not None
    assert cli(*base(sweep_catalog, "--executor", "serial"), *walk) == 0
    out = capsys.readouterr().out
    assert "Walk-forward by sharpe_ratio" in out
    assert "out of sample (4 folds joined)" in out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--grid", "fats=5,10"), "did you mean 'fast'"),
        (("--grid", "fast=5:x"), "'x' is not a number"),
        (("--grid", "fast=5:9:2:1"), "NAME=LOW:HIGH"),
        (("--grid", "fast="), "NAME=A,B,C"),
        (("--grid", "fast=5", "--grid", "fast=6"), "each parameter once"),
        (("--grid", "fast=5", "--metric", "sharpe"), "did you mean 'sharpe_ratio'"),
        (("--grid", "fast=5", "--metric", "sharp"), "one of total_return, annual_return"),
        (("--range", "fast=2:9", "--random", "3", "--optuna", "3"), "not both"),
        ((), "at least one --grid"),
        (("--grid", "fast=5", "--executor", "dask"), "local, ray or serial"),
        (("--grid", "fast=5", "--address", "127.0.0.1:1"), "unless the executor is ray"),
        (("--grid", "fast=5", "--walk-forward", "train=1d"), "train=DURATION,test=DURATION"),
        (("--grid", "fast=5", "--walk-forward", "train=1d,test=soon"), "--walk-forward test"),
        (("--grid", "fast=5", "-p", "quantty=5"), "did you mean 'quantity'"),
        (("--grid", "fast=0.5:1:0.1"), "whole-number bounds"),
    ],
)
def test_bad_input_is_a_clear_error(
    sweep_catalog: Catalog,
    capsys: pytest.CaptureFixture[str],
    extra: tuple[str, ...],
    message: str,
) -> None:
    assert cli(*base(sweep_catalog, "--executor", "serial"), *extra) == 2
    assert message in capsys.readouterr().err


def test_a_missing_catalog_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["sma_crossover", "-c", str(tmp_path / "none"), "-i", EURUSD.id, "--grid", "fast=5"]
    assert cli(*args) == 2
    assert "a folder holding a catalog" in capsys.readouterr().err
