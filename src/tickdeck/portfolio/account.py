"""`Portfolio`: cash, positions, FIFO PnL and exposures of a multi-instrument account.

The contract, stated once (docs/portfolio.md has the worked examples):

- **One base currency.** Cash is held in the base currency only. A fill of an
  instrument quoted in another currency is converted at ``fx(currency, ts)``
  (base units per unit of that currency) at the fill's time, as if the
  currency were bought or sold on the spot; no foreign balances are kept, so
  an exchange-rate move between entry and exit is part of the realized PnL.
- **Full notional.** A buy pays ``quantity * price * multiplier`` and a sell
  receives it; shorts receive cash and owe the position. There is no margin
  model: leverage is reported, not limited.
- **Fees** (positive costs, negative rebates) are paid from cash at the fill
  and kept apart from PnL: realized PnL is gross, net = gross - fees.
- **Realized PnL** is FIFO: closing quantity matches the oldest open lots first.
- **Marks.** A position is valued at the instrument's latest mark (the engine
  passes the mid of every quote) or, if it was never marked, at its last fill
  price. A foreign position converts at ``fx(currency, ts)`` of that price.
- **Equity** is defined as ``cash + sum(position * price * multiplier * rate)``
  over open positions (summed with `math.fsum`, so the order of instruments
  does not matter), and equals ``initial_cash + realized - fees + unrealized``
  up to float rounding.

Marking is the hot path: `mark` stores a price and a time, nothing else.
Everything derived from marks is computed when asked for.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from math import isfinite
from types import MappingProxyType

from tickdeck.core import Fill, InputError, Instrument, InvariantError
from tickdeck.core.errors import suggest
from tickdeck.portfolio.lots import ClosedLot, LotBook

__all__ = ["FillEffect", "FxRate", "Portfolio"]

#: ``fx(currency, ts) -> base units per unit of currency``; must be a pure function.
FxRate = Callable[[str, int], float]

# A remainder below this fraction of the lot size is float residue (see lots.py).
_FLAT_LOTS = 1e-9
_NAN = float("nan")


@dataclass(frozen=True, slots=True)
class FillEffect:
    """What one fill did to the account. Money in the base currency.

    `position` is the instrument's signed position after the fill (instrument
    units), `cash_change` the signed change of cash (notional and fee),
    `realized_pnl` the gross PnL of the lots it closed, `fee` its fee, and
    `closed_lots` the lot portions it closed, oldest first (empty when it only
    opened or added to a position).
    """

    fill: Fill
    position: float
    cash_change: float
    realized_pnl: float
    fee: float
    closed_lots: tuple[ClosedLot, ...]


class _Holding:
    """Everything the portfolio knows about one instrument; found by one dict lookup."""

    __slots__ = (
        "book",
        "currency",
        "fees",
        "fill_price",
        "fill_rate",
        "fill_ts",
        "foreign",
        "mark",
        "mark_rate",
        "mark_rate_ts",
        "mark_ts",
        "multiplier",
        "realized",
    )

    def __init__(self, instrument: Instrument, base_currency: str) -> None:
        self.multiplier = float(instrument.multiplier)
        self.currency = instrument.currency
        self.foreign = instrument.currency != base_currency
        self.book = LotBook(
            instrument.id,
            multiplier=self.multiplier,
            flat_tolerance=float(instrument.lot_size) * _FLAT_LOTS,
        )
        self.mark = _NAN  # NaN until the first mark
        self.mark_ts = 0
        self.mark_rate = 1.0  # cache of fx(currency, mark_rate_ts)
        self.mark_rate_ts: int | None = None
        self.fill_price = _NAN  # NaN until the first fill
        self.fill_ts = 0
        self.fill_rate = 1.0
        self.realized = 0.0  # gross, base currency
        self.fees = 0.0  # base currency


class Portfolio:
    """A multi-instrument account: long and short positions, cash, FIFO PnL, fees, exposure.

    `instruments` maps each instrument's id (``SYMBOL.VENUE``) to the
    instrument. `initial_cash` is in `base_currency`. `fx` converts other
    currencies into the base currency and is required as soon as one
    instrument is quoted in another currency; it must be a pure function of
    ``(currency, ts)``, because rates are cached per timestamp.

    Money (cash, PnL, fees, values, exposures, equity) is always in the base
    currency; positions in instrument units (signed: negative is short);
    prices in each instrument's quote currency; timestamps int64 ns UTC.

    `keep_closed_lots` keeps every closed lot for `closed_lots`. A long run
    closes millions of lots: the engine turns keeping them off and takes each
    fill's lots from what `apply` returns (`FillEffect.closed_lots`).
    """

    def __init__(
        self,
        instruments: Mapping[str, Instrument],
        *,
        initial_cash: float,
        base_currency: str = "USD",
        fx: FxRate | None = None,
        keep_closed_lots: bool = True,
    ) -> None:
        try:
            cash = float(initial_cash)
        except (TypeError, ValueError):
            cash = math.nan
        if not isfinite(cash):
            raise InputError("initial_cash", initial_cash, "a finite amount of base currency")
        if not isinstance(base_currency, str) or not re.fullmatch(r"[A-Z]{3,5}", base_currency):
            raise InputError("base_currency", base_currency, "an ISO-style code such as 'USD'")
        if fx is not None and not callable(fx):
            raise InputError("fx", fx, "a function (currency, ts) -> base units per unit")
        if not isinstance(instruments, Mapping):
            raise InputError(
                "instruments",
                type(instruments).__name__,
                "a mapping of instrument id to Instrument",
                hint="build it with {i.id: i for i in instruments}",
            )
        holdings: dict[str, _Holding] = {}
        for key, instrument in instruments.items():
            if not isinstance(instrument, Instrument):
                raise InputError(f"instruments[{key!r}]", instrument, "an Instrument")
            if key != instrument.id:
                raise InputError(
                    "instruments", key, f"the instrument's id {instrument.id!r} as its key"
                )
            if instrument.currency != base_currency and fx is None:
                raise InputError(
                    "fx",
                    None,
                    f"a conversion from {instrument.currency} to {base_currency}",
                    hint=f"{key} is quoted in {instrument.currency}: pass fx(currency, ts) -> rate",
                )
            holdings[key] = _Holding(instrument, base_currency)
        self._instruments = MappingProxyType(dict(instruments))
        self._holdings = holdings
        self._open: dict[str, _Holding] = {}  # instruments with a position, in opening order
        self._closed: list[ClosedLot] | None = [] if keep_closed_lots else None
        self._fx = fx
        self._initial_cash = cash
        self._cash = cash
        self._base_currency = base_currency

    # -- commands ---------------------------------------------------------------------------

    def mark(self, instrument_id: str, price: float, ts: int) -> None:
        """Record the latest price of an instrument (the mid), at `ts` ns.

        The hot path, called on every quote: it stores the price and its time
        and computes nothing. Any finite price is accepted (spreads and some
        futures trade below zero).
        """
        try:
            holding = self._holdings[instrument_id]
        except KeyError:
            raise self._unknown(instrument_id) from None
        if not isfinite(price):
            raise InputError("mark.price", price, "a finite price", hint=instrument_id)
        holding.mark = price
        holding.mark_ts = ts

    def apply(self, fill: Fill) -> FillEffect:
        """Book one fill: position, FIFO lots, cash, realized PnL and fees.

        Cash changes by ``-(signed_quantity * price * multiplier + fee) * rate``
        with ``rate = fx(currency, fill.ts)`` (1 in the base currency).
        """
        try:
            holding = self._holdings[fill.instrument]
        except KeyError:
            raise self._unknown(fill.instrument, field="fill.instrument") from None
        rate = self._rate(holding, fill.ts) if holding.foreign else 1.0
        signed_quantity = fill.signed_quantity
        sign = 1 if signed_quantity > 0 else -1
        fee = fill.fee * rate
        book = holding.book
        closed = book.trade(
            sign=sign,
            quantity=float(fill.quantity),  # Fill accepts ints; lots and records hold floats
            price=float(fill.price),
            ts=fill.ts,
            order_id=fill.order_id,
            rate=rate,
            fee=fee,
        )
        realized = math.fsum(lot.gross_pnl for lot in closed) if closed else 0.0
        cash_change = -(signed_quantity * fill.price * holding.multiplier * rate + fee)
        self._cash += cash_change
        holding.realized += realized
        holding.fees += fee
        holding.fill_price = float(fill.price)
        holding.fill_ts = fill.ts
        holding.fill_rate = rate
        if closed and self._closed is not None:
            self._closed.extend(closed)
        if book.position == 0.0:
            self._open.pop(fill.instrument, None)
        else:
            self._open.setdefault(fill.instrument, holding)
        return FillEffect(fill, book.position, cash_change, realized, fee, closed)

    # -- reads: per instrument ----------------------------------------------------------------

    def position(self, instrument_id: str) -> float:
        """Signed position in instrument units (negative short); exactly 0.0 when flat."""
        return self._holding(instrument_id).book.position

    def average_cost(self, instrument_id: str) -> float:
        """Quantity-weighted entry price of the open lots, in the quote currency; NaN when flat."""
        return self._holding(instrument_id).book.average_price

    def valuation_price(self, instrument_id: str) -> float:
        """Price used for valuation: the latest mark, else the last fill price, else NaN."""
        holding = self._holding(instrument_id)
        return holding.fill_price if math.isnan(holding.mark) else holding.mark

    def market_value(self, instrument_id: str | None = None) -> float:
        """Signed value of a position, or of all, in the base currency (0.0 when flat).

        ``position * price * multiplier * rate`` with the valuation price and
        the rate at that price's time. For the whole book this is also the net
        exposure.
        """
        if instrument_id is not None:
            return self._value(self._holding(instrument_id))
        return math.fsum(self._value(h) for h in self._open.values())

    def realized_pnl(self, instrument_id: str | None = None) -> float:
        """FIFO realized PnL, gross of fees, in the base currency; all instruments if None."""
        if instrument_id is not None:
            return self._holding(instrument_id).realized
        return math.fsum(h.realized for h in self._holdings.values())

    def unrealized_pnl(self, instrument_id: str | None = None) -> float:
        """Market value minus the entry cost of the open lots, in the base currency."""
        if instrument_id is not None:
            holding = self._holding(instrument_id)
            return self._value(holding) - holding.book.open_cost
        return math.fsum(self._value(h) - h.book.open_cost for h in self._open.values())

    def fees(self, instrument_id: str | None = None) -> float:
        """Fees paid (negative for net rebates), in the base currency; all instruments if None."""
        if instrument_id is not None:
            return self._holding(instrument_id).fees
        return math.fsum(h.fees for h in self._holdings.values())

    def open_instruments(self) -> tuple[str, ...]:
        """Ids of the instruments with a non-zero position, in the order they were opened."""
        return tuple(self._open)

    # -- reads: the account ---------------------------------------------------------------------

    @property
    def instruments(self) -> Mapping[str, Instrument]:
        """The instruments this portfolio accepts, by id (read-only)."""
        return self._instruments

    @property
    def base_currency(self) -> str:
        """The currency all money amounts are in."""
        return self._base_currency

    @property
    def initial_cash(self) -> float:
        """Cash at the start, in the base currency."""
        return self._initial_cash

    @property
    def cash(self) -> float:
        """Cash in the base currency; negative when positions are bought on credit."""
        return self._cash

    @property
    def equity(self) -> float:
        """``cash + market_value()``, in the base currency."""
        return self._cash + self.market_value()

    @property
    def net_exposure(self) -> float:
        """Sum of signed position values, in the base currency (equal to `market_value()`)."""
        return self.market_value()

    @property
    def gross_exposure(self) -> float:
        """Sum of absolute position values, in the base currency."""
        return math.fsum(abs(self._value(h)) for h in self._open.values())

    @property
    def leverage(self) -> float:
        """``gross_exposure / equity``: 0 without positions, inf when equity is not positive."""
        return _leverage(self.gross_exposure, self.equity)

    @property
    def closed_lots(self) -> tuple[ClosedLot, ...]:
        """Every lot portion closed so far, in the order closed (a copy).

        Raises:
            InputError: The portfolio was made with ``keep_closed_lots=False``.
        """
        if self._closed is None:
            raise InputError(
                "closed_lots",
                "not kept",
                "a portfolio made with keep_closed_lots=True",
                hint="read each fill's lots from apply(fill).closed_lots instead",
            )
        return tuple(self._closed)

    def totals(self) -> tuple[float, float, float, float]:
        """``(equity, cash, gross_exposure, net_exposure)`` from one pass over the positions.

        The same numbers as the properties, for callers that need them all at
        once (the equity recorder).
        """
        values = [self._value(h) for h in self._open.values()]
        net = math.fsum(values)
        return self._cash + net, self._cash, math.fsum(map(abs, values)), net

    # -- internals -----------------------------------------------------------------------------

    def _value(self, holding: _Holding) -> float:
        position = holding.book.position
        if position == 0.0:
            return 0.0
        if math.isnan(holding.mark):
            return position * holding.fill_price * holding.multiplier * holding.fill_rate
        rate = 1.0
        if holding.foreign:
            if holding.mark_rate_ts != holding.mark_ts:
                holding.mark_rate = self._rate(holding, holding.mark_ts)
                holding.mark_rate_ts = holding.mark_ts
            rate = holding.mark_rate
        return position * holding.mark * holding.multiplier * rate

    def _rate(self, holding: _Holding, ts: int) -> float:
        if self._fx is None:  # construction refuses foreign instruments without fx
            raise InvariantError(f"no fx function to convert {holding.currency}")
        rate = self._fx(holding.currency, ts)
        if not (isinstance(rate, int | float) and isfinite(rate) and rate > 0):
            raise InputError(
                "fx",
                rate,
                "a positive finite rate",
                hint=f"returned by fx({holding.currency!r}, {ts})",
            )
        return float(rate)

    def _holding(self, instrument_id: str) -> _Holding:
        try:
            return self._holdings[instrument_id]
        except KeyError:
            raise self._unknown(instrument_id) from None

    def _unknown(self, instrument_id: object, field: str = "instrument") -> InputError:
        return InputError(
            field,
            instrument_id,
            "an instrument of this portfolio",
            hint=suggest(str(instrument_id), self._holdings),
        )


def _leverage(gross: float, equity: float) -> float:
    if gross == 0.0:
        return 0.0
    return gross / equity if equity > 0 else math.inf
