"""tickdeck against other backtesters: the same SMA(20/100) crossover on the same L1 quotes.

The issue's reference figures on this machine (M quotes/s): backtesting.py
0.28, backtrader 0.05, NautilusTrader's Python strategy 0.014, hftbacktest
with a numba-compiled strategy 3.2; tickdeck's target is 1.5. This module
measures all of them in one run and reports tickdeck/peer ratios.

How to run::

    python3 benchmarks/run.py peers                  # 1M quotes (backtrader takes ~2 min)
    python3 benchmarks/run.py --quick peers          # 100k quotes
    python3 -m benchmarks.bench_peers --quotes 200_000 --peers hftbacktest,backtrader

Each peer is installed, pinned, in its own virtual environment under
``~/.cache/tickdeck-bench/venvs/<peer>-<version>`` (or under
``$TICKDECK_BENCH_CACHE``), created on first use and reused; none is a
dependency of tickdeck. Each runs ``benchmarks/peers/<peer>_sma.py`` in its
environment's interpreter on an ``.npz`` copy of the quotes tickdeck
replays (``bench_engine.quote_chunks``), and that script prints JSON. The
scripts' docstrings say how each one maps the strategy (bar-based peers get
one bar per quote with O=H=L=C=mid) and exactly what its timer covers: the
peer's own run call, without environment set-up, installs, interpreter start
or building its input objects. A peer that cannot be installed or run is
reported with the reason, and the others still run.

tickdeck's figure is the median of several whole `run_backtest` calls
(Parquet replay included); the fast peers get 3 runs (median), the slow ones
(backtrader, NautilusTrader) 1. ``crossings expected`` is the number of
crossings computed exactly (integer ticks) over the same mids: every engine
should send about that many orders (their float averages can turn an exact
tie into a crossing or back).
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from benchmarks._harness import Result, median_rate
from benchmarks.bench_engine import (
    INSTRUMENT,
    PARAMS,
    TARGET_QUOTES_PER_S,
    cache_dir,
    engine_seconds,
    quote_chunks,
    write_catalog,
)
from tickdeck.strategy.templates import TEMPLATES

__all__ = ["PEERS", "Peer", "run"]

HERE = Path(__file__).resolve().parent
_INSTALL_TIMEOUT_S = 1800
_RUN_TIMEOUT_S = 3600


@dataclass(frozen=True)
class Peer:
    """One backtester: how to install it and which script runs the strategy in it."""

    name: str
    version: str
    requirements: tuple[str, ...]
    script: str
    reference: float  # the figure, M quotes/s
    repeats: int

    @property
    def venv(self) -> Path:
        return cache_dir() / "venvs" / f"{self.requirements[0].split('==')[0]}-{self.version}"


PEERS = (
    Peer(
        "backtesting.py",
        "0.6.6",
        ("backtesting==0.6.6", "numpy==2.4.6", "pandas==3.1.1"),
        "backtesting_sma.py",
        0.28,
        3,
    ),
    Peer(
        "backtrader",
        "1.9.78.123",
        ("backtrader==1.9.78.123", "numpy==2.2.6", "pandas==2.3.3"),
        "backtrader_sma.py",
        0.05,
        1,
    ),
    Peer(
        "NautilusTrader",
        "1.221.0",
        ("nautilus_trader==1.221.0",),
        "nautilus_sma.py",
        0.014,
        1,
    ),
    Peer(
        "hftbacktest",
        "2.4.4",
        ("hftbacktest==2.4.4", "numba==0.68.1"),
        "hftbacktest_sma.py",
        3.2,
        3,
    ),
)


@dataclass(frozen=True)
class Measured:
    """One engine's outcome: rates in M quotes/s (one per run), or why there are none."""

    name: str
    rates: tuple[float, ...] = ()
    fills: int | None = None
    orders: int | None = None
    reference: float | None = None
    note: str = ""
    error: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.rates) if self.rates else math.nan


class PeerError(Exception):
    """A peer could not be installed or run; the message says why."""


def _clean_env() -> dict[str, str]:
    # The peers' interpreters must see only their own environment.
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}


def _tail(text: str, lines: int = 6) -> str:
    """The last lines of a child's output on one line, without pip's warnings."""
    kept = [line.strip() for line in text.strip().splitlines() if not line.startswith("WARNING:")]
    return " | ".join(kept[-lines:])


