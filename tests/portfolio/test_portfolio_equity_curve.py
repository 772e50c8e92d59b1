"""The equity recorder: samples equal the portfolio's totals, arrays grow, results are frozen."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tickdeck.core import Fill, Instrument, Side
from tickdeck.portfolio import EquityRecorder, Portfolio

ACME = Instrument("ACME", "XNAS", "0.01")
ZETA = Instrument("ZETA", "XNAS", "0.01")


def test_each_sample_holds_the_totals_of_that_moment_past_the_initial_capacity() -> None:
    p = Portfolio({ACME.id: ACME, ZETA.id: ZETA}, initial_cash=10_000.0)
    recorder = EquityRecorder(p, capacity=1)
    expected = []
    for ts in range(100):
        if ts % 10 == 0:
            side = Side.BUY if ts % 20 == 0 else Side.SELL
            p.apply(Fill(ts, ACME.id if ts % 30 else ZETA.id, ts, side, 3.0, 50.0 + ts / 10))
        p.mark(ACME.id, 50.0 + ts / 7, ts)
        recorder.sample(ts)
        expected.append((ts, p.equity, p.cash, p.gross_exposure, p.net_exposure))
    curve = recorder.curve()
    assert len(curve) == len(recorder) == 100
    assert curve.ts.dtype == np.int64
    assert curve.equity.dtype == np.float64
    actual = zip(
        curve.ts.tolist(),
        curve.equity.tolist(),
        curve.cash.tolist(),
        curve.gross_exposure.tolist(),
        curve.net_exposure.tolist(),
        strict=True,
    )
    assert list(actual) == expected
    # Equity is cash plus the value of the positions in every row, exactly.
    np.testing.assert_array_equal(curve.equity, curve.cash + curve.position_value)


def test_the_curve_is_a_frozen_copy_and_recording_goes_on() -> None:
    p = Portfolio({ACME.id: ACME}, initial_cash=1.0)
    recorder = EquityRecorder(p, capacity=2)
    recorder.sample(1)
    first = recorder.curve()
    with pytest.raises(ValueError, match="read-only"):
        first.equity[0] = 0.0
    recorder.sample(2)
    recorder.sample(3)
    assert len(first) == 1
    assert recorder.curve().ts.tolist() == [1, 2, 3]


def test_leverage_per_sample_follows_the_portfolio_rule() -> None:
    p = Portfolio({ACME.id: ACME}, initial_cash=1_000.0)
    recorder = EquityRecorder(p)
    recorder.sample(0)  # flat: 0
    p.apply(Fill(1, ACME.id, 1, Side.BUY, 100.0, 20.0))
    recorder.sample(1)  # 2000 / 1000
    p.mark(ACME.id, 5.0, 2)
    recorder.sample(2)  # equity -500: inf
    assert recorder.curve().leverage.tolist() == [0.0, 2.0, float("inf")]
    assert p.leverage == float("inf")


def test_to_pandas_indexes_the_columns_by_utc_time() -> None:
    p = Portfolio({ACME.id: ACME}, initial_cash=5.0)
    recorder = EquityRecorder(p)
    recorder.sample(1_704_186_000_000_000_000)
    frame = recorder.curve().to_pandas()
    assert list(frame.columns) == ["equity", "cash", "gross_exposure", "net_exposure"]
    assert frame.index[0] == pd.Timestamp("2024-01-02T09:00:00Z")
    assert frame.index.name == "ts"
    assert frame["equity"].tolist() == [5.0]
