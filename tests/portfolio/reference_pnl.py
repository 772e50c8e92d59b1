"""A slow, exact FIFO account, written from docs/portfolio.md, to check `Portfolio` against.

Every number is a `fractions.Fraction` built from the exact binary value of
the floats it is given, so partial lots, fees pro rata and currency
conversion carry no rounding at all: the only rounding left in a comparison
is the implementation's. Lots live in a plain list, oldest first, and a fill
against the position pops from the front (rule 3, FIFO).

The rules, numbered as in docs/portfolio.md:

1. cash moves by the full notional ``quantity * price * multiplier``;
2. fees are paid from cash at the fill and kept apart from (gross) PnL;
3. realized PnL is FIFO, a fill larger than the position flips it;
4. each closed portion of a lot carries its share of the entry and exit fees;
5. average cost is the quantity-weighted entry price of the open lots;
6. a position is valued at its latest mark, or its last fill price if never marked;
7. a foreign fill converts at the rate of its own time, a value at its price's time;
8. equity is cash plus the value of the positions;
10. a remainder below 1e-9 of the lot size is float residue, not a position.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from tickdeck.core import Fill, Instrument, Side

__all__ = ["RefClosedLot", "ReferenceAccount", "final_equity_of"]

Rate = Callable[[str, int], float]


@dataclass
class _Lot:
    sign: int
    quantity: Fraction
    price: Fraction
    ts: int
    order_id: int
    rate: Fraction
    fee_per_unit: Fraction  # base currency


@dataclass(frozen=True)
class RefClosedLot:
    """One closed portion of one lot, in exact numbers."""

    instrument: str
    side: Side
    quantity: Fraction
    entry_ts: int
    entry_price: Fraction
    entry_order_id: int
    exit_ts: int
    exit_price: Fraction
    exit_order_id: int
    gross_pnl: Fraction
    fees: Fraction


@dataclass
class _Holding:
    instrument: Instrument
    lots: list[_Lot] = field(default_factory=list)
    realized: Fraction = Fraction(0)
    fees: Fraction = Fraction(0)
    mark: tuple[Fraction, int] | None = None
    last_fill: tuple[Fraction, int] | None = None


class ReferenceAccount:
    """Cash, FIFO lots and marks of several instruments, in exact arithmetic."""

    def __init__(
        self,
        instruments: Mapping[str, Instrument],
        *,
        initial_cash: float,
        base_currency: str = "USD",
        fx: Rate | None = None,
    ) -> None:
        self.base_currency = base_currency
        self.fx = fx
        self.cash = Fraction(initial_cash)
        self.holdings = {i: _Holding(instrument) for i, instrument in instruments.items()}
        self.closed: list[RefClosedLot] = []

    def rate(self, instrument_id: str, ts: int) -> Fraction:
        currency = self.holdings[instrument_id].instrument.currency
        if currency == self.base_currency:
            return Fraction(1)
        assert self.fx is not None, f"{instrument_id} needs an fx rate"
        return Fraction(self.fx(currency, ts))

    def multiplier(self, instrument_id: str) -> Fraction:
        return Fraction(self.holdings[instrument_id].instrument.multiplier)

    # -- the two commands ----------------------------------------------------------------

    def apply(self, fill: Fill) -> None:
        holding = self.holdings[fill.instrument]
        price, quantity = Fraction(fill.price), Fraction(fill.quantity)
        rate, multiplier = self.rate(fill.instrument, fill.ts), self.multiplier(fill.instrument)
        sign = 1 if fill.side == Side.BUY else -1
        fee = Fraction(fill.fee) * rate
        # Rules 1 and 2: the full notional and the fee, both converted at the fill's rate.
        self.cash -= sign * quantity * price * multiplier * rate + fee
        holding.fees += fee
        fee_per_unit = fee / quantity
        left = quantity
        # Rule 3: close the oldest lots of the other side first.
        residue = Fraction(holding.instrument.lot_size) / 10**9  # rule 10
        while left > residue and holding.lots and holding.lots[0].sign == -sign:
            lot = holding.lots[0]
            matched = min(lot.quantity, left)
            pnl = lot.sign * matched * multiplier * (price * rate - lot.price * lot.rate)
            holding.realized += pnl
            self.closed.append(
                RefClosedLot(
                    fill.instrument,
                    Side.BUY if lot.sign > 0 else Side.SELL,
                    matched,
                    lot.ts,
                    lot.price,
                    lot.order_id,
                    fill.ts,
                    price,
                    fill.order_id,
                    pnl,
                    matched * (lot.fee_per_unit + fee_per_unit),  # rule 4
                )
            )
            lot.quantity -= matched
            left -= matched
            if lot.quantity < residue:
                holding.lots.pop(0)
        if left >= residue:  # what is left opens a lot (a flip when something was closed)
            holding.lots.append(_Lot(sign, left, price, fill.ts, fill.order_id, rate, fee_per_unit))
        holding.last_fill = (price, fill.ts)

    def mark(self, instrument_id: str, price: float, ts: int) -> None:
        self.holdings[instrument_id].mark = (Fraction(price), ts)

    # -- reads ---------------------------------------------------------------------------

    def position(self, instrument_id: str) -> Fraction:
        return sum(
            (lot.sign * lot.quantity for lot in self.holdings[instrument_id].lots), Fraction(0)
        )

    def average_cost(self, instrument_id: str) -> Fraction | None:
        """Rule 5; None when flat."""
        lots = self.holdings[instrument_id].lots
        if not lots:
            return None
        total = sum((lot.quantity for lot in lots), Fraction(0))
        return sum((lot.quantity * lot.price for lot in lots), Fraction(0)) / total

    def valuation(self, instrument_id: str) -> tuple[Fraction, Fraction]:
        """Rule 6 and 7: the price a position is valued at, and the rate at that price's time."""
        holding = self.holdings[instrument_id]
        price_ts = holding.mark or holding.last_fill
        assert price_ts is not None, f"{instrument_id} was never marked nor filled"
        price, ts = price_ts
        return price, self.rate(instrument_id, ts)

    def value(self, instrument_id: str) -> Fraction:
        position = self.position(instrument_id)
        if position == 0:
            return Fraction(0)
        price, rate = self.valuation(instrument_id)
        return position * price * self.multiplier(instrument_id) * rate

    def unrealized(self, instrument_id: str) -> Fraction:
        lots = self.holdings[instrument_id].lots
        if not lots:
            return Fraction(0)
        price, rate = self.valuation(instrument_id)
        multiplier = self.multiplier(instrument_id)
        return sum(
            (
                lot.sign * lot.quantity * multiplier * (price * rate - lot.price * lot.rate)
                for lot in lots
            ),
            Fraction(0),
        )

    def realized(self, instrument_id: str) -> Fraction:
        return self.holdings[instrument_id].realized

    def fees(self, instrument_id: str) -> Fraction:
        return self.holdings[instrument_id].fees

    def open_fees(self, instrument_id: str) -> Fraction:
        return sum(
            (lot.quantity * lot.fee_per_unit for lot in self.holdings[instrument_id].lots),
            Fraction(0),
        )

    @property
    def equity(self) -> Fraction:
        """Rule 8."""
        return self.cash + sum((self.value(i) for i in self.holdings), Fraction(0))

    @property
    def gross_exposure(self) -> Fraction:
        return sum((abs(self.value(i)) for i in self.holdings), Fraction(0))


def final_equity_of(
    instruments: Mapping[str, Instrument],
    initial_cash: float,
    fills: Iterable[Fill],
    last_marks: Mapping[str, float],
) -> Fraction:
    """The equity after booking `fills` and marking each instrument at its last price."""
    account = ReferenceAccount(instruments, initial_cash=initial_cash)
    for fill in fills:
        account.apply(fill)
    for instrument_id, price in last_marks.items():
        account.mark(instrument_id, price, 0)
    return account.equity
