"""Dukascopy .bi5 files: a hand-built vector, path conventions, corrupt files, and round trips."""

from __future__ import annotations

import functools
import lzma
import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tickdeck.core import DataError, DataKind, InputError, Instrument
from tickdeck.data.ingest._convert import defaulted_fields
from tickdeck.data.ingest.dukascopy import (
    dukascopy_decimals,
    dukascopy_hour,
    dukascopy_path,
    read_bi5,
    write_bi5,
)

HOUR = 1_704_200_400_000_000_000  # 2024-01-02T13:00:00Z
MS = 1_000_000


def records(*rows: tuple[int, int, int, float, float]) -> bytes:
    """Records packed without the module under test: ms offset, ask, bid, ask and bid volume."""
    return b"".join(struct.pack(">IIIff", *row) for row in rows)


def bi5_file(root: Path, payload: bytes, name: str = "EURUSD/2024/00/02/13h_ticks.bi5") -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(lzma.compress(payload, format=lzma.FORMAT_ALONE) if payload else b"")
    return path


class TestDecoding:
    def test_hand_built_vector(self, tmp_path: Path) -> None:
        path = bi5_file(
            tmp_path,
            records(
                (1_234, 110_515, 110_512, 1.5, 2.25), (3_599_999, 110_520, 110_519, 1.12, 0.75)
            ),
        )
        table = read_bi5(path)
        assert table.kind is DataKind.QUOTE
        assert table.origin_unit == "record"
        assert table.origin.tolist() == [0, 1]
        assert table.table.to_pylist() == [
            {
                "ts_event": HOUR + 1_234 * MS,
                "ts_recv": HOUR + 1_234 * MS,
                "bid_price": 1.10512,
                "ask_price": 1.10515,
                "bid_size": 2.25,
                "ask_size": 1.5,
            },
            {
                "ts_event": HOUR + 3_599_999 * MS,
                "ts_recv": HOUR + 3_599_999 * MS,
                "bid_price": 1.10519,
                "ask_price": 1.1052,
                "bid_size": 0.75,
                "ask_size": 1.12,
            },
        ]
        assert defaulted_fields(table) == {"ts_recv"}

    def test_jpy_pairs_have_three_decimals(self, tmp_path: Path) -> None:
        path = bi5_file(
            tmp_path, records((0, 141_235, 141_230, 1.0, 1.0)), "USDJPY/2024/00/02/13h_ticks.bi5"
        )
        assert read_bi5(path).table.column("bid_price").to_pylist() == [141.23]

    def test_month_in_the_path_is_zero_based(self, tmp_path: Path) -> None:
        path = bi5_file(tmp_path, records((0, 2, 1, 1.0, 1.0)), "EURUSD/2024/11/31/23h_ticks.bi5")
        assert read_bi5(path).table.column("ts_event").to_pylist() == [1_735_686_000_000_000_000]

    def test_hour_and_decimals_can_be_given(self, tmp_path: Path) -> None:
        path = tmp_path / "ticks.bi5"
        path.write_bytes(lzma.compress(records((5, 20, 10, 1.0, 1.0)), format=lzma.FORMAT_ALONE))
        table = read_bi5(path, decimals=1, hour_start_ns=HOUR)
        assert table.table.to_pylist()[0]["ts_event"] == HOUR + 5 * MS
        assert table.table.to_pylist()[0]["bid_price"] == 1.0

    def test_empty_file_is_an_hour_without_ticks(self, tmp_path: Path) -> None:
        table = read_bi5(bi5_file(tmp_path, b""))
        assert table.num_rows == 0
        assert table.kind is DataKind.QUOTE


