"""The knobs of the agent-based market, validated once and frozen.

One `AbmConfig` holds the instrument and the simulated period, the size of
the price window the book lives in, and one config per agent population.
A rate of 0 (or a count of 0) switches a population off, so an `AbmConfig`
with every population off is a bare matching engine that only external
orders reach. docs/synth-abm.md explains every field and its default.

Configs cross process boundaries as the plain dict of `AbmConfig.to_dict`
(the instrument as its own `Instrument.to_dict`); `AbmConfig.from_dict` is
its inverse and rejects unknown keys with a suggestion.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from numbers import Integral, Real
from typing import Any, Self

from tickdeck.core import InputError, Instrument
from tickdeck.core.errors import suggest
from tickdeck.core.instrument import MAX_EXACT_TICKS

__all__ = [
    "AbmConfig",
    "FundamentalTraderConfig",
    "MarketMakerConfig",
    "MomentumTraderConfig",
    "NoiseTraderConfig",
]

_SECOND_NS = 1_000_000_000
#: Rates above this (per second, per population) would put several events in one nanosecond.
_MAX_RATE = 1e8
#: Order sizes above this many lots are a typo; it also bounds the output rows of one step.
_MAX_LOTS = 1_000_000


def _number(name: str, value: object, *, low: float, high: float, open_low: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise InputError(name, value, "a number")
    number = float(value)
    inside = (number > low if open_low else number >= low) and number <= high
    if not (math.isfinite(number) and inside):
        raise InputError(name, value, f"a number in {'(' if open_low else '['}{low:g}, {high:g}]")
    return number


def _integer(name: str, value: object, *, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise InputError(name, value, "a whole number")
    number = int(value)
    if not low <= number <= high:
        raise InputError(name, value, f"a whole number in [{low}, {high}]")
    return number


def _checked(obj: object, prefix: str, spec: dict[str, tuple[str, float, float]]) -> None:
    """Validate and normalise the fields named in `spec`: (kind, low, high) each.

    Kinds: ``"int"``, ``"num"`` (closed interval), ``"pos"`` (``(low, high]``).
    Numpy scalars become plain Python numbers, so configs compare and serialise alike.
    """
    for name, (kind, low, high) in spec.items():
        value = getattr(obj, name)
        label = f"{prefix}.{name}"
        if kind == "int":
            checked: float = _integer(label, value, low=int(low), high=int(high))
        else:
            checked = _number(label, value, low=low, high=high, open_low=kind == "pos")
        object.__setattr__(obj, name, checked)


def _reject_unknown(section: str, data: dict[str, Any], names: list[str]) -> None:
    for key in data:
        if key not in names:
            raise InputError(section, key, f"one of {names}", hint=suggest(str(key), names))


class _Section:
    """`to_dict`/`from_dict` for the flat per-population configs."""

    __slots__ = ()
    _prefix = ""

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}  # type: ignore[arg-type]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        if not isinstance(data, dict):
            raise InputError(cls._prefix, data, "a mapping of field names to values")
        _reject_unknown(cls._prefix, data, [f.name for f in fields(cls)])  # type: ignore[arg-type]
        return cls(**data)


@dataclass(frozen=True, slots=True)
class NoiseTraderConfig(_Section):
    """Zero-intelligence flow: random limit orders, market orders and cancellations.

    - `limit_rate_per_s` (200): limit orders per second, each side with probability 1/2.
    - `market_rate_per_s` (40): market orders per second, each side with probability 1/2.
    - `cancel_rate_per_s` (1.0): cancellation rate of each resting noise order,
      so its lifetime is exponential with mean ``1 / cancel_rate_per_s`` s; 0 never cancels.
    - `offset_scale_ticks` (4): a limit order's distance from the opposite best
      quote is ``1 + floor(E * offset_scale_ticks)`` ticks, E standard
      exponential, so it never crosses the spread.
    - `size_mean_lots` (3) and `size_max_lots` (40): order size is
      ``1 + floor(E * (size_mean_lots - 1))`` lots, E standard exponential,
      capped at `size_max_lots`.
    """

    _prefix = "noise"
    limit_rate_per_s: float = 200.0
    market_rate_per_s: float = 40.0
    cancel_rate_per_s: float = 1.0
    offset_scale_ticks: float = 4.0
    size_mean_lots: float = 3.0
    size_max_lots: int = 40

    def __post_init__(self) -> None:
        _checked(
            self,
            "noise",
            {
                "limit_rate_per_s": ("num", 0, _MAX_RATE),
                "market_rate_per_s": ("num", 0, _MAX_RATE),
                "cancel_rate_per_s": ("num", 0, _MAX_RATE),
                "offset_scale_ticks": ("num", 0, 1e6),
                "size_mean_lots": ("num", 1, _MAX_LOTS),
                "size_max_lots": ("int", 1, _MAX_LOTS),
            },
        )


@dataclass(frozen=True, slots=True)
class MarketMakerConfig(_Section):
    """Market makers: two-sided quotes around the mid, skewed against inventory.

    - `count` (4): independent makers, each with its own inventory.
    - `refresh_rate_per_s` (10): quote refreshes per second, per maker.
    - `half_spread_ticks` (1.0): distance of each quote from the maker's
      reservation price ``mid - inventory_skew_ticks * inventory``; at least 0.5.
    - `quote_size_lots` (10): size of each quote.
    - `inventory_skew_ticks` (0.02): ticks the reservation price moves per lot held.
    - `max_inventory_lots` (200): at this long (short) inventory the maker
      stops bidding (offering) until it is back inside.
    """

    _prefix = "market_makers"
    count: int = 4
    refresh_rate_per_s: float = 10.0
    half_spread_ticks: float = 1.0
    quote_size_lots: int = 10
    inventory_skew_ticks: float = 0.02
    max_inventory_lots: int = 200

    def __post_init__(self) -> None:
        _checked(
            self,
            "market_makers",
            {
                "count": ("int", 0, 1000),
                "refresh_rate_per_s": ("num", 0, _MAX_RATE),
                "half_spread_ticks": ("num", 0.5, 1e6),
                "quote_size_lots": ("int", 1, _MAX_LOTS),
                "inventory_skew_ticks": ("num", 0, 1e6),
                "max_inventory_lots": ("int", 1, 10**12),
            },
        )


@dataclass(frozen=True, slots=True)
class MomentumTraderConfig(_Section):
    """Trend followers: market orders in the direction of the recent move.

    - `rate_per_s` (5): decisions per second.
    - `lookback_ns` (10 s): time constant of the exponential moving average
      of the mid that defines "recent".
    - `threshold_ticks` (1.0): the trader buys when the mid is above its
      average by more than this, sells when below by more, else does nothing.
    - `size_lots` (5): size of each market order.
    """

    _prefix = "momentum"
    rate_per_s: float = 5.0
    lookback_ns: int = 10 * _SECOND_NS
    threshold_ticks: float = 1.0
    size_lots: int = 5

    def __post_init__(self) -> None:
        _checked(
            self,
            "momentum",
            {
                "rate_per_s": ("num", 0, _MAX_RATE),
                "lookback_ns": ("int", 1, 10**15),
                "threshold_ticks": ("num", 0, 1e6),
                "size_lots": ("int", 1, _MAX_LOTS),
            },
        )


@dataclass(frozen=True, slots=True)
class FundamentalTraderConfig(_Section):
    """Value traders: take liquidity up to a fundamental value when the mid strays from it.

    The fundamental value starts at the initial price and moves on a fixed
    grid of `update_interval_ns`: a Gaussian step of standard deviation
    ``volatility_ticks_per_sqrt_s * sqrt(interval in s)``, plus, with
    probability ``jump_rate_per_s * interval in s``, a Gaussian jump of
    standard deviation `jump_size_ticks`. Its path depends only on the seed.

    - `rate_per_s` (5): decisions per second.
    - `threshold_ticks` (2.0): the trader acts when the fundamental is more
      than this many ticks from the mid; it then sends an immediate-or-cancel
      limit order for `size_lots` (10) priced at the fundamental (rounded
      towards the mid), so it never pays more than the value it believes in.
    - `volatility_ticks_per_sqrt_s` (0.5), `jump_rate_per_s` (0.005),
      `jump_size_ticks` (15.0), `update_interval_ns` (100 ms): the fundamental's path.
    """

    _prefix = "fundamental"
    rate_per_s: float = 5.0
    threshold_ticks: float = 2.0
    size_lots: int = 10
    volatility_ticks_per_sqrt_s: float = 0.5
    jump_rate_per_s: float = 0.005
    jump_size_ticks: float = 15.0
    update_interval_ns: int = 100_000_000

    def __post_init__(self) -> None:
        _checked(
            self,
            "fundamental",
            {
                "rate_per_s": ("num", 0, _MAX_RATE),
                "threshold_ticks": ("num", 0, 1e6),
                "size_lots": ("int", 1, _MAX_LOTS),
                "volatility_ticks_per_sqrt_s": ("num", 0, 1e6),
                "jump_rate_per_s": ("num", 0, 1e6),
                "jump_size_ticks": ("num", 0, 1e6),
                "update_interval_ns": ("int", 1_000, 10**15),
            },
        )
        step_s = self.update_interval_ns / _SECOND_NS
        if self.jump_rate_per_s * step_s > 1:
            raise InputError(
                "fundamental.jump_rate_per_s",
                self.jump_rate_per_s,
                f"at most one jump per update interval (<= {1 / step_s:g} per s)",
                hint="shorten update_interval_ns",
            )


_SECTIONS: dict[str, type[_Section]] = {
    "noise": NoiseTraderConfig,
    "market_makers": MarketMakerConfig,
    "momentum": MomentumTraderConfig,
    "fundamental": FundamentalTraderConfig,
}


@dataclass(frozen=True, slots=True)
class AbmConfig:
    """One agent-based market: instrument, period, book window and agent populations.

    - `instrument`: the instrument traded; prices live on its tick grid and
      sizes are whole multiples of its lot size.
    - `initial_price`: where the book and the fundamental value start; on the tick grid.
    - `start_ns`, `duration_ns`: the period recorded, ns UTC.
    - `warmup_ns` (60 s): simulated before `start_ns` so the book is full at
      the start; nothing from the warm-up is recorded.
    - `snapshot_interval_ns` (1 s): spacing of the depth-10 book snapshots.
    - `price_levels` (65,536): width in ticks of the price window the book
      lives in, centred on the initial price; agents do not place orders
      outside it and external orders outside it are rejected.
    - `max_resting_orders` (262,144): capacity of the book; an agent order
      that finds it full is dropped (counted in `AbmOutput.dropped_orders`).
    """

    instrument: Instrument
    initial_price: float
    start_ns: int
    duration_ns: int
    warmup_ns: int = 60 * _SECOND_NS
    snapshot_interval_ns: int = _SECOND_NS
    price_levels: int = 65_536
    max_resting_orders: int = 1 << 18
    noise: NoiseTraderConfig = field(default_factory=NoiseTraderConfig)
    market_makers: MarketMakerConfig = field(default_factory=MarketMakerConfig)
    momentum: MomentumTraderConfig = field(default_factory=MomentumTraderConfig)
    fundamental: FundamentalTraderConfig = field(default_factory=FundamentalTraderConfig)

    def __post_init__(self) -> None:
        if not isinstance(self.instrument, Instrument):
            raise InputError("instrument", self.instrument, "an Instrument")
        _checked(
            self,
            "abm",
            {
                "initial_price": ("pos", 0, 1e15),
                "start_ns": ("int", 0, 2**62),
                "duration_ns": ("int", 1, 2**62),
                "warmup_ns": ("int", 0, 2**62),
                "snapshot_interval_ns": ("int", 1_000, 2**62),
                "price_levels": ("int", 16, 1 << 24),
                "max_resting_orders": ("int", 16, 1 << 26),
            },
        )
        if self.warmup_ns > self.start_ns:
            raise InputError("abm.warmup_ns", self.warmup_ns, f"at most start_ns ({self.start_ns})")
        if bool(self.instrument.off_grid([self.initial_price])[0]):
            raise InputError(
                "abm.initial_price",
                self.initial_price,
                f"a price on the tick grid of {self.instrument.tick_size}",
            )
        ticks = int(self.instrument.prices_to_ticks([self.initial_price])[0])
        if ticks + self.price_levels >= MAX_EXACT_TICKS:
            raise InputError("abm.initial_price", self.initial_price, "a price below 2**50 ticks")
        for name, kind in _SECTIONS.items():
            if not isinstance(getattr(self, name), kind):
                raise InputError(f"abm.{name}", getattr(self, name), f"a {kind.__name__}")

    @property
    def end_ns(self) -> int:
        """The first instant after the recorded period."""
        return self.start_ns + self.duration_ns

    def evolve(self, **changes: Any) -> AbmConfig:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The config as plain JSON-ready values."""
        data: dict[str, Any] = {"instrument": self.instrument.to_dict()}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in _SECTIONS:
                data[f.name] = value.to_dict()
            elif f.name != "instrument":
                data[f.name] = value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AbmConfig:
        """Inverse of `to_dict`; missing optional keys take their defaults."""
        if not isinstance(data, dict):
            raise InputError("abm", data, "a mapping of field names to values")
        _reject_unknown("abm", data, [f.name for f in fields(cls)])
        values = dict(data)
        instrument = values.get("instrument")
        if isinstance(instrument, dict):
            values["instrument"] = Instrument.from_dict(instrument)
        for name, kind in _SECTIONS.items():
            if name in values:
                values[name] = kind.from_dict(values[name])
        missing = [
            n for n in ("instrument", "initial_price", "start_ns", "duration_ns") if n not in values
        ]
        if missing:
            raise InputError("abm", sorted(values), f"the fields {missing}")
        return cls(**values)
