"""The compiled kernels against slow, obviously correct references on generated inputs."""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tickdeck.core import Instrument
from tickdeck.data.cleaning import _kernels as kernels
from tickdeck.data.cleaning.rules import _grid

DUP = 9
NONE = np.zeros(0, np.bool_)
few = settings(max_examples=60, deadline=None)


def frozen(values: npt.ArrayLike, dtype: type) -> npt.NDArray[np.generic]:
    """A read-only contiguous copy: the layout `clean` hands to the kernels."""
    array = np.ascontiguousarray(np.asarray(values, dtype=dtype))
    array.flags.writeable = False
    return array


# --- ordering ---------------------------------------------------------------


@few
@given(st.lists(st.integers(-5, 5), max_size=40))
def test_count_out_of_order_counts_rows_below_an_earlier_row(ts: list[int]) -> None:
    expected = sum(1 for i, t in enumerate(ts) if any(t < u for u in ts[:i]))
    assert kernels.count_out_of_order(frozen(ts, np.int64)) == expected


# --- duplicates -------------------------------------------------------------


def reference_duplicates(rows: list[tuple[int, ...]], codes: list[int]) -> list[int]:
    """Quadratic: a kept row equal to an earlier kept row is a duplicate."""
    out = list(codes)
    for j in range(len(rows)):
        if out[j] == 0 and any(out[i] == 0 and rows[i] == rows[j] for i in range(j)):
            out[j] = DUP
    return out


@st.composite
def grouped_rows(draw: st.DrawFn) -> tuple[list[tuple[int, ...]], list[int]]:
    n = draw(st.integers(0, 60))
    # Few distinct times and values: groups of all sizes (the large-group path
    # starts above 8 rows) with plenty of equal rows in them.
    ts = sorted(draw(st.lists(st.integers(0, 4), min_size=n, max_size=n)))
    width = draw(st.integers(1, 3))
    values = st.lists(st.integers(-2, 2), min_size=width, max_size=width)
    rows = [(t, *draw(values)) for t in ts]
    codes = draw(st.lists(st.sampled_from([0, 0, 0, 2]), min_size=n, max_size=n))
    return rows, codes


def run_duplicates(rows: list[tuple[int, ...]], codes: list[int]) -> list[int]:
    width = len(rows[0]) if rows else 1
    matrix = np.array(rows, dtype=np.int64).reshape(len(rows), width)
    columns = tuple(frozen(matrix[:, c], np.int64).view(np.uint64) for c in range(width))
    out = np.array(codes, np.int8)
    kernels.mark_duplicates(frozen(matrix[:, 0], np.int64), columns, out, DUP)
    return out.tolist()


@few
@given(grouped_rows())
def test_mark_duplicates_matches_pairwise_comparison(
    case: tuple[list[tuple[int, ...]], list[int]],
) -> None:
    rows, codes = case
    assert run_duplicates(rows, codes) == reference_duplicates(rows, codes)


def test_duplicates_compare_bits_not_values() -> None:
    zero, negative_zero = np.array([0.0, -0.0]).view(np.int64).tolist()
    rows = [(1, zero), (1, negative_zero), (1, zero)]
    assert run_duplicates(rows, [0, 0, 0]) == [0, 0, DUP]


def test_a_million_equal_times_are_not_quadratic() -> None:
    n = 1_000_000
    ts = frozen(np.zeros(n), np.int64)
    values = frozen(np.arange(n) % 1000, np.int64)  # 1000 distinct rows, each 1000 times
    codes = np.zeros(n, np.int8)
    kernels.mark_duplicates(ts, (ts.view(np.uint64), values.view(np.uint64)), codes, DUP)
    assert int(np.count_nonzero(codes)) == n - 1000
    assert not codes[:1000].any()  # the first of each is kept


# --- spikes -----------------------------------------------------------------


