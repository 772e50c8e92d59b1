"""A sweep runs each trial as a single backtest would, saves it, ranks it, survives failures."""

from __future__ import annotations

import itertools
import math
import multiprocessing
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import EURUSD
from tests.sweep.sweep_helpers import assert_same, outcomes

from tickdeck.core import InputError
from tickdeck.data.catalog import Catalog
from tickdeck.engine import BacktestConfig, run_backtest
from tickdeck.results.analysis import run_metrics
from tickdeck.results.store import RunStore
from tickdeck.spec import resolve_strategy, template_spec
from tickdeck.sweep import (
    GridSearch,
    OptunaSearch,
    RandomSearch,
    Range,
    Sweep,
    Trial,
    TrialStatus,
    run_sweep,
)
from tickdeck.sweep._executors import open_executor
from tickdeck.sweep._worker import Failure, Success, Task

CONFIG = BacktestConfig(instruments=(EURUSD.id,), seed=3)
GRID = Sweep(
    "sma_crossover",
    CONFIG,
    {"fast": [5, 10, 15], "slow": Range(20, 40, step=20)},
    metric="total_return",
    params={"quantity": 2000},
)


def test_a_grid_runs_every_combination_once_and_ranks_them(
    sweep_catalog: Catalog, runs_root: Path
) -> None:
    with RunStore(root=runs_root) as store:
        result = run_sweep(GRID, sweep_catalog, store=store, executor="serial")
    by_number = sorted(result.trials, key=lambda t: t.number)
    expected = [
        {"quantity": 2000, "fast": fast, "slow": slow}
        for fast, slow in itertools.product([5, 10, 15], [20, 40])
    ]
    assert [t.params for t in by_number] == expected  # first parameter varies slowest
    assert all(t.status is TrialStatus.OK and t.error is None for t in result.trials)
    values = [t.value for t in result.trials]
    assert values == sorted(values, reverse=True)  # best first
    assert result.best is result.trials[0]
    for trial in result.trials:
        assert trial.metrics is not None
        assert trial.value == trial.metrics.total_return
    assert len({t.value for t in result.trials}) > 1  # the parameters matter on this data


def test_a_trial_is_the_run_its_parameters_give_alone(
    sweep_catalog: Catalog, runs_root: Path
) -> None:
    with RunStore(root=runs_root) as store:
        result = run_sweep(GRID, sweep_catalog, store=store, executor="serial")
        trial = result.trials[-1]
        assert trial.run_id is not None
        saved = store.load(trial.run_id)
    alone = run_backtest(sweep_catalog, resolve_strategy("sma_crossover"), CONFIG, trial.params)
    assert_same(alone, saved)
    assert_same(run_metrics(alone), trial.metrics)


def test_the_same_sweep_twice_gives_the_same_ranked_trials(sweep_catalog: Catalog) -> None:
    first = run_sweep(GRID, sweep_catalog, executor="serial")
    second = run_sweep(GRID, sweep_catalog, executor="serial")
    assert outcomes(first) == outcomes(second)
    assert first.sweep_id != second.sweep_id


def test_local_processes_find_what_a_serial_sweep_finds(
    sweep_catalog: Catalog, runs_root: Path
) -> None:
    serial = run_sweep(GRID, sweep_catalog, executor="serial")
    with RunStore(root=runs_root) as store:
        local = run_sweep(GRID, sweep_catalog, store=store, executor="local", workers=2)
        saved = store.load(local.trials[0].run_id or "")
    assert outcomes(local) == outcomes(serial)
    params = local.trials[0].params
    alone = run_backtest(sweep_catalog, resolve_strategy("sma_crossover"), CONFIG, params)
    assert_same(alone, saved)


def test_every_run_is_saved_with_the_sweep_and_trial_tags(
    sweep_catalog: Catalog, runs_root: Path
) -> None:
    with RunStore(root=runs_root) as store:
        result = run_sweep(GRID, sweep_catalog, store=store, tags=["nightly"], executor="serial")
        saved = {s.run_id: s for s in store.list()}
    assert set(saved) == {t.run_id for t in result.trials}
    for trial in result.trials:
        summary = saved[trial.run_id or ""]
        assert summary.tags == (f"sweep:{result.sweep_id}", f"trial:{trial.number}", "nightly")
        assert summary.params["fast"] == trial.params["fast"]
        assert_same(trial.metrics, summary.metrics)


