"""Arrival positions: how many trades each group gets and where they fall, in [0, 1).

A *group* is a bar (ticks from bars) or a whole simulated span (markets). Its
expected count is its length in operational time, where the baseline
intensity is one trade per unit; `_kernels.clock_times` then maps positions
to clock time through the seasonal activity curve.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from tickdeck.core import InvariantError
from tickdeck.synth import _kernels
from tickdeck.synth.config import Arrivals, HawkesArrivals

__all__ = ["draw_positions", "open_uniforms"]

_I64 = npt.NDArray[np.int64]
_F64 = npt.NDArray[np.float64]


def open_uniforms(rng: np.random.Generator, size: int) -> _F64:
    """Uniforms in (0, 1]: their logarithm is always finite."""
    values: _F64 = 1.0 - rng.random(size)
    return values


def draw_positions(
    rng: np.random.Generator,
    arrivals: Arrivals,
    expected: _F64,
    need: _I64,
    cap: _I64,
) -> tuple[_F64, _I64]:
    """(positions, counts): sorted positions in [0, 1) per group, and their number.

    Counts lie in ``[need, cap]`` per group (``need <= cap`` is the caller's
    to ensure). Poisson: the count is a Poisson draw clipped to that range and
    the positions are uniform order statistics. Hawkes: see
    `_kernels.hawkes_positions`.
    """
    if not isinstance(arrivals, HawkesArrivals):
        counts = np.clip(rng.poisson(expected), need, cap).astype(np.int64)
        exponentials = rng.standard_exponential(int(counts.sum()) + counts.shape[0])
        positions = np.empty(int(counts.sum()), np.float64)
        _kernels.spacing_positions(counts, exponentials, positions)
        return positions, counts
    groups = expected.shape[0]
    counts = np.empty(groups, np.int64)
    # Each event takes 2 uniforms; budget for a quarter above the mean, retry longer if short.
    size = 2 * math.ceil(1.25 * float(expected.sum()) + 8 * groups) + int(need.sum()) + groups
    decay = 1.0 / arrivals.memory_trades
    for _ in range(12):
        uniforms = open_uniforms(rng, size)
        out = np.empty(size // 2 + int(need.sum()), np.float64)
        used = _kernels.hawkes_positions(
            expected, arrivals.branching_ratio, decay, need, cap, uniforms, out, counts
        )
        if used >= 0:
            return out[: int(counts.sum())].copy(), counts
        size *= 2
    raise InvariantError("Hawkes arrivals: the random buffer ran out 12 times")
