"""Synthetic data goes into the catalog like real data, under an instrument marked synthetic."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest
from tests.synth.synth_bars import ACME, MINUTE_NS, bars_table, ohlcv, resampled

from tickdeck.core import DataKind, InputError, Instrument
from tickdeck.data.catalog import Catalog
from tickdeck.feed import Replay
from tickdeck.synth import (
    BarsConfig,
    MarketModel,
    Microstructure,
    SyntheticTicks,
    is_synthetic,
    iter_market,
    iter_ticks_from_bars,
    synthetic_instrument,
    write_to_catalog,
)


def test_a_synthetic_instrument_keeps_the_grids_and_marks_the_venue() -> None:
    fx = Instrument("EURUSD", "DUKA", "0.00001", "1000", currency="USD", asset_class="fx")
    copy = synthetic_instrument(fx)
    assert copy.id == "EURUSD.DUKA-SYN"
    assert (copy.tick_size, copy.lot_size, copy.currency, copy.asset_class) == (
        fx.tick_size, fx.lot_size, fx.currency, fx.asset_class,
    )  # fmt: skip
    assert synthetic_instrument(copy) == copy
    assert is_synthetic(copy.id)
    assert not is_synthetic(fx.id)
    with pytest.raises(InputError, match="28 characters"):
        synthetic_instrument(Instrument("X", "V" * 30, "0.01"))


def _bars() -> pa.Table:
    return bars_table([100] * 50, [120] * 50, [90] * 50, [110] * 50, [400] * 50)


def test_bars_to_catalog_to_bars_is_exact(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "catalog")
    target = synthetic_instrument(ACME)
    config = BarsConfig(microstructure=Microstructure(book_levels=3))
    parts = iter_ticks_from_bars(_bars(), ACME, seed=1, config=config)
    seen: list[int] = []
    summaries = write_to_catalog(catalog, ({target: b.ticks} for b in parts), progress=seen.append)
    assert {s.kind for s in summaries} == {DataKind.TRADE, DataKind.QUOTE, DataKind.BOOK_SNAPSHOT}
    assert seen
    assert seen[-1] == sum(s.rows_added for s in summaries)
    assert catalog.instrument(target.id) == target
    trades = catalog.read(DataKind.TRADE, target.id)
    assert ohlcv(resampled(trades, MINUTE_NS, target)) == ohlcv(_bars())
    # Writing the same data again adds nothing: the catalog's merge is idempotent.
    again = write_to_catalog(catalog, [{target: b.ticks} for b in iter_ticks_from_bars(
        _bars(), ACME, seed=1, config=config)])  # fmt: skip
    assert all(s.rows_added == 0 for s in again)


def test_a_simulated_market_replays_in_time_order(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "catalog")
    a, b = Instrument("AAA", "SIM-SYN", "0.01"), Instrument("BBB", "SIM-SYN", "0.01")
    model = MarketModel(trades_per_day=2_000)
    start = 1_704_153_600_000_000_000
    blocks = iter_market(model, [a, b], start_ns=start, end_ns=start + 2 * 86_400_000_000_000,
                         seed=4, start_prices=[10.0, 20.0])  # fmt: skip
    write_to_catalog(catalog, ({i: blk.ticks[i.id] for i in (a, b)} for blk in blocks))
    replay = Replay(catalog, [a.id, b.id], kinds=[DataKind.TRADE, DataKind.QUOTE])
    stamps = [event.ts_recv for event in replay.events()]
    rows = sum(catalog.read(k, i.id).num_rows for k in (DataKind.TRADE, DataKind.QUOTE)
               for i in (a, b))  # fmt: skip
    assert len(stamps) == rows > 10_000
    assert stamps == sorted(stamps)


def test_nothing_is_committed_when_generation_fails(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "catalog")
    target = synthetic_instrument(ACME)

    def parts() -> Iterator[dict[Instrument, SyntheticTicks]]:
        yield {target: next(iter_ticks_from_bars(_bars(), ACME, seed=1)).ticks}
        raise RuntimeError("generator broke")

    with pytest.raises(RuntimeError):
        write_to_catalog(catalog, parts())
    assert catalog.partitions() == []
