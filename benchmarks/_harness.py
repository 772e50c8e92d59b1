"""A small harness so every benchmark reports the same way.

Timings are noisy on a shared 2-core machine, so each figure is the median of
several repeats, printed with its spread (min-max), and where a target exists
the ratio to it. Nothing here asserts: benchmarks report, tests test.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Result", "median_rate", "time_repeats"]


@dataclass(frozen=True)
class Result:
    """One reported figure: `value` in `unit`, against an optional `target`."""

    name: str
    value: float
    unit: str
    target: float | None = None
    higher_is_better: bool = True
    spread: tuple[float, float] | None = None
    note: str = ""

    @property
    def meets_target(self) -> bool | None:
        if self.target is None:
            return None
        return self.value >= self.target if self.higher_is_better else self.value <= self.target


def time_repeats(fn: Callable[[], object], repeats: int = 5, warmup: int = 1) -> list[float]:
    """Wall-clock seconds of `repeats` calls of `fn`, after `warmup` untimed calls."""
    for _ in range(warmup):
        fn()
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - start)
    return seconds


def median_rate(
    name: str,
    items: int,
    seconds: list[float],
    *,
    unit: str = "M/s",
    scale: float = 1e6,
    target: float | None = None,
    note: str = "",
) -> Result:
    """Items per second (divided by `scale`) from the median of `seconds`."""
    rates = [items / s / scale for s in seconds]
    return Result(
        name,
        statistics.median(rates),
        unit,
        target=target,
        spread=(min(rates), max(rates)),
        note=note,
    )
