"""`tickdeck runs ls|show|compare|rm` and `tickdeck report RUN` over a real run store.

The commands run through `tickdeck.cli._app.run`, the entry point's own error
handling, with an app that registers this module's commands (as `_app` does
once they are wired in): a `TickdeckError` must end as exit status 2 and one
line on stderr.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import typer
from tests.results.report_runs import probe_catalog, probe_run

from tickdeck.cli import _app, runs
from tickdeck.results.report import render_report
from tickdeck.results.store import RunStore

Cli = Callable[..., tuple[int, str, str]]


def compose() -> typer.Typer:
    """The tickdeck app with the run commands registered, as `_app` will register them."""
    app = typer.Typer(name="tickdeck", no_args_is_help=True, add_completion=False)
    app.add_typer(runs.app, name="runs")
    app.command("report")(runs.report)
    return app


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A store of three probe runs, oldest first: complete, interrupted, without orders."""
    folder = tmp_path_factory.mktemp("store")
    catalog = probe_catalog(folder / "catalog")
    root = folder / "runs"
    with RunStore(root=root) as store:
        ids = [
            store.save(probe_run(catalog), tags=["probe", "baseline"]),
            store.save(probe_run(catalog, stop_at=250), tags=["probe"]),
            store.save(probe_run(catalog, trade=False)),
        ]
    return root, ids


@pytest.fixture
def cli(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    saved: tuple[Path, list[str]],
) -> Cli:
    """Run `tickdeck ...` on the saved store; returns (status, stdout, stderr)."""
    monkeypatch.setattr(_app, "app", compose())

    def invoke(
        *argv: str, runs_folder: Path | None = None, stdin: str = ""
    ) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        status = _app.run([*argv, "--runs", str(runs_folder or saved[0])])
        out, err = capsys.readouterr()
        return status, out, err

    return invoke


def test_ls_lists_runs_newest_first_with_their_headline_metrics(
    cli: Cli, saved: tuple[Path, list[str]]
) -> None:
    root, ids = saved
    status, out, _ = cli("runs", "ls", "--json")
    assert status == 0
    listed = json.loads(out)
    assert [r["run_id"] for r in listed] == ids[::-1]
    assert [r["complete"] for r in listed] == [True, False, True]
    assert [r["tags"] for r in listed] == [[], ["probe"], ["probe", "baseline"]]
    with RunStore(root=root) as store:
        for row in listed:
            saved_metrics = store.show(row["run_id"]).metrics
            assert row["metrics"]["total_return"] == saved_metrics.total_return
            assert row["metrics"]["trade_count"] == saved_metrics.trade_count
    status, out, _ = cli("runs", "ls")
    assert status == 0
    for run_id in ids:
        assert run_id in out
    assert "Probe" in out
    assert " no " in out  # the interrupted run


def test_ls_filters_sorts_and_limits(cli: Cli, saved: tuple[Path, list[str]]) -> None:
    _, ids = saved
    status, out, _ = cli("runs", "ls", "--json", "--limit", "1")
    assert status == 0
    assert [r["run_id"] for r in json.loads(out)] == [ids[2]]
    status, out, _ = cli("runs", "ls", "--limit", "1")
    assert "more with --limit" in out
    status, out, _ = cli("runs", "ls", "--json", "--order-by", "trades", "--ascending")
    counts = [r["metrics"]["trade_count"] for r in json.loads(out)]
    assert counts == sorted(counts)
    assert counts[0] == 0
    status, out, _ = cli("runs", "ls", "--json", "--strategy", "Nothing")
    assert json.loads(out) == []


def test_show_prints_everything_but_the_arrays(cli: Cli, saved: tuple[Path, list[str]]) -> None:
    root, ids = saved
    status, out, _ = cli("runs", "show", ids[1], "--json")
    assert status == 0
    shown = json.loads(out)
    with RunStore(root=root) as store:
        loaded = store.load(ids[1])
    assert shown["run_id"] == ids[1]
    assert shown["params"] == loaded.params
    assert shown["config"] == loaded.config
    assert shown["complete"] is False
    assert shown["events"] == loaded.events == 250
    assert shown["fidelity"]["statement"] == loaded.fidelity.statement()
    assert shown["fidelity"]["synthetic_events"] == loaded.synthetic_events
    assert shown["metrics"]["trade_count"] == len(loaded.trades)
    assert "fills" not in shown
    assert "equity" not in shown
    status, out, _ = cli("runs", "show", ids[1])
    assert status == 0
    assert "interrupted" in out
    assert "synthetic" in out  # the fidelity statement
    assert "total_return" in out


