"""`ExchangeConfig`: every assumption of the simulated exchange, in one frozen value.

Each field is a small model with a stated default; docs/fills.md says what
each one means for when and at what price an order fills.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import IntEnum

from tickdeck.core import InputError
from tickdeck.execution.fees import FeeModel, NoFee
from tickdeck.execution.matching import SyntheticDepth
from tickdeck.execution.queue import ConservativeQueue, QueueModel
from tickdeck.execution.slippage import NoSlippage, SlippageModel

__all__ = ["ExchangeConfig", "RiskLimits", "SameBarRule"]

_DAY_NS = 86_400_000_000_000


class SameBarRule(IntEnum):
    """Which of a stop-loss and a take-profit fills when one bar reaches both.

    Bars do not say which price came first. STOP_FIRST assumes the worst (the
    default), TARGET_FIRST the best, PATH follows the stated OHLC path.
    """

    STOP_FIRST = 1
    TARGET_FIRST = 2
    PATH = 3


def _limit(name: str, value: float | None) -> None:
    if value is not None and not (math.isfinite(value) and value > 0):
        raise InputError(f"risk.{name}", value, "a positive number, or None for no limit")


@dataclass(frozen=True, slots=True)
class RiskLimits:
    """Pre-trade checks; a breach rejects the order with its reason, it never raises.

    `max_position` is the largest absolute position per instrument (units),
    `max_order_quantity` and `max_order_notional` cap one order, and
    `max_leverage` caps gross exposure after the order over equity (1.0 means
    no borrowing). None disables a check.
    """

    max_position: float | None = None
    max_order_quantity: float | None = None
    max_order_notional: float | None = None
    max_leverage: float | None = None

    def __post_init__(self) -> None:
        for name in ("max_position", "max_order_quantity", "max_order_notional", "max_leverage"):
            _limit(name, getattr(self, name))


@dataclass(frozen=True, slots=True)
class ExchangeConfig:
    """The simulated exchange's assumptions (defaults in parentheses).

    - `depth`: depth assumed behind an L1 quote (5 levels, 1 tick apart).
    - `slippage`: price shift against takers (none).
    - `fees`: fee per fill (none).
    - `queue`: volume ahead of resting limit orders when trades are replayed
      (conservative: cancellations are behind us).
    - `same_bar`: stop-loss versus take-profit in one bar (stop first).
    - `session_end_ns`: offset from UTC midnight at which DAY orders expire (0).
    - `volume_window_ns`: trailing window of traded volume for impact (1 day).
    - `risk`: pre-trade limits (none).
    """

    depth: SyntheticDepth = field(default_factory=SyntheticDepth)
    slippage: SlippageModel = field(default_factory=NoSlippage)
    fees: FeeModel = field(default_factory=NoFee)
    queue: QueueModel = field(default_factory=ConservativeQueue)
    same_bar: SameBarRule = SameBarRule.STOP_FIRST
    session_end_ns: int = 0
    volume_window_ns: int = _DAY_NS
    risk: RiskLimits = field(default_factory=RiskLimits)

    def __post_init__(self) -> None:
        if not 0 <= self.session_end_ns < _DAY_NS:
            raise InputError("session_end_ns", self.session_end_ns, "an offset within one day")
        if self.volume_window_ns <= 0:
            raise InputError("volume_window_ns", self.volume_window_ns, "a positive duration")

    def day_end(self, ts: int) -> int:
        """The first session end strictly after `ts` (when a DAY order placed at `ts` expires)."""
        return ((ts - self.session_end_ns) // _DAY_NS + 1) * _DAY_NS + self.session_end_ns
