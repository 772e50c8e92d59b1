"""Queue-position models: how much resting volume is ahead of our limit order.

When a limit order rests at a price with displayed size, everything displayed
there arrived first. Trades at our price eat the queue from the front; once
it is gone, further trades at our price fill us. Cancellations also shrink the
displayed size, but replay cannot tell whether they were ahead of or behind
us: that is the assumption each model states.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from tickdeck.core import InputError

__all__ = ["ConservativeQueue", "ProbabilisticQueue", "QueueModel"]


@runtime_checkable
class QueueModel(Protocol):
    """Tracks the volume ahead of one resting order at one price."""

    def on_size_decrease(self, ahead: float, old_size: float, new_size: float) -> float:
        """The volume ahead after the displayed size fell without a trade (cancellations)."""
        ...


@dataclass(frozen=True, slots=True)
class ConservativeQueue:
    """Cancellations are all behind us: only trades at our price move us forward.

    The queue ahead can still never exceed what is displayed, since what is
    ahead of us is part of the display.
    """

    def on_size_decrease(self, ahead: float, old_size: float, new_size: float) -> float:
        return min(ahead, new_size)


@dataclass(frozen=True, slots=True)
class ProbabilisticQueue:
    """A cancellation is ahead of us with probability ``(ahead / old_size) ** power``.

    The queue moves by the expected share of the decrease, so the result is
    deterministic. ``power`` 1 spreads cancellations evenly through the queue;
    larger powers assume they come mostly from the back (more conservative).
    """

    power: float = 1.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.power) and self.power > 0):
            raise InputError("queue.power", self.power, "a positive number")

    def on_size_decrease(self, ahead: float, old_size: float, new_size: float) -> float:
        if old_size <= 0:
            return min(ahead, new_size)
        share: float = (min(ahead, old_size) / old_size) ** self.power
        return min(max(ahead - (old_size - new_size) * share, 0.0), new_size)
