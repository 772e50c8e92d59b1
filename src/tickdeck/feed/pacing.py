"""`Pacer`: releases replayed events on the wall clock at a multiple of real time.

The schedule is absolute, so it cannot drift: the pacer keeps an *anchor*, a
pair (wall time, replay time), and event ``i`` is due at::

    due_i = wall_anchor + ceil((ts_recv_i - ts_anchor) / speed)      (ns)

It is never "sleep the gap since the previous event", which would add each
sleep's overshoot and each event's processing time to every later event.
An event is released once ``now >= due_i - burst_ns``: the pacer sleeps only
when the next event is more than ``burst_ns`` (1 ms) away, so dense ticks go
out in bursts instead of one sleep each, and no event leaves more than
``burst_ns`` early. A consumer slower than the schedule gets events as fast
as it takes them until it catches up; the schedule does not move.

The anchor is set on the first event released (of an iteration, or after a
`Replay.seek`); `resume` shifts it by the pause's length, so paused time
does not count; `set_speed` re-anchors at the current replay time (the
replay time reached on the old schedule, or the next event's time if the
consumer was behind) so the replay continues from where it is at the new rate.

Controls (`pause`, `resume`, `set_speed`) are thread-safe and wake a waiting
iterator at once, whether it waits in a thread or in an asyncio task. The
clock and the sleep functions can be injected: tests drive a fake clock.
A pacer drives one iteration at a time.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Awaitable, Callable
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from tickdeck.core import InputError

__all__ = ["MAX_BURST_EVENTS", "Pacer"]

#: Most events released in one burst, so that `pause` takes effect quickly
#: even at full speed.
MAX_BURST_EVENTS = 1024
# While paused with an injected sleep (which nothing can wake), sleep this long between checks.
_PAUSED_POLL_NS = 10_000_000


class Wait(NamedTuple):
    """Nothing to release now: wait `ns` (None: until woken), unless `version` has moved on."""

    ns: int | None
    version: int


def _check_speed(speed: float | None) -> float | None:
    if speed is None:
        return None
    if (
        isinstance(speed, bool)
        or not isinstance(speed, int | float)
        or not math.isfinite(speed)
        or speed <= 0
    ):
        raise InputError(
            "speed",
            speed,
            "a positive multiple of real time (1 = real time, 100 = 100x), or None for full speed",
        )
    return float(speed)


class Pacer:
    """Paces a replay at `speed` times real time (None: as fast as possible, but pausable).

    - `clock`: wall time in int ns, monotonic (default `time.monotonic_ns`);
    - `sleep`: blocks for an int number of ns; by default the pacer waits on
      an internal event that its controls and `Replay.seek` set, so a long
      wait ends as soon as something changes. An injected `sleep` cannot be
      woken: while paused it is called again and again with 10 ms;
    - `async_sleep`: the same for `Replay.aevents` (default: an
      `asyncio.Event` with a timer);
    - `burst_ns`: how far ahead of its due time an event may be released.
    """

    def __init__(
        self,
        speed: float | None = 1.0,
        *,
        clock: Callable[[], int] = time.monotonic_ns,
        sleep: Callable[[int], None] | None = None,
        async_sleep: Callable[[int], Awaitable[None]] | None = None,
        burst_ns: int = 1_000_000,
    ) -> None:
        if isinstance(burst_ns, bool) or not isinstance(burst_ns, int) or burst_ns < 0:
            raise InputError("burst_ns", burst_ns, "a whole number of ns >= 0")
        self._speed = _check_speed(speed)
        self._clock = clock
        self._sleep = sleep
        self._async_sleep = async_sleep
        self._burst_ns = burst_ns
        self._lock = threading.Lock()
        self._anchor: tuple[int, int] | None = None  # (wall ns, replay ns)
        self._paused_at: int | None = None
        self._pending: int | None = None  # ts_recv of the next event not yet released
        self._version = 0
        self._waiters: list[Callable[[], None]] = []

    def __repr__(self) -> str:
        state = "paused" if self.paused else "running"
        return f"Pacer(speed={self._speed!r}, {state})"

    @property
    def speed(self) -> float | None:
        """Replay ns per wall ns; None means as fast as possible."""
        return self._speed

    @property
    def paused(self) -> bool:
        return self._paused_at is not None

    # -- controls (any thread or task) ------------------------------------------------

    def set_speed(self, speed: float | None) -> None:
        """Change the rate from now on, continuing from the current replay time."""
        speed = _check_speed(speed)
        with self._lock:
            if self._anchor is not None and self._speed is not None and speed is not None:
                now = self._paused_at if self._paused_at is not None else self._clock()
                wall, origin = self._anchor
                reached = origin + int((now - wall) * self._speed)
                if self._pending is not None:
                    # Behind schedule: restart from the next event, not from a time
                    # the consumer has not reached, or slowing down would not slow it.
                    reached = min(reached, self._pending)
                self._anchor = (now, reached)
            else:
                # To or from full speed: anchor afresh on the next event.
                self._anchor = None
            self._speed = speed
        self._wake()

    def pause(self) -> None:
        """Release nothing until `resume` (a burst being consumed is finished first)."""
        with self._lock:
            if self._paused_at is None:
                self._paused_at = self._clock()
        self._wake()

    def resume(self) -> None:
        """Continue the schedule, shifted by the time spent paused."""
        with self._lock:
            if self._paused_at is not None:
                if self._anchor is not None:
                    wall, origin = self._anchor
                    self._anchor = (wall + self._clock() - self._paused_at, origin)
                self._paused_at = None
        self._wake()

    # -- used by Replay -------------------------------------------------------------

    def _restart(self) -> None:
        """Forget the anchor: the next event released sets a new one (start, seek)."""
        with self._lock:
            self._anchor = None
            self._pending = None

    def _release(self, ts: npt.NDArray[np.int64], pos: int) -> int | Wait:
        """How many events from ``ts[pos]`` on may go now (at least 1), or how long to wait."""
        with self._lock:
            if self._paused_at is not None:
                return Wait(None, self._version)
            stop = min(int(ts.shape[0]), pos + MAX_BURST_EVENTS)
            if self._speed is None:
                self._pending = None
                return stop - pos
            now = self._clock()
            if self._anchor is None:
                self._anchor = (now, int(ts[pos]))
            wall, origin = self._anchor
            first_due = wall + math.ceil((int(ts[pos]) - origin) / self._speed)
            if first_due > now + self._burst_ns:
                self._pending = int(ts[pos])
                return Wait(first_due - now, self._version)
            window = ts[pos:stop]
            # The same formula as first_due, vectorised, so the two can never disagree.
            due = wall + np.ceil((window - origin) / self._speed).astype(np.int64)
            count = int(np.searchsorted(due, now + self._burst_ns, side="right"))
            self._pending = int(window[count]) if count < window.shape[0] else None
            return max(count, 1)

    def _wake(self) -> None:
        """Make any waiting iterator look at the state again."""
        with self._lock:
            self._version += 1
            waiters = list(self._waiters)
        for wake in waiters:
            wake()

    def _wait(self, wait: Wait) -> None:
        if self._sleep is not None:
            self._sleep(_PAUSED_POLL_NS if wait.ns is None else wait.ns)
            return
        event = threading.Event()
        wake = event.set
        with self._lock:
            if self._version != wait.version:
                return  # something changed since the decision to wait
            self._waiters.append(wake)
        try:
            event.wait(None if wait.ns is None else wait.ns / 1e9)
        finally:
            with self._lock:
                self._waiters.remove(wake)

    async def _await(self, wait: Wait) -> None:
        if self._async_sleep is not None:
            await self._async_sleep(_PAUSED_POLL_NS if wait.ns is None else wait.ns)
            return
        loop = asyncio.get_running_loop()
        event = asyncio.Event()

        def wake() -> None:
            # Controls may run in another thread: only the loop may touch the event.
            loop.call_soon_threadsafe(event.set)

        with self._lock:
            if self._version != wait.version:
                return
            self._waiters.append(wake)
        timer = None if wait.ns is None else loop.call_later(wait.ns / 1e9, event.set)
        try:
            await event.wait()
        finally:
            if timer is not None:
                timer.cancel()
            with self._lock:
                self._waiters.remove(wake)
