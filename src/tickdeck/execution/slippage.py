"""Slippage and impact models: how much worse than the quoted price a taker fill executes.

A model returns a non-negative price shift, in price units, against the taker:
the exchange adds it to a buy's price and subtracts it from a sell's, then
rounds the result onto the tick grid away from the taker (see docs/fills.md).
Replay cannot show how the market would have reacted to our orders; these
models are the stated assumption that stands in for it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from tickdeck.core import InputError

__all__ = [
    "FixedBpsSlippage",
    "NoSlippage",
    "SlippageModel",
    "SpreadFractionSlippage",
    "SquareRootImpact",
]


@runtime_checkable
class SlippageModel(Protocol):
    """The price shift against a taker filling `quantity` at `price`.

    `spread` is the quoted spread at the time (NaN when unknown), `volume` the
    traded volume the exchange has seen over its reference window (NaN when
    the data has no trades).
    """

    def price_shift(
        self, *, price: float, quantity: float, spread: float, volume: float
    ) -> float: ...


def _check(field: str, value: float) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
        raise InputError(field, value, "a finite number >= 0")


@dataclass(frozen=True, slots=True)
class NoSlippage:
    """Fills at the quoted price."""

    def price_shift(self, *, price: float, quantity: float, spread: float, volume: float) -> float:
        return 0.0


@dataclass(frozen=True, slots=True)
class FixedBpsSlippage:
    """A constant ``bps`` basis points of the price."""

    bps: float

    def __post_init__(self) -> None:
        _check("slippage.bps", self.bps)

    def price_shift(self, *, price: float, quantity: float, spread: float, volume: float) -> float:
        return price * self.bps * 1e-4


@dataclass(frozen=True, slots=True)
class SpreadFractionSlippage:
    """A ``fraction`` of the quoted spread (0 when the spread is unknown)."""

    fraction: float

    def __post_init__(self) -> None:
        _check("slippage.fraction", self.fraction)

    def price_shift(self, *, price: float, quantity: float, spread: float, volume: float) -> float:
        return 0.0 if math.isnan(spread) else self.fraction * spread


@dataclass(frozen=True, slots=True)
class SquareRootImpact:
    """The square-root law: ``price * coefficient * volatility * sqrt(quantity / volume)``.

    `volatility` is the return volatility over the same horizon as `volume`
    (e.g. daily volatility with daily volume). The exchange passes the volume
    it has seen traded over its window; when the data has no trades it uses
    `default_volume`, which must then be set.
    """

    coefficient: float = 1.0
    volatility: float = 0.01
    default_volume: float | None = None

    def __post_init__(self) -> None:
        _check("impact.coefficient", self.coefficient)
        _check("impact.volatility", self.volatility)
        if self.default_volume is not None and not (
            math.isfinite(self.default_volume) and self.default_volume > 0
        ):
            raise InputError("impact.default_volume", self.default_volume, "a positive volume")

    def price_shift(self, *, price: float, quantity: float, spread: float, volume: float) -> float:
        reference = volume if volume > 0 else self.default_volume
        if reference is None or math.isnan(reference):
            raise InputError(
                "impact.default_volume",
                None,
                "a volume",
                hint="the data has no trades to measure it",
            )
        return price * self.coefficient * self.volatility * math.sqrt(quantity / reference)
