"""What the accounting keeps over a long run: no closed lot unless asked, no copied curve.

A run of millions of fills closes millions of lots. The engine makes its
portfolio with ``keep_closed_lots=False`` and takes each fill's lots from
`apply` instead; the accounting must not change. The equity curve is handed
out as views of the recorder's arrays: a curve must still never change once
taken, whatever is recorded after it.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tickdeck.core import Fill, InputError, Instrument, Side
from tickdeck.portfolio import ClosedLot, EquityRecorder, Portfolio

ACME = Instrument("ACME", "XNAS", "0.01")

FILLS = st.lists(
    st.tuples(
        st.sampled_from(Side),
        st.integers(1, 40).map(float),
        st.integers(900, 1100).map(lambda ticks: ticks / 100),
        st.floats(0.0, 2.0),
    ),
    min_size=1,
    max_size=30,
).map(
    lambda rows: [
        Fill(i // 2 + 1, ACME.id, i, side, quantity, price, fee)
        for i, (side, quantity, price, fee) in enumerate(rows)
    ]
)


@given(FILLS)
def test_not_keeping_closed_lots_changes_no_number(fills: list[Fill]) -> None:
    keeping = Portfolio({ACME.id: ACME}, initial_cash=10_000.0)
    lean = Portfolio({ACME.id: ACME}, initial_cash=10_000.0, keep_closed_lots=False)
    for fill in fills:
        assert lean.apply(fill) == keeping.apply(fill)
    for name in ("cash", "equity", "gross_exposure", "net_exposure"):
        assert getattr(lean, name) == getattr(keeping, name), name
    assert lean.realized_pnl() == keeping.realized_pnl()
    assert lean.fees() == keeping.fees()
    assert lean.position(ACME.id) == keeping.position(ACME.id)


@given(FILLS)
def test_the_lots_apply_hands_out_are_the_lots_a_keeping_portfolio_keeps(
    fills: list[Fill],
) -> None:
    keeping = Portfolio({ACME.id: ACME}, initial_cash=10_000.0)
    lean = Portfolio({ACME.id: ACME}, initial_cash=10_000.0, keep_closed_lots=False)
    handed_out: list[ClosedLot] = []
    for fill in fills:
        keeping.apply(fill)
        handed_out.extend(lean.apply(fill).closed_lots)
    assert tuple(handed_out) == keeping.closed_lots


def test_asking_a_portfolio_that_keeps_no_lots_for_them_is_an_error() -> None:
    lean = Portfolio({ACME.id: ACME}, initial_cash=1.0, keep_closed_lots=False)
    lean.apply(Fill(1, ACME.id, 1, Side.BUY, 1.0, 10.0))
    lean.apply(Fill(2, ACME.id, 2, Side.SELL, 1.0, 11.0))
    with pytest.raises(InputError, match="keep_closed_lots=True") as caught:
        _ = lean.closed_lots
    assert caught.value.field == "closed_lots"


def test_a_curve_once_taken_never_changes_as_recording_grows_past_its_capacity() -> None:
    portfolio = Portfolio({ACME.id: ACME}, initial_cash=1_000.0)
    recorder = EquityRecorder(portfolio, capacity=2)
    portfolio.apply(Fill(1, ACME.id, 1, Side.BUY, 10.0, 10.0))
    taken = []
    for ts in range(1, 40):
        portfolio.mark(ACME.id, 10.0 + ts / 100, ts)
        recorder.sample(ts)
        curve = recorder.curve()
        taken.append((curve, curve.equity.copy(), curve.ts.copy()))
    for curve, equity, times in taken:
        np.testing.assert_array_equal(curve.equity, equity)
        np.testing.assert_array_equal(curve.ts, times)
        assert not curve.equity.flags.writeable
        assert not curve.ts.flags.writeable
    final = recorder.curve()
    expected = [900.0 + 10.0 * (10.0 + ts / 100) for ts in range(1, 40)]
    assert final.equity.tolist() == pytest.approx(expected, rel=1e-15)
