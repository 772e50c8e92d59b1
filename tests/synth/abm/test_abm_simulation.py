"""A recorded agent-based session: deterministic, self-consistent, market-like, catalog-ready."""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import tickdeck.synth.abm as abm
from tickdeck.core import DataKind, InputError, Instrument
from tickdeck.data.catalog import Catalog
from tickdeck.synth.abm import (
    AbmConfig,
    AbmOutput,
    FundamentalTraderConfig,
    MarketMakerConfig,
    NoiseTraderConfig,
    simulate_abm,
    write_abm_to_catalog,
)

ACME = Instrument("ACME", "XNAS", "0.01")
START = 1_704_153_600_000_000_000
SECOND = 1_000_000_000
KINDS = (
    DataKind.ORDER_EVENT,
    DataKind.TRADE,
    DataKind.QUOTE,
    DataKind.BOOK_DELTA,
    DataKind.BOOK_SNAPSHOT,
)


def config(minutes: float = 5, **changes: object) -> AbmConfig:
    duration = int(minutes * 60 * SECOND)
    return AbmConfig(ACME, 100.0, start_ns=START, duration_ns=duration).evolve(**changes)


@pytest.fixture(scope="module")
def session() -> AbmOutput:
    return simulate_abm(config(5), seed=1)


@pytest.fixture(scope="module")
def long_sessions() -> list[AbmOutput]:
    return [simulate_abm(config(30), seed=seed) for seed in (1, 2)]


# -- determinism ------------------------------------------------------------------


def parquet_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def test_the_same_seed_gives_byte_identical_tables(session: AbmOutput) -> None:
    again = simulate_abm(config(5), seed=1)
    for kind in KINDS:
        assert session.records(kind).tobytes() == again.records(kind).tobytes(), kind
        assert parquet_bytes(session.table(kind)) == parquet_bytes(again.table(kind)), kind


def test_a_different_seed_gives_a_different_session(session: AbmOutput) -> None:
    other = simulate_abm(config(5), seed=2)
    for kind in KINDS:
        assert session.records(kind).tobytes() != other.records(kind).tobytes(), kind


# -- consistency of the five tables ---------------------------------------------------


def test_times_stay_inside_the_period_and_never_go_back(session: AbmOutput) -> None:
    for kind in KINDS:
        ts = session.records(kind)["ts_recv"]
        assert ts.size > 0
        assert np.all(np.diff(ts) >= 0)
        assert ts[0] >= START
        assert ts[-1] <= START + 5 * 60 * SECOND
        assert np.array_equal(ts, session.records(kind)["ts_event"])
    snapshots = session.book_snapshots["ts_recv"]
    assert np.all(np.diff(snapshots) == SECOND)


def test_the_book_is_never_crossed_or_locked(session: AbmOutput) -> None:
    quotes = session.quotes
    assert np.all(quotes["bid_price"] < quotes["ask_price"])
    snaps = session.book_snapshots
    assert np.all(snaps["bid_price_0"] < snaps["ask_price_0"])
    for i in range(9):
        full = snaps[f"bid_size_{i + 1}"] > 0
        assert np.all(snaps[f"bid_price_{i}"][full] > snaps[f"bid_price_{i + 1}"][full])
        full = snaps[f"ask_size_{i + 1}"] > 0
        assert np.all(snaps[f"ask_price_{i}"][full] < snaps[f"ask_price_{i + 1}"][full])


Book = dict[tuple[int, float], float]  # (side code, price) -> size


def _top(book: Book) -> dict[str, list[tuple[float, float]]]:
    bids = sorted(((p, s) for (side, p), s in book.items() if side == 1 and s > 0), reverse=True)
    asks = sorted((p, s) for (side, p), s in book.items() if side == -1 and s > 0)
    return {"bid": bids[:10], "ask": asks[:10]}


