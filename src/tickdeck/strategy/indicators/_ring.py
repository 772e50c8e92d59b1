"""Fresh sums over a full ring buffer: how the incremental indicators shed drift.

A rolling indicator keeps running sums and updates them with each value in
and each value out. Every add-and-remove rounds, and over millions of updates
those rounding errors would pile up. So whenever the write position wraps to
slot 0 (once every ``window`` updates) the sums are recomputed from the
buffer, which then holds the window oldest-first. The error of a running sum
is therefore never older than ``window`` updates, for one extra addition per
update on average.

These loops add strictly left to right, as the kernels do, so that both faces
round identically. (The builtin `sum` is not used: from Python 3.12 it
compensates float sums, which the kernels do not.)
"""

from __future__ import annotations


def window_sum(buffer: list[float]) -> float:
    """``buffer[0] + buffer[1] + ...``, left to right."""
    total = 0.0
    for value in buffer:
        total += value
    return total


def weighted_sum(buffer: list[float]) -> float:
    """``1 * buffer[0] + 2 * buffer[1] + ...``, left to right: the newest weighs most."""
    total = 0.0
    for weight, value in enumerate(buffer, 1):
        total += weight * value
    return total


def squared_deviations(buffer: list[float], mean: float) -> float:
    """``sum((value - mean) ** 2)`` left to right: the second pass of a two-pass variance."""
    total = 0.0
    for value in buffer:
        deviation = value - mean
        total += deviation * deviation
    return total
