"""Walk-forward: optimise on each training window, run the winner on the window after it."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from tests.conftest import EURUSD
from tests.sweep.sweep_helpers import DAY, MINUTE, T0, assert_same, outcomes

from tickdeck.core import InputError
from tickdeck.data.catalog import Catalog
from tickdeck.engine import BacktestConfig, run_backtest
from tickdeck.results.store import RunStore
from tickdeck.spec import resolve_strategy
from tickdeck.sweep import Sweep, SweepResult, WalkForward, run_sweep

CONFIG = BacktestConfig(instruments=(EURUSD.id,), seed=1)
HALF_DAY = DAY // 2
#: The catalog's last quote is at T0 + 3 days - 1 minute: the data ends 1 ns after it.
DATA_END = T0 + 3 * DAY - MINUTE + 1


def sweep(plan: WalkForward) -> Sweep:
    return Sweep(
        "sma_crossover", CONFIG, {"fast": [5, 10], "slow": [30]}, metric="total_return",
        walk_forward=plan,
    )  # fmt: skip


@pytest.fixture(scope="module")
def walked(
    tmp_path_factory: pytest.TempPathFactory, sweep_catalog: Catalog
) -> tuple[SweepResult, Path]:
    root = tmp_path_factory.mktemp("walk") / "runs"
    with RunStore(root=root) as store:
        result = run_sweep(
            sweep(WalkForward(DAY, HALF_DAY)), sweep_catalog, store=store, executor="serial"
        )
    return result, root


def test_folds_roll_forward_and_test_right_after_training(
    walked: tuple[SweepResult, Path],
) -> None:
    result, _ = walked
    windows = [f.window for f in result.folds]
    assert [w.fold for w in windows] == [0, 1, 2, 3]
    for w in windows:
        assert w.train_start_ns == T0 + w.fold * HALF_DAY
        assert w.train_end_ns - w.train_start_ns == DAY
        assert w.test_start_ns == w.train_end_ns  # no gap, no overlap with training
    for before, after in itertools.pairwise(windows):
        assert before.test_end_ns == after.test_start_ns  # test windows tile the data
    assert windows[-1].test_end_ns == DATA_END  # the last one is cut at the end of the data


def test_each_run_replays_only_its_window(walked: tuple[SweepResult, Path]) -> None:
    result, root = walked
    with RunStore(root=root) as store:
        for fold in result.folds:
            w = fold.window
            assert len(fold.trials) == 2
            for trial in fold.trials:
                config = store.show(trial.run_id or "").config
                assert (config["start"], config["end"]) == (w.train_start_ns, w.train_end_ns)
                tags = store.show(trial.run_id or "").tags
                assert tags[2:] == (f"fold:{w.fold}", "in-sample")
            assert fold.test is not None
            assert fold.best is not None
            test = store.show(fold.test.run_id or "")
            assert (test.config["start"], test.config["end"]) == (w.test_start_ns, w.test_end_ns)
            assert test.tags[2:] == (f"fold:{w.fold}", "out-of-sample")
            assert fold.test.out_of_sample
            assert fold.test.fold == w.fold
            assert fold.test.params == fold.best.params  # the in-sample winner, unchanged
            assert fold.best.value == max(t.value for t in fold.trials)


def test_a_test_run_is_the_winner_run_alone_on_the_test_window(
    walked: tuple[SweepResult, Path], sweep_catalog: Catalog
) -> None:
    result, root = walked
    fold = result.folds[1]
    assert fold.test is not None
    config = BacktestConfig(
        instruments=CONFIG.instruments,
        seed=CONFIG.seed,
        start=fold.window.test_start_ns,
        end=fold.window.test_end_ns,
    )
    alone = run_backtest(sweep_catalog, resolve_strategy("sma_crossover"), config, fold.test.params)
    with RunStore(root=root) as store:
        assert_same(alone, store.load(fold.test.run_id or ""))
    assert fold.test.metrics is not None
    assert fold.test.value == fold.test.metrics.total_return


def test_out_of_sample_results_are_the_test_runs_joined(walked: tuple[SweepResult, Path]) -> None:
    result, root = walked
    oos = result.out_of_sample
    assert oos is not None
    assert oos.metrics is not None
    assert result.trials == ()  # in-sample trials rank within their fold only
    assert oos.folds == (0, 1, 2, 3)
    assert oos.run_ids == tuple(f.test.run_id for f in result.folds if f.test)
    with RunStore(root=root) as store:
        tests = [store.load(run_id or "") for run_id in oos.run_ids]
    assert np.array_equal(oos.ts_ns, np.concatenate([t.equity.ts for t in tests]))
    assert np.all(np.diff(oos.ts_ns) >= 0)
    assert oos.ts_ns[0] >= result.folds[0].window.test_start_ns  # nothing from training
    cash = tests[0].initial_cash
    profit = sum(float(t.equity.equity[-1]) - t.initial_cash for t in tests)
    assert oos.equity[0] == pytest.approx(cash)
    assert oos.equity[-1] == pytest.approx(cash + profit)
    assert oos.metrics.total_return == pytest.approx(profit / cash)
    assert oos.metrics.trade_count == sum(len(t.trades) for t in tests)


def test_local_processes_walk_forward_as_a_serial_sweep_does(
    walked: tuple[SweepResult, Path], sweep_catalog: Catalog
) -> None:
    result, _ = walked
    local = run_sweep(sweep(WalkForward(DAY, HALF_DAY)), sweep_catalog, executor="local", workers=2)
    assert outcomes(local) == outcomes(result)
    assert local.out_of_sample is not None
    assert result.out_of_sample is not None
    assert local.out_of_sample.equity.tobytes() == result.out_of_sample.equity.tobytes()


def test_an_anchored_walk_trains_from_the_start_and_steps_can_skip(
    sweep_catalog: Catalog,
) -> None:
    plan = WalkForward(DAY, HALF_DAY, step_ns=DAY, anchored=True)
    result = run_sweep(sweep(plan), sweep_catalog, executor="serial")
    windows = [f.window for f in result.folds]
    assert [w.train_start_ns for w in windows] == [T0, T0]
    assert [w.train_end_ns for w in windows] == [T0 + DAY, T0 + 2 * DAY]
    assert [w.test_end_ns for w in windows] == [T0 + DAY + HALF_DAY, T0 + 2 * DAY + HALF_DAY]


def test_the_sweep_start_and_end_bound_the_folds(sweep_catalog: Catalog) -> None:
    config = BacktestConfig(instruments=CONFIG.instruments, start=T0 + DAY, end=T0 + 2 * DAY)
    plan = WalkForward(HALF_DAY, HALF_DAY)
    result = run_sweep(
        Sweep("sma_crossover", config, {"fast": [5]}, walk_forward=plan), sweep_catalog,
        executor="serial",
    )  # fmt: skip
    assert [(f.window.train_start_ns, f.window.test_end_ns) for f in result.folds] == [
        (T0 + DAY, T0 + 2 * DAY)
    ]


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        (lambda: WalkForward(DAY, HALF_DAY, step_ns=HALF_DAY // 2), "test some data twice"),
        (lambda: WalkForward(0, HALF_DAY), "a positive duration"),
        (lambda: WalkForward(3 * DAY, HALF_DAY), "to leave a test window"),
    ],
)
def test_impossible_walks_are_refused(sweep_catalog: Catalog, plan: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        run_sweep(sweep(plan()), sweep_catalog, executor="serial")  # type: ignore[operator]
