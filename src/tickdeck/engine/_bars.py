"""Time bars built from ticks as they arrive, for `Strategy.subscribe_bars`.

Buckets are ``[k * interval, (k + 1) * interval)`` of the strategy's clock
(receive time). A bar is delivered when the first tick of a later bucket
arrives, just before that tick: a bar is never seen before its bucket ended,
and a bucket without ticks gives no bar. Its ``ts_event`` is the bucket end.

Replayed bars aggregate into coarser bars by the span they cover,
``[ts_event - interval, ts_event)``: the coarser bar is complete, and
delivered, with the replayed bar that ends at its end.
"""

from __future__ import annotations

import math

from tickdeck.core import Bar, InputError

__all__ = ["LiveBars"]


class LiveBars:
    """One instrument's bars of one interval, from mid prices (quotes) or trade prices."""

    __slots__ = ("_close", "_end", "_high", "_low", "_open", "_volume", "instrument", "interval_ns")

    def __init__(self, instrument: str, interval_ns: int) -> None:
        if not (isinstance(interval_ns, int) and interval_ns > 0):
            raise InputError("interval_ns", interval_ns, "a positive whole number of ns")
        self.instrument = instrument
        self.interval_ns = interval_ns
        self._end = -1
        self._open = self._high = self._low = self._close = math.nan
        self._volume = 0.0

    def update(self, ts: int, price: float, size: float) -> Bar | None:
        """Add a tick at `ts`; returns the bar it completed, if any."""
        finished = None
        if ts >= self._end:
            if self._end >= 0:
                finished = Bar(
                    self.instrument, self._end, self._end, self._open, self._high,
                    self._low, self._close, self._volume, self.interval_ns,
                )  # fmt: skip
            self._end = ts - ts % self.interval_ns + self.interval_ns
            self._open = self._high = self._low = self._close = price
            self._volume = size
            return finished
        self._high = max(self._high, price)
        self._low = min(self._low, price)
        self._close = price
        self._volume += size
        return None

    def update_bar(self, bar: Bar) -> list[Bar]:
        """Add a replayed bar (finer than or equal to this interval); returns completed bars."""
        start = bar.ts_event - bar.interval_ns
        finished = []
        if start >= self._end:
            if self._end >= 0 and self._open == self._open:  # a bucket the bars left open
                finished.append(self._bar())
            self._end = start - start % self.interval_ns + self.interval_ns
            self._open, self._high, self._low = bar.open, bar.high, bar.low
            self._volume = 0.0
        else:
            self._high = max(self._high, bar.high)
            self._low = min(self._low, bar.low)
        self._close = bar.close
        self._volume += bar.volume
        if bar.ts_event >= self._end:
            finished.append(self._bar())
            self._open = math.nan  # delivered: nothing open until the next bucket
        return finished

    def _bar(self) -> Bar:
        return Bar(
            self.instrument, self._end, self._end, self._open, self._high,
            self._low, self._close, self._volume, self.interval_ns,
        )  # fmt: skip
