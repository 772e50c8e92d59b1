"""Sweeps on a real local Ray instance find exactly what a serial sweep finds.

One Ray instance serves the module (starting one takes seconds); the caller
started it, so every sweep here uses it and leaves it running.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import EURUSD
from tests.sweep.sweep_helpers import DAY, assert_same, outcomes

from tickdeck.data.catalog import Catalog
from tickdeck.engine import BacktestConfig, run_backtest
from tickdeck.results.store import RunStore
from tickdeck.spec import resolve_strategy
from tickdeck.sweep import OptunaSearch, Range, Sweep, WalkForward, run_sweep

CONFIG = BacktestConfig(instruments=(EURUSD.id,), seed=2)


@pytest.fixture(scope="module")
def ray_instance(ray_temp: Path) -> Iterator[Any]:
    import ray

    ray.init(address="local", num_cpus=2, include_dashboard=False, logging_level=logging.ERROR)
    try:
        yield ray
    finally:
        ray.shutdown()


def test_ray_workers_find_what_a_serial_sweep_finds(
    ray_instance: Any, sweep_catalog: Catalog, runs_root: Path
) -> None:
    sweep = Sweep("sma_crossover", CONFIG, {"fast": [5, 10, 30], "slow": [20, 40]})
    serial = run_sweep(sweep, sweep_catalog, executor="serial")
    with RunStore(root=runs_root) as store:
        on_ray = run_sweep(sweep, sweep_catalog, store=store, executor="ray")
        best = on_ray.trials[0]
        saved = store.load(best.run_id or "")
        assert len(store.list()) == 5  # every finished run, from the parent process
    assert outcomes(on_ray) == outcomes(serial)
    assert [t.params for t in on_ray.failed] == [{"fast": 30, "slow": 20}]
    alone = run_backtest(sweep_catalog, resolve_strategy("sma_crossover"), CONFIG, best.params)
    assert_same(alone, saved)
    assert ray_instance.is_initialized()  # the caller's instance is left to the caller


def test_a_strategy_file_its_failures_and_optuna_travel_to_ray(
    ray_instance: Any, sweep_catalog: Catalog, flaky_strategy: str
) -> None:
    sweep = Sweep(
        flaky_strategy,
        CONFIG,
        {"every": Range(10, 200), "fail_at": [0, 500]},
        OptunaSearch(n_trials=6, seed=3, batch_size=3),
        metric="total_return",
    )
    on_ray = run_sweep(sweep, sweep_catalog, executor="ray")
    serial = run_sweep(sweep, sweep_catalog, executor="serial")
    assert outcomes(on_ray) == outcomes(serial)
    assert len(on_ray.trials) == 6
    assert on_ray.failed
    assert on_ray.best is not None
    for trial in on_ray.trials:
        assert trial.ok == (trial.params["fail_at"] == 0)
    for trial in on_ray.failed:
        assert (trial.error or "").startswith("ZeroDivisionError: quote number fail_at")


def test_a_walk_forward_on_ray_is_the_serial_walk_forward(
    ray_instance: Any, sweep_catalog: Catalog
) -> None:
    sweep = Sweep(
        "sma_crossover", CONFIG, {"fast": [5, 10], "slow": [30]},
        walk_forward=WalkForward(DAY, DAY),
    )  # fmt: skip
    on_ray = run_sweep(sweep, sweep_catalog, executor="ray")
    serial = run_sweep(sweep, sweep_catalog, executor="serial")
    assert outcomes(on_ray) == outcomes(serial)
    assert on_ray.out_of_sample is not None
    assert serial.out_of_sample is not None
    assert on_ray.out_of_sample.equity.tobytes() == serial.out_of_sample.equity.tobytes()
