"""The scalar grid conversions give the same bits as the array forms they stand in for."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tickdeck.core import InputError, Instrument

GRIDS = [
    Instrument("EURUSD", "DUKA", "0.00001"),
    Instrument("ACME", "XNAS", "0.01"),
    Instrument("ES", "CME", "0.25"),
    Instrument("JGB", "OSE", "0.005"),
    Instrument("BTC", "X", "0.1"),
]
PRICES = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@pytest.mark.parametrize("instrument", GRIDS, ids=lambda i: str(i.tick_size))
@given(price=PRICES, ticks=st.integers(-(2**40), 2**40))
def test_scalar_and_array_conversions_agree_bit_for_bit(
    instrument: Instrument, price: float, ticks: int
) -> None:
    assert instrument.price_to_ticks(price) == int(instrument.prices_to_ticks([price])[0])
    assert instrument.ticks_to_price(ticks) == float(instrument.ticks_to_prices([ticks])[0])
    snapped = instrument.snap_price(price)
    assert snapped == float(instrument.snap_prices([price])[0])
    assert instrument.is_off_grid(price) == bool(instrument.off_grid([price])[0])
    assert not instrument.is_off_grid(snapped)


def test_a_price_without_ticks_is_refused() -> None:
    with pytest.raises(InputError, match="finite"):
        GRIDS[0].price_to_ticks(float("nan"))
    with pytest.raises(InputError, match="2\\*\\*50"):
        GRIDS[0].price_to_ticks(1e12)
    assert np.isnan(float("nan"))
    assert GRIDS[1].is_off_grid(10.005)
