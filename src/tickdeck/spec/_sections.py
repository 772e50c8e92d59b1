"""The spec's plain sections: data, sizing, risk, execution and simulation models.

Each is a frozen pydantic model with stated defaults; the simulation section
maps one to one onto the models of `tickdeck.execution` (see
`tickdeck.spec.backtest_config`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "BarsData",
    "BpsFees",
    "BpsSlippage",
    "ConstantLatencySpec",
    "DataSpec",
    "ExecutionSpec",
    "FeesSpec",
    "FixedSizing",
    "LatencySpec",
    "LatencyTimes",
    "LogNormalLatencySpec",
    "MakerTakerFees",
    "NoFees",
    "NoSlippage",
    "PerUnitFees",
    "PercentOfEquitySizing",
    "QuotesData",
    "RiskPercentSizing",
    "RiskSpec",
    "SimulationSpec",
    "SizingSpec",
    "SlippageSpec",
    "SpreadFractionSlippage",
    "SquareRootSlippage",
    "TradesData",
    "UniformLatencySpec",
    "VolatilityTargetSizing",
]

_CONFIG = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

Positive = Annotated[float, Field(gt=0)]
Percent = Annotated[float, Field(gt=0, le=1000)]
Lot = Annotated[float, Field(gt=0, description="quantities are whole multiples of this")]
Nanoseconds = Annotated[int, Field(ge=0, le=3_600_000_000_000)]

# -- data -------------------------------------------------------------------------


class QuotesData(BaseModel):
    """Evaluate on every quote; the price is the mid ``(bid + ask) / 2``."""

    model_config = _CONFIG
    type: Literal["quotes"]


class TradesData(BaseModel):
    """Evaluate on every trade; the price is the trade price, the volume its size."""

    model_config = _CONFIG
    type: Literal["trades"]


class BarsData(BaseModel):
    """Evaluate on bars of `seconds`; the price is the close.

    `source` is what the run replays: bars built from quote mids or trade
    prices as they arrive, or stored bars of that interval.
    """

    model_config = _CONFIG
    type: Literal["bars"]
    seconds: Annotated[int, Field(ge=1, le=31_622_400)]
    source: Literal["quotes", "trades", "bars"] = "quotes"


DataSpec = Annotated[QuotesData | TradesData | BarsData, Field(discriminator="type")]

# -- sizing -----------------------------------------------------------------------


class FixedSizing(BaseModel):
    """A fixed number of units per position."""

    model_config = _CONFIG
    type: Literal["fixed"]
    quantity: Positive


class PercentOfEquitySizing(BaseModel):
    """Units worth `percent` of equity at the entry price, rounded down to `lot`."""

    model_config = _CONFIG
    type: Literal["percent_of_equity"]
    percent: Percent
    lot: Lot = 1.0


class RiskPercentSizing(BaseModel):
    """Units such that the stop-loss loses `percent` of equity (needs `risk.stop_loss_percent`)."""

    model_config = _CONFIG
    type: Literal["risk_percent"]
    percent: Annotated[float, Field(gt=0, le=100)]
    lot: Lot = 1.0


class VolatilityTargetSizing(BaseModel):
    """Units whose annualised volatility is `annual_percent` of equity.

    ``units = equity * annual_percent / 100 / (price * sigma * sqrt(periods_per_year))``
    with ``sigma`` the population deviation of the last `period` simple returns
    of the evaluation price; no entry while sigma is undefined or zero.
    """

    model_config = _CONFIG
    type: Literal["volatility_target"]
    annual_percent: Percent
    period: Annotated[int, Field(ge=2, le=1_000_000)] = 20
    periods_per_year: Positive = 252.0
    lot: Lot = 1.0


SizingSpec = Annotated[
    FixedSizing | PercentOfEquitySizing | RiskPercentSizing | VolatilityTargetSizing,
    Field(discriminator="type"),
]

# -- risk and execution -----------------------------------------------------------


class RiskSpec(BaseModel):
    """Exits checked at every evaluation before the rules, and a position cap.

    Percentages are of the average entry price, against the evaluation price;
    the trailing stop measures from the best evaluation price since entry.
    `exit_after_bars` counts evaluations (bars, or quotes/trades on tick data)
    since the position opened, `exit_after_seconds` time since its first fill.
    """

    model_config = _CONFIG
    stop_loss_percent: Annotated[float, Field(gt=0, lt=100)] | None = None
    take_profit_percent: Percent | None = None
    trailing_stop_percent: Annotated[float, Field(gt=0, lt=100)] | None = None
    max_position: Positive | None = None
    exit_after_bars: Annotated[int, Field(ge=1)] | None = None
    exit_after_seconds: Positive | None = None


class ExecutionSpec(BaseModel):
    """How orders are sent.

    Limit orders are priced from the evaluation price, `limit_offset_ticks`
    ticks of `tick_size` away from the market (a buy below, a sell above;
    negative: through the market), rounded onto the tick grid away from it.
    """

    model_config = _CONFIG
    order_type: Literal["market", "limit"] = "market"
    limit_offset_ticks: Annotated[int, Field(ge=-10_000, le=10_000)] = 0
    tick_size: Positive | None = None
    time_in_force: Literal["gtc", "day", "ioc", "fok"] = "gtc"


# -- simulation ------------------------------------------------------------------


class NoFees(BaseModel):
    model_config = _CONFIG
    type: Literal["none"]


class BpsFees(BaseModel):
    """Basis points of the notional."""

    model_config = _CONFIG
    type: Literal["bps"]
    bps: Annotated[float, Field(ge=0, le=10_000)]


class PerUnitFees(BaseModel):
    """Per share or contract, with a minimum per fill."""

    model_config = _CONFIG
    type: Literal["per_unit"]
    per_unit: Annotated[float, Field(ge=0)]
    minimum: Annotated[float, Field(ge=0)] = 0.0


class MakerTakerFees(BaseModel):
    """Basis points by liquidity; a negative maker fee is a rebate."""

    model_config = _CONFIG
    type: Literal["maker_taker"]
    maker_bps: Annotated[float, Field(ge=-10_000, le=10_000)]
    taker_bps: Annotated[float, Field(ge=-10_000, le=10_000)]


FeesSpec = Annotated[NoFees | BpsFees | PerUnitFees | MakerTakerFees, Field(discriminator="type")]


class NoSlippage(BaseModel):
    model_config = _CONFIG
    type: Literal["none"]


class BpsSlippage(BaseModel):
    """A fixed number of basis points against the taker."""

    model_config = _CONFIG
    type: Literal["bps"]
    bps: Annotated[float, Field(ge=0, le=10_000)]


class SpreadFractionSlippage(BaseModel):
    """A fraction of the quoted spread against the taker."""

    model_config = _CONFIG
    type: Literal["spread_fraction"]
    fraction: Annotated[float, Field(ge=0, le=100)]


class SquareRootSlippage(BaseModel):
    """Square-root impact: ``price * coefficient * volatility * sqrt(quantity / volume)``."""

    model_config = _CONFIG
    type: Literal["square_root"]
    coefficient: Annotated[float, Field(ge=0)] = 1.0
    volatility: Annotated[float, Field(ge=0)] = 0.01
    default_volume: Positive | None = None


SlippageSpec = Annotated[
    NoSlippage | BpsSlippage | SpreadFractionSlippage | SquareRootSlippage,
    Field(discriminator="type"),
]


class ConstantLatencySpec(BaseModel):
    model_config = _CONFIG
    type: Literal["constant"]
    ns: Nanoseconds = 0


class UniformLatencySpec(BaseModel):
    model_config = _CONFIG
    type: Literal["uniform"]
    low_ns: Nanoseconds
    high_ns: Nanoseconds


class LogNormalLatencySpec(BaseModel):
    """``floor_ns + median_ns * exp(sigma * Z)``."""

    model_config = _CONFIG
    type: Literal["lognormal"]
    median_ns: Nanoseconds
    sigma: Annotated[float, Field(ge=0, le=10)] = 0.5
    floor_ns: Nanoseconds = 0


LatencySpec = Annotated[
    ConstantLatencySpec | UniformLatencySpec | LogNormalLatencySpec,
    Field(discriminator="type"),
]

_ZERO = ConstantLatencySpec(type="constant", ns=0)


class LatencyTimes(BaseModel):
    """The three legs: market data to the strategy, orders to the venue, reports back."""

    model_config = _CONFIG
    market_data: LatencySpec = _ZERO
    order_entry: LatencySpec = _ZERO
    report: LatencySpec = _ZERO


class SimulationSpec(BaseModel):
    """The exchange's assumptions for this strategy (docs/fills.md)."""

    model_config = _CONFIG
    fees: FeesSpec = NoFees(type="none")
    slippage: SlippageSpec = NoSlippage(type="none")
    latency: LatencyTimes = LatencyTimes()
