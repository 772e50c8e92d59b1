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
)
def test_merge_is_the_sorted_union_without_duplicates(first: list[int], second: list[int]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        cat = Catalog(folder)
        cat.add_instrument(EURUSD)
        a = quotes_table(T0 + np.array(first, dtype=np.int64) * 60_000_000_000, seed=1)
        b = quotes_table(T0 + np.array(second, dtype=np.int64) * 60_000_000_000, seed=1)
        cat.write("quotes", EURUSD.id, a)
        cat.write("quotes", EURUSD.id, b)
        cat.write("quotes", EURUSD.id, a)
        stored = rows(cat.read("quotes", EURUSD.id))
        expected: list[tuple[object, ...]] = []
        for row in sorted(rows(a) + rows(b), key=lambda r: r[1]):
            if row not in expected:
                expected.append(row)
        # Same set, sorted by ts_recv, no duplicates; ties keep first-written order.
        assert stored == sorted(expected, key=lambda r: r[1])
        assert len(stored) == len(set(stored))


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
    assert not list(catalog.root.rglob("*.parquet"))


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
