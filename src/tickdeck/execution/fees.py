"""Fee models: what a fill costs, in the instrument's currency.

A fee is positive for a cost and negative for a rebate (maker rebates). Every
model is a pure function of the fill's price, quantity, multiplier and
liquidity, so fees are reproducible and can be recomputed from a trade log.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from tickdeck.core import InputError, Liquidity

__all__ = ["BpsFee", "CompositeFee", "FeeModel", "MakerTakerFee", "NoFee", "PerUnitFee"]


@runtime_checkable
class FeeModel(Protocol):
    """The fee of one fill."""

    def fee(
        self, *, price: float, quantity: float, multiplier: float, liquidity: Liquidity
    ) -> float: ...


def _finite(field: str, value: float, *, minimum: float | None = None) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value)):
        raise InputError(field, value, "a finite number")
    if minimum is not None and value < minimum:
        raise InputError(field, value, f"a number >= {minimum}")


@dataclass(frozen=True, slots=True)
class NoFee:
    """Free trading."""

    def fee(
        self, *, price: float, quantity: float, multiplier: float, liquidity: Liquidity
    ) -> float:
        return 0.0


@dataclass(frozen=True, slots=True)
class PerUnitFee:
    """``per_unit`` per share or contract, at least ``minimum`` per fill (e.g. 0.005, min 1)."""

    per_unit: float
    minimum: float = 0.0

    def __post_init__(self) -> None:
        _finite("fees.per_unit", self.per_unit, minimum=0.0)
        _finite("fees.minimum", self.minimum, minimum=0.0)

    def fee(
        self, *, price: float, quantity: float, multiplier: float, liquidity: Liquidity
    ) -> float:
        return max(self.per_unit * quantity, self.minimum)


@dataclass(frozen=True, slots=True)
class BpsFee:
    """``bps`` basis points of the notional ``price * quantity * multiplier``."""

    bps: float

    def __post_init__(self) -> None:
        _finite("fees.bps", self.bps, minimum=0.0)

    def fee(
        self, *, price: float, quantity: float, multiplier: float, liquidity: Liquidity
    ) -> float:
        return price * quantity * multiplier * self.bps * 1e-4


@dataclass(frozen=True, slots=True)
class MakerTakerFee:
    """Basis points of notional by liquidity; a negative ``maker_bps`` is a rebate."""

    maker_bps: float
    taker_bps: float

    def __post_init__(self) -> None:
        _finite("fees.maker_bps", self.maker_bps)
        _finite("fees.taker_bps", self.taker_bps)

    def fee(
        self, *, price: float, quantity: float, multiplier: float, liquidity: Liquidity
    ) -> float:
        bps = self.maker_bps if liquidity == Liquidity.MAKER else self.taker_bps
        return price * quantity * multiplier * bps * 1e-4


@dataclass(frozen=True, slots=True)
class CompositeFee:
    """The sum of several models (e.g. a per-share commission plus exchange bps)."""

    parts: tuple[FeeModel, ...]

    def __post_init__(self) -> None:
        for part in self.parts:
            if not isinstance(part, FeeModel):
                raise InputError("fees.parts", part, "fee models")

    def fee(
        self, *, price: float, quantity: float, multiplier: float, liquidity: Liquidity
    ) -> float:
        return sum(
            p.fee(price=price, quantity=quantity, multiplier=multiplier, liquidity=liquidity)
            for p in self.parts
        )
