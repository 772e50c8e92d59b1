"""Execution quality: limit fill rate, slippage against the mid in bps, latency in ns."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tickdeck.core import InputError, Side
from tickdeck.results import average_latency_ns, average_slippage_bps, limit_fill_rate

# limit_fill_rate -----------------------------------------------------------


def test_fill_rate_is_the_filled_share_of_limit_quantity() -> None:
    rate = limit_fill_rate(np.array([10.0, 10.0, 20.0]), np.array([10.0, 5.0, 0.0]))
    assert rate == pytest.approx(15 / 40)


def test_flags_give_the_share_of_orders_filled() -> None:
    assert limit_fill_rate(np.ones(3), np.array([1, 0, 1])) == pytest.approx(2 / 3)


def test_no_limit_orders_have_no_fill_rate() -> None:
    assert math.isnan(limit_fill_rate(np.array([]), np.array([])))


def test_partial_fills_summing_past_the_order_by_rounding_are_accepted() -> None:
    assert limit_fill_rate(np.array([0.3]), np.array([0.1 + 0.2])) == 1.0


@pytest.mark.parametrize(
    ("ordered", "filled", "field"),
    [([10.0], [11.0], "filled_quantity"), ([0.0], [0.0], "order_quantity")],
    ids=["overfilled", "empty order"],
)
def test_impossible_fills_are_refused(
    ordered: list[float], filled: list[float], field: str
) -> None:
    with pytest.raises(InputError, match=field):
        limit_fill_rate(np.array(ordered), np.array(filled))


# average_slippage_bps ------------------------------------------------------

SIDES = np.array([Side.BUY, Side.SELL, Side.SELL])
PRICES = np.array([100.05, 99.98, 100.01])
MIDS = np.full(3, 100.0)


def test_slippage_is_signed_so_that_a_cost_is_positive() -> None:
    # +5 bps (bought above the mid), +2 bps (sold below), -1 bp (sold above: price improvement).
    assert average_slippage_bps(SIDES, PRICES, MIDS) == pytest.approx(2.0)


def test_slippage_weighted_by_notional_is_the_cost_of_the_traded_notional() -> None:
    notional = np.array([1_000.0, -3_000.0, 0.0])
    assert average_slippage_bps(SIDES, PRICES, MIDS, notional=notional) == pytest.approx(2.75)


def test_no_fills_or_no_weight_have_no_slippage() -> None:
    empty = np.array([])
    assert math.isnan(average_slippage_bps(np.array([], dtype=np.int8), empty, empty))
    assert math.isnan(average_slippage_bps(SIDES, PRICES, MIDS, notional=np.zeros(3)))


@pytest.mark.parametrize(
    ("sides", "prices", "field"),
    [([0, 1, 1], PRICES, "side"), (SIDES, [100.0, 0.0, 100.0], "fill_price")],
    ids=["side", "price"],
)
def test_slippage_inputs_are_checked(sides: object, prices: object, field: str) -> None:
    with pytest.raises(InputError, match=field):
        average_slippage_bps(np.array(sides), np.array(prices), MIDS)


@given(
    fills=st.lists(
        st.tuples(st.sampled_from([1, -1]), st.floats(50.0, 150.0), st.floats(50.0, 150.0)),
        min_size=1,
        max_size=20,
    )
)
def test_slippage_matches_a_plain_loop(fills: list[tuple[int, float, float]]) -> None:
    sides, prices, mids = (np.array(column) for column in zip(*fills, strict=True))
    expected = sum(s * (p - m) / m * 1e4 for s, p, m in fills) / len(fills)
    assert average_slippage_bps(sides, prices, mids) == pytest.approx(expected, abs=1e-9)


# average_latency_ns --------------------------------------------------------


def test_latency_is_the_mean_delay_from_submit_to_response() -> None:
    latency = average_latency_ns(np.array([0, 10, 20]), np.array([5, 10, 50]))
    assert latency == pytest.approx(35 / 3)


def test_no_orders_have_no_latency() -> None:
    none = np.array([], dtype=np.int64)
    assert math.isnan(average_latency_ns(none, none))


def test_a_response_before_its_order_is_refused() -> None:
    with pytest.raises(InputError, match="response_ns"):
        average_latency_ns(np.array([10]), np.array([9]))
