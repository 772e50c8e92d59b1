"""Comparing two runs record for record: what "the same run" means for the compiled path."""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Callable
from typing import TypeVar

import numpy as np

from tickdeck.core import InputError
from tickdeck.results.analysis import run_metrics
from tickdeck.results.run import RunResult

T = TypeVar("T")


def plain(value: object) -> object:
    """A record as nested tuples of plain values; NaN as a marker (NaN != NaN)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return tuple(plain(getattr(value, f.name)) for f in dataclasses.fields(value))
    if isinstance(value, enum.Enum):
        return (type(value).__name__, value.value)
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return value


def assert_same_run(event: RunResult, compiled: RunResult) -> None:
    assert [plain(o) for o in compiled.orders] == [plain(o) for o in event.orders]
    assert [plain(f) for f in compiled.fills] == [plain(f) for f in event.fills]
    assert [plain(t) for t in compiled.trades] == [plain(t) for t in event.trades]
    for column in ("ts", "equity", "cash", "gross_exposure", "net_exposure"):
        assert np.array_equal(getattr(compiled.equity, column), getattr(event.equity, column))
    assert np.array_equal(compiled.marks.instrument, event.marks.instrument)
    assert np.array_equal(compiled.marks.ts, event.marks.ts)
    assert np.array_equal(compiled.marks.price, event.marks.price)
    assert compiled.final_equity == event.final_equity
    for field in ("strategy", "params", "config", "seed", "events", "data_fingerprint"):
        assert getattr(compiled, field) == getattr(event, field), field
    assert compiled.synthetic_events == event.synthetic_events
    assert compiled.fidelity == event.fidelity
    if len(event.equity.ts) > 1:
        expected = outcome(lambda: run_metrics(event))
        got = outcome(lambda: run_metrics(compiled))
        if isinstance(expected, InputError):
            # The metrics refuse this run's records (fills out of time order): both refuse.
            assert isinstance(got, InputError)
            assert got.field == expected.field
        else:
            assert plain(got) == plain(expected)


def outcome(run: Callable[[], T]) -> T | InputError:
    try:
        return run()
    except InputError as error:
        return error