def test_a_run_is_named_by_its_id_a_unique_prefix_or_latest(
    cli: Cli, saved: tuple[Path, list[str]]
) -> None:
    _, ids = saved
    for name, expected in (
        (ids[0], ids[0]),
        (ids[0][:-3], ids[0]),
        (ids[1][:-3].upper(), ids[1]),
        ("latest", ids[2]),
        ("last", ids[2]),
    ):
        status, out, _ = cli("runs", "show", name, "--json")
        assert status == 0, name
        assert json.loads(out)["run_id"] == expected, name


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_unknown_or_ambiguous_runs_exit_2_with_one_line_naming_the_candidates(
    cli: Cli, saved: tuple[Path, list[str]], tmp_path: Path
) -> None:
    _, ids = saved
    common = ""
    for chars in zip(*ids, strict=True):
        if len(set(chars)) > 1:
            break
        common += chars[0]
    assert common  # saved within seconds: the ids share their time bits
    status, _, err = cli("runs", "show", common)
    assert status == 2
    line = one_error_line(err)
    assert "matches 3 runs" in line
    for run_id in ids:
        assert run_id in line
    status, _, err = cli("report", "no-such-run")
    assert status == 2
    assert one_error_line(err).startswith("error: RUN: got 'no-such-run'")
    status, _, err = cli("runs", "rm", "latest", "--yes", runs_folder=tmp_path / "empty")
    assert status == 2
    assert "no run is saved" in one_error_line(err)
    status, _, err = cli("runs", "ls", "--order-by", "sharp")
    assert status == 2
    assert "did you mean 'sharpe'" in one_error_line(err)


def test_compare_shows_runs_side_by_side(cli: Cli, saved: tuple[Path, list[str]]) -> None:
    _, ids = saved
    status, out, _ = cli("runs", "compare", ids[0], ids[2], "--json")
    assert status == 0
    compared = json.loads(out)
    assert compared["runs"] == [ids[0], ids[2]]
    rows = {(r["section"], r["name"]): r["values"] for r in compared["rows"]}
    assert rows[("params", "trade")] == [True, False]
    assert rows[("run", "complete")] == [True, True]
    assert rows[("metrics", "trade_count")][1] == 0
    assert rows[("metrics", "win_rate")][1] is None  # NaN without trades
    assert not [key for key in rows if key[0] == "config"]  # the same config: nothing differs
    status, out, _ = cli("runs", "compare", ids[0][:-3], "latest")
    assert status == 0
    assert "trade_count" in out
    assert "params" in out
    status, _, err = cli("runs", "compare", ids[0], ids[0][:-2])
    assert status == 2
    assert "each run id once" in one_error_line(err)


def test_rm_asks_first_and_deletes_only_what_was_confirmed(
    tmp_path: Path, cli: Cli, saved: tuple[Path, list[str]]
) -> None:
    root = tmp_path / "runs"
    catalog = probe_catalog(tmp_path / "catalog")
    with RunStore(root=root) as store:
        first = store.save(probe_run(catalog), tags=["[red]alarm[/red]"])
        second = store.save(probe_run(catalog))
    status, out, _ = cli("runs", "ls", runs_folder=root)
    assert "[red]alarm[/red]" in out  # user text is never read as markup
    status, out, _ = cli("runs", "rm", first, runs_folder=root, stdin="n\n")
    assert status == 1
    assert "Nothing deleted" in out
    assert (root / first).is_dir()
    status, out, _ = cli("runs", "rm", first[:-3], runs_folder=root, stdin="y\n")
    assert status == 0
    assert f"deleted {first}" in out
    assert not (root / first).exists()
    status, out, _ = cli("runs", "rm", "latest", "--yes", runs_folder=root)
    assert status == 0
    assert "Delete" not in out  # no question asked
    with RunStore(root=root) as store:
        assert store.list() == []
    assert not (root / second).exists()


def test_report_writes_the_page_beside_the_run_and_prints_its_path(
    cli: Cli, saved: tuple[Path, list[str]], tmp_path: Path
) -> None:
    root, ids = saved
    status, out, _ = cli("report", ids[0][:-4])
    assert status == 0
    path = Path(out.strip())
    assert path == root / ids[0] / "report.html"
    with RunStore(root=root) as store:
        expected = render_report(store.load(ids[0]), store.show(ids[0]).metrics, run_id=ids[0])
    assert path.read_text(encoding="utf-8") == expected
    chosen = tmp_path / "out" / "mine.html"
    status, out, _ = cli("report", "latest", "--output", str(chosen), "--title", "Flat run")
    assert status == 0
    assert Path(out.strip()) == chosen
    assert "<title>Flat run</title>" in chosen.read_text(encoding="utf-8")


RUNNER = """
import sys
import typer
from tickdeck.cli import _app, runs

app = typer.Typer()
app.add_typer(runs.app, name="runs")
app.command("report")(runs.report)
_app.app = app
sys.exit(_app.run(sys.argv[1:]))
"""


def test_report_open_hands_the_file_to_the_web_browser(
    saved: tuple[Path, list[str]], tmp_path: Path
) -> None:
    root, ids = saved
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\nprintf "%s" "$1" > "{opened}"\n')
    browser.chmod(0o755)
    target = tmp_path / "opened.html"
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, "report", ids[1], "-o", str(target), "--open"],
        env=os.environ | {"BROWSER": str(browser), "TICKDECK_RUNS": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert opened.read_text() == target.resolve().as_uri()
    assert "Incomplete run" in target.read_text(encoding="utf-8")