def ensure_venv(peer: Peer) -> Path:
    """The peer's interpreter, creating and installing its environment when needed."""
    python = peer.venv / "bin" / "python"
    marker = peer.venv / ".tickdeck-bench-requirements"
    wanted = "\n".join(peer.requirements) + "\n"
    if python.exists() and marker.exists() and marker.read_text() == wanted:
        return python
    print(f"  installing {' '.join(peer.requirements)} into {peer.venv} ...", file=sys.stderr)
    steps = [
        [sys.executable, "-m", "venv", str(peer.venv)],
        [str(python), "-m", "pip", "install", "--quiet", *peer.requirements],
    ]
    for step in steps:
        try:
            done = subprocess.run(
                step,
                capture_output=True,
                text=True,
                timeout=_INSTALL_TIMEOUT_S,
                env=_clean_env(),
            )
        except subprocess.TimeoutExpired as error:
            raise PeerError(
                f"`{' '.join(step[:4])}` timed out after {error.timeout:.0f}s"
            ) from None
        if done.returncode != 0:
            raise PeerError(f"`{' '.join(step[:4])} ...` failed: {_tail(done.stderr)}")
    marker.write_text(wanted)
    return python


def _run_script(python: Path, peer: Peer, data: Path) -> dict[str, object]:
    try:
        done = subprocess.run(
            [str(python), str(HERE / "peers" / peer.script), str(data)],
            capture_output=True,
            text=True,
            timeout=_RUN_TIMEOUT_S,
            cwd=data.parent,
            env=_clean_env(),
        )
    except subprocess.TimeoutExpired as error:
        raise PeerError(f"{peer.script} timed out after {error.timeout:.0f}s") from None
    if done.returncode != 0:
        raise PeerError(f"{peer.script} exited {done.returncode}: {_tail(done.stderr)}")
    lines = done.stdout.strip().splitlines()
    try:
        answer: dict[str, object] = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        raise PeerError(f"{peer.script} printed no JSON: {_tail(done.stdout)}") from None
    return answer


def measure_peer(peer: Peer, data: Path, quotes: int) -> Measured:
    """Run the peer's script `peer.repeats` times; never raises for the peer's own failures."""
    label = f"{peer.name} {peer.version}"
    try:
        python = ensure_venv(peer)
        answers = []
        for run_number in range(peer.repeats):
            print(
                f"  {label}: run {run_number + 1}/{peer.repeats} on {quotes:,} quotes ...",
                file=sys.stderr,
            )
            answers.append(_run_script(python, peer, data))
    except (PeerError, OSError) as error:
        print(f"  {label}: NOT RUN: {error}", file=sys.stderr)
        return Measured(label, reference=peer.reference, error=str(error))
    last = answers[-1]
    if last.get("quotes") != quotes:
        return Measured(
            label,
            reference=peer.reference,
            error=f"{peer.script} read {last.get('quotes')} quotes, expected {quotes}",
        )
    runs = "1 run" if peer.repeats == 1 else f"median of {peer.repeats} runs"
    return Measured(
        label,
        rates=tuple(float(str(a["quotes_per_s"])) / 1e6 for a in answers),
        fills=int(str(last["fills"])),
        orders=int(str(last.get("orders", last["fills"]))),
        reference=peer.reference,
        note=f"{runs}; timed: {last.get('timed', '?')}",
    )


def expected_orders(twice_mid_ticks: npt.NDArray[np.int64], fast: int = 20, slow: int = 100) -> int:
    """Crossings of the fast and slow mean of the mids under tickdeck's rule, computed exactly.

    `twice_mid_ticks` is bid + ask in ticks (an integer), so the sign of
    ``mean(fast) - mean(slow)`` is the sign of ``slow * sum(fast) - fast * sum(slow)``
    in integers: no rounding, exact ties. A crossing is a move strictly onto
    the other side; ties keep the side; the first defined reading is not a
    crossing. The engines round floats instead, so a near-tie may go the
    other way there.
    """
    sums = np.concatenate(([0], np.cumsum(twice_mid_ticks, dtype=np.int64)))
    end = np.arange(slow, len(twice_mid_ticks) + 1)
    difference = slow * (sums[end] - sums[end - fast]) - fast * (sums[end] - sums[end - slow])
    side = np.sign(difference)
    side = side[side != 0]
    return int(np.count_nonzero(side[1:] != side[:-1]))


def _write_npz(path: Path, quotes: int) -> npt.NDArray[np.int64]:
    """The quotes as one .npz of columns for the peers; returns bid + ask in ticks."""
    chunks = list(quote_chunks(quotes))
    columns = {
        "ts_event": "ts_event",
        "ts_recv": "ts_recv",
        "bid": "bid_price",
        "ask": "ask_price",
        "bid_size": "bid_size",
        "ask_size": "ask_size",
    }
    arrays = {name: np.concatenate([c[source] for c in chunks]) for name, source in columns.items()}
    np.savez(path, **arrays)  # type: ignore[arg-type]
    return INSTRUMENT.prices_to_ticks(arrays["bid"]) + INSTRUMENT.prices_to_ticks(arrays["ask"])


