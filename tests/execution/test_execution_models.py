"""Latency, fee and slippage models: stated formulas, seeded draws, validated parameters."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tickdeck.core import InputError, Liquidity
from tickdeck.execution import (
    BpsFee,
    CompositeFee,
    ConstantLatency,
    FixedBpsSlippage,
    LatencyProfile,
    LogNormalLatency,
    MakerTakerFee,
    NoFee,
    NoSlippage,
    PerUnitFee,
    SpreadFractionSlippage,
    SquareRootImpact,
    UniformLatency,
)

prices = st.floats(0.01, 1e5)
quantities = st.floats(1e-3, 1e6)


def test_constant_latency_draws_nothing() -> None:
    rng = np.random.default_rng(1)
    state = rng.bit_generator.state
    assert ConstantLatency(250).sample_ns(rng) == 250
    assert ConstantLatency(250).sample_many_ns(rng, 3).tolist() == [250, 250, 250]
    assert rng.bit_generator.state == state


@pytest.mark.parametrize(
    "model", [UniformLatency(100, 900), LogNormalLatency(500, 0.7, floor_ns=50)]
)
def test_random_latency_is_fixed_by_the_seed(model: UniformLatency | LogNormalLatency) -> None:
    first = model.sample_many_ns(np.random.default_rng(42), 1000)
    second = model.sample_many_ns(np.random.default_rng(42), 1000)
    np.testing.assert_array_equal(first, second)
    assert first.dtype == np.int64
    assert (first >= 0).all()


def test_uniform_latency_stays_in_its_bounds() -> None:
    draws = UniformLatency(100, 900).sample_many_ns(np.random.default_rng(0), 10_000)
    assert draws.min() >= 100
    assert draws.max() <= 900


def test_log_normal_latency_has_the_stated_median() -> None:
    draws = LogNormalLatency(1000, 0.5, floor_ns=200).sample_many_ns(
        np.random.default_rng(0), 20_001
    )
    assert np.median(draws) == pytest.approx(1200, rel=0.03)


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: ConstantLatency(-1), "latency.ns"),
        (lambda: UniformLatency(10, 5), "latency.high_ns"),
        (lambda: LogNormalLatency(10, sigma=-1.0), "latency.sigma"),
        (lambda: LatencyProfile(order_entry=5), "latency.order_entry"),  # type: ignore[arg-type]
        (lambda: PerUnitFee(-0.01), "fees.per_unit"),
        (lambda: BpsFee(math.nan), "fees.bps"),
        (lambda: FixedBpsSlippage(-1.0), "slippage.bps"),
        (lambda: SquareRootImpact(default_volume=0.0), "impact.default_volume"),
    ],
)
def test_invalid_parameters_name_the_field(build: object, field: str) -> None:
    with pytest.raises(InputError) as caught:
        build()  # type: ignore[operator]
    assert caught.value.field == field


@given(prices, quantities, st.floats(1, 100), st.sampled_from(list(Liquidity)))
def test_fee_formulas(
    price: float, quantity: float, multiplier: float, liquidity: Liquidity
) -> None:
    args = {"price": price, "quantity": quantity, "multiplier": multiplier, "liquidity": liquidity}
    notional = price * quantity * multiplier
    assert NoFee().fee(**args) == 0.0
    assert PerUnitFee(0.005, minimum=1.0).fee(**args) == max(0.005 * quantity, 1.0)
    assert BpsFee(2.5).fee(**args) == pytest.approx(notional * 2.5e-4)
    maker_taker = MakerTakerFee(maker_bps=-0.2, taker_bps=0.3).fee(**args)
    expected = notional * (-0.2e-4 if liquidity == Liquidity.MAKER else 0.3e-4)
    assert maker_taker == pytest.approx(expected)
    both = CompositeFee((PerUnitFee(0.001), BpsFee(1.0))).fee(**args)
    assert both == pytest.approx(0.001 * quantity + notional * 1e-4)


@given(prices, quantities, st.floats(0, 10), st.floats(1, 1e7))
def test_slippage_is_never_in_the_takers_favour(
    price: float, quantity: float, spread: float, volume: float
) -> None:
    args = {"price": price, "quantity": quantity, "spread": spread, "volume": volume}
    for model in (
        NoSlippage(),
        FixedBpsSlippage(3),
        SpreadFractionSlippage(0.5),
        SquareRootImpact(0.5, 0.02),
    ):
        assert model.price_shift(**args) >= 0.0


def test_slippage_formulas() -> None:
    assert FixedBpsSlippage(10).price_shift(
        price=100.0, quantity=1, spread=0.02, volume=math.nan
    ) == pytest.approx(0.1)
    assert SpreadFractionSlippage(0.5).price_shift(
        price=100.0, quantity=1, spread=0.02, volume=1
    ) == pytest.approx(0.01)
    assert (
        SpreadFractionSlippage(0.5).price_shift(price=100.0, quantity=1, spread=math.nan, volume=1)
        == 0.0
    )
    impact = SquareRootImpact(coefficient=1.0, volatility=0.02)
    # Four times the size costs twice as much: the square-root law.
    small = impact.price_shift(price=50.0, quantity=1_000, spread=0.01, volume=1_000_000)
    large = impact.price_shift(price=50.0, quantity=4_000, spread=0.01, volume=1_000_000)
    assert small == pytest.approx(50.0 * 0.02 * math.sqrt(0.001))
    assert large == pytest.approx(2 * small)


def test_impact_without_volume_needs_a_default() -> None:
    with pytest.raises(InputError, match="no trades"):
        SquareRootImpact().price_shift(price=1.0, quantity=1.0, spread=0.0, volume=math.nan)
    shift = SquareRootImpact(default_volume=100.0).price_shift(
        price=1.0, quantity=1.0, spread=0.0, volume=math.nan
    )
    assert shift == pytest.approx(0.01 * 0.1)
