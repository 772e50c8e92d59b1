"""Pacing: events leave on an absolute wall-clock schedule that neither drifts nor counts pauses.

Most tests drive a fake clock, so that release times can be asserted exactly:
with ``burst_ns=0`` event ``i`` leaves at ``anchor + ceil((ts_i - ts_0) / speed)``
where the anchor is the wall time of the first event. The real-clock tests at
the end assert only lower bounds and completion, with wide margins.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Callable

import numpy as np
import pytest
from tests.conftest import EURUSD
from tests.feed.conftest import T0, FakeClock, random_table, write_data

from tickdeck.core import DataKind, Event, InputError
from tickdeck.data.catalog import Catalog
from tickdeck.feed import Pacer, Replay

SECOND = 1_000_000_000
MS = 1_000_000


def quotes_at(catalog: Catalog, offsets_ns: np.ndarray) -> Replay:
    """A replay of EURUSD quotes received at T0 + offsets (sorted)."""
    ts = T0 + np.asarray(offsets_ns, dtype=np.int64)
    write_data(catalog, {(DataKind.QUOTE, EURUSD.id): random_table(DataKind.QUOTE, ts, RNG, 0)})
    return Replay(catalog, [EURUSD.id], batch_size=64)


RNG = np.random.default_rng(3)


def due(anchor: int, ts: int, ts0: int, speed: int) -> int:
    """The exact due time for an integral speed: anchor + ceil((ts - ts0) / speed)."""
    return anchor + -((ts0 - ts) // speed)


def release_times(
    feed: Replay,
    pacer: Pacer,
    clock: FakeClock,
    on_event: Callable[[int, Event], None] | None = None,
) -> tuple[list[int], list[int]]:
    """(ts_recv, fake wall time) of each event as the consumer receives it."""
    ts, wall = [], []
    for i, event in enumerate(feed.events(pacer)):
        ts.append(event.ts_recv)
        wall.append(clock.now)
        if on_event is not None:
            on_event(i, event)
    return ts, wall


@pytest.mark.parametrize("speed", [1, 100, 10_000])
def test_each_event_leaves_exactly_at_its_due_time(feed_catalog: Catalog, speed: int) -> None:
    gaps = RNG.choice([0, 0, 1, 7 * MS, 333 * MS, 2 * SECOND + 1], size=300)
    feed = quotes_at(feed_catalog, np.cumsum(gaps))
    clock = FakeClock()
    anchor = clock.now
    pacer = Pacer(speed, clock=clock, sleep=clock.sleep, burst_ns=0)
    ts, wall = release_times(feed, pacer, clock)
    assert len(ts) == 300
    assert wall == [due(anchor, t, ts[0], speed) for t in ts]


def test_dense_ticks_leave_in_bursts_at_most_burst_ns_early(feed_catalog: Catalog) -> None:
    feed = quotes_at(feed_catalog, np.arange(2_000) * 100_000)  # one every 0.1 ms
    clock = FakeClock()
    anchor = clock.now
    ts, wall = release_times(feed, Pacer(1, clock=clock, sleep=clock.sleep), clock)
    dues = [due(anchor, t, ts[0], 1) for t in ts]
    assert all(d - MS <= w <= d for w, d in zip(wall, dues, strict=True))
    # About one sleep per millisecond of data, not one per event.
    assert len(clock.sleeps) <= 2_000 // 5


def test_processing_time_does_not_accumulate_into_drift(feed_catalog: Catalog) -> None:
    n = 3_000
    feed = quotes_at(feed_catalog, np.arange(n) * MS)
    clock = FakeClock()
    anchor = clock.now

    def work(i: int, event: Event) -> None:
        # 0.9 ms per event, except one 50 ms stall: the consumer falls behind once.
        clock.now += 50 * MS if i == 1_000 else 900_000

    ts, wall = release_times(
        feed, Pacer(1, clock=clock, sleep=clock.sleep, burst_ns=0), clock, work
    )
    dues = [due(anchor, t, ts[0], 1) for t in ts]
    lateness = [w - d for w, d in zip(wall, dues, strict=True)]
    assert min(lateness) == 0
    # Behind schedule after the stall, events go as fast as taken, then the
    # schedule resumes exactly: sleeping the gap per event would end n * 0.9 ms late.
    assert max(lateness) <= 50 * MS
    assert lateness[-1000:] == [0] * 1000


def test_time_spent_paused_does_not_count(feed_catalog: Catalog) -> None:
    feed = quotes_at(feed_catalog, np.arange(10) * SECOND)
    clock = FakeClock()
    anchor = clock.now
    pacer = Pacer(1, clock=clock, sleep=clock.sleep, burst_ns=0)

    def pause_ten_seconds(i: int, event: Event) -> None:
        if i == 4:
            pacer.pause()
            clock.now += 10 * SECOND
            pacer.resume()

    _, wall = release_times(feed, pacer, clock, pause_ten_seconds)
    assert wall == [anchor + i * SECOND + (10 * SECOND if i > 4 else 0) for i in range(10)]


def test_a_paused_iteration_releases_nothing_until_resumed(feed_catalog: Catalog) -> None:
    feed = quotes_at(feed_catalog, np.arange(6) * SECOND)
    clock = FakeClock()
    anchor = clock.now
    pacer: Pacer
    naps: list[int] = []

    def sleep(ns: int) -> None:
        clock.sleep(ns)
        if pacer.paused:
            naps.append(ns)
            if len(naps) == 3:
                pacer.resume()

    pacer = Pacer(1, clock=clock, sleep=sleep, burst_ns=0)
    received: list[int] = []

    def pause_after_the_second(i: int, event: Event) -> None:
        received.append(i)
        if i == 1:
            pacer.pause()

    _, wall = release_times(feed, pacer, clock, pause_after_the_second)
    paused_for = sum(naps)
    assert len(naps) == 3
    assert paused_for > 0
    assert wall == [anchor + i * SECOND + (paused_for if i > 1 else 0) for i in range(6)]


def test_changing_speed_continues_from_the_current_replay_time(feed_catalog: Catalog) -> None:
    feed = quotes_at(feed_catalog, np.arange(8) * SECOND)
    clock = FakeClock()
    anchor = clock.now
    pacer: Pacer
    state = {"changed": False}

    def sleep(ns: int) -> None:
        if clock.now >= anchor + 4 * SECOND and not state["changed"]:
            # Half-way through the wait for event 5, speed up tenfold.
            clock.now += ns // 2
            pacer.set_speed(10)
            state["changed"] = True
        else:
            clock.sleep(ns)

    pacer = Pacer(1, clock=clock, sleep=sleep, burst_ns=0)
    _, wall = release_times(feed, pacer, clock)
    changed_at = anchor + 4 * SECOND + SECOND // 2  # replay time 4.5 s
    expected = [anchor + i * SECOND for i in range(5)]
    expected += [changed_at + (i * SECOND - 4 * SECOND - SECOND // 2) // 10 for i in range(5, 8)]
    assert wall == expected
    assert pacer.speed == 10


def test_full_speed_never_sleeps_and_can_switch_to_paced(feed_catalog: Catalog) -> None:
    feed = quotes_at(feed_catalog, np.arange(100) * SECOND)  # read 64 at a time
    clock = FakeClock()
    pacer = Pacer(None, clock=clock, sleep=clock.sleep, burst_ns=0)

    def slow_down(i: int, event: Event) -> None:
        if i == 2:
            pacer.set_speed(2)

    _, wall = release_times(feed, pacer, clock, slow_down)
    start = wall[0]
    # At full speed a burst is a whole window (here a batch of 64 events): the
    # change applies from the next burst, anchored on its first event.
    assert wall[:64] == [start] * 64
    assert wall[64:] == [start + i * SECOND // 2 for i in range(36)]
    assert pacer.speed == 2


def test_seek_reanchors_on_the_first_event_after_it(feed_catalog: Catalog) -> None:
    feed = quotes_at(feed_catalog, np.arange(20) * SECOND)
    clock = FakeClock()
    anchor = clock.now

    def jump(i: int, event: Event) -> None:
        if i == 2:
            feed.seek(T0 + 15 * SECOND)

    ts, wall = release_times(feed, Pacer(1, clock=clock, sleep=clock.sleep), clock, jump)
    assert [t - T0 for t in ts] == [i * SECOND for i in (0, 1, 2, 15, 16, 17, 18, 19)]
    resumed = anchor + 2 * SECOND  # event 15 leaves at once, the rest a second apart
    assert wall == [anchor, anchor + SECOND, resumed, *(resumed + i * SECOND for i in range(5))]


@pytest.mark.parametrize("speed", [0, -1.0, math.nan, math.inf, True, "fast"])
def test_speed_must_be_a_positive_finite_number_or_none(speed: object) -> None:
    with pytest.raises(InputError) as error:
        Pacer(speed)  # type: ignore[arg-type]
    assert error.value.field == "speed"
    pacer = Pacer(1)
    with pytest.raises(InputError):
        pacer.set_speed(speed)  # type: ignore[arg-type]
    assert pacer.speed == 1


def test_burst_ns_must_be_a_whole_non_negative_number() -> None:
    with pytest.raises(InputError):
        Pacer(1, burst_ns=-1)
    with pytest.raises(InputError):
        Pacer(1, burst_ns=0.5)  # type: ignore[arg-type]


def test_async_iteration_follows_the_same_schedule(feed_catalog: Catalog) -> None:
    feed = quotes_at(feed_catalog, np.cumsum(RNG.integers(0, 3 * SECOND, size=50)))
    clock = FakeClock()
    anchor = clock.now
    pacer = Pacer(100, clock=clock, async_sleep=clock.async_sleep, burst_ns=0)

    async def collect() -> list[tuple[int, int]]:
        return [(e.ts_recv, clock.now) async for e in feed.aevents(pacer)]

    got = asyncio.run(collect())
    assert [w for _, w in got] == [due(anchor, t, got[0][0], 100) for t, _ in got]


# -- real clock: lower bounds and completion only, with wide margins -------------------


def test_on_the_real_clock_events_never_leave_before_their_time(feed_catalog: Catalog) -> None:
    feed = quotes_at(feed_catalog, np.arange(40) * 10 * MS)  # 0.39 s of data
    speed = 5  # about 80 ms of wall time
    started = time.monotonic_ns()
    arrivals = [(e.ts_recv, time.monotonic_ns()) for e in feed.events(Pacer(speed))]
    assert len(arrivals) == 40
    ts0 = arrivals[0][0]
    for ts, arrived in arrivals:
        assert arrived - started >= (ts - ts0) / speed - 2 * MS
    assert arrivals[-1][1] - started < 30 * SECOND


def run_in_thread(target: Callable[[], None]) -> threading.Thread:
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


def test_controls_work_from_another_thread(feed_catalog: Catalog) -> None:
    feed = quotes_at(feed_catalog, np.arange(6) * 3_600 * SECOND)  # an hour apart
    pacer = Pacer(1)
    pacer.pause()
    received: list[int] = []
    first = threading.Event()

    def consume() -> None:
        for event in feed.events(pacer):
            received.append((event.ts_recv - T0) // (3_600 * SECOND))
            first.set()
            if len(received) == 3:
                return

    thread = run_in_thread(consume)
    time.sleep(0.05)
    assert received == []  # paused before the first event
    pacer.resume()
    assert first.wait(10)
    feed.seek(T0 + 3 * 3_600 * SECOND)  # wakes the hour-long wait, re-anchors
    pacer.set_speed(1e9)  # an hour of data in 3.6 us
    thread.join(10)
    assert not thread.is_alive()
    assert received == [0, 3, 4]


def test_controls_work_from_another_task(feed_catalog: Catalog) -> None:
    feed = quotes_at(feed_catalog, np.arange(6) * 3_600 * SECOND)
    pacer = Pacer(1)
    pacer.pause()

    async def scenario() -> list[object]:
        log: list[object] = []

        async def consume() -> None:
            async for event in feed.aevents(pacer):
                log.append((event.ts_recv - T0) // (3_600 * SECOND))
                if len(log) == 2:
                    pacer.set_speed(1e9)

        async def control() -> None:
            await asyncio.sleep(0.05)
            log.append("resume")
            pacer.resume()

        await asyncio.wait_for(asyncio.gather(consume(), control()), timeout=10)
        return log

    assert asyncio.run(scenario()) == ["resume", 0, 1, 2, 3, 4, 5]


def test_async_controls_work_from_another_thread(feed_catalog: Catalog) -> None:
    feed = quotes_at(feed_catalog, np.arange(3) * 3_600 * SECOND)
    pacer = Pacer(1)
    pacer.pause()
    threading.Timer(0.05, pacer.resume).start()
    threading.Timer(0.1, pacer.set_speed, args=(1e9,)).start()

    async def collect() -> list[Event]:
        return [e async for e in feed.aevents(pacer)]

    assert len(asyncio.run(asyncio.wait_for(collect(), timeout=10))) == 3
