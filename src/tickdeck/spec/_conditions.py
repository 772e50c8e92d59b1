"""Operands and conditions: comparisons, crossovers and their and/or/not combinations.

Conditions are evaluated once per evaluation (quote, trade or bar) with
three-valued logic, so that warm-up never fakes a signal: a comparison with
an undefined (NaN) operand is *unknown*; ``not unknown`` is unknown; ``all``
is false if any part is false, else unknown if any is; ``any`` is true if any
part is true, else unknown if any is. A rule fires only on *true*.

Values closer than ``1e-12`` times the larger magnitude count as equal, so
float rounding of averages on a tick grid never decides a comparison or a
crossover. A crossover follows `tickdeck.strategy.indicators.Cross` on the
difference ``left - right``: it fires when the difference gets strictly onto
the other side (ties keep the side; the first defined reading is no cross).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AllSpec",
    "AnySpec",
    "CompareSpec",
    "ConditionSpec",
    "ConstantOperand",
    "CrossSpec",
    "IndicatorOperand",
    "NotSpec",
    "Operand",
    "PriceOperand",
]

_CONFIG = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", min_length=1, max_length=64)]


class PriceOperand(BaseModel):
    """A field of the event being evaluated.

    `price` is the evaluation price: the quote mid, the trade price or the bar
    close. `open`, `high`, `low` and `close` need bar data; `volume` needs
    bars or trades.
    """

    model_config = _CONFIG
    type: Literal["price"]
    field: Literal["price", "open", "high", "low", "close", "volume"] = "price"


class IndicatorOperand(BaseModel):
    """An indicator's current value; `output` names one of several (e.g. 'upper')."""

    model_config = _CONFIG
    type: Literal["indicator"]
    id: Annotated[str, Field(description="the indicator's key in `indicators`")]
    output: str | None = None


class ConstantOperand(BaseModel):
    """A number; a `name` makes it a strategy parameter that sweeps can vary."""

    model_config = _CONFIG
    type: Literal["constant"]
    value: float
    name: Name | None = None


Operand = Annotated[PriceOperand | IndicatorOperand | ConstantOperand, Field(discriminator="type")]


class CompareSpec(BaseModel):
    """``left op right`` now (a threshold when one side is a constant)."""

    model_config = _CONFIG
    type: Literal["compare"]
    left: Operand
    op: Literal[">", "<", ">=", "<="]
    right: Operand


class CrossSpec(BaseModel):
    """`left` crosses above (below) `right` at this evaluation."""

    model_config = _CONFIG
    type: Literal["cross"]
    left: Operand
    direction: Literal["above", "below"]
    right: Operand


class AllSpec(BaseModel):
    """Every condition holds (and)."""

    model_config = _CONFIG
    type: Literal["all"]
    conditions: Annotated[tuple[ConditionSpec, ...], Field(min_length=2)]


class AnySpec(BaseModel):
    """At least one condition holds (or)."""

    model_config = _CONFIG
    type: Literal["any"]
    conditions: Annotated[tuple[ConditionSpec, ...], Field(min_length=2)]


class NotSpec(BaseModel):
    """The condition does not hold."""

    model_config = _CONFIG
    type: Literal["not"]
    condition: ConditionSpec


ConditionSpec = Annotated[
    CompareSpec | CrossSpec | AllSpec | AnySpec | NotSpec, Field(discriminator="type")
]

AllSpec.model_rebuild()
AnySpec.model_rebuild()
NotSpec.model_rebuild()
