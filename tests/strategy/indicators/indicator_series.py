"""Shared by the indicator tests: generated series, pandas references, comparisons.

The references are plain pandas formulas, written the way a quant would check
an indicator by hand. The comparisons come in two strengths:

- `assert_bitwise_equal`: the incremental and array faces must agree bit for
  bit (same NaN positions, same bits elsewhere, sign of zero included);
- `assert_close`: our arrays against pandas, which sums in another order
  (Kahan-compensated rolling sums, a different ewm recursion), so they agree
  to rounding: within ``atol``, with NaN (warm-up) at exactly the same places.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from hypothesis import strategies as st

F64 = npt.NDArray[np.float64]

# Prices quoted to 6 decimals: most are not exact in binary, so sums round,
# but none is subnormal and no two differ by less than 1e-6.
_ELEMENT = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False).map(lambda v: round(v, 6))
_POSITIVE = st.floats(0.01, 1e4, allow_nan=False, allow_infinity=False).map(lambda v: round(v, 6))

windows = st.integers(1, 30)


@st.composite
def _runs(draw: st.DrawFn, element: st.SearchStrategy[float], max_size: int) -> F64:
    """Values, each repeated 1 to 4 times when the draw says so: flat stretches happen."""
    values = draw(st.lists(element, max_size=max_size))
    if draw(st.booleans()):
        counts = draw(st.lists(st.integers(1, 4), min_size=len(values), max_size=len(values)))
        values = [v for v, c in zip(values, counts, strict=True) for _ in range(c)]
    return np.array(values[:max_size], dtype=np.float64)


def series(max_size: int = 120) -> st.SearchStrategy[F64]:
    """Finite values in [-1000, 1000], possibly with flat stretches."""
    return _runs(_ELEMENT, max_size)


def positive_series(max_size: int = 120) -> st.SearchStrategy[F64]:
    """Finite prices in [0.01, 10000], possibly with flat stretches."""
    return _runs(_POSITIVE, max_size)


def scale(*arrays: F64) -> float:
    """The size of the numbers involved, for absolute tolerances: at least 1."""
    return max([1.0, *(float(np.max(np.abs(a))) for a in arrays if a.size)])


def run_incremental(indicator: Any, *columns: F64, fields: int = 0) -> F64:
    """Feed the columns to `indicator.update` row by row; stack what it returns.

    `fields` is the width of a NamedTuple result (0 for a float). Also checks,
    at every step, that `value` holds what `update` returned.
    """
    out = []
    for row in zip(*(c.tolist() for c in columns), strict=True):
        result = indicator.update(*row)
        held = indicator.value
        assert np.array_equal(np.asarray(held, float), np.asarray(result, float), equal_nan=True)
        out.append(result)
    shape = (len(out), fields) if fields else (len(out),)
    return np.array(out, dtype=np.float64).reshape(shape)


def assert_bitwise_equal(actual: npt.ArrayLike, expected: npt.ArrayLike) -> None:
    """Same shape, NaN at the same places, and the very same bits everywhere else."""
    a = np.ascontiguousarray(actual, dtype=np.float64)
    b = np.ascontiguousarray(expected, dtype=np.float64)
    assert a.shape == b.shape
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    assert np.array_equal(nan_a, nan_b), f"NaN at {np.flatnonzero(nan_a != nan_b)[:5]}"
    differ = (a.view(np.int64) != b.view(np.int64)) & ~nan_a
    assert not differ.any(), f"first difference at {np.argwhere(differ)[0]}"


def assert_close(actual: npt.ArrayLike, expected: npt.ArrayLike, *, atol: float) -> None:
    """NaN at exactly the same places; elsewhere within `atol`."""
    a = np.asarray(actual, dtype=np.float64)
    b = np.asarray(expected, dtype=np.float64)
    assert a.shape == b.shape
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    assert np.array_equal(nan_a, nan_b), f"NaN at {np.flatnonzero(nan_a != nan_b)[:5]}"
    error = np.abs(a[~nan_a] - b[~nan_b])
    assert error.size == 0 or error.max() <= atol, f"off by {error.max()} > {atol}"


# --- pandas references --------------------------------------------------------


def seeded_ewm(values: pd.Series, n: int, alpha: float) -> pd.Series:
    """pandas' recursive ewm (adjust=False) started at index n-1 from the mean of the first n.

    NaN before index n-1: the convention for EMA, Wilder's averages and MACD.
    """
    out = pd.Series(np.nan, index=values.index)
    if len(values) >= n:
        seed = pd.Series([values.iloc[:n].mean()])
        seeded = pd.concat([seed, values.iloc[n:]], ignore_index=True)
        out.iloc[n - 1 :] = seeded.ewm(alpha=alpha, adjust=False).mean().to_numpy()
    return out


def pandas_rsi(prices: F64, n: int) -> F64:
    """Wilder's RSI: seeded Wilder averages of gains and losses, 50 when both are 0."""
    change = pd.Series(prices).diff()
    gain = change.clip(lower=0).iloc[1:]
    loss = (-change).clip(lower=0).iloc[1:]
    average_gain = seeded_ewm(gain, n, 1 / n)
    average_loss = seeded_ewm(loss, n, 1 / n)
    both = average_gain + average_loss
    rsi = (100 * average_gain / both).where(both != 0, 50.0)
    return np.concatenate([[np.nan], rsi.to_numpy()])[: len(prices)]


def stacked(arrays: Sequence[F64]) -> F64:
    """NamedTuple-of-arrays output as one (n, fields) matrix, like `run_incremental`'s."""
    return np.column_stack(list(arrays)) if len(arrays[0]) else np.empty((0, len(arrays)))
