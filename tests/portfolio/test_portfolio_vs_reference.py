"""The portfolio agrees with an exact-arithmetic FIFO account on generated fills.

tests/portfolio/test_portfolio_reference.py checks whole-unit fills against
unit lots. This file covers what that one cannot: fractional lot sizes (FX
hundredths, satoshis, a lot of 0.3 that is inexact in binary), every field of
every closed lot (entry and exit times and prices, not only the PnL), the
equity recorder's rows at every step, and the fill streams the simulated
exchange really produces (partial fills walking the depth, maker and taker
fees, rebates), marked to the mid of every quote as the engine marks them.
The reference (tests/portfolio/reference_pnl.py) computes in fractions, so the
only rounding in each comparison is the portfolio's.
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.portfolio.reference_pnl import ReferenceAccount

from tickdeck.core import Fill, Instrument, OrderRequest, OrderType, Quote, Side, TimeInForce
from tickdeck.execution import MakerTakerFee
from tickdeck.execution.config import ExchangeConfig
from tickdeck.execution.exchange import SimulatedExchange
from tickdeck.portfolio import ClosedLot, EquityRecorder, Portfolio

EURUSD = Instrument("EURUSD", "DUKA", "0.00001", lot_size="0.01", asset_class="fx")
BTC = Instrument("BTCUSD", "CBSE", "0.01", lot_size="0.00000001", asset_class="crypto")
ODD = Instrument("ODD", "XTST", "0.05", lot_size="0.3")
FDAX = Instrument("FDAX", "XEUR", "0.5", multiplier=25, currency="EUR", asset_class="future")
INSTRUMENTS = {i.id: i for i in (EURUSD, BTC, ODD, FDAX)}
T0 = 1_700_000_000_000_000_000


def eur_usd(currency: str, ts: int) -> float:
    """A rate that moves every microsecond (deterministic)."""
    assert currency == "EUR"
    return 1.0 + 0.0125 * ((ts // 1000) % 9)


def money(exact: Fraction) -> object:
    """Within rounding of a float computation of a few hundred operations."""
    return pytest.approx(float(exact), rel=1e-9, abs=1e-6)


def close_to(exact: Fraction, instrument: Instrument) -> object:
    """A quantity, to within the residue the portfolio is allowed to drop (1e-9 lot)."""
    return pytest.approx(float(exact), rel=1e-12, abs=float(instrument.lot_size) * 1e-9)


def check_account(portfolio: Portfolio, reference: ReferenceAccount) -> None:
    """Every number the portfolio answers, against the reference."""
    assert portfolio.cash == money(reference.cash)
    assert portfolio.equity == money(reference.equity)
    assert portfolio.gross_exposure == money(reference.gross_exposure)
    for instrument_id, instrument in INSTRUMENTS.items():
        position = reference.position(instrument_id)
        assert portfolio.position(instrument_id) == close_to(position, instrument)
        assert portfolio.realized_pnl(instrument_id) == money(reference.realized(instrument_id))
        assert portfolio.fees(instrument_id) == money(reference.fees(instrument_id))
        assert portfolio.unrealized_pnl(instrument_id) == money(reference.unrealized(instrument_id))
        cost = reference.average_cost(instrument_id)
        if cost is None:
            assert math.isnan(portfolio.average_cost(instrument_id))
            assert portfolio.position(instrument_id) == 0.0
        else:
            assert portfolio.average_cost(instrument_id) == pytest.approx(float(cost), rel=1e-12)


def check_closed_lots(lots: tuple[ClosedLot, ...], reference: ReferenceAccount) -> None:
    assert len(lots) == len(reference.closed)
    for got, want in zip(lots, reference.closed, strict=True):
        instrument = INSTRUMENTS[want.instrument]
        assert (got.instrument, got.side, got.entry_order_id, got.exit_order_id) == (
            want.instrument,
            want.side,
            want.entry_order_id,
            want.exit_order_id,
        )
        assert (got.entry_ts, got.exit_ts) == (want.entry_ts, want.exit_ts)
        assert (got.entry_price, got.exit_price) == (
            float(want.entry_price),
            float(want.exit_price),
        )
        assert got.quantity == close_to(want.quantity, instrument)
        assert got.gross_pnl == money(want.gross_pnl)
        assert got.fees == money(want.fees)


# -- fractional lots, multipliers, another currency ----------------------------------

steps = st.lists(
    st.tuples(
        st.sampled_from(sorted(INSTRUMENTS)),
        st.sampled_from(("buy", "sell", "buy", "sell", "mark")),
        st.integers(1, 9),  # lots
        st.integers(1, 3000),  # price, in ticks above a base
        st.integers(-3, 12),  # fee, in quarters of the quote currency (negative: a rebate)
    ),
    min_size=1,
    max_size=50,
)

BASE_TICKS = {EURUSD.id: 108_000, BTC.id: 4_000_000, ODD.id: 200, FDAX.id: 34_000}


def price_of(instrument_id: str, ticks: int) -> float:
    instrument = INSTRUMENTS[instrument_id]
    return float(instrument.ticks_to_prices([BASE_TICKS[instrument_id] + ticks])[0])


def replay(
    script: list[tuple[str, str, int, int, int]],
) -> tuple[Portfolio, ReferenceAccount, EquityRecorder, list[tuple[Fraction, Fraction]]]:
    portfolio = Portfolio(INSTRUMENTS, initial_cash=250_000.0, fx=eur_usd)
    reference = ReferenceAccount(INSTRUMENTS, initial_cash=250_000.0, fx=eur_usd)
    recorder = EquityRecorder(portfolio, capacity=4)
    rows = []
    for number, (instrument_id, action, lots, ticks, fee) in enumerate(script):
        ts = T0 + number * 1_000
        price = price_of(instrument_id, ticks)
        if action == "mark":
            portfolio.mark(instrument_id, price, ts)
            reference.mark(instrument_id, price, ts)
        else:
            # Quantities are whole lots computed in floats, as strategies compute them.
            quantity = lots * float(INSTRUMENTS[instrument_id].lot_size)
            side = Side.BUY if action == "buy" else Side.SELL
            fill = Fill(number, instrument_id, ts, side, quantity, price, fee=0.25 * fee)
            portfolio.apply(fill)
            reference.apply(fill)
        check_account(portfolio, reference)
        recorder.sample(ts)
        rows.append((reference.equity, reference.cash))
    return portfolio, reference, recorder, rows


@given(steps)
def test_fractional_lots_match_the_exact_reference_after_every_step(
    script: list[tuple[str, str, int, int, int]],
) -> None:
    portfolio, reference, _, _ = replay(script)
    check_closed_lots(portfolio.closed_lots, reference)


@given(steps)
def test_fees_are_all_either_in_a_closed_lot_or_waiting_in_an_open_one(
    script: list[tuple[str, str, int, int, int]],
) -> None:
    portfolio, reference, _, _ = replay(script)
    waiting = sum((reference.open_fees(i) for i in INSTRUMENTS), Fraction(0))
    allocated = math.fsum(lot.fees for lot in portfolio.closed_lots)
    assert allocated + float(waiting) == pytest.approx(portfolio.fees(), rel=1e-9, abs=1e-6)


@given(steps)
def test_every_row_of_the_equity_curve_is_the_reference_equity_of_its_step(
    script: list[tuple[str, str, int, int, int]],
) -> None:
    _, _, recorder, rows = replay(script)
    curve = recorder.curve()
    assert len(curve) == len(rows)
    for equity, cash, (want_equity, want_cash) in zip(
        curve.equity.tolist(), curve.cash.tolist(), rows, strict=True
    ):
        assert equity == money(want_equity)
        assert cash == money(want_cash)
    assert (curve.equity == curve.cash + curve.position_value).all()


# -- the fills the exchange produces, marked at every mid ----------------------------

ACME = Instrument("ACME", "XNAS", "0.01")

orders = st.one_of(
    st.tuples(
        st.just(OrderType.MARKET), st.sampled_from((Side.BUY, Side.SELL)), st.integers(1, 400)
    ),
    st.tuples(
        st.just(OrderType.LIMIT), st.sampled_from((Side.BUY, Side.SELL)), st.integers(1, 400)
    ),
)
sessions = st.lists(
    st.tuples(st.integers(-3, 3), st.integers(1, 3), st.integers(1, 150), st.none() | orders),
    min_size=1,
    max_size=60,
)


@given(sessions)
def test_the_exchanges_fills_marked_to_the_mid_match_the_reference(
    session: list[tuple[int, int, int, tuple[OrderType, Side, int] | None]],
) -> None:
    """Takers walk the depth in several fills, limits rest and fill as makers later, the
    maker fee is a rebate; each quote marks the position at its mid, as the engine does."""
    exchange = SimulatedExchange(
        {ACME.id: ACME}, ExchangeConfig(fees=MakerTakerFee(maker_bps=-0.5, taker_bps=2.0))
    )
    portfolio = Portfolio({ACME.id: ACME}, initial_cash=100_000.0)
    reference = ReferenceAccount({ACME.id: ACME}, initial_cash=100_000.0)
    bid = 5_000
    order_id = 0
    for number, (move, spread, size, order) in enumerate(session):
        ts = T0 + number * 1_000_000
        bid += move
        quote = Quote(ACME.id, ts, ts, bid / 100, (bid + spread) / 100, size, size)
        reports = list(exchange.on_quote(quote))
        if order is not None:
            kind, side, quantity = order
            order_id += 1
            limit = None
            if kind == OrderType.LIMIT:  # a tick behind the best on its own side: it rests
                limit = (bid - 1) / 100 if side == Side.BUY else (bid + spread + 1) / 100
            request = OrderRequest(
                ACME.id, side, quantity, kind, limit_price=limit, time_in_force=TimeInForce.GTC
            )
            reports += exchange.submit(order_id, request, ts + 1)
        for report in reports:
            if isinstance(report, Fill):
                portfolio.apply(report)
                reference.apply(report)
        portfolio.mark(ACME.id, quote.mid, ts)
        reference.mark(ACME.id, quote.mid, ts)
        assert portfolio.position(ACME.id) == exchange.position(ACME.id)
        assert portfolio.cash == money(reference.cash)
        assert portfolio.equity == money(reference.equity)
        assert portfolio.realized_pnl() == money(reference.realized(ACME.id))
        assert portfolio.unrealized_pnl() == money(reference.unrealized(ACME.id))
        assert portfolio.fees() == money(reference.fees(ACME.id))
    lots = portfolio.closed_lots
    assert len(lots) == len(reference.closed)
    for got, want in zip(lots, reference.closed, strict=True):
        assert (got.entry_order_id, got.exit_order_id, got.quantity) == (
            want.entry_order_id,
            want.exit_order_id,
            float(want.quantity),
        )
        assert got.gross_pnl == money(want.gross_pnl)
        assert got.fees == money(want.fees)