def _books_at_snapshots(
    output: AbmOutput, ts: np.ndarray, apply: Callable[[int], None], book: Book
) -> list[dict[str, list[tuple[float, float]]]]:
    """The book, as `apply` rebuilds it row by row, at each snapshot time.

    A snapshot stamped T shows every event before T; the first one, at the
    start, shows the image of the book that the streams open with.
    """
    times = output.book_snapshots["ts_recv"]
    tops = []
    row = 0
    for k, t in enumerate(times.tolist()):
        while row < ts.size and (ts[row] < t or (k == 0 and ts[row] == t)):
            apply(row)
            row += 1
        tops.append(_top(book))
    return tops


def _snapshot_levels(output: AbmOutput, k: int) -> dict[str, list[tuple[float, float]]]:
    snap = output.book_snapshots[k]
    return {
        name: [
            (float(snap[f"{name}_price_{i}"]), float(snap[f"{name}_size_{i}"]))
            for i in range(10)
            if snap[f"{name}_size_{i}"] > 0
        ]
        for name in ("bid", "ask")
    }


def test_l2_snapshots_equal_the_sum_of_resting_l3_orders(session: AbmOutput) -> None:
    l3 = session.order_events
    orders: dict[int, tuple[int, float, float]] = {}
    book: Book = defaultdict(float)
    ids, sides = l3["order_id"].tolist(), l3["side"].tolist()
    prices, sizes, actions = l3["price"].tolist(), l3["size"].tolist(), l3["action"].tolist()

    def apply(i: int) -> None:
        order_id, action = ids[i], actions[i]
        if order_id in orders:
            side, price, size = orders.pop(order_id)
            book[(side, price)] -= size
        if action in (1, 2):  # ADD, MODIFY: the order now rests with this size
            orders[order_id] = (sides[i], prices[i], sizes[i])
        elif action == 4:  # EXECUTE: what is left rests where it was
            assert size >= sizes[i] > 0
            if size > sizes[i]:
                orders[order_id] = (side, price, size - sizes[i])
        if order_id in orders:
            side, price, size = orders[order_id]
            book[(side, price)] += size

    tops = _books_at_snapshots(session, l3["ts_recv"], apply, book)
    for k, top in enumerate(tops):
        assert top == _snapshot_levels(session, k), k


def test_l2_deltas_rebuild_the_snapshots(session: AbmOutput) -> None:
    deltas = session.book_deltas
    book: Book = {}
    sides, prices, sizes = (deltas[n].tolist() for n in ("side", "price", "size"))

    def apply(i: int) -> None:
        book[(sides[i], prices[i])] = sizes[i]

    tops = _books_at_snapshots(session, deltas["ts_recv"], apply, book)
    for k, top in enumerate(tops):
        assert top == _snapshot_levels(session, k), k


def test_every_execution_is_one_trade_of_the_same_size_and_price(session: AbmOutput) -> None:
    l3 = session.order_events
    executes = l3[l3["action"] == 4]
    trades = session.trades
    assert executes.size == trades.size
    assert np.array_equal(executes["price"], trades["price"])
    assert np.array_equal(executes["size"], trades["size"])
    assert np.array_equal(executes["ts_recv"], trades["ts_recv"])
    # The resting side is the opposite of the aggressor.
    assert np.array_equal(executes["side"], -trades["aggressor"])
    assert np.all(np.diff(trades["trade_id"]) == 1)


# -- market-like statistics -----------------------------------------------------------


def _mid_returns(output: AbmOutput, every_ns: int) -> np.ndarray:
    quotes = output.quotes
    mid = (quotes["bid_price"] + quotes["ask_price"]) / 2
    grid = np.arange(START, START + output.config.duration_ns, every_ns)
    at = np.searchsorted(quotes["ts_recv"], grid, side="right") - 1
    returns: np.ndarray = np.diff(mid[at]) / 0.01
    return returns


def _acf1(x: np.ndarray) -> float:
    return float(np.corrcoef(x[:-1], x[1:])[0, 1])


def test_the_spread_is_mostly_one_tick_and_rarely_beyond_three(
    long_sessions: list[AbmOutput],
) -> None:
    for output in long_sessions:
        quotes = output.quotes
        spread = np.rint((quotes["ask_price"] - quotes["bid_price"]) / 0.01)
        held = np.diff(np.r_[quotes["ts_recv"], START + output.config.duration_ns])
        share = {k: held[spread == k].sum() / held.sum() for k in (1, 2, 3)}
        assert share[1] > 0.6
        assert share[1] + share[2] + share[3] > 0.99


