"""Ticks from bars: they resample back to the bars exactly, and look like ticks inside them."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given
from tests.synth.synth_bars import (
    ACME,
    DAY_NS,
    MINUTE_NS,
    bars_table,
    ohlcv,
    random_bars,
    resampled,
    write_awkward,
)

from tickdeck.core import Instrument
from tickdeck.data import SAMPLE_INSTRUMENTS, write_sample_files
from tickdeck.data.ingest import read_source
from tickdeck.synth import (
    BarsConfig,
    ExtremeOrder,
    HawkesArrivals,
    Microstructure,
    Session,
    stylized_facts,
    ticks_from_bars,
)

HAWKES = BarsConfig(microstructure=Microstructure(arrivals=HawkesArrivals()))
RANDOM_ORDER = BarsConfig(extreme_order=ExtremeOrder.RANDOM)


@pytest.fixture(scope="module")
def sample_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("samples")
    write_sample_files(folder)
    return folder


def _per_bar(ticks: pa.Table, bars: pa.Table) -> list[pa.Table]:
    """The trades inside each bar's interval [close - interval, close)."""
    ts = ticks.column("ts_event").to_numpy()
    close = bars.column("ts_event").to_numpy()
    opened = close - bars.column("interval_ns").to_numpy()
    return [
        ticks.filter(pa.array((ts >= lo) & (ts < hi))) for lo, hi in zip(opened, close, strict=True)
    ]


@pytest.mark.parametrize("config", [BarsConfig(), HAWKES, RANDOM_ORDER], ids=str)
def test_yahoo_sample_bars_come_back_exactly_when_resampled(
    sample_folder: Path, config: BarsConfig
) -> None:
    source = read_source(sample_folder / "ACME.csv")
    instrument = SAMPLE_INSTRUMENTS["ACME.XNAS"]
    ticks = ticks_from_bars(source, instrument, seed=11, config=config)
    back = resampled(ticks.trades, DAY_NS, instrument)
    assert back.num_rows == source.num_rows == 250
    assert back.equals(source.table.select(back.column_names))


def test_awkward_bars_come_back_exactly_when_resampled(tmp_path: Path) -> None:
    source = read_source(write_awkward(tmp_path))
    ticks = ticks_from_bars(source, ACME, seed=3)
    back = resampled(ticks.trades, MINUTE_NS, ACME)
    assert ohlcv(back) == ohlcv(source.table)
    # The doji is one price; the zero-volume bars still print (with size 0).
    per_bar = _per_bar(ticks.trades, source.table)
    assert set(per_bar[0].column("price").to_pylist()) == {100.0}
    assert pc.sum(per_bar[5].column("size")).as_py() == 0.0
    assert per_bar[5].num_rows >= 1


@given(random_bars())
def test_random_bars_come_back_exactly_with_every_tick_inside_its_bar(bars: pa.Table) -> None:
    ticks = ticks_from_bars(bars, ACME, seed=5, config=BarsConfig(trades_per_bar=30))
    assert ohlcv(resampled(ticks.trades, MINUTE_NS, ACME)) == ohlcv(bars)
    trades = ticks.trades
    for bar, inside in zip(bars.to_pylist(), _per_bar(trades, bars), strict=True):
        prices = inside.column("price").to_numpy().tolist()
        assert prices[0] == bar["open"]
        assert prices[-1] == bar["close"]
        assert max(prices) == bar["high"]
        assert min(prices) == bar["low"]
        assert sum(inside.column("size").to_numpy().tolist()) == bar["volume"]
        ts = inside.column("ts_event").to_numpy()
        assert ts[0] > bar["ts_event"] - bar["interval_ns"]
        assert ts[-1] < bar["ts_event"]
    ts = trades.column("ts_event").to_numpy()
    assert np.all(np.diff(ts) >= 2)
    assert not ACME.off_grid(trades.column("price").to_numpy()).any()
    sizes = trades.column("size").to_numpy()
    assert np.array_equal(sizes, np.rint(sizes))
    assert (sizes >= 0).all()


def _first_extreme_is_low(inside: pa.Table, high: float, low: float) -> bool:
    prices = inside.column("price").to_numpy()
    return int(np.argmax(prices == low)) < int(np.argmax(prices == high))


