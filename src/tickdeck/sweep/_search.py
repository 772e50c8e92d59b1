"""How a sweep chooses points: every combination, seeded random draws, or Optuna's TPE.

A search hands out points in batches and is told each batch's objective
values before it hands out the next. Grid and random searches know every
point at once (one batch); Optuna's sampler learns from the values, so it
asks `batch_size` points at a time. The batch size belongs to the search,
not to the executor: the sampler sees the same values in the same order
however many workers there are, so a seeded sweep gives the same trials on
one process, a pool, or a Ray cluster.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol, TypeAlias

from tickdeck.core import InputError
from tickdeck.sweep._space import Dimension, Point, grid_points, random_points

__all__ = ["GridSearch", "OptunaSearch", "Proposer", "RandomSearch", "Search", "proposer"]


def _positive(field: str, value: object, what: str) -> None:
    if type(value) is not int or value < 1:
        raise InputError(field, value, what)


def _seed(value: object) -> None:
    if type(value) is not int or not 0 <= value < 2**63:
        raise InputError("seed", value, "an integer in [0, 2**63)")


@dataclass(frozen=True, slots=True)
class GridSearch:
    """Every combination of the space's values (a float range needs a step)."""


@dataclass(frozen=True, slots=True)
class RandomSearch:
    """`n` points drawn uniformly from the space with a generator seeded by `seed`.

    A point drawn twice is run once, so a small space may give fewer than `n` trials.
    """

    n: int
    seed: int = 0

    def __post_init__(self) -> None:
        _positive("n", self.n, "a positive number of draws")
        _seed(self.seed)


@dataclass(frozen=True, slots=True)
class OptunaSearch:
    """`n_trials` points chosen by Optuna's TPE sampler seeded with `seed`.

    The sampler is asked for `batch_size` points, told their values, then
    asked again; a failed trial, or one whose metric is NaN, counts as failed
    for the sampler. Larger batches keep more workers busy; smaller ones let
    each point learn from more results.
    """

    n_trials: int
    seed: int = 0
    batch_size: int = 8

    def __post_init__(self) -> None:
        _positive("n_trials", self.n_trials, "a positive number of trials")
        _positive("batch_size", self.batch_size, "a positive batch size")
        _seed(self.seed)


Search: TypeAlias = GridSearch | RandomSearch | OptunaSearch


class Proposer(Protocol):
    """A search in progress: `ask` for a batch (empty when done), `tell` its values."""

    planned: int

    def ask(self) -> list[Point]: ...

    def tell(self, values: Sequence[float | None]) -> None:
        """Each asked point's objective value, in order; None for a failed trial."""


class _FixedPoints:
    """All points in one batch: a grid or random search."""

    def __init__(self, points: list[Point]) -> None:
        self._points = points
        self.planned = len(points)

    def ask(self) -> list[Point]:
        points, self._points = self._points, []
        return points

    def tell(self, values: Sequence[float | None]) -> None:
        pass


@contextmanager
def _quiet_optuna() -> Iterator[Any]:
    # Optuna logs every study and trial at INFO; the sweep reports them itself.
    import optuna

    before = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        yield optuna
    finally:
        optuna.logging.set_verbosity(before)


class _OptunaPoints:
    """Batches asked of an in-memory Optuna study with a seeded TPE sampler."""

    def __init__(self, search: OptunaSearch, dimensions: Sequence[Dimension], maximize: bool):
        self._distributions = {d.name: d.distribution() for d in dimensions}
        self._checks = {d.name: d for d in dimensions}
        self._left = search.n_trials
        self._batch = search.batch_size
        self._asked: list[Any] = []
        self.planned = search.n_trials
        with _quiet_optuna() as optuna:
            self._study = optuna.create_study(
                direction="maximize" if maximize else "minimize",
                sampler=optuna.samplers.TPESampler(seed=search.seed),
            )

    def ask(self) -> list[Point]:
        size = min(self._batch, self._left)
        self._left -= size
        with _quiet_optuna():
            self._asked = [self._study.ask(self._distributions) for _ in range(size)]
        return [
            {name: self._checks[name].check(value) for name, value in trial.params.items()}
            for trial in self._asked
        ]

    def tell(self, values: Sequence[float | None]) -> None:
        with _quiet_optuna() as optuna:
            failed = optuna.trial.TrialState.FAIL
            for trial, value in zip(self._asked, values, strict=True):
                if value is None or math.isnan(value):
                    self._study.tell(trial, state=failed)
                else:
                    self._study.tell(trial, value)
        self._asked = []


def proposer(search: Search, dimensions: Sequence[Dimension], *, maximize: bool) -> Proposer:
    """A fresh run of `search` over `dimensions` (each walk-forward fold gets its own)."""
    if isinstance(search, GridSearch):
        return _FixedPoints(grid_points(dimensions))
    if isinstance(search, RandomSearch):
        return _FixedPoints(random_points(dimensions, search.n, search.seed))
    if isinstance(search, OptunaSearch):
        return _OptunaPoints(search, dimensions, maximize)
    raise InputError("search", search, "GridSearch(), RandomSearch(n) or OptunaSearch(n_trials)")
