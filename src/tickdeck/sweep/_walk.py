"""Walk-forward analysis: optimise on a window, then trade the winner on the window after it.

The data span (the sweep's start and end, or the catalog's first and last
event of its instruments and kinds) is cut into folds. Fold ``k`` trains on
``[span_start + k * step, + train)`` (from `span_start` itself when
`anchored`) and tests on the `test` window that starts where training ends,
cut at the end of the data. A test window never starts before its training
window ends, and with ``step >= test`` test windows never overlap, so each
out-of-sample event is traded once.

Each test run starts afresh: flat, with the initial cash, its indicators
warming up inside the test window. The combined out-of-sample curve adds
the folds' profit and loss to the initial cash in fold order (an absolute
chain, like the strategies' fixed quantities); its metrics are computed
from that curve and from every out-of-sample round trip.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tickdeck.core import InputError, TickdeckError
from tickdeck.data.catalog import Catalog
from tickdeck.engine import BacktestConfig
from tickdeck.results.metrics import Metrics, summary
from tickdeck.results.run import RunResult

__all__ = ["OutOfSample", "WalkForward", "Window", "combine", "data_span", "windows"]


@dataclass(frozen=True, slots=True)
class WalkForward:
    """Rolling training and test windows, in ns.

    Args:
        train_ns: Length of each training (in-sample) window.
        test_ns: Length of each test (out-of-sample) window.
        step_ns: How far the next fold starts after this one; None is
            `test_ns`. At least `test_ns`, so test windows do not overlap.
        anchored: Every training window starts at the beginning of the data
            (an expanding window) instead of rolling forward.
    """

    train_ns: int
    test_ns: int
    step_ns: int | None = None
    anchored: bool = False

    def __post_init__(self) -> None:
        for field, value in (("train_ns", self.train_ns), ("test_ns", self.test_ns)):
            if type(value) is not int or value <= 0:
                raise InputError(f"walk_forward {field}", value, "a positive duration in ns")
        step = self.step_ns
        if step is not None and (type(step) is not int or step < self.test_ns):
            raise InputError(
                "walk_forward step_ns",
                step,
                f"a duration of at least test_ns ({self.test_ns})",
                hint="shorter steps would test some data twice",
            )


@dataclass(frozen=True, slots=True)
class Window:
    """One fold's boundaries, ns UTC, ends exclusive."""

    fold: int
    train_start_ns: int
    train_end_ns: int
    test_start_ns: int
    test_end_ns: int


def data_span(catalog: Catalog, config: BacktestConfig) -> tuple[int, int]:
    """``[start, end)`` of the data the config replays: its own bounds, else the catalog's."""
    parts = [
        p
        for kind in config.kinds
        for instrument in config.instruments
        for p in catalog.partitions(kind, instrument, start=config.start, end=config.end)
    ]
    if not parts:
        raise InputError(
            "walk_forward",
            [k.label for k in config.kinds],
            f"data of {list(config.instruments)} in the catalog at {catalog.root}",
        )
    first = min(p.ts_min for p in parts)
    last = max(p.ts_max for p in parts) + 1
    start = first if config.start is None else max(first, config.start)
    end = last if config.end is None else min(last, config.end)
    return start, end


def windows(plan: WalkForward, start: int, end: int) -> list[Window]:
    """The folds of `plan` over ``[start, end)``; InputError if not one fits."""
    step = plan.step_ns or plan.test_ns
    folds = []
    k = 0
    while True:
        train_end = start + k * step + plan.train_ns
        if train_end >= end:
            break
        train_start = start if plan.anchored else start + k * step
        folds.append(
            Window(k, train_start, train_end, train_end, min(train_end + plan.test_ns, end))
        )
        k += 1
    if not folds:
        raise InputError(
            "walk_forward train_ns",
            plan.train_ns,
            f"less than the data's span ({end - start} ns) to leave a test window",
        )
    return folds


@dataclass(frozen=True)
class OutOfSample:
    """The test windows joined: one equity curve, its metrics, the runs it came from.

    `equity` is the initial cash plus the running sum of the folds' profit and
    loss; `metrics` is None when the curve is too short to measure (or no
    test run succeeded).
    """

    ts_ns: npt.NDArray[np.int64]
    equity: npt.NDArray[np.float64]
    metrics: Metrics | None
    folds: tuple[int, ...]
    run_ids: tuple[str | None, ...]


def combine(runs: Sequence[tuple[int, RunResult, str | None]]) -> OutOfSample:
    """The out-of-sample curve of ``(fold, result, run id)`` test runs, in fold order."""
    ordered = sorted(runs, key=lambda run: run[0])
    ts: list[npt.NDArray[np.int64]] = []
    equity: list[npt.NDArray[np.float64]] = []
    pnl: list[float] = []
    level = ordered[0][1].initial_cash if ordered else math.nan
    for _, result, _ in ordered:
        gained = result.equity.equity - result.initial_cash
        ts.append(result.equity.ts)
        equity.append(level + gained)
        if gained.size:
            level += float(gained[-1])
        pnl.extend(t.net_pnl for t in result.trades)
    curve_ts = np.concatenate(ts) if ts else np.array([], np.int64)
    curve = np.concatenate(equity) if equity else np.array([], np.float64)
    metrics = None
    if curve.size:
        try:
            metrics = summary(curve_ts, curve, trade_net_pnl=np.array(pnl, dtype=np.float64))
        except TickdeckError:
            metrics = None  # too short a curve: said by `metrics is None`
    return OutOfSample(
        curve_ts,
        curve,
        metrics,
        tuple(fold for fold, _, _ in ordered),
        tuple(run_id for _, _, run_id in ordered),
    )
