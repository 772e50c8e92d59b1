"""Helpers for the sweep tests: data, a strategy that can fail, and run comparison."""

from __future__ import annotations

import dataclasses
import os
import struct
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tests.conftest import EURUSD, quotes_table

from tickdeck.data.catalog import Catalog
from tickdeck.results.serialize import metrics_to_record
from tickdeck.sweep import SweepResult, Trial

T0 = 1_704_186_000_000_000_000  # 2024-01-02T09:00:00Z
MINUTE = 60_000_000_000
DAY = 1_440 * MINUTE

FLAKY_SOURCE = '''
import os

from tickdeck.strategy import Param, Strategy


class Flaky(Strategy):
    """Flips between long and flat every `every` quotes.

    Raises ZeroDivisionError on quote number `fail_at`, KeyboardInterrupt (as
    Ctrl-C would) on quote number `interrupt_at`, and ends its process (as the
    out-of-memory killer would) on quote number `exit_at`; 0 is never.
    """

    every = Param(10, minimum=1, maximum=500)
    fail_at = Param(0, minimum=0)
    interrupt_at = Param(0, minimum=0)
    exit_at = Param(0, minimum=0)

    def on_start(self):
        self.count = 0

    def on_quote(self, quote):
        self.count += 1
        if self.count == self.fail_at:
            raise ZeroDivisionError("quote number fail_at")
        if self.count == self.interrupt_at:
            raise KeyboardInterrupt
        if self.count == self.exit_at:
            os._exit(3)
        if self.count % self.every == 0:
            if self.position() > 0:
                self.sell(1000)
            else:
                self.buy(1000)
'''


def write_quotes(root: Path, *, days: int) -> Catalog:
    """A catalog at `root` with EURUSD quotes every minute for `days` days from `T0`."""
    catalog = Catalog(root)
    catalog.add_instrument(EURUSD)
    ts = T0 + np.arange(days * 1_440, dtype=np.int64) * MINUTE
    catalog.write("quotes", EURUSD.id, quotes_table(ts, seed=11))
    return catalog


def _bits(value: float) -> int:
    return int(struct.unpack("<Q", struct.pack("<d", value))[0])


def assert_same(expected: object, actual: object, path: str = "run") -> None:
    """Equal field by field and of the same types; floats and arrays bit for bit."""
    if isinstance(expected, Sequence) and not isinstance(expected, str):
        # A run's records may be held as columns or as a tuple: compare them as sequences.
        assert isinstance(actual, Sequence), path
        assert len(actual) == len(expected), f"{path}: {len(actual)} items, not {len(expected)}"
        for i, (left, right) in enumerate(zip(expected, actual, strict=True)):
            assert_same(left, right, f"{path}[{i}]")
        return
    assert type(actual) is type(expected), f"{path}: {type(actual)} is not {type(expected)}"
    if isinstance(expected, float):
        assert _bits(expected) == _bits(actual), f"{path}: {actual!r} != {expected!r}"  # type: ignore[arg-type]
    elif isinstance(expected, np.ndarray):
        assert isinstance(actual, np.ndarray)
        assert actual.dtype == expected.dtype, path
        assert actual.tobytes() == expected.tobytes(), f"{path}: values differ"
    elif dataclasses.is_dataclass(expected) and not isinstance(expected, type):
        for field in dataclasses.fields(expected):
            name = field.name
            assert_same(getattr(expected, name), getattr(actual, name), f"{path}.{name}")
    elif isinstance(expected, dict):
        assert isinstance(actual, dict), path
        assert list(actual) == list(expected), f"{path}: keys differ"
        for key, value in expected.items():
            assert_same(value, actual[key], f"{path}[{key!r}]")
    else:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"


def outcome(trial: Trial) -> tuple[object, ...]:
    """What a trial found, without its run id (new on every save)."""
    metrics = None if trial.metrics is None else metrics_to_record(trial.metrics)
    return (
        trial.number,
        trial.params,
        trial.status,
        _bits(trial.value),
        metrics,
        trial.error,
        trial.fold,
        trial.out_of_sample,
    )


def outcomes(result: SweepResult) -> list[tuple[object, ...]]:
    """Every trial's outcome, in the result's own order (ranked for a plain sweep)."""
    found = [outcome(t) for t in result.trials]
    for fold in result.folds:
        found += [outcome(t) for t in fold.trials]
        found += [] if fold.test is None else [outcome(fold.test)]
    return found


def live_children() -> dict[int, str]:
    """This process's children still running, pid to command line (read from /proc)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue  # it ended while we looked
        state, parent = stat.rsplit(")", 1)[1].split()[:2]
        if int(parent) == os.getpid() and state != "Z":
            found[int(entry.name)] = command
    return found