def test_a_failing_trial_is_recorded_with_its_error_and_the_sweep_goes_on(
    sweep_catalog: Catalog, flaky_strategy: str, runs_root: Path
) -> None:
    sweep = Sweep(
        flaky_strategy,
        CONFIG,
        {"every": [30, 60], "fail_at": [0, 100]},
        metric="total_return",
    )
    with RunStore(root=runs_root) as store:
        result = run_sweep(sweep, sweep_catalog, store=store, executor="local", workers=2)
        saved = store.list()
    failed = {t.number for t in result.failed}
    assert failed == {1, 3}  # fail_at=100 raises on the 100th quote
    for trial in result.failed:
        assert trial.status is TrialStatus.FAILED
        assert trial.run_id is None
        assert math.isnan(trial.value)
        assert trial.metrics is None
        assert trial.error is not None
        assert trial.error.startswith("ZeroDivisionError: quote number fail_at")
        assert "flaky.py" in trial.error
        assert "on_quote" in trial.error
    assert [t.status for t in result.trials[-2:]] == [TrialStatus.FAILED] * 2  # ranked last
    assert len(saved) == 2
    assert {s.params["every"] for s in saved} == {30, 60}


def test_a_worker_that_dies_fails_its_batch_and_the_next_batch_gets_new_workers(
    sweep_catalog: Catalog, flaky_strategy: str
) -> None:
    def task(exit_at: int) -> Task:
        params: dict[str, object] = {"every": 30, "exit_at": exit_at}
        return Task(str(sweep_catalog.root), flaky_strategy, CONFIG, params)

    pool = open_executor("local", workers=1)
    try:
        first = dict(pool.run([task(100)]))
        second = dict(pool.run([task(0)]))
    finally:
        pool.close()
    assert isinstance(first[0], Failure)
    assert "a worker process died" in first[0].error
    assert isinstance(second[0], Success)
    assert second[0].result.params["exit_at"] == 0


def test_parameters_the_strategy_refuses_fail_only_their_trial(sweep_catalog: Catalog) -> None:
    sweep = Sweep("sma_crossover", CONFIG, {"fast": [10, 30], "slow": [20]})
    result = run_sweep(sweep, sweep_catalog, executor="serial")
    assert [t.params["fast"] for t in result.failed] == [30]
    assert "fewer quotes than slow" in (result.failed[0].error or "")
    assert result.best is not None
    assert result.best.params["fast"] == 10


def test_random_search_is_reproducible_with_its_seed(sweep_catalog: Catalog) -> None:
    space = {"fast": Range(2, 15), "slow": Range(20, 60, step=5), "allow_short": None}

    def sweep(seed: int) -> Sweep:
        return Sweep("sma_crossover", CONFIG, space, RandomSearch(5, seed=seed))

    first = run_sweep(sweep(7), sweep_catalog, executor="serial")
    again = run_sweep(sweep(7), sweep_catalog, executor="serial")
    other = run_sweep(sweep(8), sweep_catalog, executor="serial")
    assert outcomes(first) == outcomes(again)
    points = [t.params for t in sorted(first.trials, key=lambda t: t.number)]
    assert points != [t.params for t in sorted(other.trials, key=lambda t: t.number)]
    for point in points:
        assert isinstance(point["fast"], int)
        assert 2 <= point["fast"] <= 15
        assert point["slow"] in range(20, 61, 5)
        assert point["allow_short"] in (True, False)


def test_optuna_runs_its_trials_and_reports_the_best_it_saw(
    sweep_catalog: Catalog, runs_root: Path
) -> None:
    sweep = Sweep(
        "sma_crossover",
        CONFIG,
        {"fast": Range(2, 12), "slow": Range(15, 60)},
        OptunaSearch(n_trials=6, seed=5, batch_size=3),
        metric="max_drawdown",
        maximize=False,
    )
    with RunStore(root=runs_root) as store:
        result = run_sweep(sweep, sweep_catalog, store=store, executor="serial")
        assert len(store.list()) == 6
    again = run_sweep(sweep, sweep_catalog, executor="local", workers=2)
    assert outcomes(again) == outcomes(result)
    assert sorted(t.number for t in result.trials) == list(range(6))
    best = result.best
    assert best is not None
    assert best.value == min(t.value for t in result.trials if t.ok)
    assert best.metrics is not None
    assert best.value == best.metrics.max_drawdown


def test_a_spec_strategy_sweeps_its_numbers(sweep_catalog: Catalog, tmp_path: Path) -> None:
    path = tmp_path / "cross.json"
    path.write_text(template_spec("sma_crossover").model_dump_json(), encoding="utf-8")
    sweep = Sweep(str(path), CONFIG, {"fast.period": [5, 8], "slow.period": [30]})
    local = run_sweep(sweep, sweep_catalog, executor="local", workers=2)
    serial = run_sweep(sweep, sweep_catalog, executor="serial")
    assert outcomes(local) == outcomes(serial)
    assert {t.params["fast.period"] for t in local.trials} == {5, 8}
    assert all(t.ok for t in local.trials)


