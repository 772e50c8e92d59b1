"""The same seed gives byte-identical output; a different seed gives different output."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import textwrap

import numpy as np
import pyarrow as pa
import pytest
from numba import njit
from tests.synth.synth_bars import ACME, bars_table

from tickdeck.core import Instrument
from tickdeck.synth import (
    BarsConfig,
    BlockTrades,
    GarchVolatility,
    HawkesArrivals,
    Jumps,
    MarketModel,
    Microstructure,
    RegimeSwitching,
    SyntheticTicks,
    iter_market,
    iter_ticks_from_bars,
    simulate_market,
    ticks_from_bars,
)
from tickdeck.synth import bars as bars_module

START = 1_704_153_600_000_000_000
SIM = [Instrument("AAA", "SIM", "0.01"), Instrument("BBB", "SIM", "0.01")]
RICH_MARKET = MarketModel(
    garch=GarchVolatility(),
    jumps=Jumps(),
    regimes=RegimeSwitching(),
    blocks=BlockTrades(),
    correlation=((1.0, 0.5), (0.5, 1.0)),
    trades_per_day=5_000,
    microstructure=Microstructure(arrivals=HawkesArrivals(), book_levels=3),
)
RICH_BARS = BarsConfig(microstructure=Microstructure(arrivals=HawkesArrivals(), book_levels=5))


def _bytes(ticks: SyntheticTicks) -> bytes:
    sink = pa.BufferOutputStream()
    for table in (ticks.trades, ticks.quotes, ticks.book):
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
    return bytes(sink.getvalue().to_pybytes())


def _bars() -> pa.Table:
    rng = np.random.default_rng(42)
    low = rng.integers(10_000, 10_100, 400)
    high = low + rng.integers(0, 80, 400)
    o = rng.integers(low, high + 1)
    c = rng.integers(low, high + 1)
    return bars_table(o, high, low, c, rng.integers(0, 3_000, 400))


@njit
def _numba_random(seed: int) -> float:
    np.random.seed(seed)
    return float(np.random.random())


def _seed_numba(seed: int) -> None:
    """Put numba's own (global) generator in a state that depends on `seed`."""
    _numba_random(seed)  # type: ignore[type-var]  # numba's stubs type njit loosely


def test_same_seed_same_bytes_from_bars_whatever_numbas_random_state() -> None:
    bars = _bars()
    _seed_numba(1)
    first = _bytes(ticks_from_bars(bars, ACME, seed=7, config=RICH_BARS))
    _seed_numba(2)
    second = _bytes(ticks_from_bars(bars, ACME, seed=7, config=RICH_BARS))
    assert first == second


def test_a_different_seed_gives_different_ticks_inside_the_same_bars() -> None:
    bars = _bars()
    one = ticks_from_bars(bars, ACME, seed=7)
    other = ticks_from_bars(bars, ACME, seed=8)
    assert _bytes(one) != _bytes(other)
    assert not one.trades.column("ts_event").equals(other.trades.column("ts_event"))


def test_block_by_block_is_the_same_as_all_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bars_module, "BLOCK_BARS", 64)
    bars = _bars()
    blocks = list(iter_ticks_from_bars(bars, ACME, seed=3))
    assert [(b.start, b.stop) for b in blocks][:2] == [(0, 64), (64, 128)]
    assert len(blocks) == 7  # 400 bars in blocks of 64
    joined = SyntheticTicks.concat(b.ticks for b in blocks)
    assert _bytes(joined) == _bytes(ticks_from_bars(bars, ACME, seed=3))
    ids = joined.trades.column("trade_id").to_numpy()
    assert np.array_equal(ids, np.arange(1, ids.size + 1))


def test_blocks_also_end_when_their_expected_trades_reach_the_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(bars_module, "BLOCK_TRADES", 1_000)
    bars = _bars()  # about 200 trades a bar: 5 bars a block
    blocks = list(iter_ticks_from_bars(bars, ACME, seed=3))
    sizes = [b.stop - b.start for b in blocks]
    assert sum(sizes) == bars.num_rows
    assert 50 < len(blocks) < 200
    assert all(b.ticks.trades.num_rows < 3_000 for b in blocks)


def _market_bytes(seed: int) -> list[bytes]:
    market = simulate_market(
        RICH_MARKET, SIM, start_ns=START, end_ns=START + 2 * 86_400_000_000_000,
        seed=seed, start_prices=[100.0, 40.0],
    )  # fmt: skip
    return [_bytes(market.ticks[i.id]) for i in SIM]


def test_same_seed_same_bytes_for_a_market_and_different_seeds_differ() -> None:
    assert _market_bytes(5) == _market_bytes(5)
    assert _market_bytes(5)[0] != _market_bytes(6)[0]


def test_a_market_day_by_day_is_the_market_at_once() -> None:
    days = list(
        iter_market(RICH_MARKET, SIM, start_ns=START, end_ns=START + 2 * 86_400_000_000_000,
                    seed=5, start_prices=[100.0, 40.0])
    )  # fmt: skip
    assert len(days) == 2
    joined = [_bytes(SyntheticTicks.concat(d.ticks[i.id] for d in days)) for i in SIM]
    assert joined == _market_bytes(5)


_PROBE = textwrap.dedent(
    """
    import hashlib, sys
    import numpy as np
    import pyarrow as pa
    from tickdeck.core import Instrument
    from tickdeck.synth import ticks_from_bars
    bars = pa.ipc.open_stream(sys.stdin.buffer.read()).read_all()
    ticks = ticks_from_bars(bars, Instrument("ACME", "XNAS", "0.01"), seed=7)
    digest = hashlib.sha256()
    for column in ticks.trades.columns + ticks.quotes.columns:
        digest.update(column.to_numpy().tobytes())
    print(digest.hexdigest())
    """
)


def test_another_process_writes_the_same_bytes() -> None:
    bars = _bars()
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, bars.schema) as writer:
        writer.write_table(bars)
    out = subprocess.run(
        [sys.executable, "-c", _PROBE],
        input=sink.getvalue().to_pybytes(),
        capture_output=True,
        check=True,
    ).stdout.decode()
    ticks = ticks_from_bars(bars, ACME, seed=7)
    digest = hashlib.sha256()
    for column in ticks.trades.columns + ticks.quotes.columns:
        digest.update(column.to_numpy().tobytes())
    assert out.strip() == digest.hexdigest()