def test_the_shortest_rule_visits_the_extreme_on_the_open_side_first() -> None:
    # Prices in ticks: (open, high, low, close) and which extreme the documented rule visits first.
    cases = [
        ((100, 110, 90, 105), "low"),  # closes above its open
        ((100, 110, 90, 95), "high"),  # closes below its open
        ((100, 110, 96, 100), "low"),  # closes at its open, low nearer
        ((100, 104, 90, 100), "high"),  # closes at its open, high nearer
        ((100, 110, 90, 100), "low"),  # closes at its open, equally near: low
    ]
    o, h, low, c = (list(column) for column in zip(*(case for case, _ in cases), strict=True))
    bars = bars_table(o, h, low, c, [1_000] * len(cases))
    for seed in range(5):
        ticks = ticks_from_bars(bars, ACME, seed=seed)
        for (_, expected), bar, inside in zip(
            cases, bars.to_pylist(), _per_bar(ticks.trades, bars), strict=True
        ):
            first_low = _first_extreme_is_low(inside, bar["high"], bar["low"])
            assert first_low == (expected == "low")


def test_the_random_rule_prefers_the_shorter_path_in_the_documented_proportion() -> None:
    # Open 110, high 120, low 100, close 115: low first is 35 ticks long, high first 45,
    # so the low comes first with probability 45 / 80.
    n = 2_000
    bars = bars_table([110] * n, [120] * n, [100] * n, [115] * n, [50] * n)
    ticks = ticks_from_bars(bars, ACME, seed=1, config=RANDOM_ORDER)
    firsts = [_first_extreme_is_low(t, 1.20, 1.00) for t in _per_bar(ticks.trades, bars)]
    assert abs(np.mean(firsts) - 45 / 80) < 0.04


def test_a_bar_that_opens_on_an_extreme_touches_it_first_under_either_rule() -> None:
    n = 300
    bars = bars_table([100] * n + [120] * n, [120] * 2 * n, [100] * 2 * n, [120] * n + [100] * n,
                      [50] * 2 * n)  # fmt: skip
    for config in (BarsConfig(), RANDOM_ORDER):
        ticks = ticks_from_bars(bars, ACME, seed=2, config=config)
        firsts = [_first_extreme_is_low(t, 1.20, 1.00) for t in _per_bar(ticks.trades, bars)]
        assert all(firsts[:n])
        assert not any(firsts[n:])


def test_volumes_on_a_decimal_lot_grid_add_up_exactly() -> None:
    crypto = Instrument("BTCUSD", "SIM", "0.5", lot_size="0.001", asset_class="crypto")
    volume = [12.345, 0.001, 0.1, 0.3, 7.0, 0.0]
    o, h, low, c = [100] * 6, [130] * 6, [90] * 6, [120] * 6
    bars = bars_table(o, h, low, c, volume, instrument=crypto)
    ticks = ticks_from_bars(bars, crypto, seed=2)
    back = resampled(ticks.trades, MINUTE_NS, crypto)
    assert back.column("volume").to_pylist() == volume
    sizes = ticks.trades.column("size").to_numpy()
    assert not Instrument("X", "Y", "0.001").off_grid(sizes).any()


def test_a_size_step_other_than_the_lot_is_honoured() -> None:
    bars = bars_table([100, 100], [101, 102], [99, 98], [100, 101], [300.0, 1_200.0])
    ticks = ticks_from_bars(bars, ACME, seed=2, config=BarsConfig(size_step=Decimal(100)))
    sizes = ticks.trades.column("size").to_numpy()
    assert (sizes % 100 == 0).all()
    assert ohlcv(resampled(ticks.trades, MINUTE_NS, ACME)) == ohlcv(bars)


