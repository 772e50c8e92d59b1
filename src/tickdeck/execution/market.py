"""What the simulated exchange knows about one instrument's market right now.

Updated from replayed data in exchange time: the top of book from quotes (or
from the L2 book when it is replayed), the last trade, and the volume traded
over a trailing window (the reference volume of impact models).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

from tickdeck.core import BookAction, Side

__all__ = ["MarketState"]


@dataclass(slots=True)
class MarketState:
    """Top of book, optional L2 levels, last trade and trailing traded volume."""

    volume_window_ns: int = 86_400_000_000_000
    bid: float = math.nan
    ask: float = math.nan
    bid_size: float = 0.0
    ask_size: float = 0.0
    last_price: float = math.nan
    ts: int = 0
    bids: dict[float, float] = field(default_factory=dict)
    asks: dict[float, float] = field(default_factory=dict)
    has_book: bool = False
    _volume: float = 0.0
    _trades: deque[tuple[int, float]] = field(default_factory=deque)

    @property
    def has_quote(self) -> bool:
        return not (math.isnan(self.bid) or math.isnan(self.ask))

    def can_take(self, side: Side) -> bool:
        """Whether a taker on `side` has a price to take (the ask for buys, the bid for sells)."""
        return not math.isnan(self.ask if side == Side.BUY else self.bid)

    @property
    def spread(self) -> float:
        return self.ask - self.bid

    @property
    def mid(self) -> float:
        return (self.bid + self.ask) / 2.0

    def on_quote(self, ts: int, bid: float, ask: float, bid_size: float, ask_size: float) -> None:
        self.ts = ts
        if not self.has_book:  # the L2 book, when replayed, is the better source of the top
            self.bid, self.ask, self.bid_size, self.ask_size = bid, ask, bid_size, ask_size

    def on_trade(self, ts: int, price: float, size: float) -> None:
        self.ts = ts
        self.last_price = price
        self._trades.append((ts, size))
        self._volume += size
        horizon = ts - self.volume_window_ns
        while self._trades and self._trades[0][0] < horizon:
            self._volume -= self._trades.popleft()[1]

    @property
    def traded_volume(self) -> float:
        """Volume traded over the trailing window; NaN when no trade was ever seen."""
        return self._volume if self._trades or not math.isnan(self.last_price) else math.nan

    def on_book_delta(self, ts: int, side: int, price: float, size: float, action: int) -> None:
        self.ts = ts
        self.has_book = True
        if action == BookAction.CLEAR:
            self.bids.clear()
            self.asks.clear()
        else:
            levels = self.bids if side == Side.BUY else self.asks
            if action == BookAction.DELETE or size <= 0:
                levels.pop(price, None)
            else:
                levels[price] = size
        self._refresh_top()

    def on_book_snapshot(
        self,
        ts: int,
        bid_prices: tuple[float, ...],
        bid_sizes: tuple[float, ...],
        ask_prices: tuple[float, ...],
        ask_sizes: tuple[float, ...],
    ) -> None:
        self.ts = ts
        self.has_book = True
        self.bids = {p: s for p, s in zip(bid_prices, bid_sizes, strict=True) if s > 0 and p == p}
        self.asks = {p: s for p, s in zip(ask_prices, ask_sizes, strict=True) if s > 0 and p == p}
        self._refresh_top()

    def _refresh_top(self) -> None:
        if self.bids:
            self.bid = max(self.bids)
            self.bid_size = self.bids[self.bid]
        else:
            self.bid, self.bid_size = math.nan, 0.0
        if self.asks:
            self.ask = min(self.asks)
            self.ask_size = self.asks[self.ask]
        else:
            self.ask, self.ask_size = math.nan, 0.0

    def levels(self, side: Side) -> list[tuple[float, float]]:
        """The L2 levels a taker on `side` would walk, best first."""
        if side == Side.BUY:
            return sorted(self.asks.items())
        return sorted(self.bids.items(), reverse=True)