def reference_hampel(
    x: npt.NDArray[np.float64], window: int, threshold: float, floor_abs: float, floor_rel: float
) -> list[bool]:
    m = len(x)
    w = min(window, m)
    flags = []
    for i in range(m):
        start = min(max(i - window // 2, 0), m - w)
        part = x[start : start + w]
        med = np.median(part)
        mad = np.median(np.abs(part - med))
        limit = max(threshold * 1.4826 * mad, floor_abs, floor_rel * abs(med))
        flags.append(bool(abs(x[i] - med) > limit))
    return flags


def run_hampel(
    x: npt.NDArray[np.float64], window: int, threshold: float, floor_abs: float, floor_rel: float
) -> list[bool]:
    flags = np.zeros(len(x), np.bool_)
    count = kernels.hampel_flags(x, window, threshold, floor_abs, floor_rel, flags)
    assert count == int(flags.sum())
    return flags.tolist()


@st.composite
def walks(draw: st.DrawFn) -> npt.NDArray[np.float64]:
    """Half-tick series: a random walk with ties, jumps and isolated outliers."""
    steps = draw(st.lists(st.sampled_from([-2, -1, 0, 0, 1, 2, 40, -40]), max_size=80))
    x = 1000.0 + np.cumsum(np.array(steps, np.float64))
    for i in draw(st.lists(st.integers(0, max(len(x) - 1, 0)), max_size=4)):
        if len(x):
            x[i] += draw(st.sampled_from([-300.0, 7.0, 300.0]))
    return x


@few
@given(
    walks(),
    st.sampled_from([3, 5, 7, 11, 21, 101]),
    st.sampled_from([0.5, 3.0, 8.0]),
    st.sampled_from([0.0, 2.0, 20.0]),
    st.sampled_from([0.0, 1e-3]),
)
def test_hampel_matches_medians_of_each_window(
    x: npt.NDArray[np.float64], window: int, threshold: float, floor_abs: float, floor_rel: float
) -> None:
    expected = reference_hampel(x, window, threshold, floor_abs, floor_rel)
    assert run_hampel(x, window, threshold, floor_abs, floor_rel) == expected


@pytest.mark.parametrize("length", [1, 2, 5, 10])
def test_hampel_catches_runs_up_to_half_the_window(length: int) -> None:
    window = 21  # half = 10
    x = np.full(200, 1000.0)
    x[100 : 100 + length] = 1100.0
    assert sum(run_hampel(x, window, 8.0, 20.0, 0.0)) == length


@pytest.mark.parametrize("length", [11, 12, 50])
def test_hampel_takes_longer_runs_for_a_level(length: int) -> None:
    x = np.full(200, 1000.0)
    x[100 : 100 + length] = 1100.0
    assert sum(run_hampel(x, 21, 8.0, 20.0, 0.0)) == 0


def test_spike_series_is_in_half_ticks() -> None:
    k, scale = _grid(Instrument("ACME", "XNAS", "0.01"))
    bid = frozen([100.0, 100.01, 99.0], np.float64)
    ask = frozen([100.01, 100.03, 99.0], np.float64)
    out = np.zeros(3)
    codes = np.array([0, 0, 3], np.int8)
    assert kernels.spike_series(bid, ask, codes, k, scale, out) == 2
    assert out[:2].tolist() == [20001.0, 20004.0]
    assert kernels.spike_series(bid, np.zeros(0), codes, k, scale, out) == 2
    assert out[:2].tolist() == [20000.0, 20002.0]


# --- grid -------------------------------------------------------------------


@few
@given(
    st.sampled_from(["0.00001", "0.01", "0.25", "0.005", "1", "5", "12.5"]),
    st.lists(
        st.tuples(
            st.integers(1, 10**9),
            st.sampled_from([0.0, 1e-13, -1e-13, 1e-9, 0.3, 0.5, 0.9999999]),
        ),
        max_size=20,
    ),
)
def test_snap_to_grid_agrees_with_the_instrument(
    tick: str, points: list[tuple[int, float]]
) -> None:
    instrument = Instrument("TEST", "SIM", tick)
    step = float(instrument.tick_size)
    prices = np.array([(n + frac) * step for n, frac in points], np.float64)
    k, scale = _grid(instrument)
    codes = np.zeros(len(prices), np.int8)
    out = np.empty(len(prices))
    moved = np.zeros(len(prices), np.uint8)
    kernels.snap_to_grid(frozen(prices, np.float64), k, scale, NONE, codes, 4, out, moved)
    off = instrument.off_grid(prices)
    assert (codes == 4).tolist() == off.tolist()
    snapped = instrument.snap_prices(prices)
    on = ~off
    assert out[on].tolist() == snapped[on].tolist()
    assert moved[on].tolist() == (snapped[on] != prices[on]).tolist()
    assert out[off].tolist() == prices[off].tolist()  # left as read


@few
@given(
    st.sampled_from(["0.0000003", "0.25", "0.00001", "0.01"]),
    st.integers(10**12, 3 * 10**13),
    st.lists(st.integers(-40, 40), min_size=1, max_size=20),
)
def test_the_grid_tolerance_is_the_instruments_at_large_tick_counts(
    tick: str, count: int, ulps: list[int]
) -> None:
    # Around 1e13 ticks one ulp of the price is about 1/500 of a tick: the tolerance
    # must grow with the count (Instrument.off_grid), a flat 1e-6 tick would reject
    # prices that are on the grid. Steps of whole ulps cross its edge on both sides.
    instrument = Instrument("TEST", "SIM", tick)
    on_grid = float(instrument.ticks_to_prices([count])[0])
    prices = np.array([on_grid + n * np.spacing(on_grid) for n in ulps], dtype=np.float64)
    k, scale = _grid(instrument)
    codes = np.zeros(len(prices), np.int8)
    out = np.empty(len(prices))
    moved = np.zeros(len(prices), np.uint8)
    kernels.snap_to_grid(frozen(prices, np.float64), k, scale, NONE, codes, 4, out, moved)
    assert (codes == 4).tolist() == instrument.off_grid(prices).tolist()


# --- gaps -------------------------------------------------------------------


@few
@given(
    st.lists(st.tuples(st.integers(0, 30), st.booleans()), max_size=60),
    st.integers(0, 10),
    st.integers(0, 5),
)
def test_find_gaps_lists_the_largest_gaps_between_kept_rows(
    rows: list[tuple[int, bool]], threshold: int, capacity: int
) -> None:
    ts = np.cumsum([step for step, _ in rows]).astype(np.int64)
    codes = np.array([0 if kept else 1 for _, kept in rows], np.int8)
    kept = ts[codes == 0].tolist()
    gaps = [(a, b) for a, b in itertools.pairwise(kept) if b - a > threshold]
    expected = sorted(gaps, key=lambda g: (-(g[1] - g[0]), g[0]))[:capacity]
    starts = np.zeros(capacity, np.int64)
    ends = np.zeros(capacity, np.int64)
    count, stored = kernels.find_gaps(frozen(ts, np.int64), codes, threshold, starts, ends)
    assert count == len(gaps)
    assert list(zip(starts[:stored].tolist(), ends[:stored].tolist(), strict=True)) == expected
