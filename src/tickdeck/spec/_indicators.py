"""The spec's indicators: a small closed set, each a frozen pydantic model.

Every indicator reads one input series (the evaluation price by default, a
bar field, or another indicator's output) and is updated once per
evaluation, so a compiled kernel can run the same set over arrays. The
formulas are those of `tickdeck.strategy.indicators`; `RETURN` is the simple
return over `period` evaluations, ``x[t] / x[t - period] - 1``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ATRSpec",
    "BollingerSpec",
    "EMASpec",
    "IndicatorSpec",
    "MACDSpec",
    "MaxSpec",
    "MinSpec",
    "RSISpec",
    "ReturnSpec",
    "SMASpec",
    "StdSpec",
    "VWAPSpec",
    "WMASpec",
    "ZScoreSpec",
    "outputs_of",
]

_CONFIG = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

Period = Annotated[int, Field(ge=1, le=1_000_000, description="evaluations in the window")]
Input = Annotated[
    str,
    Field(
        description=(
            "the series the indicator reads: 'price' (the evaluation price), a bar field "
            "('open', 'high', 'low', 'close', 'volume'), or another indicator's id, "
            "with '.output' for one of several outputs (e.g. 'bands.upper')"
        ),
    ),
]


class SMASpec(BaseModel):
    """Simple moving average of the last `period` values."""

    model_config = _CONFIG
    kind: Literal["sma"]
    period: Period
    input: Input = "price"


class EMASpec(BaseModel):
    """Exponential moving average, ``alpha = 2 / (period + 1)``, seeded with an SMA."""

    model_config = _CONFIG
    kind: Literal["ema"]
    period: Period
    input: Input = "price"


class WMASpec(BaseModel):
    """Linearly weighted moving average, the newest value weighing most."""

    model_config = _CONFIG
    kind: Literal["wma"]
    period: Period
    input: Input = "price"


class RSISpec(BaseModel):
    """Wilder's relative strength index over `period` changes, in [0, 100]."""

    model_config = _CONFIG
    kind: Literal["rsi"]
    period: Period = 14
    input: Input = "price"


class MACDSpec(BaseModel):
    """MACD: outputs `line` (the default), `signal` and `histogram`."""

    model_config = _CONFIG
    kind: Literal["macd"]
    fast: Period = 12
    slow: Period = 26
    signal: Period = 9
    input: Input = "price"


class BollingerSpec(BaseModel):
    """Bollinger bands: outputs `middle` (the default), `upper` and `lower`."""

    model_config = _CONFIG
    kind: Literal["bollinger"]
    period: Annotated[int, Field(ge=2, le=1_000_000)] = 20
    k: Annotated[float, Field(gt=0, le=100, description="band distance in deviations")] = 2.0
    input: Input = "price"


class ATRSpec(BaseModel):
    """Wilder's average true range of bars (reads high, low and close; bar data only)."""

    model_config = _CONFIG
    kind: Literal["atr"]
    period: Period = 14


class VWAPSpec(BaseModel):
    """Volume-weighted average price: cumulative (`period` null) or over `period` updates.

    Reads the evaluation price and volume: bar closes and volumes, or trade prices
    and sizes; quotes carry no volume.
    """

    model_config = _CONFIG
    kind: Literal["vwap"]
    period: Period | None = None


class StdSpec(BaseModel):
    """Rolling population standard deviation of the last `period` values."""

    model_config = _CONFIG
    kind: Literal["std"]
    period: Annotated[int, Field(ge=2, le=1_000_000)]
    input: Input = "price"


class ZScoreSpec(BaseModel):
    """``(x - mean) / std`` over the last `period` values (population deviation)."""

    model_config = _CONFIG
    kind: Literal["zscore"]
    period: Annotated[int, Field(ge=2, le=1_000_000)]
    input: Input = "price"


class MaxSpec(BaseModel):
    """The highest of the last `period` values."""

    model_config = _CONFIG
    kind: Literal["max"]
    period: Period
    input: Input = "price"


class MinSpec(BaseModel):
    """The lowest of the last `period` values."""

    model_config = _CONFIG
    kind: Literal["min"]
    period: Period
    input: Input = "price"


class ReturnSpec(BaseModel):
    """Simple return over `period` evaluations: ``x[t] / x[t - period] - 1``."""

    model_config = _CONFIG
    kind: Literal["return"]
    period: Period
    input: Input = "price"


IndicatorSpec = Annotated[
    SMASpec
    | EMASpec
    | WMASpec
    | RSISpec
    | MACDSpec
    | BollingerSpec
    | ATRSpec
    | VWAPSpec
    | StdSpec
    | ZScoreSpec
    | MaxSpec
    | MinSpec
    | ReturnSpec,
    Field(discriminator="kind"),
]

_OUTPUTS: dict[str, tuple[str, ...]] = {
    "macd": ("line", "signal", "histogram"),
    "bollinger": ("middle", "upper", "lower"),
}


def outputs_of(kind: str) -> tuple[str, ...]:
    """The outputs an indicator kind has; the first is the one meant when none is named."""
    return _OUTPUTS.get(kind, ("value",))