class TestBadFiles:
    def test_corrupt_lzma(self, tmp_path: Path) -> None:
        path = bi5_file(tmp_path, b"")
        path.write_bytes(b"\x5d\x00\x00 definitely not lzma")
        with pytest.raises(DataError) as caught:
            read_bi5(path)
        assert caught.value.source == str(path)
        assert "not a valid LZMA stream" in caught.value.problem

    def test_truncated_compressed_stream(self, tmp_path: Path) -> None:
        path = bi5_file(tmp_path, records(*[(i, 2, 1, 1.0, 1.0) for i in range(100)]))
        path.write_bytes(path.read_bytes()[:-10])
        with pytest.raises(DataError, match="LZMA"):
            read_bi5(path)

    def test_truncated_record(self, tmp_path: Path) -> None:
        path = bi5_file(tmp_path, records((0, 2, 1, 1.0, 1.0), (1, 2, 1, 1.0, 1.0))[:-7])
        with pytest.raises(DataError) as caught:
            read_bi5(path)
        assert (caught.value.source, caught.value.record) == (str(path), 1)
        assert "20-byte records" in caught.value.problem

    def test_offset_beyond_the_hour(self, tmp_path: Path) -> None:
        path = bi5_file(tmp_path, records((0, 2, 1, 1.0, 1.0), (3_600_000, 2, 1, 1.0, 1.0)))
        with pytest.raises(DataError) as caught:
            read_bi5(path)
        assert (caught.value.record, caught.value.field, caught.value.value) == (
            1,
            "time_ms",
            3_600_000,
        )

    def test_path_without_the_hour(self, tmp_path: Path) -> None:
        path = tmp_path / "ticks.bi5"
        path.write_bytes(b"")
        with pytest.raises(InputError) as caught:
            read_bi5(path, decimals=5)
        assert caught.value.field == "hour_start_ns"

    def test_month_twelve_does_not_exist(self, tmp_path: Path) -> None:
        with pytest.raises(InputError, match="0-based"):
            read_bi5(bi5_file(tmp_path, b"", "EURUSD/2024/12/01/00h_ticks.bi5"))

    def test_unknown_symbol_needs_decimals(self, tmp_path: Path) -> None:
        with pytest.raises(InputError) as caught:
            read_bi5(bi5_file(tmp_path, b"", "EURUSX/2024/00/02/13h_ticks.bi5"))
        assert "EURUSD" in str(caught.value)


class TestConventions:
    def test_decimals(self) -> None:
        assert (
            dukascopy_decimals("eurusd"),
            dukascopy_decimals("USDJPY"),
            dukascopy_decimals("XAUUSD"),
        ) == (5, 3, 3)
        assert dukascopy_decimals("ANYTHING", 2) == 2
        with pytest.raises(InputError):
            dukascopy_decimals("EURUSD", 12)

    def test_path_and_hour_are_inverse(self, tmp_path: Path) -> None:
        path = dukascopy_path(tmp_path, "EURUSD", HOUR)
        assert path == tmp_path / "EURUSD/2024/00/02/13h_ticks.bi5"
        assert dukascopy_hour(path) == ("EURUSD", HOUR)
        assert dukascopy_hour(tmp_path / "x.bi5") is None


