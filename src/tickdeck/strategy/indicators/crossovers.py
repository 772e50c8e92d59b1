"""Crossovers: when one series passes above or below another.

Two rules, because a stateless test cannot see through ties:

- `crossed_above` / `crossed_below` compare two consecutive readings:
  a crossed above b when ``a_prev <= b_prev and a > b``. A touch followed by a
  move away counts once (at the move), but so does a touch that bounces back
  to the side it came from.
- `Cross` (and its array face `crossings`) remembers the side on which a
  last was strictly above or below b, or that the readings so far were all
  ties. A crossing is reported when a gets strictly onto the other side, or
  leaves a tie that has lasted since the start. Ties after a side is known,
  and NaN readings, change nothing. So, as a - b: ``-1, 0, +1`` is one
  crossing (at +1), ``+1, 0, +1`` none, ``0, 0, +1`` one; and the first
  reading never reports a crossing, so neither does the end of a warm-up.

Unlike the indicators, these accept NaN: their inputs are usually indicator
outputs, which are NaN during warm-up, and a NaN reading is no crossing.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
import numpy.typing as npt

from tickdeck.strategy.indicators import _kernels
from tickdeck.strategy.indicators._inputs import same_length, series

__all__ = ["Cross", "Crossing", "crossed_above", "crossed_below", "crossings"]

_I8 = npt.NDArray[np.int8]


class Crossing(IntEnum):
    """What happened at one update: the codes of the `crossings` array."""

    BELOW = -1
    NONE = 0
    ABOVE = 1


_ABOVE = Crossing.ABOVE
_BELOW = Crossing.BELOW
_NONE = Crossing.NONE
# The side of a against b: -1 below, +1 above, 0 tied so far, and
# _UNKNOWN before the first reading that is not NaN (as in the kernel).
_UNKNOWN = 2


def crossed_above(a_prev: float, a: float, b_prev: float, b: float) -> bool:
    """Whether a went from at or below b to strictly above it (False if any is NaN)."""
    return a_prev <= b_prev and a > b


def crossed_below(a_prev: float, a: float, b_prev: float, b: float) -> bool:
    """Whether a went from at or above b to strictly below it (False if any is NaN)."""
    return a_prev >= b_prev and a < b


class Cross:
    """Tracks two series and reports when the first crosses above or below the second."""

    __slots__ = ("_side", "value")

    def __init__(self) -> None:
        self.reset()

    @property
    def ready(self) -> bool:
        """Whether a reading without NaN was seen, so the next update can report a crossing."""
        return self._side != _UNKNOWN

    def reset(self) -> None:
        """Forget the side, as if just created."""
        self._side = _UNKNOWN
        self.value = _NONE

    def update(self, a: float, b: float) -> Crossing:
        """Add one reading of each series; return ABOVE, BELOW or NONE."""
        crossing = _NONE
        side = self._side
        if a > b:
            if side <= 0:
                crossing = _ABOVE
            self._side = 1
        elif a < b:
            if side == 1 or side == 0:
                crossing = _BELOW
            self._side = -1
        elif side == _UNKNOWN and a == b:
            self._side = 0
        self.value = crossing
        return crossing

    def __repr__(self) -> str:
        return "Cross()"


def crossings(a: npt.ArrayLike, b: npt.ArrayLike) -> _I8:
    """`Cross` over whole arrays: an int8 array of `Crossing` codes (1, -1 or 0).

    NaN is allowed (no crossing, the side is kept); infinities compare as usual.
    """
    first = series("a", a, finite=False)
    second = series("b", b, finite=False)
    same_length(("a", "b"), first, second)
    out = np.empty(first.shape[0], np.int8)
    _kernels.crossings(first, second, out)
    return out