def test_ctrl_c_stops_the_sweep_and_keeps_what_finished(
    sweep_catalog: Catalog, runs_root: Path
) -> None:
    seen: list[Trial] = []

    def interrupt_after_first(trial: Trial, done: int, planned: int) -> None:
        seen.append(trial)
        if done == 1:
            os.kill(os.getpid(), signal.SIGINT)

    with RunStore(root=runs_root) as store:
        result = run_sweep(
            GRID, sweep_catalog, store=store, executor="local", workers=2,
            progress=interrupt_after_first,
        )  # fmt: skip
        saved = [s.run_id for s in store.list()]
    assert result.interrupted
    assert 1 <= len(result.trials) < 6
    assert {t.run_id for t in result.trials} == {t.run_id for t in seen}
    assert set(saved) == {t.run_id for t in result.trials}
    assert multiprocessing.active_children() == []  # the workers were stopped


def test_ctrl_c_during_a_serial_trial_drops_that_partial_run(
    sweep_catalog: Catalog, flaky_strategy: str, runs_root: Path
) -> None:
    sweep = Sweep(flaky_strategy, CONFIG, {"interrupt_at": [0, 50], "every": [20, 40]})
    with RunStore(root=runs_root) as store:
        result = run_sweep(sweep, sweep_catalog, store=store, executor="serial")
        saved = store.list()
    assert result.interrupted
    kept = sorted(result.trials, key=lambda t: t.number)
    assert [t.params for t in kept] == [
        {"interrupt_at": 0, "every": 20},
        {"interrupt_at": 0, "every": 40},
    ]  # the third trial was cut short, the fourth never started
    assert {s.run_id for s in saved} == {t.run_id for t in kept}  # no partial run kept


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"space": {"fats": [5]}}, "did you mean 'fast'"),
        ({"space": {"fast": [0]}}, "at least 1"),
        ({"space": {"fast": Range(5.5, 9)}}, "whole-number bounds"),
        ({"space": {"fast": Range(9, 5)}}, "low <= high"),
        ({"space": {"fast": None}}, "declares no minimum and maximum"),
        ({"space": {"fast": "10"}}, "one value is ['10']"),
        ({"space": {}}, "at least one parameter"),
        ({"params": {"quantty": 5}}, "did you mean 'quantity'"),
        ({"metric": "sharpe"}, "did you mean 'sharpe_ratio'"),
    ],
)
def test_bad_definitions_fail_before_any_run(
    sweep_catalog: Catalog, change: dict[str, object], message: str
) -> None:
    fields = {"strategy": "sma_crossover", "config": CONFIG, "space": {"fast": [5]}} | change
    with pytest.raises(InputError) as error:
        run_sweep(Sweep(**fields), sweep_catalog, executor="serial")  # type: ignore[arg-type]
    assert message in str(error.value)


def test_an_instrument_the_catalog_lacks_is_named(sweep_catalog: Catalog) -> None:
    config = BacktestConfig(instruments=("EURUSD.DUK",))
    with pytest.raises(InputError, match=re.escape("did you mean 'EURUSD.DUKA'")):
        run_sweep(Sweep("sma_crossover", config, {"fast": [5]}), sweep_catalog)


def test_a_class_loaded_from_a_file_must_travel_by_reference(
    sweep_catalog: Catalog, flaky_strategy: str
) -> None:
    cls = resolve_strategy(flaky_strategy)
    sweep = Sweep(cls, CONFIG, {"every": [30]})
    with pytest.raises(InputError, match=re.escape("file.py:Flaky")):
        run_sweep(sweep, sweep_catalog, executor="local", workers=1)
    assert run_sweep(sweep, sweep_catalog, executor="serial").trials[0].ok


def test_a_local_sweep_imports_neither_ray_nor_optuna(sweep_catalog: Catalog) -> None:
    code = (
        "import sys\n"
        "from tickdeck.engine import BacktestConfig\n"
        "from tickdeck.sweep import Sweep, run_sweep\n"
        "if __name__ == '__main__':\n"
        f"    config = BacktestConfig(instruments=({EURUSD.id!r},))\n"
        "    sweep = Sweep('sma_crossover', config, {'fast': [5, 10]})\n"
        f"    result = run_sweep(sweep, {str(sweep_catalog.root)!r}, workers=2)\n"
        "    assert all(t.ok for t in result.trials), result\n"
        "    print(sorted(m for m in ('ray', 'optuna') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    assert done.stdout.strip() == "[]"


def test_grid_search_is_the_default(sweep_catalog: Catalog) -> None:
    sweep = Sweep("sma_crossover", CONFIG, {"fast": [4, 6]})
    assert sweep.search == GridSearch()
    assert len(run_sweep(sweep, sweep_catalog, executor="serial").trials) == 2
