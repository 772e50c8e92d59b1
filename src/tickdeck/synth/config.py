"""The knobs of the synthetic generators, validated once and frozen.

Every generator draws its microstructure (when trades arrive, how big they
are, how wide the spread is, what the book behind the quote looks like) from
one `Microstructure`; `BarsConfig` adds what only ticks-from-bars needs (the
intra-bar path), `tickdeck.synth.models.MarketModel` what only the stochastic
markets need (the price dynamics). docs/synth.md explains each field and its
default.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from enum import IntEnum
from numbers import Integral, Real
from typing import Self

from tickdeck.core import BOOK_SNAPSHOT_DEPTH, InputError
from tickdeck.core.errors import suggest
from tickdeck.core.instrument import parse_decimal

__all__ = [
    "BarsConfig",
    "ExtremeOrder",
    "HawkesArrivals",
    "Microstructure",
    "PoissonArrivals",
    "Session",
    "SpreadModel",
    "UShape",
]

_DAY_NS = 86_400_000_000_000


def check_number(
    name: str, value: object, *, low: float, high: float = math.inf, low_open: bool = False
) -> float:
    """`value` as a float in ``[low, high]`` (``(low, high]`` if `low_open`), or an InputError."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise InputError(name, value, "a number")
    number = float(value)
    inside = (number > low if low_open else number >= low) and number <= high
    if not (math.isfinite(number) and inside):
        bracket = "(" if low_open else "["
        raise InputError(name, value, f"a number in {bracket}{low:g}, {high:g}]")
    return number


