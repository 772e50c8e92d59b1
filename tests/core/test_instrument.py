"""Instruments: identity, validation, and exact prices on the tick grid."""

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tickdeck.core import AssetClass, InputError, Instrument

TICK_SIZES = ["0.00001", "0.001", "0.01", "0.25", "0.005", "1", "5", "0.0000001", "12.5"]


def make(tick: str) -> Instrument:
    return Instrument("TEST", "SIM", tick)


def test_id_joins_symbol_and_venue() -> None:
    assert Instrument("EURUSD", "DUKA", "0.00001").id == "EURUSD.DUKA"
    assert Instrument.parse_id("ES-H5.CME") == ("ES-H5", "CME")


def test_decimals_are_exact_and_printed_plainly() -> None:
    instrument = Instrument("ES", "CME", 0.25, multiplier="50", asset_class="future")
    assert instrument.tick_size == Decimal("0.25")
    assert instrument.asset_class is AssetClass.FUTURE
    assert instrument.to_dict()["multiplier"] == "50"
    assert Instrument("X", "Y", "1E+2").to_dict()["tick_size"] == "100"


def test_round_trips_through_dict() -> None:
    instrument = Instrument("USDJPY", "DUKA", "0.001", "1000", currency="JPY", asset_class="fx")
    assert Instrument.from_dict(instrument.to_dict()) == instrument


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"symbol": "EUR/USD", "venue": "X", "tick_size": "0.1"}, "symbol"),
        ({"symbol": "EURUSD", "venue": "A.B", "tick_size": "0.1"}, "venue"),
        ({"symbol": "EURUSD", "venue": "X", "tick_size": "0"}, "tick_size"),
        ({"symbol": "EURUSD", "venue": "X", "tick_size": "abc"}, "tick_size"),
        ({"symbol": "EURUSD", "venue": "X", "tick_size": "1e-13"}, "tick_size"),
        ({"symbol": "EURUSD", "venue": "X", "tick_size": "0.1", "lot_size": "-1"}, "lot_size"),
        ({"symbol": "EURUSD", "venue": "X", "tick_size": "0.1", "currency": "usd"}, "currency"),
        (
            {"symbol": "EURUSD", "venue": "X", "tick_size": "0.1", "asset_class": "stonks"},
            "asset_class",
        ),
    ],
)
def test_rejects_invalid_definitions_naming_the_field(kwargs: dict[str, str], field: str) -> None:
    with pytest.raises(InputError) as caught:
        Instrument(**kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_unknown_dict_keys_are_rejected() -> None:
    with pytest.raises(InputError, match="tick"):
        Instrument.from_dict({"symbol": "A", "venue": "B", "tick": "0.1"})


def test_malformed_id_is_rejected() -> None:
    with pytest.raises(InputError, match=r"SYMBOL\.VENUE"):
        Instrument.parse_id("EURUSD")


@given(st.sampled_from(TICK_SIZES), st.lists(st.integers(-(2**40), 2**40), min_size=1, max_size=50))
def test_ticks_to_prices_to_ticks_is_identity(tick: str, counts: list[int]) -> None:
    instrument = make(tick)
    ticks = np.array(counts, dtype=np.int64)
    np.testing.assert_array_equal(
        instrument.prices_to_ticks(instrument.ticks_to_prices(ticks)), ticks
    )


@given(st.sampled_from(TICK_SIZES), st.integers(-(2**40), 2**40))
def test_grid_prices_are_the_nearest_double_of_the_decimal(tick: str, count: int) -> None:
    instrument = make(tick)
    exact = Decimal(count) * Decimal(tick)
    # float(str) is the correctly rounded double of a decimal string.
    assert instrument.ticks_to_prices([count])[0] == float(str(exact))
    assert instrument.prices_to_ticks([float(str(exact))])[0] == count


@given(st.sampled_from(TICK_SIZES), st.floats(-1e6, 1e6, allow_nan=False))
def test_snapping_moves_at_most_half_a_tick_and_lands_on_the_grid(tick: str, price: float) -> None:
    instrument = make(tick)
    snapped = instrument.snap_prices([price])[0]
    assert abs(snapped - price) <= float(tick) / 2 * (1 + 1e-9) + 1e-9
    assert not instrument.off_grid([snapped])[0]


def test_off_grid_tolerates_float_noise_only() -> None:
    instrument = make("0.00001")
    assert not instrument.off_grid([1.1000499999999999])[0]
    assert instrument.off_grid([1.100005])[0]
