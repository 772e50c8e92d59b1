"""Latency models: how long market data, orders and reports take to travel.

Three legs are modelled separately (see docs/fills.md): market data from the
venue to the strategy, an order from the strategy to the venue, and the
acknowledgement or fill report back. Each leg is a `LatencyModel`; random ones
draw from the run's `numpy.random.Generator`, so a seed fixes every delay.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from tickdeck.core import InputError

__all__ = [
    "ConstantLatency",
    "LatencyModel",
    "LatencyProfile",
    "LogNormalLatency",
    "UniformLatency",
]


@runtime_checkable
class LatencyModel(Protocol):
    """A delay in ns: one draw per order or report, or many at once for market data."""

    def sample_ns(self, rng: np.random.Generator) -> int: ...

    def sample_many_ns(self, rng: np.random.Generator, count: int) -> npt.NDArray[np.int64]: ...


def _non_negative(field: str, value: float) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
        raise InputError(field, value, "a finite number of ns >= 0")


@dataclass(frozen=True, slots=True)
class ConstantLatency:
    """Always `ns` nanoseconds; draws nothing from the generator."""

    ns: int = 0

    def __post_init__(self) -> None:
        _non_negative("latency.ns", self.ns)

    def sample_ns(self, rng: np.random.Generator) -> int:
        return int(self.ns)

    def sample_many_ns(self, rng: np.random.Generator, count: int) -> npt.NDArray[np.int64]:
        return np.full(count, int(self.ns), dtype=np.int64)


@dataclass(frozen=True, slots=True)
class UniformLatency:
    """Uniform on ``[low_ns, high_ns]``, rounded to whole ns."""

    low_ns: int
    high_ns: int

    def __post_init__(self) -> None:
        _non_negative("latency.low_ns", self.low_ns)
        _non_negative("latency.high_ns", self.high_ns)
        if self.high_ns < self.low_ns:
            raise InputError("latency.high_ns", self.high_ns, f"at least low_ns ({self.low_ns})")

    def sample_ns(self, rng: np.random.Generator) -> int:
        return int(rng.integers(self.low_ns, self.high_ns, endpoint=True))

    def sample_many_ns(self, rng: np.random.Generator, count: int) -> npt.NDArray[np.int64]:
        return rng.integers(self.low_ns, self.high_ns, size=count, endpoint=True, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class LogNormalLatency:
    """Log-normal with the given median and shape `sigma`, plus a fixed floor.

    Network and matching-engine delays are right-skewed: mostly near the
    median, sometimes much longer. ``delay = floor_ns + median_ns * exp(sigma * Z)``.
    """

    median_ns: int
    sigma: float = 0.5
    floor_ns: int = 0

    def __post_init__(self) -> None:
        _non_negative("latency.median_ns", self.median_ns)
        _non_negative("latency.floor_ns", self.floor_ns)
        if not (math.isfinite(self.sigma) and self.sigma >= 0):
            raise InputError("latency.sigma", self.sigma, "a finite shape >= 0")

    def sample_ns(self, rng: np.random.Generator) -> int:
        return int(
            self.floor_ns + round(self.median_ns * math.exp(self.sigma * rng.standard_normal()))
        )

    def sample_many_ns(self, rng: np.random.Generator, count: int) -> npt.NDArray[np.int64]:
        draws: npt.NDArray[np.float64] = self.median_ns * np.exp(
            self.sigma * rng.standard_normal(count)
        )
        return (self.floor_ns + np.rint(draws)).astype(np.int64)


@dataclass(frozen=True, slots=True)
class LatencyProfile:
    """The three legs: market data to the strategy, order entry to the venue, reports back."""

    market_data: LatencyModel = ConstantLatency(0)
    order_entry: LatencyModel = ConstantLatency(0)
    report: LatencyModel = ConstantLatency(0)

    def __post_init__(self) -> None:
        for name in ("market_data", "order_entry", "report"):
            if not isinstance(getattr(self, name), LatencyModel):
                raise InputError(f"latency.{name}", getattr(self, name), "a latency model")
