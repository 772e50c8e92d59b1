"""Rounding does not accumulate: after many updates the rolling sums are as good as fresh ones.

The incremental faces equal the array faces bit for bit (the other test
files), so the long runs here go through the fast array face, and one short
run through `update` ties the two together once more.
"""

from __future__ import annotations

import math

import numpy as np
from tests.strategy.indicators.indicator_series import assert_bitwise_equal, run_incremental

from tickdeck.strategy import SMA, RollingStd, rolling_std, sma, vwap, wma

EPSILON = np.finfo(np.float64).eps


def walk(size: int, *, level: float, step: float, seed: int) -> np.ndarray:
    """A random walk around `level`: a price far from zero moving by small steps."""
    steps = np.random.default_rng(seed).normal(scale=step, size=size)
    return level + np.cumsum(steps)


def test_a_million_sma_updates_stay_within_a_few_ulps_of_an_exact_sum() -> None:
    n = 50
    prices = walk(1_000_000, level=1.0e4, step=0.5, seed=1)
    out = sma(prices, n)
    # Against the exactly rounded mean (math.fsum) at positions spread over the
    # run: within the error bound of a fresh left-to-right sum plus one window
    # of updates. A running sum never refreshed drifts past it here (2.2 n eps).
    for end in range(2 * n - 2, prices.size, 99_991):
        exact = math.fsum(prices[end - n + 1 : end + 1].tolist()) / n
        assert abs(out[end] - exact) <= 2 * n * EPSILON * abs(exact)


def test_the_weighted_sums_of_a_long_wma_stay_accurate() -> None:
    n = 30
    prices = walk(300_000, level=250.0, step=0.05, seed=2)
    out = wma(prices, n)
    weights = np.arange(1, n + 1, dtype=np.float64)
    for end in range(2 * n - 2, prices.size, 29_989):
        window = prices[end - n + 1 : end + 1]
        exact = math.fsum((weights * window).tolist()) / weights.sum()
        assert abs(out[end] - exact) <= 8 * n * EPSILON * abs(exact)


def test_the_deviation_of_a_price_far_from_zero_is_still_accurate() -> None:
    # A sum of squares would cancel catastrophically here: x**2 ~ 1e12, the
    # variance ~ 1e-6, eighteen digits apart. Welford with a two-pass refresh
    # keeps the deviation's relative error near the machine epsilon.
    n = 40
    prices = walk(200_000, level=1.0e6, step=1.0e-3, seed=3)
    out = rolling_std(prices, n)
    for end in range(2 * n - 2, prices.size, 19_997):
        window = prices[end - n + 1 : end + 1]
        exact = float(np.std(window - window.mean()))  # two-pass on centred data
        assert abs(out[end] - exact) <= 1e-6 * exact


def test_a_rolling_vwap_over_a_long_tape_matches_fresh_sums() -> None:
    n = 25
    rng = np.random.default_rng(4)
    prices = walk(200_000, level=75.0, step=0.01, seed=4)
    volumes = rng.integers(1, 1_000, prices.size).astype(np.float64) * 0.37
    out = vwap(prices, volumes, window=n)
    for end in range(2 * n - 2, prices.size, 19_997):
        window = slice(end - n + 1, end + 1)
        price_volume = math.fsum((prices[window] * volumes[window]).tolist())
        exact = price_volume / math.fsum(volumes[window].tolist())
        assert abs(out[end] - exact) <= 8 * n * EPSILON * exact


def test_long_incremental_runs_are_the_array_runs() -> None:
    prices = walk(50_000, level=1.0e4, step=0.5, seed=5)
    assert_bitwise_equal(run_incremental(SMA(20), prices), sma(prices, 20))
    assert_bitwise_equal(run_incremental(RollingStd(20), prices), rolling_std(prices, 20))
