"""Time in market from position changes, and turnover against time-weighted equity."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.results.metrics_references import (
    HOUR,
    MONDAY,
    equity_curves,
    reference_average_equity,
    reference_time_in_market,
    timestamps,
)

from tickdeck.core import InputError
from tickdeck.results import time_in_market, turnover


def hours(*values: float) -> np.ndarray:
    return (MONDAY + HOUR * np.array(values)).astype(np.int64)


# time_in_market ------------------------------------------------------------


def test_time_in_market_adds_up_the_stretches_with_a_position() -> None:
    changes, positions = hours(1, 3, 6, 9), np.array([5.0, 0.0, -2.0, 0.0])
    share = time_in_market(changes, positions, start_ns=MONDAY, end_ns=MONDAY + 10 * HOUR)
    assert share == pytest.approx(5 / 10)  # long 1h-3h, short 6h-9h


def test_a_position_opened_before_the_window_counts_from_its_start() -> None:
    changes, positions = hours(-5, 2), np.array([1.0, 0.0])
    share = time_in_market(changes, positions, start_ns=MONDAY, end_ns=MONDAY + 4 * HOUR)
    assert share == pytest.approx(2 / 4)


def test_changes_after_the_window_are_ignored() -> None:
    changes, positions = hours(2, 8), np.array([1.0, 0.0])
    share = time_in_market(changes, positions, start_ns=MONDAY, end_ns=MONDAY + 4 * HOUR)
    assert share == pytest.approx(2 / 4)


def test_of_simultaneous_changes_the_last_one_holds() -> None:
    changes, positions = hours(1, 1), np.array([3.0, 0.0])
    share = time_in_market(changes, positions, start_ns=MONDAY, end_ns=MONDAY + 2 * HOUR)
    assert share == 0.0


def test_no_position_changes_mean_always_flat() -> None:
    none = np.array([], dtype=np.int64)
    share = time_in_market(none, np.array([]), start_ns=MONDAY, end_ns=MONDAY + HOUR)
    assert share == 0.0


def test_an_empty_window_has_no_time_in_market() -> None:
    share = time_in_market(hours(0), np.array([1.0]), start_ns=MONDAY, end_ns=MONDAY)
    assert math.isnan(share)


def test_a_window_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(InputError, match="end_ns"):
        time_in_market(hours(0), np.array([1.0]), start_ns=MONDAY, end_ns=MONDAY - 1)


@given(
    data=st.integers(0, 20).flatmap(
        lambda n: st.tuples(
            timestamps(n), st.lists(st.sampled_from([0.0, 1.0, -2.5]), min_size=n, max_size=n)
        )
    ),
    start_offset=st.integers(-2 * HOUR, 2 * HOUR),
    length=st.integers(1, 5 * 24 * HOUR),
)
def test_time_in_market_matches_a_walk_over_the_changes(
    data: tuple[np.ndarray, list[float]], start_offset: int, length: int
) -> None:
    changes, positions = data[0], np.array(data[1])
    start = MONDAY + 24 * HOUR + start_offset
    end = start + length
    share = time_in_market(changes, positions, start_ns=start, end_ns=end)
    assert share == pytest.approx(reference_time_in_market(changes, positions, start, end))
    assert 0.0 <= share <= 1.0


# turnover ------------------------------------------------------------------


def test_turnover_counts_buys_and_sells_against_average_equity() -> None:
    ts, equity = hours(0, 1, 2), np.array([100.0, 100.0, 100.0])
    assert turnover(np.array([50.0, -50.0, 100.0]), ts, equity) == pytest.approx(2.0)


def test_average_equity_weights_each_value_by_how_long_it_held() -> None:
    ts, equity = hours(0, 1, 4), np.array([100.0, 200.0, 999.0])  # the last value holds no time
    assert turnover(np.array([350.0]), ts, equity) == pytest.approx(350 / 175)


def test_a_curve_without_elapsed_time_uses_its_last_equity() -> None:
    assert turnover(np.array([400.0]), hours(0, 0), np.array([100.0, 200.0])) == 2.0


def test_turnover_without_fills_is_zero_and_without_equity_nan() -> None:
    assert turnover(np.array([]), hours(0, 1), np.array([100.0, 100.0])) == 0.0
    assert math.isnan(turnover(np.array([1.0]), np.array([], dtype=np.int64), np.array([])))


def test_turnover_against_a_negative_average_equity_is_nan() -> None:
    ts, equity = hours(0, 1, 4), np.array([100.0, -300.0, 5.0])
    assert math.isnan(turnover(np.array([10.0]), ts, equity))


@given(
    curve=equity_curves(min_size=1),
    notional=st.lists(st.floats(-1e6, 1e6), max_size=10),
)
def test_turnover_matches_a_plain_loop(
    curve: tuple[np.ndarray, np.ndarray], notional: list[float]
) -> None:
    ts, equity = curve
    expected = sum(abs(n) for n in notional) / reference_average_equity(ts, equity)
    assert turnover(np.array(notional), ts, equity) == pytest.approx(expected, rel=1e-9)