def measure_tickdeck(folder: Path, quotes: int, repeats: int) -> Measured:
    catalog = write_catalog(folder / "catalog", quotes)
    print(f"  tickdeck: {repeats} runs on {quotes:,} quotes ...", file=sys.stderr)
    seconds, events, fills = engine_seconds(
        catalog, TEMPLATES["sma_crossover"], PARAMS, repeats=repeats
    )
    if events != quotes:
        raise RuntimeError(f"tickdeck replayed {events} quotes, expected {quotes}")
    return Measured(
        "tickdeck",
        rates=tuple(quotes / s / 1e6 for s in seconds),
        fills=fills,
        orders=fills,
        reference=TARGET_QUOTES_PER_S,
        note=f"median of {repeats} runs; timed: whole run_backtest incl. Parquet replay",
    )


def measure_all(
    quotes: int, repeats: int, names: list[str] | None = None
) -> tuple[list[Measured], int]:
    """tickdeck and the chosen peers (default: all) on `quotes` quotes; also the expected orders."""
    chosen = [p for p in PEERS if not names or any(n.lower() in p.name.lower() for n in names)]
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        twice_mid_ticks = _write_npz(folder / "quotes.npz", quotes)
        measured = [measure_tickdeck(folder, quotes, repeats)]
        for peer in chosen:
            measured.append(measure_peer(peer, folder / "quotes.npz", quotes))
    return measured, expected_orders(twice_mid_ticks)


def _ratio(tickdeck: Measured, other: Measured) -> str:
    if other is tickdeck or not other.rates:
        return ""
    return f"{tickdeck.median / other.median:.2f}x"


def to_results(measured: list[Measured], quotes: int, expected: int) -> list[Result]:
    """The table rows as harness `Result`s (ratios and reference figures in the note)."""
    tickdeck = measured[0]
    label = f"{quotes / 1e6:g}M"
    results = []
    for item in measured:
        if item.error:
            results.append(
                Result(
                    f"{item.name}: SMA(20/100), {label} quotes",
                    math.nan,
                    "M quotes/s",
                    note=f"NOT RUN: {item.error[:300]}",
                )
            )
            continue
        parts = [f"{item.fills:,} fills ({expected:,} crossings expected)"]
        if item is not tickdeck:
            parts.append(f"tickdeck/peer {_ratio(tickdeck, item)}")
            parts.append(f"issue's figure {item.reference:g}M/s")
        parts.append(item.note)
        if item is tickdeck:
            results.append(
                median_rate(
                    f"tickdeck: SMA(20/100), {label} quotes (vs peers)",
                    quotes,
                    [quotes / (r * 1e6) for r in item.rates],
                    unit="M quotes/s",
                    target=TARGET_QUOTES_PER_S,
                    note="; ".join(parts),
                )
            )
        else:
            results.append(
                Result(
                    f"{item.name}: SMA(20/100), {label} quotes",
                    item.median,
                    "M quotes/s",
                    spread=(min(item.rates), max(item.rates)) if len(item.rates) > 1 else None,
                    note="; ".join(parts),
                )
            )
    return results


def table(measured: list[Measured], quotes: int, expected: int) -> str:
    """A plain-text table: rate, spread, fills, tickdeck/peer, the issue's figure."""
    tickdeck = measured[0]
    header = ("engine", "M quotes/s", "spread", "fills", "tickdeck/peer", "issue's M/s", "note")
    rows = [header]
    for item in measured:
        if item.error:
            rows.append(
                (item.name, "-", "", "", "", f"{item.reference:g}", f"NOT RUN: {item.error}")
            )
            continue
        spread = f"{min(item.rates):.3g}-{max(item.rates):.3g}" if len(item.rates) > 1 else ""
        reference = f"{item.reference:g}" + (" (target)" if item is tickdeck else "")
        rows.append(
            (
                item.name,
                f"{item.median:.3g}",
                spread,
                f"{item.fills:,}",
                _ratio(tickdeck, item),
                reference,
                item.note,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True))
        + "  "
        + row[-1]
        for row in rows
    ]
    lines.insert(1, "-" * len(lines[0]))
    title = (
        f"SMA(20/100) crossover on every quote, {quotes:,} L1 quotes; "
        f"{expected:,} crossings expected (exact, in integer ticks)"
    )
    return "\n".join([title, *lines])


def run(*, quick: bool = False) -> list[Result]:
    quotes = 100_000 if quick else 1_000_000
    measured, expected = measure_all(quotes, repeats=3 if quick else 5)
    print(table(measured, quotes, expected), file=sys.stderr)
    return to_results(measured, quotes, expected)


def _count(text: str) -> int:
    return int(text.replace("_", ""))


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="100k quotes")
    parser.add_argument("--quotes", type=_count, help="quotes for every engine (default 1M)")
    parser.add_argument("--repeats", type=int, help="timed runs of tickdeck (default 5)")
    parser.add_argument("--peers", help="comma-separated peer names (default: all)")
    args = parser.parse_args()
    quotes = args.quotes or (100_000 if args.quick else 1_000_000)
    names = args.peers.split(",") if args.peers else None
    measured, expected = measure_all(quotes, args.repeats or (3 if args.quick else 5), names)
    print(table(measured, quotes, expected))
