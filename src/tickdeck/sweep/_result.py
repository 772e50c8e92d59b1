"""What a sweep returns: its trials ranked by the metric, folds, and out-of-sample results.

Values only: every field is plain data, and the same sweep on the same data
gives equal results, run ids and the sweep id aside.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import Enum

from tickdeck.results.metrics import Metrics
from tickdeck.sweep._walk import OutOfSample, Window

__all__ = ["Fold", "SweepResult", "Trial", "TrialStatus", "rank"]


class TrialStatus(Enum):
    """Whether a trial's run finished (``OK``) or raised (``FAILED``, with its error)."""

    OK = "ok"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Trial:
    """One run of the sweep.

    Attributes:
        number: Its place in the sweep, from 0, in the order points were chosen.
        params: The parameters the sweep set (fixed and swept; the strategy's
            defaults fill in the rest).
        status: ``OK`` or ``FAILED``.
        value: The objective metric; NaN when failed or undefined.
        metrics: Every metric of the run; None when failed.
        run_id: Its id in the run store; None when failed or not saved.
        error: The exception in one line, where it was raised; None when OK.
        fold: The walk-forward fold; None outside a walk-forward.
        out_of_sample: Whether this is a fold's test run.
    """

    number: int
    params: dict[str, object]
    status: TrialStatus
    value: float
    metrics: Metrics | None
    run_id: str | None
    error: str | None
    fold: int | None = None
    out_of_sample: bool = False

    @property
    def ok(self) -> bool:
        return self.status is TrialStatus.OK


def rank(trials: Sequence[Trial], *, maximize: bool) -> tuple[Trial, ...]:
    """Best first: finished trials by value, then those whose value is NaN, then failures.

    Equal values keep the order of their trial numbers.
    """

    def key(trial: Trial) -> tuple[int, float, int]:
        if not trial.ok:
            return (2, 0.0, trial.number)
        if math.isnan(trial.value):
            return (1, 0.0, trial.number)
        return (0, -trial.value if maximize else trial.value, trial.number)

    return tuple(sorted(trials, key=key))


@dataclass(frozen=True, slots=True)
class Fold:
    """One walk-forward fold: its windows, its ranked in-sample trials, its test run.

    `test` is the best in-sample parameters run on the test window; None when
    no in-sample trial finished (or the sweep was interrupted first).
    """

    window: Window
    trials: tuple[Trial, ...]
    test: Trial | None

    @property
    def best(self) -> Trial | None:
        """The in-sample winner, if any trial finished."""
        return self.trials[0] if self.trials and self.trials[0].ok else None


@dataclass(frozen=True)
class SweepResult:
    """Everything a sweep found.

    Attributes:
        sweep_id: The id every saved run is tagged with (``sweep:<id>``).
        strategy: The strategy's class name.
        metric: The objective, a `Metrics` field name.
        maximize: Whether larger is better.
        trials: A plain sweep's trials, ranked best first; empty for a
            walk-forward, whose trials are ranked within each fold.
        folds: The walk-forward folds, in time order.
        out_of_sample: The test windows joined; None outside a walk-forward.
        interrupted: Ctrl-C stopped the sweep; what finished is here.
    """

    sweep_id: str
    strategy: str
    metric: str
    maximize: bool
    trials: tuple[Trial, ...]
    folds: tuple[Fold, ...] = ()
    out_of_sample: OutOfSample | None = None
    interrupted: bool = False

    @property
    def best(self) -> Trial | None:
        """The best finished trial of a plain sweep."""
        return self.trials[0] if self.trials and self.trials[0].ok else None

    def all_trials(self) -> Iterator[Trial]:
        """Every trial, folds' in-sample and test runs included, by trial number."""
        found = list(self.trials)
        for fold in self.folds:
            found.extend(fold.trials)
            if fold.test is not None:
                found.append(fold.test)
        return iter(sorted(found, key=lambda trial: trial.number))

    @property
    def failed(self) -> tuple[Trial, ...]:
        """The trials that raised, by trial number."""
        return tuple(t for t in self.all_trials() if not t.ok)
