"""Instruments, and how prices stay exact on the tick grid.

Prices cross the system in two forms:

- **float64 at the edges and at rest** (Parquet, SQL, pandas, strategies):
  always the double nearest to an exact multiple of the tick size, so that
  ``1.10005`` reads back as ``1.10005``;
- **int64 ticks inside kernels** (matching, resampling, queue models), where
  equality and ordering of prices must be exact.

A tick size is an exact decimal ``k * 10**-p`` (``k`` and ``p`` integers). The
conversions below are exact inverses on the grid:

- ``ticks_to_prices(n) = (n * k) / 10**p``: while ``|n * k| < 2**53`` both
  operands are exactly representable, and IEEE division is correctly rounded,
  so the result is the double nearest the exact decimal price;
- ``prices_to_ticks(x) = rint(x * 10**p / k)``: the relative error of the
  product and the division is a few ulps, far below the half tick that `rint`
  tolerates, for any price whose tick count is below `MAX_EXACT_TICKS`.

`grid_of` and `MAX_EXACT_TICKS` are public so that compiled kernels use the
same grid and the same tolerance (`off_grid`) as this module.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
import numpy.typing as npt

from tickdeck.core.enums import AssetClass
from tickdeck.core.errors import InputError

__all__ = [
    "MAX_EXACT_TICKS",
    "DecimalLike",
    "Instrument",
    "grid_of",
    "off_grid_ticks",
    "parse_decimal",
]

_MAX_STEP = Decimal(10) ** 9  # a tick, lot or multiplier beyond this is a typo
_SYMBOL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-^]{0,63}$")
_VENUE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,31}$")
#: Tick counts (times the tick's integer k) beyond this lose exactness in float64.
MAX_EXACT_TICKS = 2**50


def parse_decimal(value: object, *, field: str, positive: bool = True) -> Decimal:
    """Parse a tick size, lot size or multiplier into an exact, normalised Decimal."""
    try:
        # str() first: Decimal(0.1) would keep the binary expansion of the float.
        number = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise InputError(field, value, "a decimal number such as 0.01") from None
    if not number.is_finite() or (positive and number <= 0):
        raise InputError(field, value, "a positive decimal number such as 0.01")
    if number > _MAX_STEP:
        raise InputError(field, value, f"at most {_MAX_STEP}")
    number = number.normalize()
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -12:
        raise InputError(field, value, "at most 12 decimal places")
    if isinstance(exponent, int) and exponent > 0:
        number = number.quantize(Decimal(1))  # 1E+2 -> 100, so it prints plainly
    return number


def grid_of(step: Decimal) -> tuple[int, int]:
    """Split an exact decimal step into (k, p) with ``step == k * 10**-p``."""
    _, digits, exponent = step.as_tuple()
    if not isinstance(exponent, int):
        raise InputError("step", step, "a finite decimal")
    k = int("".join(map(str, digits)))
    if exponent >= 0:
        return k * 10**exponent, 0
    return k, -exponent


def off_grid_ticks(exact: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    """Which tick counts (price / tick, as floats) are off the grid by more than float noise.

    The noise allowed is 1e-6 tick plus 8 ulps of the count: the two roundings
    of ``price * 10**p / k`` and the decimal-to-binary rounding of the price.
    """
    noise = 1e-6 + 8 * np.abs(np.spacing(exact))
    result: npt.NDArray[np.bool_] = np.abs(exact - np.rint(exact)) > noise
    return result


DecimalLike = Decimal | str | int | float


@dataclass(frozen=True, slots=True, init=False)
class Instrument:
    """A tradable instrument and the grids its prices and sizes live on.

    `tick_size` is the minimum price increment, `lot_size` the minimum size
    increment, `multiplier` the contract multiplier (notional = price * size *
    multiplier), `currency` the quote currency. Sizes and multipliers given as
    strings or numbers are parsed into exact decimals (floats through their
    shortest repr, so ``0.1`` means one tenth).
    """

    symbol: str
    venue: str
    tick_size: Decimal
    lot_size: Decimal
    multiplier: Decimal
    currency: str
    asset_class: AssetClass
    _k: int = field(repr=False, compare=False)
    _scale: float = field(repr=False, compare=False)

    def __init__(
        self,
        symbol: str,
        venue: str,
        tick_size: DecimalLike,
        lot_size: DecimalLike = 1,
        multiplier: DecimalLike = 1,
        currency: str = "USD",
        asset_class: AssetClass | str = AssetClass.EQUITY,
    ) -> None:
        if not isinstance(symbol, str) or not _SYMBOL.match(symbol):
            raise InputError("symbol", symbol, "letters, digits, '_', '-' or '^' (at most 64)")
        if not isinstance(venue, str) or not _VENUE.match(venue):
            raise InputError("venue", venue, "letters, digits, '_' or '-' (at most 32)")
        if not isinstance(currency, str) or not re.fullmatch(r"[A-Z]{3,5}", currency):
            raise InputError("currency", currency, "an ISO-style code such as 'USD'")
        tick = parse_decimal(tick_size, field="tick_size")
        k, p = grid_of(tick)
        values = {
            "symbol": symbol,
            "venue": venue,
            "tick_size": tick,
            "lot_size": parse_decimal(lot_size, field="lot_size"),
            "multiplier": parse_decimal(multiplier, field="multiplier"),
            "currency": currency,
            "asset_class": AssetClass.parse(asset_class),
            "_k": k,
            "_scale": float(10**p),
        }
        for name, value in values.items():
            object.__setattr__(self, name, value)

    @property
    def id(self) -> str:
        """The instrument id, ``SYMBOL.VENUE``, used in the catalog and in events."""
        return f"{self.symbol}.{self.venue}"

    @property
    def price_decimals(self) -> int:
        """Decimal places needed to print any price on the tick grid."""
        return grid_of(self.tick_size)[1]

    def prices_to_ticks(self, prices: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """Convert prices to integer tick counts, rounding to the nearest tick.

        NaN or infinite prices have no tick count: they raise an InputError
        (mask empty levels, such as NaN book levels, before converting).
        """
        values = np.asarray(prices, dtype=np.float64)
        if values.size and not np.isfinite(values).all():
            bad = values[~np.isfinite(values)][0]
            raise InputError("price", float(bad), "a finite price", hint="mask NaN levels first")
        ticks = np.rint(values * self._scale / self._k)
        if ticks.size and np.nanmax(np.abs(ticks)) >= MAX_EXACT_TICKS:
            raise InputError("price", float(np.nanmax(np.abs(values))), "a price below 2**50 ticks")
        return ticks.astype(np.int64)

    def ticks_to_prices(self, ticks: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Convert integer tick counts to the nearest float64 prices."""
        counts = np.asarray(ticks, dtype=np.int64)
        return (counts * self._k).astype(np.float64) / self._scale

    def snap_prices(self, prices: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Round prices to the nearest point of the tick grid."""
        return self.ticks_to_prices(self.prices_to_ticks(prices))

    # Scalar forms of the conversions above, for per-order code: the same float
    # operations in the same order, so they give the same bits as the array forms.

    def price_to_ticks(self, price: float) -> int:
        """`prices_to_ticks` of one finite price."""
        if price - price != 0.0:
            raise InputError("price", price, "a finite price")
        ticks = round(price * self._scale / self._k)
        if abs(ticks) >= MAX_EXACT_TICKS:
            raise InputError("price", price, "a price below 2**50 ticks")
        return ticks

    def ticks_to_price(self, ticks: int) -> float:
        """`ticks_to_prices` of one tick count."""
        return float(ticks * self._k) / self._scale

    def snap_price(self, price: float) -> float:
        """`snap_prices` of one price."""
        return self.ticks_to_price(self.price_to_ticks(price))

    def is_off_grid(self, price: float) -> bool:
        """`off_grid` of one price."""
        exact = price * self._scale / self._k
        return abs(exact - round(exact)) > 1e-6 + 8 * abs(math.ulp(exact))

    def off_grid(self, prices: npt.ArrayLike) -> npt.NDArray[np.bool_]:
        """Which prices are not (to within float noise) on the tick grid."""
        values = np.asarray(prices, dtype=np.float64)
        return off_grid_ticks(values * self._scale / self._k)

    def to_dict(self) -> dict[str, str]:
        """Serialise with exact decimals as strings (used by the catalog manifest)."""
        return {
            "symbol": self.symbol,
            "venue": self.venue,
            "tick_size": str(self.tick_size),
            "lot_size": str(self.lot_size),
            "multiplier": str(self.multiplier),
            "currency": self.currency,
            "asset_class": self.asset_class.value,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Instrument:
        """Inverse of `to_dict`; unknown keys are rejected."""
        allowed = {
            "symbol",
            "venue",
            "tick_size",
            "lot_size",
            "multiplier",
            "currency",
            "asset_class",
        }
        unknown = set(data) - allowed
        if unknown:
            raise InputError("instrument", sorted(unknown)[0], f"one of {sorted(allowed)}")
        missing = {"symbol", "venue", "tick_size"} - set(data)
        if missing:
            raise InputError("instrument", data, f"the fields {sorted(missing)}")
        return cls(**data)

    @classmethod
    def parse_id(cls, instrument_id: str) -> tuple[str, str]:
        """Split ``SYMBOL.VENUE`` into its parts, with a clear error if malformed."""
        symbol, dot, venue = str(instrument_id).rpartition(".")
        if not dot or not _SYMBOL.match(symbol) or not _VENUE.match(venue):
            raise InputError(
                "instrument", instrument_id, "an id of the form SYMBOL.VENUE, e.g. EURUSD.DUKA"
            )
        return symbol, venue
