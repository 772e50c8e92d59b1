"""Crossover helpers: the stateless rule, the stateful Cross, and its array face."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.strategy.indicators.indicator_series import F64

from tickdeck.core import InputError
from tickdeck.strategy import SMA, Cross, Crossing, crossed_above, crossed_below, crossings, sma

NAN = math.nan

# Few distinct values: ties are common, and NaN stands for a warming-up input.
readings = st.lists(
    st.tuples(st.sampled_from([NAN, -1.0, 0.0, 0.5, 1.0]), st.sampled_from([NAN, 0.0, 0.5])),
    max_size=60,
)


def pandas_crossings(a: F64, b: F64) -> F64:
    """A change of state, where the state is the last strict side of a - b, else 0 once tied."""
    difference = pd.Series(a) - pd.Series(b)
    last_side = np.sign(difference).replace(0.0, np.nan).ffill()
    tied_yet = (difference == 0).cummax()
    state = last_side.where(last_side.notna(), np.where(tied_yet, 0.0, np.nan))
    previous = state.shift()
    return np.where(previous.notna() & (state != previous), state, 0.0)


def split(pairs: list[tuple[float, float]]) -> tuple[F64, F64]:
    array = np.array(pairs, dtype=np.float64).reshape(len(pairs), 2)
    return array[:, 0].copy(), array[:, 1].copy()


@given(readings)
def test_crossings_are_changes_of_the_last_strict_side(pairs: list[tuple[float, float]]) -> None:
    a, b = split(pairs)
    assert crossings(a, b).tolist() == pandas_crossings(a, b).tolist()


@given(readings)
def test_cross_updates_give_the_array(pairs: list[tuple[float, float]]) -> None:
    a, b = split(pairs)
    cross = Cross()
    reported = [cross.update(x, y) for x, y in pairs]
    assert reported == crossings(a, b).tolist()
    assert all(isinstance(r, Crossing) for r in reported)


@given(readings)
def test_the_stateless_rule_is_at_or_below_then_strictly_above(
    pairs: list[tuple[float, float]],
) -> None:
    a, b = (pd.Series(column) for column in split(pairs))
    above = ((a.shift() <= b.shift()) & (a > b)).tolist()[1:]
    below = ((a.shift() >= b.shift()) & (a < b)).tolist()[1:]
    steps = list(itertools.pairwise(pairs))
    assert [crossed_above(p[0], c[0], p[1], c[1]) for p, c in steps] == above
    assert [crossed_below(p[0], c[0], p[1], c[1]) for p, c in steps] == below


def test_a_touch_and_go_is_one_crossing_and_a_touch_and_bounce_none_for_cross() -> None:
    zeros = [0.0, 0.0, 0.0]
    assert crossings([-1.0, 0.0, 1.0], zeros).tolist() == [0, 0, 1]
    assert crossings([1.0, 0.0, 1.0], zeros).tolist() == [0, 0, 0]
    assert crossings([0.0, 0.0, 1.0], zeros).tolist() == [0, 0, 1]  # leaving a tie from the start
    assert crossings([NAN, 1.0, 1.0], zeros).tolist() == [0, 0, 0]  # no crossing out of warm-up
    # The stateless rule sees only two readings: it also reports the bounce.
    assert crossed_above(0.0, 1.0, 0.0, 0.0)


def test_cross_needs_a_side_before_it_can_report() -> None:
    cross = Cross()
    assert cross.update(NAN, 1.0) is Crossing.NONE
    assert not cross.ready
    assert cross.update(2.0, 1.0) is Crossing.NONE
    assert cross.ready
    assert cross.update(NAN, 1.0) is Crossing.NONE
    assert cross.update(0.0, 1.0) is Crossing.BELOW
    assert cross.value is Crossing.BELOW
    cross.reset()
    assert not cross.ready
    assert cross.update(2.0, 1.0) is Crossing.NONE


def test_a_fast_and_slow_sma_cross_once_each_way_on_a_price_round_trip() -> None:
    prices = np.concatenate([np.full(30, 10.0), np.linspace(10.0, 20.0, 30), np.full(40, 20.0)])
    prices = np.concatenate([prices, prices[::-1]])
    signals = crossings(sma(prices, 5), sma(prices, 20))
    assert sorted(signals[signals != 0].tolist()) == [-1, 1]
    fast, slow, cross = SMA(5), SMA(20), Cross()
    incremental = [cross.update(fast.update(p), slow.update(p)) for p in prices.tolist()]
    assert incremental == signals.tolist()


def test_crossings_take_equal_length_1d_arrays() -> None:
    with pytest.raises(InputError) as caught:
        crossings([1.0, 2.0], [1.0])
    assert caught.value.field == "b"
    with pytest.raises(InputError):
        crossings(np.ones((2, 2)), np.ones((2, 2)))
