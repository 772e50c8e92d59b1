"""The Replay API: what it accepts, what it yields, and how seek behaves inside a loop."""

from __future__ import annotations

import asyncio

import numpy as np
import pandas as pd
import pytest
from tests.conftest import ACME, EURUSD
from tests.feed.conftest import GBPUSD, HOUR, T0, random_table, write_data

import tickdeck.feed
from tickdeck.core import (
    BOOK_SNAPSHOT_DEPTH,
    BookSnapshot,
    DataKind,
    InputError,
    Quote,
    Side,
    Trade,
)
from tickdeck.data.catalog import Catalog
from tickdeck.feed import EventBatch, Replay, Stream


@pytest.fixture
def market(feed_catalog: Catalog) -> Catalog:
    """Quotes and trades of EURUSD and ACME, one per second each, interleaved, on one day."""
    rng = np.random.default_rng(7)
    seconds = 1_000_000_000
    write_data(
        feed_catalog,
        {
            (DataKind.QUOTE, EURUSD.id): random_table(
                DataKind.QUOTE, T0 + np.arange(0, 20) * seconds, rng, 0
            ),
            (DataKind.QUOTE, ACME.id): random_table(
                DataKind.QUOTE, T0 + np.arange(0, 20) * seconds + 1, rng, 100
            ),
            (DataKind.TRADE, EURUSD.id): random_table(
                DataKind.TRADE, T0 + np.arange(0, 20) * seconds, rng, 200
            ),
        },
    )
    return feed_catalog


def test_the_public_api_is_small_and_exported() -> None:
    assert sorted(tickdeck.feed.__all__) == sorted(
        ["MAX_BURST_EVENTS", "EventBatch", "Pacer", "Replay", "Stream", "TimeLike"]
    )
    for name in tickdeck.feed.__all__:
        assert hasattr(tickdeck.feed, name)


def test_streams_are_numbered_by_kind_rank_then_instrument_order(market: Catalog) -> None:
    feed = Replay(market, [ACME.id, EURUSD.id], ["trades", DataKind.QUOTE])
    assert feed.streams == (
        Stream(DataKind.QUOTE, ACME.id),
        Stream(DataKind.QUOTE, EURUSD.id),
        Stream(DataKind.TRADE, ACME.id),
        Stream(DataKind.TRADE, EURUSD.id),
    )


def test_at_equal_times_a_quote_precedes_a_trade_and_instrument_order_decides(
    market: Catalog,
) -> None:
    first = list(Replay(market, [EURUSD.id, ACME.id], ["trade", "quote"], end=T0 + 2).events())
    assert [(type(e).__name__, e.instrument, e.ts_recv - T0) for e in first] == [
        ("Quote", EURUSD.id, 0),
        ("Trade", EURUSD.id, 0),
        ("Quote", ACME.id, 1),
    ]


def test_events_are_the_core_named_tuples_with_plain_values(market: Catalog) -> None:
    trade = next(iter(Replay(market, [EURUSD.id], ["trades"]).events()))
    assert type(trade) is Trade
    assert trade.kind is DataKind.TRADE
    assert all(type(v) is int for v in (trade.ts_event, trade.ts_recv, trade.aggressor))
    assert type(trade.price) is float
    quote = next(iter(Replay(market, [ACME.id]).events()))
    assert type(quote) is Quote
    assert quote.instrument == ACME.id


def test_book_snapshots_group_their_levels_into_tuples(feed_catalog: Catalog) -> None:
    rng = np.random.default_rng(1)
    table = random_table(DataKind.BOOK_SNAPSHOT, T0 + np.arange(3), rng, 0)
    write_data(feed_catalog, {(DataKind.BOOK_SNAPSHOT, EURUSD.id): table})
    snapshots = list(Replay(feed_catalog, [EURUSD.id], ["book_snapshots"]).events())
    assert len(snapshots) == 3
    first = snapshots[0]
    assert type(first) is BookSnapshot
    assert len(first.bid_prices) == len(first.ask_sizes) == BOOK_SNAPSHOT_DEPTH
    row = table.slice(0, 1).to_pylist()[0]
    assert first.bid_prices == tuple(row[f"bid_price_{i}"] for i in range(BOOK_SNAPSHOT_DEPTH))
    assert first.ask_sizes == tuple(row[f"ask_size_{i}"] for i in range(BOOK_SNAPSHOT_DEPTH))


def test_enumerated_fields_are_plain_ints_equal_to_their_enums(feed_catalog: Catalog) -> None:
    rng = np.random.default_rng(2)
    table = random_table(DataKind.BOOK_DELTA, T0 + np.arange(50), rng, 0)
    write_data(feed_catalog, {(DataKind.BOOK_DELTA, EURUSD.id): table})
    deltas = list(Replay(feed_catalog, [EURUSD.id], ["book_deltas"]).events())
    assert all(type(e.side) is int for e in deltas)
    assert [e.side == Side.BUY for e in deltas] == [v == 1 for v in table["side"].to_pylist()]
    assert [e.side == Side.SELL for e in deltas] == [v == -1 for v in table["side"].to_pylist()]


