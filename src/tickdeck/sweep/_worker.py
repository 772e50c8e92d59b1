"""One trial, as a worker runs it: small to send, complete in what it returns.

A `Task` names everything by value or by path: the catalog by its folder (a
worker opens it itself rather than receive a pickled catalog), the strategy
by a reference the worker can resolve (a template name, ``/abs/file.py:Class``,
``module:Class``, a spec, or an importable class), the config and the
parameters. `run_task` runs it through `run_backtest`, exactly as a single
run would, and computes the metrics where the run happened. Any exception is
caught and returned as a `Failure` carrying its message and where it was
raised, so one bad trial never stops a sweep.
"""

from __future__ import annotations

import os
import pickle
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

from tickdeck.core import InputError
from tickdeck.data.catalog import Catalog
from tickdeck.engine import BacktestConfig, run_backtest
from tickdeck.results.analysis import run_metrics
from tickdeck.results.metrics import Metrics
from tickdeck.results.run import RunResult
from tickdeck.spec import (
    SpecStrategy,
    StrategySpec,
    compile_strategy,
    load_spec,
    resolve_strategy,
)
from tickdeck.strategy.base import Strategy

__all__ = [
    "Failure",
    "Outcome",
    "StrategyReference",
    "Success",
    "Task",
    "failure",
    "portable",
    "resolve",
    "run_task",
]

#: What a worker resolves to a strategy class.
StrategyReference: TypeAlias = str | StrategySpec | type[Strategy]


@dataclass(frozen=True, slots=True)
class Task:
    """One run to make: the catalog folder, the strategy, the config, the parameters."""

    catalog: str
    strategy: StrategyReference
    config: BacktestConfig
    params: dict[str, object]


@dataclass(frozen=True, slots=True)
class Failure:
    """A trial that raised: the error in one line, and the full traceback."""

    error: str
    traceback: str


@dataclass(frozen=True, slots=True)
class Success:
    """A finished run and its metrics."""

    result: RunResult
    metrics: Metrics


Outcome: TypeAlias = Success | Failure


def resolve(reference: StrategyReference) -> type[Strategy]:
    """The strategy class a reference stands for."""
    if isinstance(reference, StrategySpec):
        return compile_strategy(reference)
    if isinstance(reference, str):
        return resolve_strategy(reference)
    return reference


def portable(reference: StrategyReference, *, pickled: bool) -> StrategyReference:
    """`reference` in a form another process, or another machine, resolves the same way.

    A JSON spec file travels as its spec, a strategy file by its absolute
    path (a worker's folder may differ), a compiled spec class as its spec.
    With `pickled`, a class must pickle by name (a class loaded from a file
    does not: pass its ``file.py:Class`` reference instead).
    """
    if isinstance(reference, str):
        target, colon, name = reference.rpartition(":")
        if reference.endswith(".json"):
            return load_spec(reference)
        if colon and target.endswith(".py"):
            return f"{Path(target).resolve()}:{name}"
        return reference
    if isinstance(reference, type) and issubclass(reference, SpecStrategy):
        return reference.spec
    if pickled and isinstance(reference, type):
        try:
            pickle.dumps(reference)
        except (pickle.PicklingError, AttributeError, TypeError) as exc:
            raise InputError(
                "strategy",
                reference.__qualname__,
                "a class worker processes can import by name",
                hint=f"pass its 'file.py:{reference.__name__}' reference instead ({exc})",
            ) from None
    return reference


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return ""
    last = frames[-1]
    return f" (at {os.path.basename(last.filename)}:{last.lineno} in {last.name})"


def failure(exc: BaseException) -> Failure:
    """`exc` as a trial failure: type, message and the line that raised it."""
    text = str(exc).strip().splitlines()
    message = f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
    return Failure(message + _where(exc), "".join(traceback.format_exception(exc)))


def run_task(task: Task, *, stop: Callable[[], bool] | None = None) -> Outcome:
    """Run `task` like a single `run_backtest` call; an exception becomes a `Failure`.

    `stop`, when given, is asked every 65,536 events whether to end the run
    early: a run that ends so is incomplete, and the sweep drops it.
    """
    progress = None
    if stop is not None:

        def progress(_: int) -> None:
            if stop():
                raise KeyboardInterrupt  # the engine ends the run cleanly, marked incomplete

    try:
        strategy = resolve(task.strategy)
        result = run_backtest(
            Catalog(task.catalog), strategy, task.config, task.params, progress=progress
        )
        return Success(result, run_metrics(result))
    except Exception as exc:  # a trial's failure is data for the sweep, whatever it is
        return failure(exc)