class TestWriting:
    def test_written_files_decode_with_plain_struct(self, tmp_path: Path) -> None:
        path = write_bi5(
            dukascopy_path(tmp_path, "EURUSD", HOUR),
            offsets_ms=[7],
            ask=[1.10515],
            bid=[1.10512],
            ask_volume=[0.5],
            bid_volume=[0.25],
        )
        payload = lzma.decompress(path.read_bytes(), format=lzma.FORMAT_ALONE)
        assert struct.unpack(">IIIff", payload) == (7, 110_515, 110_512, 0.5, 0.25)

    def test_no_quotes_write_an_empty_file(self, tmp_path: Path) -> None:
        empty: list[float] = []
        path = write_bi5(
            tmp_path / "ticks.bi5",
            offsets_ms=empty,
            ask=empty,
            bid=empty,
            ask_volume=empty,
            bid_volume=empty,
            decimals=5,
        )
        assert path.read_bytes() == b""

    @pytest.mark.parametrize(
        ("offset", "bid", "field"),
        [
            (-1, 1.1, "offsets_ms"),
            (3_600_000, 1.1, "offsets_ms"),
            (2.5, 1.1, "offsets_ms"),
            (0, 1.100001, "bid"),
        ],
    )
    def test_values_bi5_cannot_hold(
        self, tmp_path: Path, offset: float, bid: float, field: str
    ) -> None:
        with pytest.raises(InputError) as caught:
            write_bi5(
                dukascopy_path(tmp_path, "EURUSD", HOUR),
                offsets_ms=[offset],
                ask=[1.2],
                bid=[bid],
                ask_volume=[1.0],
                bid_volume=[1.0],
            )
        assert caught.value.field == field

    @pytest.mark.parametrize("ulps", [-12, -5, -2, -1, 0, 1, 2, 5, 12])
    def test_prices_are_judged_with_the_instruments_grid_tolerance(
        self, tmp_path: Path, ulps: int
    ) -> None:
        # 4e9 points of 0.1: one price ulp is 6e-7 of a point, so a flat 1e-6 point
        # tolerance would reject prices two ulps from the grid; the instrument's
        # tolerance (it grows with the count) keeps them and snaps them, as `clean` does.
        instrument = Instrument("BIG", "SIM", "0.1")
        on_grid = 400_000_000.0
        price = on_grid + ulps * float(np.spacing(on_grid))
        assert instrument.off_grid(price) == (abs(ulps) == 12)
        write = functools.partial(
            write_bi5,
            dukascopy_path(tmp_path, "BIG", HOUR),
            offsets_ms=[0],
            ask=[on_grid],
            bid=[price],
            ask_volume=[1.0],
            bid_volume=[1.0],
            decimals=1,
        )
        if instrument.off_grid(price):
            with pytest.raises(InputError, match="grid"):
                write()
        else:
            bid = read_bi5(write(), decimals=1).table.column("bid_price")[0].as_py()
            assert bid == on_grid

    def test_arrays_must_have_one_length(self, tmp_path: Path) -> None:
        with pytest.raises(InputError) as caught:
            write_bi5(
                tmp_path / "t.bi5",
                offsets_ms=[1, 2],
                ask=[1.0],
                bid=[1.0, 1.0],
                ask_volume=[1.0, 1.0],
                bid_volume=[1.0, 1.0],
                decimals=5,
            )
        assert caught.value.field == "ask"

    @settings(
        max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(
        st.lists(
            st.tuples(
                st.integers(min_value=0, max_value=3_599_999),
                st.integers(min_value=1, max_value=2**32 - 1),
                st.integers(min_value=1, max_value=2**32 - 1),
                st.integers(min_value=0, max_value=10**6),
            ),
            max_size=50,
        ),
        st.sampled_from(["EURUSD", "USDJPY", "BTCUSD"]),
    )
    def test_encode_decode_round_trip(
        self, tmp_path: Path, rows: list[tuple[int, int, int, int]], symbol: str
    ) -> None:
        point = 10 ** dukascopy_decimals(symbol)
        offsets = [row[0] for row in rows]
        asks = [row[1] / point for row in rows]
        bids = [row[2] / point for row in rows]
        volumes = [row[3] / 100 for row in rows]
        path = write_bi5(
            dukascopy_path(tmp_path, symbol, HOUR),
            offsets_ms=offsets,
            ask=asks,
            bid=bids,
            ask_volume=volumes,
            bid_volume=volumes[::-1],
        )
        back = read_bi5(path).table
        assert back.column("ts_event").to_pylist() == [HOUR + o * MS for o in offsets]
        assert back.column("ts_recv").to_pylist() == back.column("ts_event").to_pylist()
        assert back.column("ask_price").to_pylist() == asks
        assert back.column("bid_price").to_pylist() == bids
        assert back.column("ask_size").to_pylist() == volumes
        assert back.column("bid_size").to_pylist() == volumes[::-1]