def test_mid_returns_have_heavy_tails_and_little_autocorrelation(
    long_sessions: list[AbmOutput],
) -> None:
    for output in long_sessions:
        ten_seconds = _mid_returns(output, 10 * SECOND)
        kurtosis = np.mean((ten_seconds - ten_seconds.mean()) ** 4) / ten_seconds.var() ** 2
        assert kurtosis > 3.0
        one_second = _mid_returns(output, SECOND)
        assert abs(_acf1(one_second)) < 0.15
        assert one_second.std() > 0.3  # the mid does move: at least a third of a tick a second


def test_trade_signs_are_positively_autocorrelated(long_sessions: list[AbmOutput]) -> None:
    for output in long_sessions:
        assert _acf1(output.trades["aggressor"].astype(float)) > 0.1


# -- catalog, progress, configuration -------------------------------------------------


def test_written_tables_read_back_from_the_catalog(session: AbmOutput, tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "catalog")
    summaries = write_abm_to_catalog(catalog, session)
    assert [s.kind for s in summaries] == list(KINDS)
    for kind in KINDS:
        stored = catalog.read(kind, ACME.id)
        records = session.records(kind)
        assert stored.num_rows == records.size
        for name in stored.column_names:
            column = stored.column(name).to_numpy()
            assert np.array_equal(column, records[name], equal_nan=column.dtype.kind == "f")
    again = write_abm_to_catalog(catalog, session)
    assert all(s.rows_added == 0 for s in again)


def test_progress_reports_simulated_time_up_to_the_end() -> None:
    seen: list[tuple[int, int]] = []
    simulate_abm(config(1), seed=3, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (60 * SECOND, 60 * SECOND)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_config_survives_a_round_trip_through_a_dict() -> None:
    original = config(2, noise=NoiseTraderConfig(limit_rate_per_s=150.0))
    assert AbmConfig.from_dict(original.to_dict()) == original


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: NoiseTraderConfig(limit_rate_per_s=-1), "noise.limit_rate_per_s"),
        (
            lambda: NoiseTraderConfig(size_max_lots=2.5),  # type: ignore[arg-type]
            "noise.size_max_lots",
        ),
        (lambda: MarketMakerConfig(half_spread_ticks=0.2), "market_makers.half_spread_ticks"),
        (lambda: FundamentalTraderConfig(jump_rate_per_s=100.0), "fundamental.jump_rate_per_s"),
        (lambda: config(initial_price=100.005), "abm.initial_price"),
        (lambda: config(warmup_ns=START + 1), "abm.warmup_ns"),
        (lambda: config(duration_ns=0), "abm.duration_ns"),
        (lambda: AbmConfig.from_dict({**config().to_dict(), "nosie": {}}), "abm"),
        (lambda: AbmConfig.from_dict({**config().to_dict(), "noise": {"limit_rate": 1}}), "noise"),
    ],
)
def test_bad_configuration_names_the_field(build: object, field: str) -> None:
    with pytest.raises(InputError) as error:
        build()  # type: ignore[operator]
    assert error.value.field == field


def test_unknown_keys_get_a_suggestion() -> None:
    with pytest.raises(InputError, match="did you mean 'noise'"):
        AbmConfig.from_dict({**config().to_dict(), "nosie": {}})


def test_public_api_is_exactly_the_exported_names() -> None:
    assert sorted(abm.__all__) == sorted(
        [
            "AbmConfig",
            "AbmOutput",
            "FundamentalTraderConfig",
            "AbmMarket",
            "AbmEvents",
            "MarketMakerConfig",
            "MomentumTraderConfig",
            "NoiseTraderConfig",
            "Submission",
            "simulate_abm",
            "write_abm_to_catalog",
        ]
    )
    assert all(hasattr(abm, name) for name in abm.__all__)
