"""The compiled path's arithmetic is Python's, bit for bit, where numba's would differ.

`round_decimal` is Python's ``round(x, n)`` (numba's rounds differently:
``round(2.675, 2)`` is 2.67 in Python, 2.68 in numba); `fsum` is
`math.fsum`; `ulp`, `snap_price` and `is_off_grid` are `math.ulp` and the
`Instrument` grid methods. Each is checked against the Python original on
generated numbers, with the awkward cases (ties, decimals with no exact
binary form, partial sums that cancel) drawn on purpose.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st

from tickdeck.core import Instrument
from tickdeck.core.instrument import grid_of
from tickdeck.spec._kernel import _layout as layout
from tickdeck.spec._kernel._fill_kernels import is_off_grid, round_decimal, snap_price, ulp
from tickdeck.spec._kernel._trip_kernels import fsum

decimals_like = st.one_of(
    st.floats(0, 1e7, allow_nan=False),
    # k / 10**d for small k: decimals that are not exact in binary, and their ties.
    st.builds(lambda k, d: k / 10**d, st.integers(0, 10**9), st.integers(0, 12)),
    st.builds(lambda k, d: (k + 0.5) / 10**d, st.integers(0, 10**6), st.integers(0, 9)),
    st.builds(lambda k, t: k * t, st.integers(1, 10**6), st.sampled_from([0.1, 0.01, 1e-5, 0.25])),
)


@given(value=decimals_like, digits=st.integers(0, 12))
@example(value=2.675, digits=2)
@example(value=0.125, digits=2)
@example(value=1.0000000005, digits=9)
@example(value=999.0000000004999, digits=9)
def test_round_decimal_is_pythons_round(value: float, digits: int) -> None:
    assert round_decimal(value, digits) == round(value, digits)
    assert round_decimal(-value, digits) == round(-value, digits)


finite = st.floats(-1e12, 1e12, allow_nan=False, allow_subnormal=True)


@given(values=st.lists(finite, max_size=12))
@example(values=[1e12, 1.0, -1e12])
@example(values=[0.1, 0.2, -0.3])
@example(values=[1.0, 1e-16, 1e-16])
@example(values=[-0.0])
def test_fsum_is_math_fsum(values: list[float]) -> None:
    array = np.array(values, dtype=np.float64)
    partials = np.empty(2 * len(values) + 64)
    result = fsum(array, len(values), partials)
    expected = math.fsum(values)
    assert result == expected
    assert math.copysign(1.0, result) == math.copysign(1.0, expected)


@given(value=st.floats(5e-324, 1e300, allow_nan=False, allow_infinity=False))
def test_ulp_is_math_ulp(value: float) -> None:
    assert ulp(value) == math.ulp(value)


GRIDS = [Instrument("EURUSD", "X", "0.00001"), Instrument("ES", "X", "0.25")]
GRIDS.append(Instrument("BOND", "X", "0.0078125"))


def grid_parameters(instrument: Instrument) -> tuple[np.ndarray, np.ndarray]:
    k, p = grid_of(instrument.tick_size)
    mi = np.zeros(layout.HEADER_I, np.int64)
    mf = np.zeros(layout.HEADER_F, np.float64)
    mi[layout.PI_K] = k
    mf[layout.PF_SCALE] = float(10**p)
    mf[layout.PF_KF] = float(k)
    mf[layout.PF_TICK] = float(instrument.tick_size)
    return mi, mf


@given(
    instrument=st.sampled_from(GRIDS),
    price=st.one_of(
        st.floats(1e-3, 1e5, allow_nan=False),
        st.builds(lambda n: n * 0.00001, st.integers(1, 10**8)),
    ),
)
def test_the_grid_helpers_are_the_instruments(instrument: Instrument, price: float) -> None:
    mi, mf = grid_parameters(instrument)
    assert snap_price(price, mi, mf) == instrument.snap_price(price)
    assert is_off_grid(price, mf) == instrument.is_off_grid(price)