def check_integer(name: str, value: object, *, low: int, high: int | None = None) -> int:
    """`value` as an int in ``[low, high]``, or an InputError."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise InputError(name, value, "a whole number")
    number = int(value)
    if number < low or (high is not None and number > high):
        upper = "" if high is None else f" and at most {high}"
        raise InputError(name, value, f"a whole number at least {low}{upper}")
    return number


class ExtremeOrder(IntEnum):
    """Which of a bar's high and low its intra-bar path touches first.

    A bar that opens on its high or its low touches that extreme first (at
    the open). Otherwise:

    SHORTEST: the order that makes the path open -> extreme -> extreme -> close
    shortest. Going through the low first is shorter by ``2 * (close - open)``,
    so a bar that closes above its open visits its low first, one that closes
    below visits its high first; a bar that closes at its open visits first the
    extreme nearer to the open (the low on a tie). Deterministic.

    RANDOM: the low comes first with probability ``len_high_first /
    (len_low_first + len_high_first)``, the two path lengths, so the shorter
    order is the likelier one (9 to 7 for open 110, high 120, low 100, close
    115) and a symmetric doji is a coin toss.

    Until the first extreme prints, the path stays off the other one, so
    "first" means first touched, as a stop or a limit order would see it.
    """

    SHORTEST = 0
    RANDOM = 1

    @classmethod
    def parse(cls, value: str | int | Self, *, field: str = "extreme_order") -> Self:
        """Parse a case-insensitive name (``"shortest"``), a value or a member."""
        if isinstance(value, cls):
            return value
        key = str(value).strip().lower()
        for member in cls:
            if member.name.lower() == key or str(int(member)) == key:
                return member
        names = [m.name.lower() for m in cls]
        raise InputError(field, value, "shortest or random", hint=suggest(key, names))


@dataclass(frozen=True, slots=True)
class PoissonArrivals:
    """Trades arrive independently: a Poisson process with the seasonal intensity."""

    def to_dict(self) -> dict[str, object]:
        return {"process": "poisson"}


@dataclass(frozen=True, slots=True)
class HawkesArrivals:
    """Self-exciting arrivals: each trade raises the intensity, which decays back.

    An exponential Hawkes process run in *operational time*, where one unit is
    one expected trade at the local (seasonal) baseline rate, so the same
    parameters mean the same clustering in a 1-minute bar or a daily one.

    - `branching_ratio` (0.6): expected trades directly triggered by one
      trade, in ``[0, 0.95]``; 0 is Poisson. The share of trades that are
      triggered rather than spontaneous is the same number.
    - `memory_trades` (10.0): the e-folding time of a trade's excitation, in
      expected inter-trade intervals.
    """

    branching_ratio: float = 0.6
    memory_trades: float = 10.0

    def __post_init__(self) -> None:
        check_number("branching_ratio", self.branching_ratio, low=0.0, high=0.95)
        check_number("memory_trades", self.memory_trades, low=0.01, high=1e9)

    def to_dict(self) -> dict[str, object]:
        return {
            "process": "hawkes",
            "branching_ratio": self.branching_ratio,
            "memory_trades": self.memory_trades,
        }


Arrivals = PoissonArrivals | HawkesArrivals


@dataclass(frozen=True, slots=True)
class UShape:
    """Intraday seasonality: activity density ``1 + amplitude * (2u - 1)**2`` over a session.

    ``u`` in ``[0, 1)`` is the position in the trading session; the density is
    normalised to average 1, so with the default amplitude 2 the open and the
    close are 2.1 times as busy as the average and 3 times as busy as midday.
    Amplitude 0 is flat.
    """

    amplitude: float = 2.0

    def __post_init__(self) -> None:
        check_number("amplitude", self.amplitude, low=0.0, high=100.0)

    def density(self, u: float) -> float:
        """The normalised activity at session position `u`."""
        return (1.0 + self.amplitude * (2.0 * u - 1.0) ** 2) / (1.0 + self.amplitude / 3.0)


@dataclass(frozen=True, slots=True)
class Session:
    """A daily trading session, as offsets from UTC midnight in ns (open < close <= 1 day).

    Ticks generated from bars lasting a day or more fall inside the session of
    the bar's first day; shorter bars keep their whole interval, and the
    session only places them on the intraday activity curve.
    """

    open_ns: int = 0
    close_ns: int = _DAY_NS

    def __post_init__(self) -> None:
        check_integer("session.open_ns", self.open_ns, low=0, high=_DAY_NS - 1)
        check_integer("session.close_ns", self.close_ns, low=1, high=_DAY_NS)
        if self.close_ns <= self.open_ns:
            raise InputError(
                "session", (self.open_ns, self.close_ns), "an open before the close (UTC)"
            )


@dataclass(frozen=True, slots=True)
class SpreadModel:
    """The quoted spread, in ticks, around each trade.

    ``spread = min_ticks + floor(volatility_factor * v + jitter)`` where ``v``
    is an exponential moving average (weight `smoothing` per trade) of the
    absolute trade-to-trade price change in ticks, and ``jitter`` is
    exponential with mean `jitter_ticks`. So the spread widens where prices
    move more.
    """

    min_ticks: int = 1
    volatility_factor: float = 1.0
    jitter_ticks: float = 0.5
    smoothing: float = 0.05

    def __post_init__(self) -> None:
        check_integer("min_ticks", self.min_ticks, low=1, high=1_000_000)
        check_number("volatility_factor", self.volatility_factor, low=0.0, high=1e6)
        check_number("jitter_ticks", self.jitter_ticks, low=0.0, high=1e6)
        check_number("smoothing", self.smoothing, low=0.0, high=1.0, low_open=True)


@dataclass(frozen=True, slots=True)
class Microstructure:
    """What every generator shares: arrivals, seasonality, sizes, signs, quotes, book.

    - `arrivals` (`PoissonArrivals()`): the trade arrival process.
    - `seasonality` (`UShape()`): intraday activity.
    - `session` (None): the daily session that seasonality follows (None: the
      whole UTC day).
    - `size_tail` (1.5): tail index of trade sizes, a Pareto law; smaller is
      heavier, in ``[1.05, 10]``.
    - `sign_persistence` (0.7): on a trade at an unchanged price, the
      probability that its aggressor repeats the previous trade's; a price
      change decides the aggressor (tick rule: up is a buyer).
    - `spread` (`SpreadModel()`).
    - `quote_size_lots` (None): mean quoted size at the touch in lots (None:
      three times the mean trade size).
    - `book_levels` (0): L2 depth levels per side in book snapshots, up to
      `BOOK_SNAPSHOT_DEPTH`; 0 writes no book.
    - `book_every` (1): a book snapshot with every this many quotes.
    - `recv_delay_ns` (0): ``ts_recv - ts_event`` of every record.
    """

    arrivals: Arrivals = field(default_factory=PoissonArrivals)
    seasonality: UShape = field(default_factory=UShape)
    session: Session | None = None
    size_tail: float = 1.5
    sign_persistence: float = 0.7
    spread: SpreadModel = field(default_factory=SpreadModel)
    quote_size_lots: float | None = None
    book_levels: int = 0
    book_every: int = 1
    recv_delay_ns: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.arrivals, PoissonArrivals | HawkesArrivals):
            raise InputError("arrivals", self.arrivals, "PoissonArrivals() or HawkesArrivals()")
        if not isinstance(self.seasonality, UShape):
            raise InputError("seasonality", self.seasonality, "a UShape")
        if self.session is not None and not isinstance(self.session, Session):
            raise InputError("session", self.session, "a Session or None")
        if not isinstance(self.spread, SpreadModel):
            raise InputError("spread", self.spread, "a SpreadModel")
        check_number("size_tail", self.size_tail, low=1.05, high=10.0)
        check_number("sign_persistence", self.sign_persistence, low=0.0, high=1.0)
        if self.quote_size_lots is not None:
            check_number("quote_size_lots", self.quote_size_lots, low=1.0, high=1e12)
        check_integer("book_levels", self.book_levels, low=0, high=BOOK_SNAPSHOT_DEPTH)
        check_integer("book_every", self.book_every, low=1)
        check_integer("recv_delay_ns", self.recv_delay_ns, low=0, high=_DAY_NS)


@dataclass(frozen=True, slots=True)
class BarsConfig:
    """How `ticks_from_bars` draws the ticks inside each bar.

    - `trades_per_bar` (200.0): mean trades in a bar of average volume; a
      bar's expected count is proportional to its volume (or, without
      volumes, to its seasonal activity), and never below the 1 to 4 trades
      needed to print its open, extremes and close.
    - `extreme_order` (SHORTEST): see `ExtremeOrder`.
    - `path_roughness` (1.0): how far the path strays from the straight
      lines joining open, extremes and close; 0 walks them straight.
    - `size_step` (None): the size grid in instrument units (None: the
      instrument's lot size). Bar volumes must be whole multiples of it.
    - `microstructure`: the rest (`Microstructure`).
    """

    trades_per_bar: float = 200.0
    extreme_order: ExtremeOrder = ExtremeOrder.SHORTEST
    path_roughness: float = 1.0
    size_step: Decimal | None = None
    microstructure: Microstructure = field(default_factory=Microstructure)

    def __post_init__(self) -> None:
        check_number("trades_per_bar", self.trades_per_bar, low=1.0, high=1e9)
        object.__setattr__(self, "extreme_order", ExtremeOrder.parse(self.extreme_order))
        check_number("path_roughness", self.path_roughness, low=0.0, high=100.0)
        if self.size_step is not None:
            step = parse_decimal(self.size_step, field="size_step")
            object.__setattr__(self, "size_step", step)
        if not isinstance(self.microstructure, Microstructure):
            raise InputError("microstructure", self.microstructure, "a Microstructure")
