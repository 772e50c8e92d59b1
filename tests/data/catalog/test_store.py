"""The catalog stores rows atomically and idempotently, and reads them back in order."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.conftest import EURUSD, quotes_table

from tickdeck.core import InputError, Instrument
from tickdeck.data.catalog import Catalog

DAY = 86_400_000_000_000
T0 = 1_704_153_600_000_000_000  # 2024-01-02T00:00:00Z


def rows(table: pa.Table) -> list[tuple[object, ...]]:
    return list(zip(*(table.column(n).to_pylist() for n in table.column_names), strict=True))


def test_rows_come_back_sorted_by_receive_time_and_split_by_day(catalog: Catalog) -> None:
    ts = np.array([T0 + DAY + 5, T0 + 3, T0 + 1, T0 + 2 * DAY], dtype=np.int64)
    summary = catalog.write("quotes", EURUSD.id, quotes_table(ts))
    assert summary.partitions == ("2024-01-02", "2024-01-03", "2024-01-04")
    assert summary.rows_added == 4
    back = catalog.read("quotes", EURUSD.id)
    assert back.column("ts_recv").to_pylist() == sorted(ts.tolist())
    assert [p.date for p in catalog.partitions("quotes", EURUSD.id)] == [
        "2024-01-02",
        "2024-01-03",
        "2024-01-04",
    ]


def test_writing_the_same_rows_twice_changes_nothing(catalog: Catalog) -> None:
    table = quotes_table(T0 + np.arange(1000, dtype=np.int64) * 1_000_000_000)
    catalog.write("quotes", EURUSD.id, table)
    before = catalog.manifest()
    again = catalog.write("quotes", EURUSD.id, table)
    assert again.rows_added == 0
    assert catalog.manifest() == before
    assert rows(catalog.read("quotes", EURUSD.id)) == rows(table)


@given(
    st.lists(st.integers(0, 3 * 24 * 60), min_size=1, max_size=60),
    st.lists(st.integers(0, 3 * 24 * 60), min_size=1, max_size=60),
    st.booleans(),
)
def test_a_write_adds_exactly_the_rows_not_already_stored(
    first: list[int], second: list[int], identical_values: bool
) -> None:
    import tempfile
    from collections import Counter

    with tempfile.TemporaryDirectory() as folder:
        cat = Catalog(folder)
        cat.add_instrument(EURUSD)
        # With identical values, rows at equal times are equal: real repeated events.
        seed = 1 if identical_values else 2
        a = quotes_table(T0 + np.array(first, dtype=np.int64) * 60_000_000_000, seed=1)
        b = quotes_table(T0 + np.array(second, dtype=np.int64) * 60_000_000_000, seed=seed)
        if identical_values:
            a = a.set_column(2, "bid_price", pa.array([1.1] * a.num_rows))
            b = b.set_column(2, "bid_price", pa.array([1.1] * b.num_rows))
            a = a.set_column(4, "bid_size", pa.array([1.0] * a.num_rows))
            b = b.set_column(4, "bid_size", pa.array([1.0] * b.num_rows))
            a = a.set_column(3, "ask_price", pa.array([1.2] * a.num_rows))
            b = b.set_column(3, "ask_price", pa.array([1.2] * b.num_rows))
            a = a.set_column(5, "ask_size", pa.array([1.0] * a.num_rows))
            b = b.set_column(5, "ask_size", pa.array([1.0] * b.num_rows))
        cat.write("quotes", EURUSD.id, a)
        added = cat.write("quotes", EURUSD.id, b).rows_added
        assert cat.write("quotes", EURUSD.id, a).rows_added == 0
        assert cat.write("quotes", EURUSD.id, b).rows_added == 0
        stored = Counter(rows(cat.read("quotes", EURUSD.id)))
        expected = Counter(rows(a)) | Counter(rows(b))  # multiset union: max of the counts
        assert stored == expected
        assert added == sum(expected.values()) - a.num_rows
        times = cat.read("quotes", EURUSD.id).column("ts_recv").to_pylist()
        assert times == sorted(times)


def test_identical_events_in_one_write_are_all_kept(catalog: Catalog) -> None:
    ts = np.array([T0, T0, T0, T0 + 1], dtype=np.int64)
    table = quotes_table(ts).set_column(2, "bid_price", pa.array([1.1, 1.1, 1.1, 1.2]))
    table = table.set_column(4, "bid_size", pa.array([1.0] * 4)).set_column(
        5, "ask_size", pa.array([1.0] * 4)
    )
    table = table.set_column(3, "ask_price", pa.array([1.3] * 4))
    assert catalog.write("quotes", EURUSD.id, table).rows_added == 4
    assert catalog.write("quotes", EURUSD.id, table).rows_added == 0
    assert catalog.read("quotes", EURUSD.id).num_rows == 4


def test_replace_overwrites_only_the_days_it_touches(catalog: Catalog) -> None:
    two_days = quotes_table(np.array([T0 + 1, T0 + 2, T0 + DAY + 1], dtype=np.int64))
    catalog.write("quotes", EURUSD.id, two_days)
    fresh = quotes_table(np.array([T0 + 9], dtype=np.int64), seed=5)
    catalog.write("quotes", EURUSD.id, fresh, mode="replace")
    assert catalog.read("quotes", EURUSD.id).column("ts_recv").to_pylist() == [T0 + 9, T0 + DAY + 1]


def test_scan_returns_exactly_the_time_range_in_bounded_batches(catalog: Catalog) -> None:
    ts = T0 + np.arange(50_000, dtype=np.int64) * 7_000_000_000  # about 4 days
    catalog.write("quotes", EURUSD.id, quotes_table(ts))
    start, end = int(ts[1234]), int(ts[40_000])
    batches = list(
        catalog.scan(
            "quotes", EURUSD.id, start=start, end=end, columns=["bid_price"], batch_size=1000
        )
    )
    assert all(b.num_rows <= 1000 for b in batches)
    assert all(b.schema.names == ["bid_price"] for b in batches)
    got = np.concatenate([b.column(0).to_numpy() for b in batches])
    expected = quotes_table(ts).column("bid_price").to_numpy()[1234:40_000]
    np.testing.assert_array_equal(got, expected)


def test_partitions_outside_the_range_are_not_opened(catalog: Catalog) -> None:
    catalog.write("quotes", EURUSD.id, quotes_table(np.array([T0, T0 + DAY], dtype=np.int64)))
    first_day = catalog.partitions("quotes", EURUSD.id)[0]
    (catalog.root / first_day.path).unlink()  # would fail if opened
    assert catalog.read("quotes", EURUSD.id, start=T0 + DAY).num_rows == 1


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (pa.table({"ts_event": [1], "ts_recv": [1]}), "missing"),
        (quotes_table(np.array([T0])).set_column(2, "bid_price", pa.array(["x"])), "bid_price"),
        (
            quotes_table(np.array([T0])).set_column(2, "bid_price", pa.array([None], pa.float64())),
            "null",
        ),
    ],
)
def test_bad_tables_are_rejected_and_nothing_changes(
    catalog: Catalog, table: pa.Table, message: str
) -> None:
    catalog.write("quotes", EURUSD.id, quotes_table(np.array([T0 + 5])))
    before = catalog.manifest()
    with pytest.raises(InputError, match=message):
        catalog.write("quotes", EURUSD.id, table)
    assert catalog.manifest() == before


def test_unknown_instrument_is_rejected_with_a_suggestion(catalog: Catalog) -> None:
    with pytest.raises(InputError, match=r"did you mean 'EURUSD\.DUKA'"):
        catalog.write("quotes", "EURUSD.DUKAS", quotes_table(np.array([T0])))


def test_redefining_an_instrument_needs_replace(catalog: Catalog) -> None:
    changed = Instrument("EURUSD", "DUKA", "0.0001", asset_class="fx")
    with pytest.raises(InputError, match="replace"):
        catalog.add_instrument(changed)
    catalog.add_instrument(changed, replace=True)
    assert catalog.instrument(EURUSD.id).tick_size == changed.tick_size


def test_a_failed_transaction_commits_nothing_and_leaves_no_files(catalog: Catalog) -> None:
    catalog.write("quotes", EURUSD.id, quotes_table(np.array([T0])))
    before = catalog.manifest()
    files_before = sorted(catalog.root.rglob("*.parquet"))

    def crash_mid_transaction() -> None:
        with catalog.transaction() as tx:
            tx.write("quotes", EURUSD.id, quotes_table(np.array([T0 + 1, T0 + DAY])))
            raise RuntimeError("the process failed mid-ingest")

    with pytest.raises(RuntimeError):
        crash_mid_transaction()
    assert catalog.manifest() == before
    assert sorted(catalog.root.rglob("*.parquet")) == files_before


def test_a_transaction_commits_several_kinds_at_once(catalog: Catalog) -> None:
    with catalog.transaction() as tx:
        tx.write("quotes", EURUSD.id, quotes_table(np.array([T0])))
        tx.write("quotes", "ACME.XNAS", quotes_table(np.array([T0 + 1])))
        assert catalog.partitions() == []  # nothing visible before commit
    assert {p.instrument_id for p in catalog.partitions()} == {EURUSD.id, "ACME.XNAS"}
    catalog.check()


def test_delete_removes_one_kind_of_one_instrument(catalog: Catalog) -> None:
    catalog.write("quotes", EURUSD.id, quotes_table(np.array([T0, T0 + DAY])))
    with catalog.transaction() as tx:
        assert tx.delete("quotes", EURUSD.id) == 2
    assert catalog.partitions() == []
    # The files stay, retired, until no reader of the older manifest can need them.
    assert len(catalog.manifest().retired) == 2
    assert len(catalog.vacuum(grace_ns=0)) == 2
    assert not list(catalog.root.rglob("*.parquet"))
    assert catalog.manifest().retired == ()


def test_a_reader_finishes_while_a_writer_replaces_its_files(catalog: Catalog) -> None:
    minutes = T0 + np.arange(3000, dtype=np.int64) * 60 * 10**9  # three days
    catalog.write("quotes", EURUSD.id, quotes_table(minutes))
    reader = catalog.scan("quotes", EURUSD.id, batch_size=100)
    first = next(reader)  # reading day 1; days 2 and 3 are opened later
    other = Catalog(catalog.root)  # another process would see the same
    other.write(
        "quotes", EURUSD.id, quotes_table(np.array([T0 + DAY + 5, T0 + 2 * DAY + 5]), seed=9)
    )
    rest = sum(b.num_rows for b in reader)
    assert first.num_rows + rest == 3000  # the old snapshot, whole
    assert catalog.read("quotes", EURUSD.id).num_rows == 3002


def test_retired_files_are_deleted_by_a_later_commit_after_the_grace_period(
    catalog: Catalog,
) -> None:
    catalog.retire_grace_ns = 0
    catalog.write("quotes", EURUSD.id, quotes_table(np.array([T0])))
    catalog.write("quotes", EURUSD.id, quotes_table(np.array([T0 + 1]), seed=3))
    assert len(catalog.manifest().retired) == 1
    catalog.write("quotes", EURUSD.id, quotes_table(np.array([T0 + 2]), seed=4))
    assert len(list(catalog.root.rglob("*.parquet"))) == 2  # the live one and the newest retired
    catalog.check()


def test_a_nested_transaction_is_refused_not_deadlocked(catalog: Catalog) -> None:
    with catalog.transaction(), pytest.raises(InputError, match="already open"):
        catalog.add_instrument(Instrument("NEW", "X", "0.1"))


def test_a_coarser_tick_cannot_be_set_over_stored_prices(catalog: Catalog) -> None:
    catalog.write("quotes", EURUSD.id, quotes_table(np.array([T0])))
    with pytest.raises(InputError, match="divides"):
        catalog.add_instrument(
            Instrument("EURUSD", "DUKA", "0.0001", asset_class="fx"), replace=True
        )
    finer = Instrument("EURUSD", "DUKA", "0.000001", asset_class="fx")
    catalog.add_instrument(finer, replace=True)
    assert catalog.instrument(EURUSD.id) == finer


def test_replacing_a_partition_by_its_own_content_changes_nothing(catalog: Catalog) -> None:
    table = quotes_table(np.array([T0, T0 + 1]))
    catalog.write("quotes", EURUSD.id, table)
    before = catalog.manifest()
    summary = catalog.write("quotes", EURUSD.id, table, mode="replace")
    assert summary.rows_added == 0
    assert catalog.manifest() == before


def test_a_file_is_not_a_catalog(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(InputError, match="folder"):
        Catalog(tmp_path / "f")


def test_bars_are_partitioned_by_year(catalog: Catalog) -> None:
    day = 86_400_000_000_000
    ts = np.array([T0, T0 + 100 * day, T0 + 400 * day], dtype=np.int64)  # 2024, 2024, 2025
    bars = pa.table(
        {
            "ts_event": ts,
            "ts_recv": ts,
            "open": [1.0, 2.0, 3.0],
            "high": [1.5, 2.5, 3.5],
            "low": [0.5, 1.5, 2.5],
            "close": [1.2, 2.2, 3.2],
            "volume": [10.0, 20.0, 30.0],
            "interval_ns": [day, day, day],
        }
    )
    summary = catalog.write("bars", "ACME.XNAS", bars)
    assert summary.partitions == ("2024-01-01", "2025-01-01")
    assert catalog.read("bars", "ACME.XNAS", start=T0 + 50 * day).column("close").to_pylist() == [
        2.2,
        3.2,
    ]
