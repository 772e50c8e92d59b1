"""`MarketModel`: the price dynamics of a stochastic market without input data.

A market is geometric Brownian motion in calendar time, to which the model
adds, each optional: GARCH(1,1) volatility clustering, Merton jumps, regime
switching (calm, volatile, news shocks) that scales volatility and activity,
block trades with permanent impact, and a correlation matrix across several
instruments. Trades, quotes and the book come from the shared
`Microstructure`. docs/synth.md states every formula.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from tickdeck.core import InputError
from tickdeck.synth.config import Microstructure, check_integer, check_number

__all__ = [
    "BlockTrades",
    "GarchVolatility",
    "Jumps",
    "MarketModel",
    "Regime",
    "RegimeSwitching",
]

_MINUTE_NS = 60_000_000_000
_DAY_NS = 86_400_000_000_000
#: The calendar year that annualised volatility and drift refer to.
YEAR_NS = int(365.25 * _DAY_NS)


@dataclass(frozen=True, slots=True)
class GarchVolatility:
    """GARCH(1,1) clustering of the per-step variance, parametrised by what it does.

    The relative variance follows ``h' = (1 - phi) + alpha * h * z**2 + (phi -
    alpha) * h`` with persistence ``phi = 0.5 ** (step / half_life)`` and
    ``alpha = reaction * sqrt((1 - phi**2) / 2)`` (capped at phi). With
    Gaussian shocks the per-step return kurtosis is then ``3 / (1 -
    reaction**2)`` whatever the step: 5.9 at the default 0.7.

    - `reaction` (0.7): in ``[0, 0.95]``; 0 is no clustering.
    - `half_life_ns` (30 minutes): how long a volatility shock takes to halve.
    """

    reaction: float = 0.7
    half_life_ns: int = 30 * _MINUTE_NS

    def __post_init__(self) -> None:
        check_number("reaction", self.reaction, low=0.0, high=0.95)
        check_integer("half_life_ns", self.half_life_ns, low=1)

    def coefficients(self, step_ns: int) -> tuple[float, float]:
        """(alpha, persistence) per step of `step_ns`."""
        persistence = 0.5 ** (step_ns / self.half_life_ns)
        alpha = min(self.reaction * math.sqrt((1.0 - persistence**2) / 2.0), persistence)
        return alpha, persistence


@dataclass(frozen=True, slots=True)
class Jumps:
    """Merton jumps: `per_day` jumps a day on average, log sizes Normal(`mean`, `std`)."""

    per_day: float = 1.0
    mean: float = 0.0
    std: float = 0.003

    def __post_init__(self) -> None:
        check_number("per_day", self.per_day, low=0.0, high=10_000.0)
        check_number("mean", self.mean, low=-1.0, high=1.0)
        check_number("std", self.std, low=0.0, high=1.0)


@dataclass(frozen=True, slots=True)
class Regime:
    """One market state: how it scales volatility and activity, and how long it lasts.

    `entry_jump_std` is the standard deviation of a log-price jump taken on
    entering the regime (a news shock), correlated across instruments like
    their returns.
    """

    name: str
    volatility_multiplier: float
    activity_multiplier: float
    mean_duration_ns: int
    entry_jump_std: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise InputError("regime.name", self.name, "a non-empty name")
        check_number("volatility_multiplier", self.volatility_multiplier, low=0.0, high=1000.0)
        check_number("activity_multiplier", self.activity_multiplier, low=0.0, high=1000.0)
        check_integer("mean_duration_ns", self.mean_duration_ns, low=1)
        check_number("entry_jump_std", self.entry_jump_std, low=0.0, high=1.0)


def _default_regimes() -> tuple[Regime, ...]:
    return (
        Regime("calm", 0.8, 0.8, 120 * _MINUTE_NS),
        Regime("volatile", 2.0, 1.6, 30 * _MINUTE_NS),
        Regime("news", 5.0, 4.0, 3 * _MINUTE_NS, entry_jump_std=0.002),
    )


def _default_transitions() -> tuple[tuple[float, ...], ...]:
    # Leaving calm: mostly to volatile, sometimes straight to news; news settles to volatile.
    return ((0.0, 0.85, 0.15), (0.8, 0.0, 0.2), (0.3, 0.7, 0.0))


@dataclass(frozen=True, slots=True)
class RegimeSwitching:
    """A continuous-time Markov chain of regimes shared by all instruments.

    A regime ends after an exponential time of its mean duration; row i of
    `transitions` gives where the market goes next (its diagonal is ignored
    and rows are normalised). The default is calm, volatile and news shocks.
    """

    regimes: tuple[Regime, ...] = field(default_factory=_default_regimes)
    transitions: tuple[tuple[float, ...], ...] = field(default_factory=_default_transitions)
    initial: int = 0

    def __post_init__(self) -> None:
        k = len(self.regimes)
        if k < 1 or not all(isinstance(r, Regime) for r in self.regimes):
            raise InputError("regimes", self.regimes, "at least one Regime")
        if len(self.transitions) != k or any(len(row) != k for row in self.transitions):
            raise InputError("transitions", self.transitions, f"a {k}x{k} matrix")
        for i, row in enumerate(self.transitions):
            off = [float(p) for j, p in enumerate(row) if j != i]
            if any(not math.isfinite(p) or p < 0 for p in off) or (k > 1 and sum(off) <= 0):
                raise InputError(
                    f"transitions[{i}]", row, "non-negative weights, some off the diagonal"
                )
        check_integer("initial", self.initial, low=0, high=k - 1)

    def cumulative(self) -> npt.NDArray[np.float64]:
        """Row-normalised cumulative transition probabilities (diagonal zeroed)."""
        matrix = np.array(self.transitions, dtype=np.float64)
        np.fill_diagonal(matrix, 0.0)
        sums = matrix.sum(axis=1, keepdims=True)
        matrix = np.where(sums > 0, matrix / np.where(sums > 0, sums, 1.0), 0.0)
        cumulative: npt.NDArray[np.float64] = np.cumsum(matrix, axis=1)
        cumulative[:, -1] = np.where(sums[:, 0] > 0, 1.0, 0.0)
        return cumulative


@dataclass(frozen=True, slots=True)
class BlockTrades:
    """Occasional large trades that walk the book and move the price for good.

    - `share` (0.002): fraction of trades that are blocks.
    - `size_multiplier` (50.0): a block's size over an ordinary trade's.
    - `impact_bps` (5.0): permanent move of the efficient price, in basis
      points, for a block of typical size, growing with the square root of
      its size, in the block's direction.
    """

    share: float = 0.002
    size_multiplier: float = 50.0
    impact_bps: float = 5.0

    def __post_init__(self) -> None:
        check_number("share", self.share, low=0.0, high=1.0)
        check_number("size_multiplier", self.size_multiplier, low=1.0, high=1e6)
        check_number("impact_bps", self.impact_bps, low=0.0, high=10_000.0)


@dataclass(frozen=True, slots=True)
class MarketModel:
    """A stochastic market: price dynamics plus microstructure, for one or more instruments.

    - `volatility` (0.2) and `drift` (0.0): annualised over a calendar year of
      365.25 days (the simulation runs in clock time, nights and weekends
      included).
    - `garch`, `jumps`, `regimes`, `blocks` (None): the optional effects.
    - `correlation` (None): the correlation matrix of the instruments' return
      shocks (and of news jumps); None means independent. Must be symmetric
      positive definite with a unit diagonal.
    - `trades_per_day` (20,000): mean trades per day per instrument in the
      calm baseline, spread over the session by the seasonality.
    - `mean_trade_lots` (5.0): mean size of an ordinary trade, in lots.
    - `step_ns` (1 s): the step of the efficient-price path.
    - `microstructure`: arrivals, seasonality, session, spread, book.
    """

    volatility: float = 0.2
    drift: float = 0.0
    garch: GarchVolatility | None = None
    jumps: Jumps | None = None
    regimes: RegimeSwitching | None = None
    blocks: BlockTrades | None = None
    correlation: tuple[tuple[float, ...], ...] | None = None
    trades_per_day: float = 20_000.0
    mean_trade_lots: float = 5.0
    step_ns: int = 1_000_000_000
    microstructure: Microstructure = field(default_factory=Microstructure)

    def __post_init__(self) -> None:
        check_number("volatility", self.volatility, low=0.0, high=20.0)
        check_number("drift", self.drift, low=-10.0, high=10.0)
        for name, kind in (
            ("garch", GarchVolatility),
            ("jumps", Jumps),
            ("regimes", RegimeSwitching),
            ("blocks", BlockTrades),
        ):
            value = getattr(self, name)
            if value is not None and not isinstance(value, kind):
                raise InputError(name, value, f"a {kind.__name__} or None")
        check_number("trades_per_day", self.trades_per_day, low=0.0, high=1e9)
        check_number("mean_trade_lots", self.mean_trade_lots, low=1.0, high=1e12)
        check_integer("step_ns", self.step_ns, low=1_000_000, high=_DAY_NS)
        if not isinstance(self.microstructure, Microstructure):
            raise InputError("microstructure", self.microstructure, "a Microstructure")
        if self.correlation is not None:
            self.cholesky()

    def cholesky(self) -> npt.NDArray[np.float64] | None:
        """The lower Cholesky factor of `correlation`, or an InputError if it is not one."""
        if self.correlation is None:
            return None
        try:
            matrix = np.array(self.correlation, dtype=np.float64)
        except (TypeError, ValueError):
            raise InputError(
                "correlation", self.correlation, "a square matrix of numbers"
            ) from None
        n = matrix.shape[0] if matrix.ndim == 2 else 0
        if matrix.ndim != 2 or matrix.shape != (n, n) or n == 0:
            raise InputError("correlation", self.correlation, "a square matrix")
        if not np.all(np.isfinite(matrix)) or not np.allclose(matrix, matrix.T, atol=1e-12):
            raise InputError("correlation", self.correlation, "a symmetric matrix")
        if not np.allclose(np.diag(matrix), 1.0, atol=1e-12) or np.any(np.abs(matrix) > 1):
            raise InputError("correlation", self.correlation, "ones on the diagonal, |rho| <= 1")
        try:
            factor: npt.NDArray[np.float64] = np.linalg.cholesky(matrix).astype(np.float64)
        except np.linalg.LinAlgError:
            hint = "its eigenvalues must all be positive"
            raise InputError(
                "correlation", self.correlation, "a positive definite matrix", hint=hint
            ) from None
        return factor
