"""`Sweep` (what to try) and `run_sweep` (try it, save every run, rank the trials).

The parent process chooses the points, sends each trial to the executor as a
small `Task`, and records outcomes as they arrive: it computes the objective,
saves the run in the store tagged with the sweep, and reports progress. Only
the parent writes to the store, so a SQLite store never sees concurrent
writers. A failed trial is recorded with its error and the sweep goes on;
Ctrl-C stops it, keeping every trial that finished.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from tickdeck.core import InputError
from tickdeck.core.errors import suggest
from tickdeck.data.catalog import Catalog
from tickdeck.engine import BacktestConfig
from tickdeck.results.metrics import Metrics
from tickdeck.results.run import RunResult
from tickdeck.results.store import RunStore, new_run_id
from tickdeck.strategy.params import bind, parameters
from tickdeck.sweep._executors import ExecutorName, TrialExecutor, open_executor
from tickdeck.sweep._result import Fold, SweepResult, Trial, TrialStatus, rank
from tickdeck.sweep._search import (
    GridSearch,
    OptunaSearch,
    Proposer,
    RandomSearch,
    Search,
    proposer,
)
from tickdeck.sweep._space import Dimension, Domain, Point, resolve_space
from tickdeck.sweep._walk import WalkForward, Window, combine, data_span, windows
from tickdeck.sweep._worker import (
    Failure,
    Outcome,
    StrategyReference,
    Task,
    portable,
    resolve,
)

__all__ = ["METRICS", "ProgressCallback", "Sweep", "run_sweep"]

#: The metrics a sweep can rank by: the fields of `Metrics`.
METRICS: tuple[str, ...] = tuple(f.name for f in fields(Metrics))


def _metric_hint(name: str) -> str:
    """The closest metric name to `name`, or the list of them."""
    return suggest(name, METRICS) or "one of " + ", ".join(METRICS)


#: Called after each trial with the trial, how many are done, and how many are planned.
ProgressCallback = Callable[[Trial, int, int], None]


@dataclass(frozen=True)
class Sweep:
    """A sweep: a strategy, the runs' config, the space to search, and how to judge runs.

    Attributes:
        strategy: A template name, ``file.py:Class``, ``module:Class``, a spec
            ``.json`` file, a `StrategySpec`, or a `Strategy` class (for the
            ``local`` executor, one importable by name).
        config: The backtest config every run uses (a walk-forward narrows its
            start and end to each window).
        space: Parameter name to a list of values, a `Range`, or None for
            the parameter's declared range or choices.
        search: `GridSearch()` (default), `RandomSearch(n, seed)` or
            `OptunaSearch(n_trials, seed)`.
        metric: The `Metrics` field to rank by.
        maximize: Larger is better (False for e.g. ``max_drawdown``).
        params: Fixed parameters for every run (swept values take precedence).
        walk_forward: Optimise per training window and test out of sample.
    """

    strategy: StrategyReference
    config: BacktestConfig
    space: Mapping[str, Domain]
    search: Search = field(default_factory=GridSearch)
    metric: str = "sharpe_ratio"
    maximize: bool = True
    params: Mapping[str, object] = field(default_factory=dict)
    walk_forward: WalkForward | None = None

    def __post_init__(self) -> None:
        if self.metric not in METRICS:
            raise InputError("metric", self.metric, "a metric name", hint=_metric_hint(self.metric))
        if not isinstance(self.search, GridSearch | RandomSearch | OptunaSearch):
            raise InputError(
                "search", self.search, "GridSearch(), RandomSearch(n) or OptunaSearch(n_trials)"
            )
        if not isinstance(self.config, BacktestConfig):
            raise InputError("config", self.config, "a BacktestConfig")
        if not isinstance(self.space, Mapping):
            raise InputError("space", self.space, "a mapping of parameter name to values")


@dataclass(frozen=True, slots=True)
class _Job:
    params: Point
    config: BacktestConfig
    fold: int | None
    out_of_sample: bool


class _Runner:
    """The state of one sweep in progress: numbering, recording, saving, progress."""

    def __init__(
        self,
        sweep: Sweep,
        strategy_name: str,
        catalog_root: str,
        reference: StrategyReference,
        fixed: Point,
        pool: TrialExecutor,
        store: RunStore | None,
        tags: list[str],
        progress: ProgressCallback | None,
    ) -> None:
        self.sweep = sweep
        self.sweep_id = new_run_id()
        self.strategy_name = strategy_name
        self.catalog_root = catalog_root
        self.reference = reference
        self.fixed = fixed
        self.pool = pool
        self.store = store
        self.tags = tags
        self.progress = progress
        self.planned = 0
        self.numbers = 0
        self.done = 0
        self.trials: dict[int | None, list[Trial]] = {}
        self.tests: dict[int, Trial] = {}
        self.test_runs: dict[int, tuple[RunResult, str | None]] = {}

    def search(self, chosen: Proposer, config: BacktestConfig, fold: int | None) -> None:
        """Ask, run and tell batch after batch until the search has no more points."""
        while points := chosen.ask():
            trials = self.evaluate([_Job(p, config, fold, False) for p in points])
            chosen.tell([t.value if t.ok else None for t in trials])

    def evaluate(self, jobs: Sequence[_Job]) -> list[Trial]:
        """Run `jobs`; their trials in job order (numbered in that order too)."""
        first = self.numbers
        self.numbers += len(jobs)
        tasks = [
            Task(self.catalog_root, self.reference, job.config, {**self.fixed, **job.params})
            for job in jobs
        ]
        trials: dict[int, Trial] = {}
        with closing(self.pool.run(tasks)) as outcomes:
            for index, outcome in outcomes:
                if isinstance(outcome, Failure) or outcome.result.complete:
                    trials[index] = self.record(first + index, tasks[index], jobs[index], outcome)
                else:
                    # Only Ctrl-C cuts a run short (in this process: the serial executor).
                    raise KeyboardInterrupt
        return [trials[i] for i in range(len(jobs))]

    def record(self, number: int, task: Task, job: _Job, outcome: Outcome) -> Trial:
        params = dict(task.params)
        if isinstance(outcome, Failure):
            trial = Trial(
                number, params, TrialStatus.FAILED, math.nan, None, None, outcome.error,
                job.fold, job.out_of_sample,
            )  # fmt: skip
        else:
            value = getattr(outcome.metrics, self.sweep.metric)
            run_id = None
            if self.store is not None:
                run_id = self.store.save(
                    outcome.result, metrics=outcome.metrics, tags=self._tags(number, job)
                )
            trial = Trial(
                number, params, TrialStatus.OK, math.nan if value is None else float(value),
                outcome.metrics, run_id, None, job.fold, job.out_of_sample,
            )  # fmt: skip
            if job.out_of_sample and job.fold is not None:
                self.test_runs[job.fold] = (outcome.result, run_id)
        if job.out_of_sample and job.fold is not None:
            self.tests[job.fold] = trial
        else:
            self.trials.setdefault(job.fold, []).append(trial)
        self.done += 1
        if self.progress is not None:
            self.progress(trial, self.done, self.planned)
        return trial

    def _tags(self, number: int, job: _Job) -> list[str]:
        tags = [f"sweep:{self.sweep_id}", f"trial:{number}"]
        if job.fold is not None:
            tags += [f"fold:{job.fold}", "out-of-sample" if job.out_of_sample else "in-sample"]
        return tags + self.tags

    def result(self, folds: Sequence[Window] | None, interrupted: bool) -> SweepResult:
        maximize = self.sweep.maximize
        if folds is None:
            trials = rank(self.trials.get(None, []), maximize=maximize)
            return SweepResult(
                self.sweep_id, self.strategy_name, self.sweep.metric, maximize, trials,
                interrupted=interrupted,
            )  # fmt: skip
        done = [
            Fold(w, rank(self.trials.get(w.fold, []), maximize=maximize), self.tests.get(w.fold))
            for w in folds
            if w.fold in self.trials or w.fold in self.tests
        ]
        runs = [(fold, run, run_id) for fold, (run, run_id) in self.test_runs.items()]
        return SweepResult(
            self.sweep_id, self.strategy_name, self.sweep.metric, maximize, (), tuple(done),
            combine(runs), interrupted,
        )  # fmt: skip


def _fixed(cls: type, params: Mapping[str, object], dimensions: Sequence[Dimension]) -> Point:
    bind(cls, params)  # unknown names, with a suggestion, and bad values, by name
    specs = parameters(cls)
    swept = {d.name for d in dimensions}
    return {name: specs[name].check(v) for name, v in params.items() if name not in swept}


def run_sweep(
    sweep: Sweep,
    catalog: Catalog | str | os.PathLike[str],
    *,
    store: RunStore | None = None,
    tags: Iterable[str] = (),
    executor: ExecutorName = "local",
    workers: int | None = None,
    address: str | None = None,
    progress: ProgressCallback | None = None,
) -> SweepResult:
    """Run every trial of `sweep` over `catalog` and rank them by the sweep's metric.

    Args:
        sweep: What to try.
        catalog: The catalog, or its folder; workers open it by path.
        store: Where to save every finished run, tagged ``sweep:<id>``,
            ``trial:<n>`` (and ``fold:<k>`` with ``in-sample`` or
            ``out-of-sample`` in a walk-forward) plus `tags`; None saves nothing.
        tags: Extra tags for every saved run.
        executor: ``local`` (a process pool, default), ``ray`` or ``serial``.
        workers: Processes, or a local Ray instance's CPUs (default: all CPUs).
        address: A Ray cluster's ``HOST:PORT`` (``ray`` only).
        progress: Called after every trial (see `ProgressCallback`).

    Raises:
        InputError: An unknown parameter or metric, a bad domain, a strategy
            that cannot be loaded, an instrument the catalog lacks, or no
            walk-forward fold fitting the data. Failed trials do not raise.
    """
    root = Path(catalog.root if isinstance(catalog, Catalog) else catalog).resolve()
    opened = Catalog(root)
    for instrument in sweep.config.instruments:
        opened.instrument(instrument)  # an unknown one fails here, once, with a suggestion
    extra = list(tags)
    if isinstance(tags, str) or not all(isinstance(t, str) and t for t in extra):
        raise InputError("tags", tags, "non-empty strings")
    cls = resolve(sweep.strategy)
    dimensions = resolve_space(sweep.space, parameters(cls), cls.__name__)
    fixed = _fixed(cls, sweep.params, dimensions)
    folds = None
    if sweep.walk_forward is not None:
        folds = windows(sweep.walk_forward, *data_span(opened, sweep.config))
    reference = portable(sweep.strategy, pickled=executor != "serial")
    proposers = [
        proposer(sweep.search, dimensions, maximize=sweep.maximize)
        for _ in (folds if folds is not None else [None])
    ]
    pool = open_executor(executor, workers=workers, address=address)
    runner = _Runner(sweep, cls.__name__, str(root), reference, fixed, pool, store, extra, progress)
    runner.planned = sum(p.planned for p in proposers) + (len(folds) if folds else 0)
    interrupted = False
    try:
        if folds is None:
            runner.search(proposers[0], sweep.config, None)
        else:
            for window, chosen in zip(folds, proposers, strict=True):
                train = replace(sweep.config, start=window.train_start_ns, end=window.train_end_ns)
                runner.search(chosen, train, window.fold)
            tests = []
            for window in folds:
                best = rank(runner.trials.get(window.fold, []), maximize=sweep.maximize)
                if best and best[0].ok:
                    test = replace(sweep.config, start=window.test_start_ns, end=window.test_end_ns)
                    swept = {k: v for k, v in best[0].params.items() if k not in fixed}
                    tests.append(_Job(swept, test, window.fold, True))
            runner.planned = runner.done + len(tests)
            runner.evaluate(tests)
    except KeyboardInterrupt:
        interrupted = True
        pool.stop()
    except BaseException:
        pool.stop()
        raise
    else:
        pool.close()
    return runner.result(folds, interrupted)
