"""The portfolio agrees with a slow, obviously correct reference on generated fill sequences.

The reference keeps one lot per unit of (integer) quantity and closes FIFO by
popping the oldest unit, so there is no partial-lot arithmetic to get wrong.
Sequences mix buys and sells (hence shorts and flips through zero), fees and
rebates, marks between fills, three instruments with multipliers, one of them
quoted in EUR and converted at a rate that moves with time.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tickdeck.core import Fill, Instrument, Side
from tickdeck.portfolio import ClosedLot, Portfolio

ACME = Instrument("ACME", "XNAS", "0.01")
ES = Instrument("ES", "XCME", "0.25", multiplier=50, asset_class="future")
FDAX = Instrument("FDAX", "XEUR", "0.5", multiplier=25, currency="EUR", asset_class="future")
INSTRUMENTS = (ACME, ES, FDAX)
INITIAL_CASH = 1_000_000.0


def eur_usd(currency: str, ts: int) -> float:
    """A deterministic EURUSD rate that changes every microsecond."""
    assert currency == "EUR"
    return 1.05 + 0.01 * ((ts // 1000) % 7)


def money(value: float) -> object:
    return pytest.approx(value, rel=1e-12, abs=1e-6)


@dataclass
class Unit:
    """One unit of quantity of an open position."""

    sign: int
    price: float
    ts: int
    order_id: int
    rate: float
    fee: float  # base currency, this unit's share of its entry fill's fee


@dataclass
class ReferenceAccount:
    """Unit lots in a list, FIFO by popping the front; every number recomputed from them."""

    cash: float = INITIAL_CASH
    units: dict[str, list[Unit]] = field(default_factory=lambda: {i.id: [] for i in INSTRUMENTS})
    realized: dict[str, float] = field(default_factory=lambda: dict.fromkeys(ids(), 0.0))
    fees: dict[str, float] = field(default_factory=lambda: dict.fromkeys(ids(), 0.0))
    marks: dict[str, tuple[float, int]] = field(default_factory=dict)
    last_fills: dict[str, tuple[float, int]] = field(default_factory=dict)
    closed: list[tuple[str, int, int, int, float, float]] = field(default_factory=list)

    @staticmethod
    def rate(instrument: Instrument, ts: int) -> float:
        return 1.0 if instrument.currency == "USD" else eur_usd(instrument.currency, ts)

    def fill(self, fill: Fill) -> None:
        instrument = by_id(fill.instrument)
        multiplier = float(instrument.multiplier)
        rate = self.rate(instrument, fill.ts)
        sign = 1 if fill.side == Side.BUY else -1
        self.cash -= fill.signed_quantity * fill.price * multiplier * rate + fill.fee * rate
        self.fees[fill.instrument] += fill.fee * rate
        fee_per_unit = fill.fee * rate / fill.quantity
        units = self.units[fill.instrument]
        for _ in range(int(fill.quantity)):
            if units and units[0].sign == -sign:
                unit = units.pop(0)
                pnl = unit.sign * multiplier * (fill.price * rate - unit.price * unit.rate)
                self.realized[fill.instrument] += pnl
                # (instrument, entry side sign, entry order, exit order, pnl, fees) of one unit
                self.closed.append(
                    (
                        fill.instrument,
                        unit.sign,
                        unit.order_id,
                        fill.order_id,
                        pnl,
                        unit.fee + fee_per_unit,
                    )
                )
            else:
                units.append(Unit(sign, fill.price, fill.ts, fill.order_id, rate, fee_per_unit))
        self.last_fills[fill.instrument] = (fill.price, fill.ts)

    def mark(self, instrument_id: str, price: float, ts: int) -> None:
        self.marks[instrument_id] = (price, ts)

    def position(self, instrument_id: str) -> float:
        return float(sum(u.sign for u in self.units[instrument_id]))

    def price_and_rate(self, instrument_id: str) -> tuple[float, float]:
        price, ts = self.marks.get(instrument_id) or self.last_fills[instrument_id]
        return price, self.rate(by_id(instrument_id), ts)

    def value(self, instrument_id: str) -> float:
        if not self.units[instrument_id]:
            return 0.0
        price, rate = self.price_and_rate(instrument_id)
        multiplier = float(by_id(instrument_id).multiplier)
        return self.position(instrument_id) * price * multiplier * rate

    def unrealized(self, instrument_id: str) -> float:
        if not self.units[instrument_id]:
            return 0.0
        price, rate = self.price_and_rate(instrument_id)
        multiplier = float(by_id(instrument_id).multiplier)
        return sum(
            u.sign * multiplier * (price * rate - u.price * u.rate)
            for u in self.units[instrument_id]
        )

    def closed_lots(self) -> list[tuple[str, int, int, int, float, float, float]]:
        """Closed units grouped into (instrument, sign, entry, exit, quantity, pnl, fees)."""
        grouped = []
        for key, group in itertools.groupby(self.closed, key=lambda c: c[:4]):
            units = list(group)
            grouped.append(
                (*key, float(len(units)), sum(u[4] for u in units), sum(u[5] for u in units))
            )
        return grouped


def ids() -> list[str]:
    return [i.id for i in INSTRUMENTS]


def by_id(instrument_id: str) -> Instrument:
    return next(i for i in INSTRUMENTS if i.id == instrument_id)


def price_of(instrument: Instrument, ticks: int) -> float:
    return float(instrument.ticks_to_prices([ticks])[0])


@dataclass(frozen=True)
class FillStep:
    instrument: Instrument
    side: Side
    quantity: int
    price_ticks: int
    fee_quarters: int  # fee = 0.25 * fee_quarters in the quote currency; negative is a rebate


@dataclass(frozen=True)
class MarkStep:
    instrument: Instrument
    price_ticks: int


Step = FillStep | MarkStep

instruments = st.sampled_from(INSTRUMENTS)
fill_steps = st.builds(
    FillStep,
    instruments,
    st.sampled_from([Side.BUY, Side.SELL]),
    st.integers(1, 6),
    st.integers(1, 4000),
    st.integers(-2, 8),
)
mark_steps = st.builds(MarkStep, instruments, st.integers(1, 4000))
# Two fills for one mark: enough fills to build, flip and close positions.
sequences = st.lists(st.one_of(fill_steps, fill_steps, mark_steps), min_size=1, max_size=60)


def replay(steps: list[Step]) -> tuple[Portfolio, ReferenceAccount, list[str]]:
    """Run the steps through both accounts, checking the equity identities after each."""
    portfolio = Portfolio({i.id: i for i in INSTRUMENTS}, initial_cash=INITIAL_CASH, fx=eur_usd)
    reference = ReferenceAccount()
    for number, step in enumerate(steps):
        ts = 1_700_000_000_000_000_000 + number * 1_000
        price = price_of(step.instrument, step.price_ticks)
        if isinstance(step, FillStep):
            fill = Fill(
                number,
                step.instrument.id,
                ts,
                step.side,
                float(step.quantity),
                price,
                fee=0.25 * step.fee_quarters,
            )
            portfolio.apply(fill)
            reference.fill(fill)
        else:
            portfolio.mark(step.instrument.id, price, ts)
            reference.mark(step.instrument.id, price, ts)
        check_equity_identities(portfolio, reference)
    return portfolio, reference, ids()


def check_equity_identities(portfolio: Portfolio, reference: ReferenceAccount) -> None:
    # Equity is cash plus the value of the positions, exactly: each value is
    # position * price * multiplier * rate, computed here from the reference's own marks.
    values = [reference.value(i) for i in ids()]
    assert portfolio.equity == portfolio.cash + math.fsum(values)
    assert portfolio.equity == portfolio.cash + portfolio.market_value()
    # ... and, up to rounding, the start plus what was earned.
    earned = portfolio.realized_pnl() - portfolio.fees() + portfolio.unrealized_pnl()
    assert portfolio.equity == money(portfolio.initial_cash + earned)


@given(sequences)
def test_positions_cash_pnl_and_fees_match_the_unit_lot_reference(
    steps: list[Step],
) -> None:
    portfolio, reference, instrument_ids = replay(steps)
    assert portfolio.cash == money(reference.cash)
    for instrument_id in instrument_ids:
        assert portfolio.position(instrument_id) == reference.position(instrument_id)
        assert portfolio.realized_pnl(instrument_id) == money(reference.realized[instrument_id])
        assert portfolio.fees(instrument_id) == money(reference.fees[instrument_id])
        assert portfolio.unrealized_pnl(instrument_id) == money(reference.unrealized(instrument_id))
        assert portfolio.market_value(instrument_id) == money(reference.value(instrument_id))
    open_ids = {i for i in instrument_ids if reference.units[i]}
    assert set(portfolio.open_instruments()) == open_ids
    assert portfolio.gross_exposure == money(sum(abs(reference.value(i)) for i in instrument_ids))


@given(sequences)
def test_average_cost_is_the_quantity_weighted_price_of_the_open_units(
    steps: list[Step],
) -> None:
    portfolio, reference, instrument_ids = replay(steps)
    for instrument_id in instrument_ids:
        units = reference.units[instrument_id]
        if units:
            expected = sum(u.price for u in units) / len(units)
            assert portfolio.average_cost(instrument_id) == pytest.approx(expected, rel=1e-12)
        else:
            assert math.isnan(portfolio.average_cost(instrument_id))


@given(sequences)
def test_closed_lots_are_the_reference_units_grouped_by_entry_and_exit_fill(
    steps: list[Step],
) -> None:
    portfolio, reference, _ = replay(steps)
    actual = [as_row(lot) for lot in portfolio.closed_lots]
    expected = reference.closed_lots()
    assert [row[:5] for row in actual] == [row[:5] for row in expected]
    for got, want in zip(actual, expected, strict=True):
        assert got[5] == money(want[5])
        assert got[6] == money(want[6])
    assert math.fsum(lot.gross_pnl for lot in portfolio.closed_lots) == money(
        portfolio.realized_pnl()
    )


def as_row(lot: ClosedLot) -> tuple[str, int, int, int, float, float, float]:
    return (
        lot.instrument,
        int(lot.side),
        lot.entry_order_id,
        lot.exit_order_id,
        lot.quantity,
        lot.gross_pnl,
        lot.fees,
    )


@given(sequences)
def test_every_fee_is_allocated_to_a_closed_lot_or_to_an_open_lot(
    steps: list[Step],
) -> None:
    portfolio, reference, instrument_ids = replay(steps)
    open_fees = sum(u.fee for i in instrument_ids for u in reference.units[i])
    allocated = math.fsum(lot.fees for lot in portfolio.closed_lots)
    assert allocated + open_fees == money(portfolio.fees())
