"""The compiled path of a strategy spec: the SMA crossover spec on 10M L1 quotes, with fills.

Target (issue 5, section 2): at least 30M quotes/s for an SMA crossover with
fills through `run_spec_compiled` (the fastest peers measured on this machine
run 3 to 4M/s, see bench_peers.py). Measured in the same run, on the same
quotes: the event-driven `run_spec` over the first 1M of them, and the ratio
of the two rates.

Three compiled figures, each the median of several calls after one untimed
warm-up call (numba compiles, or loads its cache, there, not in the timings):

- **kernel**: the indicators, the rules and the event loop (`_run.execute`)
  over events already read from the catalog, up to the kernels' records
  (orders, fills, round trips, equity samples). This is the figure the
  target is about.
- **end-to-end**: the whole `run_spec_compiled` call: reading the quotes
  from the catalog's Parquet files, the kernel, and building the `RunResult`
  (one Python object per order, fill and round trip).
- **data loading** alone (`_run.prepare`), for the difference.

The quotes are `bench_engine`'s: a seeded random walk on a 0.00001 grid,
sizes 100k-2M, ~20 ms apart, written once under ``~/.cache/tickdeck-bench``
and reused. The spec is the shipped ``sma_crossover`` template (SMA 20/100 of
the mid, 1000 units long or short, market orders, no fees or latency).

How to run::

    python3 benchmarks/run.py spec_kernel            # 10M quotes (event path on 1M)
    python3 benchmarks/run.py --quick spec_kernel    # 1M quotes (event path on 200k)
    python3 -m benchmarks.bench_spec_kernel --quotes 20_000_000 --event-quotes 2_000_000
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from typing import TypeVar

from benchmarks._harness import Result, median_rate
from benchmarks.bench_engine import INSTRUMENT, cached_catalog
from tickdeck.core import DataKind
from tickdeck.data.catalog import Catalog
from tickdeck.spec import run_spec, template_spec
from tickdeck.spec._kernel import _run, run_spec_compiled

__all__ = ["TARGET_QUOTES_PER_S", "run"]

TARGET_QUOTES_PER_S = 30.0  # M quotes/s
T = TypeVar("T")


def _timed(call: Callable[[], T], repeats: int) -> tuple[list[float], T]:
    result = call()  # warm-up: numba compiles or loads its cache here
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = call()
        seconds.append(time.perf_counter() - started)
    return seconds, result


def _end_of_first(catalog: Catalog, count: int) -> int:
    """An end time that keeps exactly the first `count` quotes of the catalog."""
    times = catalog.read(DataKind.QUOTE, INSTRUMENT.id, columns=["ts_recv"]).column(0)
    recv = times.to_numpy()
    if recv.size <= count:
        return int(recv[-1]) + 1
    if recv[count] == recv[count - 1]:
        raise RuntimeError("the quote after the cut shares its receive time")
    return int(recv[count])


def measure(quotes: int, event_quotes: int, repeats: int) -> list[Result]:
    catalog = cached_catalog(quotes)
    spec = template_spec("sma_crossover")
    instruments = [INSTRUMENT.id]
    label = f"{quotes / 1e6:g}M"

    print(f"  compiled: {repeats} kernel runs on {quotes:,} quotes ...", file=sys.stderr)
    load_seconds, prepared = _timed(lambda: _run.prepare(catalog, spec, instruments=instruments), 3)
    kernel_seconds, records = _timed(lambda: _run.execute(prepared, spec), repeats)
    fills = int(records.fills_i.shape[0])
    print(f"  compiled: {repeats} whole run_spec_compiled calls ...", file=sys.stderr)
    whole_seconds, result = _timed(
        lambda: run_spec_compiled(catalog, spec, instruments=instruments), repeats
    )
    if result.events != quotes:
        raise RuntimeError(f"the compiled run replayed {result.events} quotes, not {quotes}")

    end = _end_of_first(catalog, event_quotes)
    event_repeats = max(1, min(3, repeats))
    print(
        f"  event-driven: {event_repeats} run_spec on {event_quotes:,} quotes ...", file=sys.stderr
    )
    event_seconds, event = _timed(
        lambda: run_spec(catalog, spec, instruments=instruments, end=end), event_repeats
    )
    event_rate = event_quotes / statistics.median(event_seconds) / 1e6
    kernel_rate = quotes / statistics.median(kernel_seconds) / 1e6
    whole_rate = quotes / statistics.median(whole_seconds) / 1e6
    event_fills = len(event.fills)
    return [
        median_rate(
            f"spec compiled kernel: SMA(20/100) crossover, {label} L1 quotes",
            quotes,
            kernel_seconds,
            unit="M quotes/s",
            target=TARGET_QUOTES_PER_S,
            note=(
                f"{fills:,} fills; indicators, rules and event loop to records, events "
                f"already read; {kernel_rate / event_rate:.1f}x the event-driven run_spec; "
                f"median of {repeats} after a warm-up"
            ),
        ),
        median_rate(
            f"spec compiled end-to-end (run_spec_compiled), {label} L1 quotes",
            quotes,
            whole_seconds,
            unit="M quotes/s",
            note=(
                f"Parquet read + kernel + RunResult; {whole_rate / event_rate:.1f}x the "
                f"event-driven run_spec; median of {repeats}"
            ),
        ),
        median_rate(
            f"spec compiled data loading alone, {label} L1 quotes",
            quotes,
            load_seconds,
            unit="M quotes/s",
            note="catalog Parquet read and checks (_run.prepare), median of 3",
        ),
        median_rate(
            f"spec event-driven (run_spec), first {event_quotes / 1e6:g}M of the same quotes",
            event_quotes,
            event_seconds,
            unit="M quotes/s",
            note=f"{event_fills:,} fills; whole run_spec; median of {event_repeats}",
        ),
    ]


def run(*, quick: bool = False) -> list[Result]:
    if quick:
        return measure(1_000_000, 200_000, repeats=3)
    return measure(10_000_000, 1_000_000, repeats=5)


def _count(text: str) -> int:
    return int(text.replace("_", ""))


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="1M quotes; event path on 200k")
    parser.add_argument("--quotes", type=_count, help="quotes for the compiled path")
    parser.add_argument("--event-quotes", type=_count, help="quotes for the event-driven path")
    parser.add_argument("--repeats", type=int, help="timed repeats")
    args = parser.parse_args()
    quotes = args.quotes or (1_000_000 if args.quick else 10_000_000)
    event_quotes = args.event_quotes or (200_000 if args.quick else 1_000_000)
    for row in measure(quotes, event_quotes, args.repeats or (3 if args.quick else 5)):
        spread = f" ({row.spread[0]:.3g}-{row.spread[1]:.3g})" if row.spread else ""
        print(f"{row.name}: {row.value:.3g} {row.unit}{spread}; {row.note}")
