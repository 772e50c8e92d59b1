"""The compiled kernels against slow, obviously correct reference code."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tickdeck.core import Instrument
from tickdeck.core.instrument import grid_of
from tickdeck.synth import _kernels, _path_kernels

counts_lists = st.lists(st.integers(0, 40), min_size=1, max_size=12)


@given(counts_lists, st.integers(0, 2**32 - 1))
def test_spacing_positions_are_sorted_uniform_order_statistics(
    counts: list[int], seed: int
) -> None:
    rng = np.random.default_rng(seed)
    c = np.array(counts, np.int64)
    e = rng.standard_exponential(int(c.sum()) + c.size)
    out = np.empty(int(c.sum()))
    _kernels.spacing_positions(c, e, out)
    j = k = 0
    for n in counts:
        reference = np.cumsum(e[k : k + n]) / e[k : k + n + 1].sum()
        assert np.allclose(out[j : j + n], reference, rtol=1e-12)
        assert ((out[j : j + n] >= 0) & (out[j : j + n] < 1)).all()
        j, k = j + n, k + n + 1


@given(
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(1, 60)), min_size=1, max_size=10),
    st.integers(0, 2**32 - 1),
)
def test_split_volume_adds_up_exactly_with_at_least_a_lot_each(
    groups: list[tuple[int, int]], seed: int
) -> None:
    volume = np.array([v for v, _ in groups], np.int64)
    counts = np.array([n for _, n in groups], np.int64)
    e = np.random.default_rng(seed).standard_exponential(int(counts.sum()))
    out = np.empty(int(counts.sum()), np.int64)
    _kernels.split_volume(counts, volume, e, 1.5, out)
    j = 0
    for v, n in groups:
        part = out[j : j + n]
        assert part.sum() == v
        assert (part >= (1 if v >= n else 0)).all()
        j += n


def test_split_volume_follows_the_weights() -> None:
    # Weights exp(e / tail): the trade with the largest e gets the most lots.
    e = np.array([0.1, 3.0, 0.2, 0.3])
    out = np.empty(4, np.int64)
    _kernels.split_volume(np.array([4]), np.array([1_000]), e, 1.5, out)
    weights = np.exp(e / 1.5)
    assert np.abs(out - 1 - 996 * weights / weights.sum()).max() < 1.0
    assert int(np.argmax(out)) == 1


@given(st.lists(st.sampled_from([0.1, 0.2, 0.3, 0.7, 1.1, 0.01, 0.0]), min_size=1, max_size=30))
def test_matched_sizes_add_up_to_the_volume_the_way_the_resampler_adds(sizes: list[float]) -> None:
    volume = float(round(sum(sizes), 2))
    array = np.array(sizes)
    assert _kernels.match_volume_sums(np.array([len(sizes)]), np.array([volume]), array) >= 0
    running = 0.0
    for size in array:
        running += size
    assert running == volume
    assert np.allclose(array, sizes, atol=1e-12)  # adjusted by float noise at most


@given(st.floats(0.0, 100.0))
def test_the_inverse_table_inverts_the_seasonal_cdf(amplitude: float) -> None:
    table = _kernels.inverse_table(amplitude)
    y = np.linspace(0, 1, 1_001)
    u0, u1 = np.zeros(1), np.ones(1)
    for target in y:
        positions = np.array([target * 0.999999])
        out = np.empty(1, np.int64)
        _kernels.clock_times(positions, np.array([1]), u0, u1, amplitude, table,
                             np.array([0]), np.array([10**15]), out)  # fmt: skip
        v = out[0] / 10**15
        w = 2 * v - 1
        cdf = (v + amplitude * (w**3 + 1) / 6) / (1 + amplitude / 3)
        assert abs(cdf - positions[0]) < 1e-9


@given(st.lists(st.floats(0, 1, exclude_max=True), min_size=1, max_size=50), st.integers(9, 200))
def test_clock_times_stay_in_the_window_two_ns_apart(values: list[float], length: int) -> None:
    n = min(len(values), (length - 1) // 2)
    positions = np.sort(np.array(values[:n]))
    out = np.empty(n, np.int64)
    table = _kernels.inverse_table(2.0)
    _kernels.clock_times(positions, np.array([n]), np.zeros(1), np.ones(1), 2.0, table,
                         np.array([1_000]), np.array([length]), out)  # fmt: skip
    assert (out >= 1_001).all()
    assert (out <= 1_000 + length - 1).all()
    assert (np.diff(out) >= 2).all()


@given(
    st.tuples(st.integers(0, 30), st.integers(0, 30), st.integers(0, 30), st.integers(0, 30)),
    st.booleans(),
    st.integers(0, 60),
    st.integers(0, 2**32 - 1),
)
def test_bar_paths_print_the_bar_and_stay_inside_it(
    prices: tuple[int, int, int, int], low_first: bool, extra: int, seed: int
) -> None:
    low, high = min(prices), max(prices)
    o, c = prices[0], prices[1]
    points = np.empty(4, np.int64)
    need = _path_kernels.waypoints(o, high, low, c, low_first, points)
    n = need + extra
    rng = np.random.default_rng(seed)
    out = np.empty(n, np.int64)
    _path_kernels.bar_paths(
        np.array([o]), np.array([high]), np.array([low]), np.array([c]), np.array([low_first]),
        np.array([n]), rng.standard_exponential(3), rng.standard_exponential(2 * n), 1.0, out,
    )  # fmt: skip
    assert out[0] == o
    assert out[-1] == c
    assert out.min() == low
    assert out.max() == high
    # The waypoints come in order: the path passes through each one in turn.
    cursor = 0
    for point in points[:need]:
        hits = np.flatnonzero(out[cursor:] == point)
        assert hits.size
        cursor += int(hits[0])


def test_aggressor_signs_follow_the_tick_rule_and_repeat_on_zero_ticks() -> None:
    ticks = np.array([10, 11, 11, 11, 9, 9], np.int64)
    uniforms = np.array([0.2, 0.5, 0.1, 0.9, 0.5, 0.1])  # persistence 0.7
    out = np.empty(6, np.int8)
    _path_kernels.aggressor_signs(ticks, uniforms, 0.7, out)
    # first: coin toss (0.2 < 0.5: buyer); up; repeat (0.1 < 0.7); flip (0.9); down; repeat.
    assert out.tolist() == [1, 1, 1, -1, -1, -1]


def test_hawkes_counts_respect_need_and_cap() -> None:
    rng = np.random.default_rng(3)
    expected = np.array([0.0, 5.0, 500.0, 50.0])
    need = np.array([3, 1, 1, 4], np.int64)
    cap = np.array([3, 100, 120, 4], np.int64)
    uniforms = 1.0 - rng.random(10_000)
    out = np.empty(uniforms.size // 2 + int(need.sum()))
    counts = np.empty(4, np.int64)
    used = _kernels.hawkes_positions(expected, 0.6, 0.1, need, cap, uniforms, out, counts)
    assert used > 0
    assert ((counts >= need) & (counts <= cap)).all()
    assert counts[2] == 120
    assert counts[3] == 4
    j = 0
    for n in counts.tolist():
        part = out[j : j + n]
        assert (np.diff(part) >= 0).all()
        assert ((part >= 0) & (part < 1)).all()
        j += n
    short = np.empty(10)
    assert _kernels.hawkes_positions(expected, 0.6, 0.1, need, cap, uniforms[:10], short,
                                     counts) == -1  # fmt: skip
    assert math.isfinite(float(out[: int(counts.sum())].sum()))


@given(
    st.sampled_from(["0.00001", "0.001", "0.01", "0.05", "0.25", "1", "5", "0.0000025"]),
    st.lists(st.integers(-(2**40), 2**40), min_size=1, max_size=40),
)
def test_grid_values_are_bit_identical_to_the_instruments_prices(
    tick: str, counts: list[int]
) -> None:
    instrument = Instrument("X", "Y", tick)
    k, p = grid_of(instrument.tick_size)
    ticks = np.array(counts, np.int64)
    ours = _kernels.grid_values(ticks, k, float(10**p))
    assert ours.tobytes() == instrument.ticks_to_prices(ticks).tobytes()
    square = np.resize(ticks, (len(counts), 2))
    assert _kernels.grid_values(square, k, float(10**p)).shape == square.shape
