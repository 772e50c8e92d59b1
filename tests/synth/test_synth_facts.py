"""Stylized facts follow their documented formulas, checked against plain reference code."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from tickdeck.core import DataKind, Instrument, layout
from tickdeck.synth import autocorrelation, stylized_facts

MINUTE_NS = 60_000_000_000
DAY_NS = 86_400_000_000_000
T0 = 1_704_153_600_000_000_000
EQ = Instrument("EQ", "SIM", "0.01")


def _trades(ts: np.ndarray, price: np.ndarray, size: np.ndarray, sign: np.ndarray) -> pa.Table:
    n = ts.size
    return pa.Table.from_pydict(
        {
            "ts_event": ts.astype(np.int64),
            "ts_recv": ts.astype(np.int64),
            "price": price.astype(np.float64),
            "size": size.astype(np.float64),
            "aggressor": sign.astype(np.int8),
            "trade_id": np.arange(n, dtype=np.int64),
        },
        schema=layout(DataKind.TRADE).arrow_schema,
    )


def _reference_acf(x: list[float], lag: int) -> float:
    m = sum(x) / len(x)
    top = sum((x[t] - m) * (x[t + lag] - m) for t in range(len(x) - lag))
    return top / sum((v - m) ** 2 for v in x)


@given(st.lists(st.floats(-1e3, 1e3), min_size=5, max_size=60), st.integers(1, 3))
def test_autocorrelation_matches_the_textbook_formula(values: list[float], lag: int) -> None:
    got = autocorrelation(values, 3)[lag - 1]
    if len(values) <= lag + 1 or np.var(values) == 0:
        assert math.isnan(got)
    else:
        assert math.isclose(got, _reference_acf(values, lag), rel_tol=1e-9, abs_tol=1e-9)


def test_returns_use_the_last_price_of_adjacent_intervals_only() -> None:
    # Minute 0: 100 then 101 (last 101); minute 1: 102; minute 3: 99 (minute 2 empty).
    ts = T0 + np.array([1, 50, 0, 0]) * 10**9 + np.array([0, 0, 1, 3]) * MINUTE_NS
    trades = _trades(ts, np.array([100.0, 101.0, 102.0, 99.0]), np.ones(4), np.ones(4))
    facts = stylized_facts(trades, None, EQ, max_lag=1)
    assert facts.returns == 1  # only minute 0 -> 1; minute 1 -> 3 skips a gap


def test_kurtosis_and_volatility_clustering_on_a_known_series() -> None:
    rng = np.random.default_rng(0)
    calm, wild = rng.normal(0, 1e-4, 5_000), rng.normal(0, 1e-3, 5_000)
    log_returns = np.concatenate([calm, wild, calm, wild])
    prices = 100 * np.exp(np.cumsum(log_returns))
    ts = T0 + MINUTE_NS * np.arange(prices.size)
    facts = stylized_facts(_trades(ts, prices, np.ones(prices.size), np.ones(prices.size)),
                           None, EQ)  # fmt: skip
    c = log_returns[1:] - log_returns[1:].mean()
    assert math.isclose(facts.kurtosis, np.mean(c**4) / np.mean(c**2) ** 2, rel_tol=1e-6)
    assert facts.kurtosis > 5  # a mixture of two variances has fat tails
    assert min(facts.abs_return_acf) > 0.3  # and clustered volatility
    assert max(abs(a) for a in facts.return_acf) < 0.05


def test_spreads_are_counted_in_ticks() -> None:
    bid = np.array([10.00, 10.00, 10.01, 10.00])
    ask = np.array([10.01, 10.03, 10.02, 10.05])
    quotes = pa.Table.from_arrays(
        [pa.array(np.arange(4)), pa.array(bid), pa.array(ask)],
        names=["ts_event", "bid_price", "ask_price"],
    )
    trades = _trades(np.arange(4), np.full(4, 10.0), np.ones(4), np.ones(4))
    facts = stylized_facts(trades, quotes, EQ)
    assert facts.spread_mean_ticks == (1 + 3 + 1 + 5) / 4
    assert facts.spread_median_ticks == 2.0
    assert facts.spread_one_tick_share == 0.5


def test_the_activity_profile_shows_where_in_the_day_trades_fall() -> None:
    # Each day: 40 trades in the first tenth, 10 in each of the others, 40 in the last.
    days = []
    for day in range(3):
        start = T0 + day * DAY_NS
        per_bin = [40] + [10] * 8 + [40]
        stamps = [start + int((b + (i + 0.5) / n) * DAY_NS / 20)
                  for b, n in enumerate(per_bin) for i in range(n)]  # fmt: skip
        days += stamps
    ts = np.array(days)
    facts = stylized_facts(_trades(ts, np.full(ts.size, 10.0), np.ones(ts.size),
                                   np.ones(ts.size)), None, EQ)  # fmt: skip
    assert facts.u_shape_ratio == 4.0
    assert facts.activity_profile[0] == max(facts.activity_profile)


def test_count_dispersion_is_variance_over_mean_of_window_counts() -> None:
    counts = np.array([1, 5, 0, 2, 7, 3])
    ts = np.concatenate([T0 + w * 10**10 + np.arange(c) for w, c in enumerate(counts)])
    facts = stylized_facts(_trades(ts, np.full(ts.size, 10.0), np.ones(ts.size),
                                   np.ones(ts.size)), None, EQ, count_window_ns=10**10)  # fmt: skip
    assert math.isclose(facts.count_dispersion, counts.var() / counts.mean())


def test_hill_estimator_recovers_a_pareto_tail() -> None:
    rng = np.random.default_rng(1)
    sizes = (rng.pareto(1.7, 200_000) + 1) * 100
    ts = T0 + np.arange(sizes.size)
    facts = stylized_facts(_trades(ts, np.full(ts.size, 10.0), sizes, np.ones(ts.size)),
                           None, EQ)  # fmt: skip
    assert abs(facts.size_tail_index - 1.7) < 0.1


def test_sign_autocorrelation_of_persistent_order_flow() -> None:
    # Runs of 5 equal signs: of 5 neighbouring pairs 4 agree (+1) and 1 differs (-1).
    signs = np.repeat(np.tile([1, -1], 2_000), 5)
    ts = T0 + np.arange(signs.size)
    facts = stylized_facts(_trades(ts, np.full(ts.size, 10.0), np.ones(ts.size), signs),
                           None, EQ)  # fmt: skip
    assert abs(facts.sign_acf[0] - (4 - 1) / 5) < 0.01
    assert facts.to_dict()["spread_mean_ticks"] is None  # no quotes: NaN becomes null
