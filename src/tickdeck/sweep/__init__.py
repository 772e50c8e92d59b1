"""Parameter sweeps and optimisation: grid, random and Optuna searches, walk-forward analysis.

A `Sweep` names a strategy, the backtest config, the parameter space (from
the strategy's declared `Param`s: a list of values, a `Range`, or None for
the declared range), a search and the metric to rank by; `run_sweep` runs
its trials on local processes, on Ray, or serially, saves every run in the
run store tagged with the sweep, and returns a `SweepResult` ranked best
first. A trial runs exactly as `run_backtest` would run it alone.
docs/sweeps.md describes the searches, walk-forward, the executors and the
determinism guarantees.
"""

from tickdeck.sweep._executors import EXECUTORS, ExecutorName
from tickdeck.sweep._result import Fold, SweepResult, Trial, TrialStatus
from tickdeck.sweep._run import METRICS, ProgressCallback, Sweep, run_sweep
from tickdeck.sweep._search import GridSearch, OptunaSearch, RandomSearch, Search
from tickdeck.sweep._space import Domain, Range
from tickdeck.sweep._walk import OutOfSample, WalkForward, Window

__all__ = [
    "EXECUTORS",
    "METRICS",
    "Domain",
    "ExecutorName",
    "Fold",
    "GridSearch",
    "OptunaSearch",
    "OutOfSample",
    "ProgressCallback",
    "RandomSearch",
    "Range",
    "Search",
    "Sweep",
    "SweepResult",
    "Trial",
    "TrialStatus",
    "WalkForward",
    "Window",
    "run_sweep",
]
