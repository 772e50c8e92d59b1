"""FIFO lots of one instrument, and the round-trip records closing them produces.

A `LotBook` holds the open lots of one instrument, oldest first. Every open lot
is on the same side (all long or all short): a fill on the other side closes
the oldest lots first, and a fill larger than the whole position closes all of
it and opens the remainder as one new lot on its own side. Each closed portion
of a lot becomes a `ClosedLot`, the raw material of the trade log.

Units. Quantities are in instrument units (shares, contracts, base-currency
units of an FX pair), always positive inside a lot; prices in the instrument's
quote currency; money (PnL, costs, fees) in the portfolio's base currency,
converted at the rate in force at each fill (``rate`` = base units per unit of
the quote currency); timestamps are int64 ns UTC.

Float residue. Quantities are floats because FX and crypto trade fractional
lots, and decimal sizes such as 0.1 are not exact in binary: 0.1 + 0.2 - 0.3
leaves 5.6e-17. A remainder smaller than ``flat_tolerance`` (the portfolio
passes 1e-9 of the lot size) is treated as nothing: it can only be such residue,
since real quantities are multiples of the lot size. A tolerance relative to the
lot size, not an absolute one, stays right for a lot of 1e-8 BTC as for a lot
of 100 shares.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from tickdeck.core import Side

__all__ = ["ClosedLot", "LotBook"]


@dataclass(frozen=True, slots=True)
class ClosedLot:
    """One portion of one lot, opened by one fill and closed by a later one.

    `side` is the side of the entry: BUY for a long round trip, SELL for a
    short one. `quantity` is positive, in instrument units. Prices are in the
    instrument's quote currency; `gross_pnl` and `fees` in the base currency.
    `fees` is the share of the entry fill's fee and of the exit fill's fee
    allocated to this portion pro rata by quantity (negative for net rebates).
    """

    instrument: str
    side: Side
    quantity: float
    entry_ts: int
    entry_price: float
    entry_order_id: int
    exit_ts: int
    exit_price: float
    exit_order_id: int
    gross_pnl: float
    fees: float

    @property
    def net_pnl(self) -> float:
        """``gross_pnl - fees``, in the base currency."""
        return self.gross_pnl - self.fees

    @property
    def holding_ns(self) -> int:
        """Time the portion was held: ``exit_ts - entry_ts``, in ns."""
        return self.exit_ts - self.entry_ts


class _Lot:
    """An open lot; mutable because a partial close shrinks it."""

    __slots__ = ("fee_per_unit", "order_id", "price", "quantity", "ts", "unit_cost")

    def __init__(
        self,
        quantity: float,
        price: float,
        ts: int,
        order_id: int,
        unit_cost: float,
        fee_per_unit: float,
    ) -> None:
        self.quantity = quantity  # > 0, instrument units
        self.price = price  # quote currency
        self.ts = ts
        self.order_id = order_id
        self.unit_cost = unit_cost  # base currency per unit: price * multiplier * rate
        self.fee_per_unit = fee_per_unit  # base currency per unit, from the entry fill


class LotBook:
    """The open FIFO lots of one instrument, with running totals kept in O(1).

    `position` is signed (positive long, negative short) and is exactly 0.0
    when flat. `open_cost` is the signed base-currency cost of the open lots,
    ``sum(sign * quantity * price * multiplier * rate)`` at their entry rates,
    so that unrealized PnL is ``market value - open_cost``. The totals are
    running sums updated per fill (never re-summed over lots, so a book with
    many lots stays O(1) to read) and are reset to exact zeros when the book
    goes flat, so float residue never outlives a position.
    """

    __slots__ = (
        "_lots",
        "_price_quantity",
        "_sign",
        "flat_tolerance",
        "instrument",
        "multiplier",
        "open_cost",
        "position",
    )

    def __init__(self, instrument: str, *, multiplier: float, flat_tolerance: float) -> None:
        self.instrument = instrument
        self.multiplier = multiplier
        self.flat_tolerance = flat_tolerance
        self._lots: deque[_Lot] = deque()
        self._sign = 0  # +1 long, -1 short, 0 flat
        self._price_quantity = 0.0  # sum(quantity * price) over open lots, for the average cost
        self.position = 0.0
        self.open_cost = 0.0

    @property
    def lot_count(self) -> int:
        """Number of open lots."""
        return len(self._lots)

    @property
    def average_price(self) -> float:
        """Quantity-weighted entry price of the open lots (quote currency); NaN when flat."""
        if self._sign == 0:
            return float("nan")
        return self._price_quantity / abs(self.position)

    def trade(
        self,
        *,
        sign: int,
        quantity: float,
        price: float,
        ts: int,
        order_id: int,
        rate: float,
        fee: float,
    ) -> tuple[ClosedLot, ...]:
        """Apply one fill and return the lot portions it closed, oldest first.

        `sign` is +1 for a buy and -1 for a sell, `quantity` > 0 in instrument
        units, `rate` the base units per unit of quote currency at `ts`, and
        `fee` the fill's whole fee already in the base currency. The fee is
        split pro rata by quantity between the closed portions (exit share)
        and the lot the remainder opens (carried per unit to its later close).
        """
        unit_cost = price * self.multiplier * rate
        fee_per_unit = fee / quantity
        closed: list[ClosedLot] = []
        remaining = quantity
        if self._sign == -sign:
            remaining = self._close(remaining, price, ts, order_id, unit_cost, fee_per_unit, closed)
        if remaining > self.flat_tolerance:
            self._lots.append(_Lot(remaining, price, ts, order_id, unit_cost, fee_per_unit))
            self._sign = sign
            self.position += sign * remaining
            self._price_quantity += remaining * price
            self.open_cost += sign * remaining * unit_cost
        return tuple(closed)

    def _close(
        self,
        quantity: float,
        price: float,
        ts: int,
        order_id: int,
        unit_value: float,
        fee_per_unit: float,
        closed: list[ClosedLot],
    ) -> float:
        """Close up to `quantity` against the oldest lots; return what is left to open."""
        lots = self._lots
        sign = self._sign
        side = Side.BUY if sign > 0 else Side.SELL
        tolerance = self.flat_tolerance
        while lots and quantity > tolerance:
            lot = lots[0]
            if quantity >= lot.quantity - tolerance:
                portion = lot.quantity  # the whole lot; a residue-sized gap counts as closed
                lots.popleft()
            else:
                portion = quantity
                lot.quantity -= portion
            quantity -= portion
            closed.append(
                ClosedLot(
                    instrument=self.instrument,
                    side=side,
                    quantity=portion,
                    entry_ts=lot.ts,
                    entry_price=lot.price,
                    entry_order_id=lot.order_id,
                    exit_ts=ts,
                    exit_price=price,
                    exit_order_id=order_id,
                    gross_pnl=sign * portion * (unit_value - lot.unit_cost),
                    fees=portion * (lot.fee_per_unit + fee_per_unit),
                )
            )
            self.position -= sign * portion
            self._price_quantity -= portion * lot.price
            self.open_cost -= sign * portion * lot.unit_cost
        if not lots:
            # Flat: drop the float residue of the running sums, not just the lots.
            self._sign = 0
            self.position = 0.0
            self._price_quantity = 0.0
            self.open_cost = 0.0
        return max(quantity, 0.0)
