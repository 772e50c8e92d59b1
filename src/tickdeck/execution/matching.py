"""Taker fills: what an order that crosses the spread gets, level by level.

With an L2 book the order walks the replayed levels. With L1 quotes only it
walks a `SyntheticDepth`: the displayed top, then further levels a fixed
number of ticks apart, each assumed to hold as much as the top displayed.
Size beyond the last level fills at that level's price. A slippage model then
shifts every fill price against the taker, rounded onto the tick grid away
from the taker and never beyond a limit price. docs/fills.md states these
rules with the rest of the fill assumptions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tickdeck.core import FillBasis, InputError, Instrument, Side
from tickdeck.execution.market import MarketState
from tickdeck.execution.slippage import SlippageModel

__all__ = ["SyntheticDepth", "slipped", "take"]


@dataclass(frozen=True, slots=True)
class SyntheticDepth:
    """Depth assumed behind an L1 quote: `levels` levels `step_ticks` apart.

    Each level beyond the top holds `size_multiple` times the top's displayed size.
    """

    levels: int = 5
    step_ticks: int = 1
    size_multiple: float = 1.0

    def __post_init__(self) -> None:
        if not (isinstance(self.levels, int) and self.levels >= 1):
            raise InputError("depth.levels", self.levels, "a whole number of levels >= 1")
        if not (isinstance(self.step_ticks, int) and self.step_ticks >= 1):
            raise InputError("depth.step_ticks", self.step_ticks, "a whole number of ticks >= 1")
        if not (math.isfinite(self.size_multiple) and self.size_multiple > 0):
            raise InputError("depth.size_multiple", self.size_multiple, "a positive number")


_BOOK, _ASSUMED = FillBasis.BOOK, FillBasis.SYNTHETIC_DEPTH


def _ladder(
    side: Side, state: MarketState, instrument: Instrument, depth: SyntheticDepth
) -> list[tuple[float, float, FillBasis]]:
    if state.has_book:
        return [(price, size, _BOOK) for price, size in state.levels(side)]
    top, size = (state.ask, state.ask_size) if side == Side.BUY else (state.bid, state.bid_size)
    if math.isnan(top):
        return []
    if size <= 0:  # the data has no sizes: the top is all we can say, and it is unbounded
        return [(top, math.inf, _ASSUMED)]
    tick = float(instrument.tick_size) * depth.step_ticks
    sign = 1.0 if side == Side.BUY else -1.0
    prices = [instrument.snap_price(top + sign * tick * i) for i in range(depth.levels)]
    return [(prices[0], size, _BOOK)] + [
        (p, size * depth.size_multiple, _ASSUMED) for p in prices[1:] if p > 0
    ]


def _away_from_taker(instrument: Instrument, side: Side, price: float) -> float:
    exact = price / float(instrument.tick_size)
    steps = math.ceil(exact - 1e-9) if side == Side.BUY else math.floor(exact + 1e-9)
    return instrument.ticks_to_price(steps)


def _shifted(
    side: Side, price: float, shift: float, limit: float | None, instrument: Instrument
) -> float:
    """`price` moved by `shift` against the taker, onto the grid away from it, within `limit`."""
    sign = 1.0 if side == Side.BUY else -1.0
    moved = _away_from_taker(instrument, side, price + sign * shift)
    if limit is not None:
        moved = min(moved, limit) if side == Side.BUY else max(moved, limit)
    return moved


def slipped(
    side: Side,
    price: float,
    quantity: float,
    limit: float | None,
    state: MarketState,
    instrument: Instrument,
    slippage: SlippageModel,
) -> float:
    """The price a taker of `quantity` pays for a fill at `price`, after the slippage model.

    For takers that do not walk a ladder: a market order at a bar's open or at
    a trade's price, a stop filled on a bar's path.
    """
    shift = slippage.price_shift(
        price=price, quantity=quantity, spread=state.spread, volume=state.traded_volume
    )
    return _shifted(side, price, shift, limit, instrument) if shift > 0 else price


def take(
    side: Side,
    quantity: float,
    limit: float | None,
    state: MarketState,
    instrument: Instrument,
    depth: SyntheticDepth,
    slippage: SlippageModel,
) -> list[tuple[float, float, FillBasis]]:
    """The (price, quantity, basis) fills of a taker order, best level first; empty if none.

    `limit` None is a market order: it takes the whole quantity from what the
    ladder offers. A limit order takes only levels at or better than its
    limit, and the rest is left for the caller to rest or cancel. `basis` is
    BOOK for displayed liquidity and SYNTHETIC_DEPTH for assumed liquidity.
    """
    fills: list[tuple[float, float, FillBasis]] = []
    remaining = quantity
    ladder = _ladder(side, state, instrument, depth)
    for price, size, basis in ladder:
        if limit is not None and (price > limit if side == Side.BUY else price < limit):
            break
        amount = min(remaining, size)
        fills.append((price, amount, basis))
        remaining -= amount
        if remaining <= 0:
            break
    if remaining > 0 and limit is None and fills:
        # Beyond the last level: the rest fills at that level's price, an assumption.
        price, amount, _ = fills[-1]
        fills[-1] = (price, amount + remaining, _ASSUMED)
    if not fills:
        return fills
    taken = sum(q for _, q, _ in fills)
    # One shift for the whole order, measured at the best level it took.
    shift = slippage.price_shift(
        price=fills[0][0], quantity=taken, spread=state.spread, volume=state.traded_volume
    )
    if not shift > 0:
        return fills
    return [
        (_shifted(side, price, shift, limit, instrument), amount, basis)
        for price, amount, basis in fills
    ]
