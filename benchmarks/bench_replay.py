"""Replay throughput and memory.

Targets: record-batch replay of one instrument at least 50M events/s into a
consumer that does nothing; per-event Python iteration (``for ev in
replay.events(): pass``) at least 3M events/s; peak RSS below 1 GB while
replaying 100M quotes as batches. A 4-instrument merged replay is reported
without a target.

The catalog holds synthetic quotes (numpy random walks, sorted random
receive times), written through `Catalog.write` one day at a time, so reads
go through real zstd Parquet files. Peak memory is the RSS high-water mark of
a fresh interpreter (``resource.getrusage``) that replays the whole catalog;
its note gives the high-water mark after imports alone, for comparison.

That interpreter is started by a small launcher process, not by this one:
on Linux a forked child's ``ru_maxrss`` starts at its parent's resident size
(and ``exec`` keeps it), which here would be the hundreds of MB used to
generate the data.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np
import pyarrow as pa

from benchmarks._harness import Result, median_rate, time_repeats
from tickdeck.core import DataKind, Instrument
from tickdeck.data.catalog import Catalog
from tickdeck.feed import Replay

DAY_NS = 86_400_000_000_000
START_NS = 1_704_153_600_000_000_000  # 2024-01-02T00:00:00Z
ROWS_PER_DAY = 5_000_000


def _instrument(symbol: str) -> Instrument:
    return Instrument(symbol, "BENCH", "0.00001", asset_class="fx")


def _write_quotes(catalog: Catalog, instrument: Instrument, rows: int, seed: int) -> None:
    """`rows` quotes, ROWS_PER_DAY a day, committed one day (one Catalog.write) at a time."""
    catalog.add_instrument(instrument)
    rng = np.random.default_rng(seed)
    day = 0
    while rows > 0:
        n = min(ROWS_PER_DAY, rows)
        ts = START_NS + day * DAY_NS + np.sort(rng.integers(0, DAY_NS, n))
        mid = 110_000 + np.cumsum(rng.integers(-1, 2, n))
        spread = rng.integers(1, 4, n)
        table = pa.table(
            {
                "ts_event": ts - rng.integers(0, 1_000_000, n),
                "ts_recv": ts,
                "bid_price": instrument.ticks_to_prices(mid),
                "ask_price": instrument.ticks_to_prices(mid + spread),
                "bid_size": rng.integers(1, 50, n).astype(np.float64),
                "ask_size": rng.integers(1, 50, n).astype(np.float64),
            }
        )
        catalog.write(DataKind.QUOTE, instrument.id, table)
        rows -= n
        day += 1


def _drain_batches(replay: Replay) -> int:
    count = 0
    for batch in replay.batches():
        count += len(batch)
    return count


def _drain_events(replay: Replay) -> None:
    for _event in replay.events():
        pass


_MEMORY_PROBE = textwrap.dedent(
    """
    import resource, sys
    from tickdeck.data.catalog import Catalog
    from tickdeck.feed import Replay

    def peak_mb():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

    replay = Replay(Catalog(sys.argv[1]), [sys.argv[2]])
    baseline = peak_mb()
    events = 0
    for batch in replay.batches():
        events += len(batch)
    print(events, baseline, peak_mb())
    """
)


_LAUNCHER = "import subprocess, sys; sys.exit(subprocess.run(sys.argv[1:]).returncode)"


def _peak_memory(root: Path, instrument_id: str, rows: int, note: str) -> Result:
    probe = [sys.executable, "-c", _MEMORY_PROBE, str(root), instrument_id]
    out = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, *probe],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    events, baseline, peak = int(out[0]), float(out[1]), float(out[2])
    if events != rows:
        raise RuntimeError(f"memory probe replayed {events} events, expected {rows}")
    return Result(
        f"peak RSS, replaying {rows / 1e6:g}M quotes as batches",
        peak,
        "MB",
        target=1024.0,
        higher_is_better=False,
        note=f"{baseline:.0f} MB after imports; {note}".rstrip("; "),
    )


def run(*, quick: bool = False) -> list[Result]:
    rows = 10_000_000 if quick else 20_000_000
    big_rows = 10_000_000 if quick else 100_000_000
    repeats = 3 if quick else 5
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as folder:
        catalog = Catalog(Path(folder) / "catalog")
        single = _instrument("SOLO")
        _write_quotes(catalog, single, rows, seed=1)
        merged = [_instrument(f"MULTI{i}") for i in range(4)]
        for i, instrument in enumerate(merged):
            _write_quotes(catalog, instrument, rows // 4, seed=10 + i)

        cases = [
            ("1 instrument", Replay(catalog, [single.id]), 50.0, 3.0),
            ("4 instruments merged", Replay(catalog, [i.id for i in merged]), None, None),
        ]
        for label, replay, batch_target, event_target in cases:
            seconds = time_repeats(lambda r=replay: _drain_batches(r), repeats=repeats)
            results.append(
                median_rate(
                    f"replay batches, {label}, {rows / 1e6:g}M quotes",
                    rows,
                    seconds,
                    unit="M events/s",
                    target=batch_target,
                )
            )
            seconds = time_repeats(lambda r=replay: _drain_events(r), repeats=max(2, repeats - 2))
            results.append(
                median_rate(
                    f"replay events (Python loop), {label}, {rows / 1e6:g}M quotes",
                    rows,
                    seconds,
                    unit="M events/s",
                    target=event_target,
                )
            )

        if quick:
            results.append(
                _peak_memory(
                    catalog.root, single.id, rows, "quick run: 10M quotes, not the 100M target case"
                )
            )
        else:
            big = _instrument("BIG")
            _write_quotes(catalog, big, big_rows, seed=2)
            results.append(_peak_memory(catalog.root, big.id, big_rows, ""))
    return results


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10M quotes, memory case scaled down")
    for result in run(quick=parser.parse_args().quick):
        print(result)
