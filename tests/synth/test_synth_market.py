"""Stochastic markets: each effect shows up in the ticks, within stated ranges.

Ranges are wide enough for sampling noise at the sizes used (stated per test)
and narrow enough that the effect being off, or absent, fails them.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest

from tickdeck.core import Instrument
from tickdeck.synth import (
    BlockTrades,
    GarchVolatility,
    HawkesArrivals,
    Jumps,
    MarketModel,
    Microstructure,
    PoissonArrivals,
    RegimeSwitching,
    Session,
    SyntheticMarket,
    UShape,
    _market_kernels,
    simulate_market,
    stylized_facts,
)
from tickdeck.synth.models import YEAR_NS

DAY_NS = 86_400_000_000_000
MINUTE_NS = 60_000_000_000
START = 1_704_153_600_000_000_000  # 2024-01-02T00:00:00Z
AAA = Instrument("AAA", "SIM", "0.01")
FLAT = Microstructure(seasonality=UShape(0.0))


def _run(model: MarketModel, days: float, seed: int = 1, n: int = 1) -> SyntheticMarket:
    instruments = [Instrument(f"S{i}", "SIM", "0.01") for i in range(n)] if n > 1 else [AAA]
    return simulate_market(
        model, instruments, start_ns=START, end_ns=START + int(days * DAY_NS),
        seed=seed, start_prices=[100.0] * len(instruments),
    )  # fmt: skip


def _closes(trades: pa.Table, interval_ns: int, buckets: int) -> np.ndarray:
    """Last trade price in each interval from START, forward-filled."""
    ts = trades.column("ts_event").to_numpy()
    price = trades.column("price").to_numpy()
    index = (ts - START) // interval_ns
    last = np.full(buckets, np.nan)
    last[index] = price  # later trades overwrite earlier ones in the same bucket
    filled = np.maximum.accumulate(np.where(np.isnan(last), -1, np.arange(buckets)))
    return np.asarray(last[filled])


def _returns(
    market: SyntheticMarket, instrument_id: str, interval_ns: int, days: int
) -> np.ndarray:
    closes = _closes(market.ticks[instrument_id].trades, interval_ns, days * DAY_NS // interval_ns)
    return np.diff(np.log(closes))


def _kurtosis(r: np.ndarray) -> float:
    c = r - r.mean()
    return float(np.mean(c**4) / np.mean(c**2) ** 2)


def test_gbm_has_the_volatility_asked_for_and_normal_tails() -> None:
    # 10 days of 5-minute returns: 2,880 of them, so the std is known to about 1.5%.
    model = MarketModel(volatility=0.3, trades_per_day=50_000, microstructure=FLAT)
    r = _returns(_run(model, 10), AAA.id, 5 * MINUTE_NS, 10)
    expected = 0.3 * math.sqrt(5 * MINUTE_NS / YEAR_NS)
    assert abs(r.std() / expected - 1) < 0.08
    assert 2.6 < _kurtosis(r) < 3.6
    facts = stylized_facts(_run(model, 10).ticks[AAA.id].trades, None, AAA)
    assert abs(facts.return_acf[0]) < 0.1
    assert abs(np.mean(facts.abs_return_acf)) < 0.05


def test_garch_clusters_volatility_and_fattens_tails() -> None:
    gbm = MarketModel(volatility=0.3, trades_per_day=50_000, microstructure=FLAT)
    garch = MarketModel(volatility=0.3, trades_per_day=50_000, microstructure=FLAT,
                        garch=GarchVolatility(reaction=0.8))  # fmt: skip
    plain = stylized_facts(_run(gbm, 10).ticks[AAA.id].trades, None, AAA)
    clustered = stylized_facts(_run(garch, 10).ticks[AAA.id].trades, None, AAA)
    assert clustered.kurtosis > 4.0
    assert clustered.kurtosis > plain.kurtosis + 1
    assert np.mean(clustered.abs_return_acf) > 0.1
    assert np.mean(clustered.abs_return_acf) > np.mean(plain.abs_return_acf) + 0.08


def test_garch_per_step_kurtosis_follows_its_formula() -> None:
    # 2M steps straight from the kernel: kurtosis 3 / (1 - reaction**2) = 4 for reaction 0.5.
    rng = np.random.default_rng(0)
    n = 2_000_000
    alpha, persistence = GarchVolatility(reaction=0.5, half_life_ns=MINUTE_NS).coefficients(
        1_000_000_000
    )
    state = np.array([0.0, 1.0, 0.0, 0.0, np.nan, 0.0])
    path = np.empty(n)
    _market_kernels.log_prices(
        state, rng.standard_normal(n), np.zeros(n), np.zeros(n, np.int8), np.ones(1),
        1e-4, 0.0, alpha, persistence, path,
    )  # fmt: skip
    r = np.diff(path)
    assert 3.6 < _kurtosis(r) < 4.4
    assert abs(r.std() / 1e-4 - 1) < 0.03  # the long-run variance is the GBM one


def test_jumps_fatten_the_tails() -> None:
    model = MarketModel(volatility=0.3, trades_per_day=50_000, microstructure=FLAT,
                        jumps=Jumps(per_day=5, std=0.005))  # fmt: skip
    facts = stylized_facts(_run(model, 10).ticks[AAA.id].trades, None, AAA)
    assert facts.kurtosis > 8


def test_the_correlation_matrix_is_recovered_from_the_trades() -> None:
    target = np.array([[1.0, 0.6, -0.3], [0.6, 1.0, 0.2], [-0.3, 0.2, 1.0]])
    model = MarketModel(volatility=0.3, trades_per_day=50_000, microstructure=FLAT,
                        correlation=tuple(map(tuple, target)))  # fmt: skip
    market = _run(model, 10, n=3)
    returns = np.array([_returns(market, f"S{i}.SIM", 5 * MINUTE_NS, 10) for i in range(3)])
    # 2,880 returns: the standard error of each correlation is under 0.02.
    assert np.abs(np.corrcoef(returns) - target).max() < 0.07


def _per_regime_std(market: SyntheticMarket) -> dict[int, float]:
    regimes = market.regimes
    starts = regimes.column("ts_event").to_numpy()
    codes = regimes.column("regime").to_numpy()
    r = _returns(market, AAA.id, MINUTE_NS, 10)
    minute_start = START + MINUTE_NS * (1 + np.arange(r.size))
    regime_at = codes[np.searchsorted(starts, minute_start, side="right") - 1]
    return {int(k): float(r[regime_at == k].std()) for k in np.unique(regime_at)}


def test_regimes_switch_volatility_calm_volatile_news() -> None:
    model = MarketModel(volatility=0.3, trades_per_day=50_000, microstructure=FLAT,
                        regimes=RegimeSwitching())  # fmt: skip
    market = _run(model, 10)
    assert market.regime_names == ("calm", "volatile", "news")
    assert market.regimes.num_rows > 20  # the chain moves
    std = _per_regime_std(market)
    # Multipliers 0.8, 2.0 and 5.0: volatile is 2.5x calm, news 2.5x volatile.
    assert std[1] > 1.8 * std[0]
    assert std[2] > 1.5 * std[1]


def test_regimes_also_change_activity() -> None:
    model = MarketModel(trades_per_day=50_000, microstructure=FLAT, regimes=RegimeSwitching())
    market = _run(model, 5)
    ts = market.ticks[AAA.id].trades.column("ts_event").to_numpy()
    starts = market.regimes.column("ts_event").to_numpy()
    codes = market.regimes.column("regime").to_numpy()
    ends = np.append(starts[1:], START + 5 * DAY_NS)
    rate = {}
    for code in (0, 1):
        chosen = codes == code
        seconds = (ends[chosen] - starts[chosen]).sum() / 1e9
        counted = sum(int(((ts >= a) & (ts < b)).sum()) for a, b in
                      zip(starts[chosen], ends[chosen], strict=True))  # fmt: skip
        rate[code] = counted / seconds
    assert 1.6 < rate[1] / rate[0] < 2.4  # activity multipliers 1.6 / 0.8


@pytest.mark.parametrize(
    ("arrivals", "low", "high"),
    # 5-minute windows of about 170 trades, nine memories long: Poisson counts have
    # variance/mean 1 (576 windows: standard error 0.06); Hawkes ones approach
    # 1 / (1 - 0.7)**2 = 11.1 as windows outgrow the memory.
    [(PoissonArrivals(), 0.75, 1.25), (HawkesArrivals(0.7, 20.0), 4.0, 11.2)],
)
def test_hawkes_arrivals_are_overdispersed_and_poisson_ones_are_not(
    arrivals: PoissonArrivals | HawkesArrivals, low: float, high: float
) -> None:
    micro = Microstructure(arrivals=arrivals, seasonality=UShape(0))
    model = MarketModel(trades_per_day=50_000, microstructure=micro)
    trades = _run(model, 2).ticks[AAA.id].trades
    facts = stylized_facts(trades, None, AAA, count_window_ns=300_000_000_000)
    assert low < facts.count_dispersion < high
    assert 90_000 < facts.trades < 110_000  # the mean rate is kept


@pytest.mark.parametrize(("amplitude", "low", "high"), [(2.0, 2.2, 2.9), (0.0, 0.9, 1.1)])
def test_activity_is_u_shaped_over_the_day(amplitude: float, low: float, high: float) -> None:
    # With amplitude a the outer tenths hold (1 + 0.813 a) and the central ones
    # (1 + 0.013 a) of the mean density: a ratio of 2.56 for a = 2.
    micro = Microstructure(seasonality=UShape(amplitude))
    model = MarketModel(trades_per_day=50_000, microstructure=micro)
    facts = stylized_facts(_run(model, 3).ticks[AAA.id].trades, None, AAA)
    assert low < facts.u_shape_ratio < high


def test_a_session_confines_trading() -> None:
    session = Session((14 * 60 + 30) * MINUTE_NS, 21 * 60 * MINUTE_NS)
    model = MarketModel(trades_per_day=5_000, microstructure=Microstructure(session=session))
    trades = _run(model, 3).ticks[AAA.id].trades
    time_of_day = trades.column("ts_event").to_numpy() % DAY_NS
    assert time_of_day.min() >= session.open_ns
    assert time_of_day.max() < session.close_ns
    assert 13_000 < trades.num_rows < 17_000


def test_quotes_bracket_the_efficient_price_and_trades_hit_them() -> None:
    model = MarketModel(trades_per_day=20_000, blocks=BlockTrades(share=0.01))
    ticks = _run(model, 1).ticks[AAA.id]
    trades, quotes = ticks.trades.to_pandas(), ticks.quotes.to_pandas()
    bid, ask = quotes["bid_price"].to_numpy(), quotes["ask_price"].to_numpy()
    price, side = trades["price"].to_numpy(), trades["aggressor"].to_numpy()
    assert (bid < ask).all()
    assert (quotes["ts_event"] == trades["ts_event"] - 1).all()
    assert (price[side == 1] >= ask[side == 1]).all()
    assert (price[side == -1] <= bid[side == -1]).all()
    through = (price > ask) | (price < bid)  # blocks walking the book
    sizes = trades["size"].to_numpy()
    assert through.any()
    assert np.median(sizes[through]) > 10 * np.median(sizes)


def _through_the_quote(ticks: pa.Table, quotes: pa.Table) -> np.ndarray:
    price = ticks.column("price").to_numpy()
    return np.asarray(
        (price > quotes.column("ask_price").to_numpy())
        | (price < quotes.column("bid_price").to_numpy())
    )


def test_block_trades_are_as_rare_as_asked_and_only_they_walk_the_book() -> None:
    base = MarketModel(trades_per_day=50_000, microstructure=FLAT)
    blocks = MarketModel(trades_per_day=50_000, microstructure=FLAT,
                         blocks=BlockTrades(share=0.002, size_multiplier=50))  # fmt: skip
    plain = _run(base, 2).ticks[AAA.id]
    with_blocks = _run(blocks, 2).ticks[AAA.id]
    assert not _through_the_quote(plain.trades, plain.quotes).any()
    through = _through_the_quote(with_blocks.trades, with_blocks.quotes)
    # 100,000 trades: 200 blocks expected, nearly all larger than twice the touch.
    assert 0.0012 < through.mean() < 0.0026
    sizes = with_blocks.trades.column("size").to_numpy()
    assert np.median(sizes[through]) > 20 * np.median(sizes)
