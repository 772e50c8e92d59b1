"""The simulated exchange and its named assumptions: latency, fees, slippage and impact."""

from tickdeck.execution.fees import BpsFee, CompositeFee, FeeModel, MakerTakerFee, NoFee, PerUnitFee
from tickdeck.execution.latency import (
    ConstantLatency,
    LatencyModel,
    LatencyProfile,
    LogNormalLatency,
    UniformLatency,
)
from tickdeck.execution.slippage import (
    FixedBpsSlippage,
    NoSlippage,
    SlippageModel,
    SpreadFractionSlippage,
    SquareRootImpact,
)

__all__ = [
    "BpsFee",
    "CompositeFee",
    "ConstantLatency",
    "FeeModel",
    "FixedBpsSlippage",
    "LatencyModel",
    "LatencyProfile",
    "LogNormalLatency",
    "MakerTakerFee",
    "NoFee",
    "NoSlippage",
    "PerUnitFee",
    "SlippageModel",
    "SpreadFractionSlippage",
    "SquareRootImpact",
    "UniformLatency",
]
