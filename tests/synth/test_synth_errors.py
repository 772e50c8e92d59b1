"""Bars that cannot be drawn, and settings that make no sense, fail with errors naming them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from tests.synth.synth_bars import ACME, MINUTE_NS, bars_table

from tickdeck.core import DataError, InputError, Instrument
from tickdeck.data.ingest import read_source
from tickdeck.synth import (
    BarsConfig,
    GarchVolatility,
    HawkesArrivals,
    MarketModel,
    Microstructure,
    Regime,
    RegimeSwitching,
    Session,
    simulate_market,
    stylized_facts,
    ticks_from_bars,
)

GOOD: tuple[list[int], ...] = (
    [100, 100, 100],
    [105, 105, 105],
    [95, 95, 95],
    [101, 101, 101],
    [10, 10, 10],
)


def _with(row: int, **changes: float) -> pa.Table:
    """The GOOD bars with some prices (in ticks) or the volume of one row changed."""
    columns: list[list[float]] = [[float(x) for x in c] for c in GOOD]
    names = ("open", "high", "low", "close", "volume")
    for name, value in changes.items():
        columns[names.index(name)][row] = value
    return bars_table(*columns)


@pytest.mark.parametrize(
    ("row", "changes", "field", "problem"),
    [
        (1, {"high": 90}, "high", "high is below low"),
        (2, {"open": 110}, "open", r"open is outside \[low, high\]"),
        (0, {"close": 94}, "close", r"close is outside \[low, high\]"),
        (1, {"volume": -5}, "volume", "not negative"),
        (2, {"volume": float("nan")}, "volume", "finite"),
    ],
)
def test_a_bad_bar_is_named_by_row_and_column(
    row: int, changes: dict[str, float], field: str, problem: str
) -> None:
    with pytest.raises(DataError, match=problem) as error:
        ticks_from_bars(_with(row, **changes), ACME, seed=0)
    assert (error.value.record, error.value.field) == (row, field)


def test_prices_off_the_tick_grid_are_refused() -> None:
    bars = bars_table(*GOOD).set_column(2, "open", pa.array([1.0, 1.005, 1.0]))
    with pytest.raises(DataError, match="off the tick grid") as error:
        ticks_from_bars(bars, ACME, seed=0)
    assert (error.value.record, error.value.field) == (1, "open")


def test_a_volume_that_is_not_whole_lots_is_refused_with_the_lot_size() -> None:
    bars = _with(2, volume=10.5)
    with pytest.raises(DataError, match=r"whole number of size steps \(1\)") as error:
        ticks_from_bars(bars, ACME, seed=0)
    assert error.value.record == 2


def test_errors_in_a_file_name_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bars.csv"
    path.write_text(
        "time,open,high,low,close,volume\n"
        "2024-01-02T14:30:00Z,100.00,100.50,99.50,100.20,10\n"
        "2024-01-02T14:31:00Z,99.40,99.40,99.50,99.40,10\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError, match=r"bars.csv, line 3, field 'high'"):
        ticks_from_bars(read_source(path), ACME, seed=0)


def test_overlapping_or_unordered_bars_are_refused() -> None:
    bars = bars_table(*GOOD)
    ts = bars.column("ts_event").to_numpy().copy()
    ts[2] = ts[1] + MINUTE_NS // 2  # opens before bar 1 closes
    bars = bars.set_column(0, "ts_event", pa.array(ts))
    with pytest.raises(DataError, match="overlap or are out of order") as error:
        ticks_from_bars(bars, ACME, seed=0)
    assert error.value.record == 2


def test_tick_bars_need_an_interval() -> None:
    bars = bars_table(*GOOD).set_column(7, "interval_ns", pa.array(np.zeros(3, np.int64)))
    with pytest.raises(DataError, match="pass interval_ns"):
        ticks_from_bars(bars, ACME, seed=0)
    ticks = ticks_from_bars(bars, ACME, seed=0, interval_ns=MINUTE_NS)
    assert ticks.trades.num_rows >= 9


def test_a_bar_too_short_for_its_trades_is_refused() -> None:
    with pytest.raises(DataError, match="too short"):
        ticks_from_bars(bars_table(*GOOD, interval_ns=5), ACME, seed=0)


def test_missing_columns_and_wrong_types_are_input_errors() -> None:
    with pytest.raises(InputError, match="missing \\['volume'\\]"):
        ticks_from_bars(bars_table(*GOOD).drop_columns(["volume"]), ACME, seed=0)
    with pytest.raises(InputError, match="a pyarrow Table"):
        ticks_from_bars([1, 2, 3], ACME, seed=0)  # type: ignore[arg-type]


def test_a_dataframe_works_like_a_table() -> None:
    frame = bars_table(*GOOD).to_pandas()
    assert isinstance(frame, pd.DataFrame)
    from_frame = ticks_from_bars(frame, ACME, seed=1)
    from_table = ticks_from_bars(bars_table(*GOOD), ACME, seed=1)
    assert from_frame.trades.equals(from_table.trades)


@pytest.mark.parametrize("seed", [-1, 1.5, True, "7"])
def test_seeds_are_whole_numbers(seed: object) -> None:
    with pytest.raises(InputError, match="seed"):
        ticks_from_bars(bars_table(*GOOD), ACME, seed=seed)  # type: ignore[arg-type]


def test_settings_out_of_range_name_the_setting() -> None:
    cases: list[tuple[Callable[[], object], str]] = [
        (lambda: BarsConfig(trades_per_bar=0), "trades_per_bar"),
        (lambda: BarsConfig(extreme_order="longest"), "extreme_order"),  # type: ignore[arg-type]
        (lambda: HawkesArrivals(branching_ratio=1.2), "branching_ratio"),
        (lambda: Microstructure(book_levels=11), "book_levels"),
        (lambda: Microstructure(size_tail=1.0), "size_tail"),
        (lambda: Session(open_ns=10, close_ns=5), "session"),
        (lambda: GarchVolatility(reaction=1.0), "reaction"),
        (lambda: RegimeSwitching(regimes=(Regime("calm", 1, 1, 10),), transitions=((0, 1),)),
         "transitions"),
        (lambda: MarketModel(correlation=((1.0, 0.9), (0.8, 1.0))), "correlation"),
        (lambda: MarketModel(correlation=((1.0, 1.0, 0.0), (1.0, 1.0, 0.9), (0.0, 0.9, 1.0))),
         "positive definite"),
    ]  # fmt: skip
    for build, name in cases:
        with pytest.raises(InputError, match=name):
            build()


def test_a_market_checks_its_instruments_prices_and_times() -> None:
    one = [Instrument("AAA", "SIM", "0.01")]
    two = [*one, Instrument("BBB", "SIM", "0.01")]
    model = MarketModel(correlation=((1.0, 0.5), (0.5, 1.0)))
    with pytest.raises(InputError, match="a 1x1 matrix"):
        simulate_market(model, one, start_ns=0, end_ns=10**12, seed=0, start_prices=[1.0])
    with pytest.raises(InputError, match="start_prices"):
        simulate_market(model, two, start_ns=0, end_ns=10**12, seed=0, start_prices=[1.0, -2.0])
    with pytest.raises(InputError, match="end_ns"):
        simulate_market(model, two, start_ns=5, end_ns=5, seed=0, start_prices=[1.0, 2.0])


def test_stylized_facts_need_the_layout_columns() -> None:
    with pytest.raises(InputError, match="trades"):
        stylized_facts(pa.table({"ts_event": [1]}), None, ACME)