def test_a_batch_shows_itself_as_a_table(market: Catalog) -> None:
    feed = Replay(market, [EURUSD.id, ACME.id], ["quotes", "trades"], end=T0 + 2)
    batches = list(feed.batches())
    assert all(isinstance(b, EventBatch) for b in batches)
    assert sum(b.counts() for b in batches).tolist() == [1, 1, 1, 0]
    frames = [b.to_pandas() for b in batches]
    assert all(isinstance(f, pd.DataFrame) for f in frames)
    # Every batch of a replay has the same columns: those of all its kinds.
    assert len({tuple(f.columns) for f in frames}) == 1
    frame = pd.concat([f.astype({"kind": str, "instrument": str}) for f in frames])
    assert frame["kind"].tolist() == ["quotes", "trades", "quotes"]
    assert frame["instrument"].tolist() == [EURUSD.id, EURUSD.id, ACME.id]
    assert (frame["ts_recv"] - T0).tolist() == [0, 0, 1]
    # A field the event's kind lacks is null.
    assert frame["bid_price"].isna().tolist() == [False, True, False]
    assert frame["price"].isna().tolist() == [True, False, True]


def test_instruments_without_data_replay_as_empty_streams(market: Catalog) -> None:
    feed = Replay(market, [GBPUSD.id, EURUSD.id])
    assert len(feed.streams) == 2
    assert {e.instrument for e in feed.events()} == {EURUSD.id}


def test_seek_inside_the_loop_takes_effect_on_the_very_next_event(market: Catalog) -> None:
    feed = Replay(market, [EURUSD.id, ACME.id], batch_size=1_000)
    seen = []
    for event in feed.events():
        seen.append(event.ts_recv - T0)
        if len(seen) == 3:
            feed.seek(T0 + 15_000_000_000)
    assert seen[:4] == [0, 1, 1_000_000_000, 15_000_000_000]
    assert len(seen) == 3 + 10


def test_seek_backwards_replays_again(market: Catalog) -> None:
    feed = Replay(market, [EURUSD.id], start=T0 + 5_000_000_000)
    stream = feed.events()
    head = [next(stream) for _ in range(3)]
    feed.seek(T0 + 5_000_000_000)
    assert list(stream)[:3] == head


def test_async_iteration_yields_the_same_events(market: Catalog) -> None:
    feed = Replay(market, [EURUSD.id, ACME.id], ["quotes", "trades"], batch_size=7)

    async def collect() -> list[object]:
        return [event async for event in feed.aevents()]

    assert asyncio.run(collect()) == list(feed.events())


@pytest.mark.parametrize(
    ("arguments", "field", "hint"),
    [
        ({"instruments": ["EURUSD.DUKAA"]}, "instrument", "did you mean 'EURUSD.DUKA'"),
        ({"instruments": "EURUSD.DUKA"}, "instruments", "['EURUSD.DUKA']"),
        ({"instruments": []}, "instruments", None),
        ({"instruments": [EURUSD.id, EURUSD.id]}, "instruments", "repeated"),
        ({"kinds": ["quotez"]}, "kinds", "did you mean 'quotes'"),
        ({"kinds": ["quotes", DataKind.QUOTE]}, "kinds", None),
        ({"kinds": []}, "kinds", None),
        ({"start": T0 + HOUR, "end": T0 + HOUR}, "end", None),
        ({"start": "2024-01-03", "end": "2024-01-02"}, "end", None),
        ({"start": "not a time"}, "start", None),
        ({"batch_size": 0}, "batch_size", None),
    ],
)
def test_invalid_arguments_name_the_field(
    market: Catalog, arguments: dict[str, object], field: str, hint: str | None
) -> None:
    call: dict[str, object] = {"instruments": [EURUSD.id], **arguments}
    instruments = call.pop("instruments")
    with pytest.raises(InputError) as error:
        Replay(market, instruments, **call)  # type: ignore[arg-type]
    assert error.value.field == field
    if hint is not None:
        assert hint in str(error.value)


def test_times_may_be_given_as_text(market: Catalog) -> None:
    feed = Replay(market, [EURUSD.id], start="2024-01-02T00:00:05Z", end="2024-01-02T00:00:07")
    assert [e.ts_recv - T0 for e in feed.events()] == [5_000_000_000, 6_000_000_000]


def test_seek_outside_the_replay_range_is_an_input_error(market: Catalog) -> None:
    feed = Replay(market, [EURUSD.id], start=T0 + HOUR, end=T0 + 2 * HOUR)
    for outside in (T0, T0 + 3 * HOUR):
        with pytest.raises(InputError) as error:
            feed.seek(outside)
        assert error.value.field == "ts"
    feed.seek(T0 + 2 * HOUR)  # the end itself is allowed: nothing is left
    assert list(feed.events()) == []