def test_each_trade_hits_the_quote_standing_one_nanosecond_before_it() -> None:
    rng = np.random.default_rng(0)
    low = rng.integers(9_000, 9_100, 200)
    high = low + rng.integers(0, 60, 200)
    bars = bars_table(low + (high - low) // 3, high, low, high - (high - low) // 4, [5_000] * 200)
    ticks = ticks_from_bars(bars, ACME, seed=4)
    trades, quotes = ticks.trades.to_pandas(), ticks.quotes.to_pandas()
    assert len(trades) == len(quotes)
    assert (quotes["ts_event"].to_numpy() == trades["ts_event"].to_numpy() - 1).all()
    bid, ask = quotes["bid_price"].to_numpy(), quotes["ask_price"].to_numpy()
    assert (bid < ask).all()
    assert not ACME.off_grid(bid).any()
    assert not ACME.off_grid(ask).any()
    price, side = trades["price"].to_numpy(), trades["aggressor"].to_numpy()
    assert set(np.unique(side)) <= {-1, 1}
    assert (price[side == 1] == ask[side == 1]).all()
    assert (price[side == -1] == bid[side == -1]).all()
    touch = np.where(side == 1, quotes["ask_size"], quotes["bid_size"])
    assert (touch >= trades["size"].to_numpy()).all()


def test_an_up_tick_is_a_buyer_and_a_down_tick_a_seller() -> None:
    bars = bars_table([100] * 50, [140] * 50, [80] * 50, [120] * 50, [10_000] * 50)
    trades = ticks_from_bars(bars, ACME, seed=8).trades.to_pandas()
    move = np.diff(trades["price"].to_numpy())
    sign = trades["aggressor"].to_numpy()[1:]
    assert (sign[move > 0] == 1).all()
    assert (sign[move < 0] == -1).all()


def test_book_snapshots_extend_the_quote_into_depth() -> None:
    bars = bars_table([100] * 20, [110] * 20, [95] * 20, [104] * 20, [2_000] * 20)
    config = BarsConfig(microstructure=Microstructure(book_levels=4, book_every=3))
    ticks = ticks_from_bars(bars, ACME, seed=6, config=config)
    book, quotes = ticks.book.to_pandas(), ticks.quotes.to_pandas()
    chosen = quotes.iloc[::3].reset_index(drop=True)
    assert len(book) == len(chosen)
    assert (book["ts_event"] == chosen["ts_event"]).all()
    assert (book["bid_price_0"] == chosen["bid_price"]).all()
    assert (book["ask_size_0"] == chosen["ask_size"]).all()
    for level in range(1, 4):
        assert (book[f"bid_price_{level}"] < book[f"bid_price_{level - 1}"]).all()
        assert (book[f"ask_price_{level}"] > book[f"ask_price_{level - 1}"]).all()
        assert (book[f"bid_size_{level}"] >= 1).all()
    assert book["bid_price_4"].isna().all()
    assert (book["ask_size_9"] == 0).all()


def test_the_spread_widens_where_prices_move_more() -> None:
    calm = bars_table([1_000] * 100, [1_004] * 100, [998] * 100, [1_002] * 100, [1_000] * 100)
    wild = bars_table([1_000] * 100, [1_200] * 100, [800] * 100, [1_100] * 100, [1_000] * 100)

    def mean_spread(bars: pa.Table) -> float:
        ticks = ticks_from_bars(bars, ACME, seed=1)
        return stylized_facts(ticks.trades, ticks.quotes, ACME).spread_mean_ticks

    assert mean_spread(wild) > 3 * mean_spread(calm)


def test_daily_bars_trade_inside_the_session() -> None:
    open_ns, close_ns = (14 * 60 + 30) * MINUTE_NS, 21 * 60 * MINUTE_NS
    session = Session(open_ns, close_ns)
    bars = bars_table([100] * 5, [120] * 5, [90] * 5, [110] * 5, [10_000] * 5,
                      interval_ns=DAY_NS, start_ns=1_704_153_600_000_000_000)  # fmt: skip
    config = BarsConfig(microstructure=Microstructure(session=session))
    ticks = ticks_from_bars(bars, ACME, seed=1, config=config)
    time_of_day = ticks.trades.column("ts_event").to_numpy() % DAY_NS
    assert time_of_day.min() > open_ns
    assert time_of_day.max() < close_ns
    assert ohlcv(resampled(ticks.trades, DAY_NS, ACME)) == ohlcv(bars)


def test_busier_bars_get_more_trades() -> None:
    volume = [1_000, 10_000] * 100
    bars = bars_table([100] * 200, [110] * 200, [90] * 200, [105] * 200, volume)
    ticks = ticks_from_bars(bars, ACME, seed=1, config=BarsConfig(trades_per_bar=50))
    counts = np.array([t.num_rows for t in _per_bar(ticks.trades, bars)])
    ratio = counts[1::2].mean() / counts[::2].mean()
    # Expected counts are proportional to volume: 10x (Poisson noise aside).
    assert 8.5 < ratio < 11.5


def test_trade_sizes_have_the_configured_pareto_tail() -> None:
    bars = bars_table([100] * 100, [110] * 100, [90] * 100, [105] * 100, [10_000_000] * 100)
    for tail in (1.3, 2.0):
        config = BarsConfig(trades_per_bar=2_000, microstructure=Microstructure(size_tail=tail))
        ticks = ticks_from_bars(bars, ACME, seed=1, config=config)
        estimate = stylized_facts(ticks.trades, None, ACME).size_tail_index
        assert abs(estimate - tail) < 0.2 * tail
