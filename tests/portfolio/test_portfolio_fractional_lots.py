"""Fractional quantities: float residue never leaves a ghost position or a ghost lot.

Sizes such as 0.1 are not exact in binary (0.1 + 0.2 - 0.3 == 5.6e-17). A
remainder below 1e-9 of the lot size can only be such residue, so it counts as
flat; a tolerance relative to the lot size keeps real positions of tiny-lot
instruments (1e-8 BTC) intact.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tickdeck.core import Fill, Instrument, Side
from tickdeck.portfolio import LotBook, Portfolio

EURUSD = Instrument("EURUSD", "DUKA", "0.00001", lot_size="0.01", asset_class="fx")
BTC = Instrument("BTCUSD", "CBSE", "0.01", lot_size="0.00000001", asset_class="crypto")


def fill(instrument: Instrument, side: Side, quantity: float, ts: int = 0) -> Fill:
    return Fill(ts, instrument.id, ts, side, quantity, 1.1)


def test_buying_a_tenth_and_two_tenths_then_selling_three_tenths_is_exactly_flat() -> None:
    p = Portfolio({EURUSD.id: EURUSD}, initial_cash=0.0)
    p.apply(fill(EURUSD, Side.BUY, 0.1))
    p.apply(fill(EURUSD, Side.BUY, 0.2))
    effect = p.apply(fill(EURUSD, Side.SELL, 0.3))
    assert effect.position == 0.0
    assert p.position(EURUSD.id) == 0.0
    assert p.open_instruments() == ()
    assert p.unrealized_pnl() == 0.0
    assert [lot.quantity for lot in effect.closed_lots] == [0.1, 0.2]


def test_a_position_of_a_few_satoshis_is_not_mistaken_for_residue() -> None:
    p = Portfolio({BTC.id: BTC}, initial_cash=0.0)
    p.apply(fill(BTC, Side.BUY, 3e-8))
    p.apply(fill(BTC, Side.SELL, 2e-8))
    assert p.position(BTC.id) == pytest.approx(1e-8, rel=1e-12)
    assert p.open_instruments() == (BTC.id,)


# Trades of k lots, k signed and non-zero; lot sizes whose decimals are inexact in binary.
lot_sizes = st.sampled_from([0.01, 0.1, 0.001, 1e-8, 0.3])
trades = st.lists(st.integers(-7, 7).filter(bool), min_size=1, max_size=80)


@given(lot_sizes, trades)
def test_the_book_matches_exact_integer_lot_counts(lot: float, counts: list[int]) -> None:
    book = LotBook("X.Y", multiplier=1.0, flat_tolerance=lot * 1e-9)
    exact: list[int] = []  # open lots as signed integer lot counts, oldest first
    for ts, count in enumerate(counts):
        book.trade(
            sign=1 if count > 0 else -1,
            quantity=abs(count) * lot,
            price=1.0,
            ts=ts,
            order_id=ts,
            rate=1.0,
            fee=0.0,
        )
        remaining = count
        while exact and remaining and (exact[0] > 0) != (remaining > 0):
            matched = min(abs(exact[0]), abs(remaining))
            step = matched if exact[0] > 0 else -matched
            exact[0] -= step
            remaining += step
            if exact[0] == 0:
                exact.pop(0)
        if remaining:
            exact.append(remaining)
        total = sum(exact)
        if total == 0:
            assert book.position == 0.0
            assert book.open_cost == 0.0
        else:
            assert abs(book.position - total * lot) <= 1e-12 * abs(total * lot)
        assert book.lot_count == len(exact)
