"""Reading Parquet files: native, integer and text times; errors name file, record, column."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tickdeck.core import DataError, DataKind, InputError
from tickdeck.data.ingest._mapping import ColumnMapping
from tickdeck.data.ingest._timestamps import TimestampFormat
from tickdeck.data.ingest.parquet import read_parquet

T0 = 1_704_200_400_123_000_000


def write(tmp_path: Path, columns: Mapping[str, Any]) -> Path:
    path = tmp_path / "data.parquet"
    pq.write_table(pa.table(columns), path)
    return path


def error_of(path: Path, mapping: ColumnMapping | None = None) -> DataError:
    with pytest.raises(DataError) as caught:
        read_parquet(path, kind="quote", mapping=mapping)
    assert caught.value.source == str(path)
    return caught.value


class TestReading:
    def test_native_timestamps_of_any_unit_and_zone(self, tmp_path: Path) -> None:
        times = pa.array(
            [T0 // 1000, T0 // 1000 + 1], type=pa.timestamp("us", tz="America/New_York")
        )
        table = read_parquet(
            write(tmp_path, {"ts": times, "bid": [1.0, 1.1], "ask": [2.0, 2.1]}), kind="quote"
        )
        assert table.origin_unit == "record"
        assert table.origin.tolist() == [0, 1]
        assert table.table.column("ts_event").to_pylist() == [T0, T0 + 1000]

    def test_naive_timestamps_are_in_the_given_zone(self, tmp_path: Path) -> None:
        times = pa.array([T0], type=pa.timestamp("ns"))
        path = write(tmp_path, {"ts": times, "bid": [1.0], "ask": [2.0]})
        table = read_parquet(path, kind="quote")
        assert table.table.column("ts_event").to_pylist() == [T0]
        shifted = read_parquet(path, kind="quote", timestamps=TimestampFormat("auto", "+01:00"))
        assert shifted.table.column("ts_event").to_pylist() == [T0 - 3_600_000_000_000]

    def test_integer_and_text_columns(self, tmp_path: Path) -> None:
        path = write(
            tmp_path,
            {
                "time_ms": [T0 // 10**6],
                "price": ["100.5"],
                "qty": pa.array([3], pa.int32()),
                "side": [-1],
            },
        )
        mapping = ColumnMapping.parse("ts_event=time_ms")
        row = read_parquet(
            path, kind=DataKind.TRADE, mapping=mapping, timestamps="ms"
        ).table.to_pylist()[0]
        assert (row["ts_event"], row["price"], row["size"], row["aggressor"]) == (
            T0,
            100.5,
            3.0,
            -1,
        )

    def test_tickdeck_layout_bars_keep_their_close_time(self, tmp_path: Path) -> None:
        columns = {
            "ts_event": [T0],
            "open": [1.0],
            "high": [2.0],
            "low": [0.5],
            "close": [1.5],
            "interval_ns": [60 * 10**9],
        }
        table = read_parquet(write(tmp_path, columns), kind="bar")
        assert table.table.column("ts_event").to_pylist() == [T0]


class TestBadInput:
    def test_null_in_a_required_column(self, tmp_path: Path) -> None:
        error = error_of(write(tmp_path, {"ts": [T0, T0], "bid": [1.0, None], "ask": [2.0, 2.0]}))
        assert (error.record, error.field) == (1, "bid")

    def test_text_that_is_not_a_number(self, tmp_path: Path) -> None:
        error = error_of(
            write(tmp_path, {"ts": [T0] * 3, "bid": ["1", "1.5", "n/a"], "ask": [2.0] * 3})
        )
        assert (error.record, error.field, error.value) == (2, "bid", "n/a")

    def test_unparseable_timestamp(self, tmp_path: Path) -> None:
        error = error_of(
            write(
                tmp_path,
                {"ts": ["2024-01-02T13:00:00Z", "soon"], "bid": [1.0] * 2, "ask": [2.0] * 2},
            )
        )
        assert (error.record, error.field, error.value) == (1, "ts", "soon")

    def test_a_column_type_that_cannot_hold_prices(self, tmp_path: Path) -> None:
        error = error_of(write(tmp_path, {"ts": [T0], "bid": [[1.0]], "ask": [2.0]}))
        assert (error.record, error.field) == (0, "bid")

    def test_unknown_mapped_column(self, tmp_path: Path) -> None:
        path = write(tmp_path, {"ts": [T0], "bid": [1.0], "ask": [2.0]})
        error = error_of(path, mapping=ColumnMapping.parse("ask_price=offer"))
        assert error.field == "offer"
        assert "'ts', 'bid', 'ask'" in error.problem

    def test_missing_required_column(self, tmp_path: Path) -> None:
        assert error_of(write(tmp_path, {"ts": [T0], "bid": [1.0]})).field == "ask_price"

    def test_no_rows(self, tmp_path: Path) -> None:
        path = write(
            tmp_path,
            {
                "ts": pa.array([], pa.int64()),
                "bid": pa.array([], pa.float64()),
                "ask": pa.array([], pa.float64()),
            },
        )
        assert "no rows" in error_of(path).problem

    def test_not_a_parquet_file(self, tmp_path: Path) -> None:
        path = tmp_path / "data.parquet"
        path.write_bytes(b"PAR1 but not really")
        assert "Parquet" in error_of(path).problem

    def test_truncated_parquet_file(self, tmp_path: Path) -> None:
        path = write(tmp_path, {"ts": [T0] * 100, "bid": [1.0] * 100, "ask": [2.0] * 100})
        path.write_bytes(path.read_bytes()[:-20])
        assert "Parquet" in error_of(path).problem

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(InputError):
            read_parquet(tmp_path / "nope.parquet", kind="quote")
