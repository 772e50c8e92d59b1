"""Vendor presets, format detection and the `read_source` entry point."""

from __future__ import annotations

import lzma
import struct
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tickdeck.core import DataError, DataKind, InputError
from tickdeck.data.ingest._convert import defaulted_fields
from tickdeck.data.ingest._mapping import ColumnMapping
from tickdeck.data.ingest.presets import FORMATS, detect_format, infer_kind, read_source

WriteText = Callable[[str, str], Path]  # the write_text fixture of conftest.py


T0 = 1_704_200_400_123_000_000  # 2024-01-02T13:00:00.123Z
DAY = 86_400_000_000_000
DUKASCOPY = (
    "Gmt time,Ask,Bid,AskVolume,BidVolume\n02.01.2024 13:00:00.123,1.10515,1.10512,1.5,2.25\n"
)
YAHOO = (
    "Date,Open,High,Low,Close,Adj Close,Volume\n"
    "2024-01-02,187.15,188.44,183.89,185.64,184.94,82488700\n"
    "2024-01-03,null,null,null,null,null,null\n"
    "2024-01-04,182.15,183.09,180.88,181.91,181.22,71983600\n"
    "2024-01-05,181.99,182.76,180.17,181.18,180.49,62303300\n"
)
TICKSTORY = (
    "Date,Timestamp,Bid Price,Ask Price,Last Price,Volume\n"
    "20240102,13:00:00.123,1.10512,1.10515,1.10512,1\n"
    "20240102,13:00:01,1.10513,1.10516,1.10513,1\n"
)


class TestDetection:
    def test_by_extension_magic_and_header(self, tmp_path: Path, write_text: WriteText) -> None:
        assert detect_format(tmp_path / "13h_ticks.bi5") == "bi5"
        pq.write_table(pa.table({"a": [1]}), tmp_path / "data.bin")
        assert detect_format(tmp_path / "data.bin") == "parquet"
        assert detect_format(write_text("d.csv", DUKASCOPY)) == "dukascopy-csv"
        assert detect_format(write_text("y.csv", YAHOO)) == "yahoo-bars"
        assert detect_format(write_text("t.csv", TICKSTORY)) == "tickstory-csv"
        assert detect_format(write_text("b.csv", "time;open;high;low;close\n")) == "bars-csv"
        assert detect_format(write_text("q.csv", "time,bid,ask\n")) == "csv"

    def test_every_detected_name_is_a_format(self) -> None:
        assert {
            "csv",
            "parquet",
            "bi5",
            "dukascopy-csv",
            "tickstory-csv",
            "yahoo-bars",
            "bars-csv",
        } == set(FORMATS)

    def test_binary_garbage_is_a_data_error(self, tmp_path: Path) -> None:
        path = tmp_path / "x.dat"
        path.write_bytes(b"\xff\xfe\x00\x81" * 10)
        with pytest.raises(DataError, match="unrecognised"):
            detect_format(path)

    def test_kind_from_the_header(self) -> None:
        assert infer_kind(["time", "bid", "ask"]) is DataKind.QUOTE
        assert infer_kind(["time", "price", "qty"]) is DataKind.TRADE
        assert infer_kind(["time", "o", "h", "l", "c"]) is DataKind.BAR
        assert infer_kind(["ts", "side", "price", "size", "action"]) is DataKind.BOOK_DELTA
        assert (
            infer_kind(["ts", "order_id", "side", "price", "size", "action"])
            is DataKind.ORDER_EVENT
        )
        with pytest.raises(InputError):
            infer_kind(["when", "what"])


class TestPresets:
    def test_dukascopy_csv(self, write_text: WriteText) -> None:
        table = read_source(write_text("d.csv", DUKASCOPY))
        assert table.table.to_pylist()[0] == {
            "ts_event": T0,
            "ts_recv": T0,
            "bid_price": 1.10512,
            "ask_price": 1.10515,
            "bid_size": 2.25,
            "ask_size": 1.5,
        }

    def test_dukascopy_local_time_reads_its_offset(self, write_text: WriteText) -> None:
        text = (
            "Local time,Ask,Bid,AskVolume,BidVolume\n02.01.2024 15:00:00.123 GMT+0200,1.1,1.0,1,1\n"
        )
        assert read_source(write_text("d.csv", text)).table.column("ts_event").to_pylist() == [T0]

    def test_dukascopy_candles_are_bars_with_open_times(self, write_text: WriteText) -> None:
        text = (
            "Gmt time,Open,High,Low,Close,Volume\n"
            "02.01.2024 13:00:00.000,1,2,0.5,1.5,10\n"
            "02.01.2024 13:01:00.000,1,2,0.5,1.5,10\n"
        )
        table = read_source(write_text("d.csv", text))
        assert table.kind is DataKind.BAR
        assert table.table.column("ts_event").to_pylist()[0] == T0 - 123_000_000 + 60_000_000_000

    def test_tickstory_csv(self, write_text: WriteText) -> None:
        table = read_source(write_text("t.csv", TICKSTORY))
        assert table.table.column("ts_event").to_pylist() == [T0, T0 + 877_000_000]
        assert table.table.column("bid_size").to_pylist() == [0.0, 0.0]
        assert {"bid_size", "ask_size"} <= defaulted_fields(table)

    def test_tickstory_csv_in_a_local_zone(self, write_text: WriteText) -> None:
        table = read_source(write_text("t.csv", TICKSTORY), tz="Europe/Berlin")
        assert table.table.column("ts_event").to_pylist()[0] == T0 - 3_600_000_000_000

    def test_yahoo_bars_close_a_day_after_the_date(self, write_text: WriteText) -> None:
        table = read_source(write_text("y.csv", YAHOO))
        assert table.kind is DataKind.BAR
        assert table.origin.tolist() == [2, 4, 5]  # the null row (line 3) is skipped
        first = table.table.to_pylist()[0]
        assert first["ts_event"] == 1_704_153_600_000_000_000 + DAY
        assert (first["open"], first["close"], first["volume"], first["interval_ns"]) == (
            187.15,
            185.64,
            82_488_700.0,
            DAY,
        )

    def test_a_single_yahoo_bar_is_one_day(self, write_text: WriteText) -> None:
        table = read_source(
            write_text("y.csv", YAHOO.splitlines()[0] + "\n" + YAHOO.splitlines()[1] + "\n")
        )
        assert table.table.column("interval_ns").to_pylist() == [DAY]

    def test_bars_csv_close_time_option(self, write_text: WriteText) -> None:
        text = "time,open,high,low,close\n2024-01-02T13:00:00Z,1,2,0.5,1.5\n"
        table = read_source(write_text("b.csv", text), bar_time="close", bar_interval="1m")
        assert table.table.column("ts_event").to_pylist() == [T0 - 123_000_000]
        assert table.table.column("interval_ns").to_pylist() == [60_000_000_000]

    def test_bars_csv_in_tickdecks_own_layout_keeps_close_times(
        self, write_text: WriteText
    ) -> None:
        text = (
            "ts_event,open,high,low,close,interval_ns\n"
            "1704200400000000000,1,2,0.5,1.5,60000000000\n"
        )
        table = read_source(write_text("b.csv", text), format="bars-csv")
        assert table.table.column("ts_event").to_pylist() == [1_704_200_400_000_000_000]

    def test_generic_csv_infers_the_kind(self, write_text: WriteText) -> None:
        table = read_source(
            write_text("t.csv", "time,price,qty\n1704200400123,1.5,2\n"), recv_delay="1ms"
        )
        assert table.kind is DataKind.TRADE
        assert table.table.column("ts_recv").to_pylist() == [T0 + 1_000_000]

    def test_parquet_infers_the_kind(self, tmp_path: Path) -> None:
        pq.write_table(pa.table({"ts": [T0], "bid": [1.0], "ask": [2.0]}), tmp_path / "q.parquet")
        assert read_source(tmp_path / "q.parquet").kind is DataKind.QUOTE

    def test_bi5(self, tmp_path: Path) -> None:
        path = tmp_path / "EURUSD/2024/00/02/13h_ticks.bi5"
        path.parent.mkdir(parents=True)
        path.write_bytes(
            lzma.compress(
                struct.pack(">IIIff", 123, 110515, 110512, 1.5, 2.25), format=lzma.FORMAT_ALONE
            )
        )
        assert read_source(path).table.column("ts_event").to_pylist() == [T0]


class TestBadInput:
    def test_unknown_format_gets_a_suggestion(self, write_text: WriteText) -> None:
        with pytest.raises(InputError) as caught:
            read_source(write_text("q.csv", "time,bid,ask\n1,2,3\n"), format="yahoo-bar")
        assert (caught.value.field, caught.value.hint) == ("format", "did you mean 'yahoo-bars'?")

    def test_unknown_option_gets_a_suggestion(self, write_text: WriteText) -> None:
        with pytest.raises(InputError) as caught:
            read_source(write_text("q.csv", "time,bid,ask\n1,2,3\n"), delimeter=";")
        assert caught.value.hint == "did you mean 'delimiter'?"

    def test_bi5_options_do_not_apply_to_csv(self, write_text: WriteText) -> None:
        with pytest.raises(InputError):
            read_source(write_text("q.csv", "time,bid,ask\n1,2,3\n"), decimals=5)

    def test_a_missing_mapped_column_is_reported_before_kind_inference(
        self, write_text: WriteText
    ) -> None:
        path = write_text("q.csv", "Time,Bid,Ask\n1704200400123,1,2\n")
        with pytest.raises(DataError) as caught:
            read_source(path, mapping=ColumnMapping.parse("bid_price=Bidd"))
        assert (caught.value.source, caught.value.line, caught.value.field) == (
            str(path),
            1,
            "Bidd",
        )

    def test_a_preset_holds_one_kind(self, write_text: WriteText) -> None:
        with pytest.raises(InputError) as caught:
            read_source(write_text("y.csv", YAHOO), kind="trade")
        assert caught.value.field == "kind"

    def test_preset_errors_name_file_line_and_column(self, write_text: WriteText) -> None:
        path = write_text("d.csv", DUKASCOPY + "02.01.2024 13:00:01.000,1.1,oops,1,1\n")
        with pytest.raises(DataError) as caught:
            read_source(path)
        assert (caught.value.source, caught.value.line, caught.value.field) == (str(path), 3, "Bid")


BARS = (
    "time,open,high,low,close,volume\n"
    "2024-01-02T13:00Z,1,2,0.5,1.5,10\n"
    "2024-01-02T13:01Z,1,2,0.5,1.5,10\n"
)
GOOD = {"tickstory-csv": TICKSTORY, "yahoo-bars": YAHOO, "bars-csv": BARS}
# A bad row appended to each good file: (format, row, field named, words of the problem).
# A row with the wrong number of fields has no single column to blame (field None);
# the error shows the row itself as its value.
MALFORMED = [
    ("tickstory-csv", "20240102,13:00:02,1.10513\n", None, "expected 6 fields, found 3"),
    ("tickstory-csv", "20240102,13:00:02,abc,1.1,1.1,1\n", "Bid Price", "not a number"),
    ("tickstory-csv", "2024x102,13:00:02,1.1,1.1,1.1,1\n", "Date+Timestamp", "does not match"),
    ("tickstory-csv", "20240102,25:00:02,1.1,1.1,1.1,1\n", "Date+Timestamp", "hour out of range"),
    ("yahoo-bars", "2024-01-08,1,2\n", None, "expected 7 fields, found 3"),
    ("yahoo-bars", "2024-01-08,1,2,x,1,1,1\n", "Low", "not a number"),
    ("yahoo-bars", "Jan 8,1,2,0.5,1,1,1\n", "Date", "not an ISO 8601 time"),
    ("bars-csv", "2024-01-02T13:02Z,1,2\n", None, "expected 6 fields, found 3"),
    ("bars-csv", "2024-01-02T13:02Z,1,2,zz,1.5,10\n", "low", "not a number"),
    ("bars-csv", "soon,1,2,0.5,1.5,10\n", "time", "not an ISO 8601 time"),
]


class TestMalformedPresetFiles:
    @pytest.mark.parametrize(("name", "row", "field", "words"), MALFORMED)
    def test_a_bad_row_names_file_line_and_field(
        self, write_text: WriteText, name: str, row: str, field: str | None, words: str
    ) -> None:
        text = GOOD[name] + row
        path = write_text("data.csv", text)
        with pytest.raises(DataError) as caught:
            read_source(path, format=name)
        error = caught.value
        assert (error.source, error.line, error.field) == (str(path), text.count("\n"), field)
        assert words in error.problem

    @pytest.mark.parametrize("name", sorted(GOOD))
    @pytest.mark.parametrize("text", ["", "\n \n"])
    def test_an_empty_file(self, write_text: WriteText, name: str, text: str) -> None:
        path = write_text("data.csv", text)
        with pytest.raises(DataError) as caught:
            read_source(path, format=name)
        assert (caught.value.source, caught.value.problem) == (str(path), "the file is empty")

    @pytest.mark.parametrize("name", sorted(GOOD))
    def test_a_header_without_rows(self, write_text: WriteText, name: str) -> None:
        path = write_text("data.csv", GOOD[name].splitlines()[0] + "\n")
        with pytest.raises(DataError) as caught:
            read_source(path, format=name)
        assert (caught.value.source, caught.value.line) == (str(path), 1)
        assert "no data rows" in caught.value.problem

    @pytest.mark.parametrize("name", sorted(GOOD))
    def test_a_cut_off_last_line(self, write_text: WriteText, name: str) -> None:
        text = GOOD[name] + GOOD[name].splitlines()[1][:-3]
        path = write_text("data.csv", text)
        with pytest.raises(DataError) as caught:
            read_source(path, format=name)
        assert (caught.value.source, caught.value.line) == (str(path), text.count("\n") + 1)
        assert "does not end with a newline" in caught.value.problem


class TestTextOptions:
    @pytest.mark.parametrize("name", ["csv", "dukascopy-csv", "tickstory-csv", "bars-csv"])
    def test_a_tab_written_as_backslash_t_works_for_every_text_format(
        self, write_text: WriteText, name: str
    ) -> None:
        text = {"csv": "time,bid,ask\n1704200400123,1.1,1.2\n", "dukascopy-csv": DUKASCOPY}
        path = write_text("data.csv", text.get(name, GOOD.get(name, "")).replace(",", "\t"))
        assert read_source(path, format=name, delimiter="\\t").num_rows >= 1

    @pytest.mark.parametrize("name", ["auto", "csv", "tickstory-csv", "yahoo-bars", "bars-csv"])
    @pytest.mark.parametrize("delimiter", [";;", "", "\\n", "\n", '"', "\u00a7", 9])
    def test_a_delimiter_that_is_not_one_character_is_an_input_error(
        self, write_text: WriteText, name: str, delimiter: object
    ) -> None:
        path = write_text("data.csv", YAHOO)
        with pytest.raises(InputError) as caught:
            read_source(path, format=name, delimiter=delimiter)
        assert caught.value.field == "delimiter"

    def test_allow_unterminated_reads_a_complete_last_line(self, write_text: WriteText) -> None:
        path = write_text("y.csv", YAHOO.rstrip("\n"))
        table = read_source(path, allow_unterminated=True)
        assert table.origin.tolist() == [2, 4, 5]
        with pytest.raises(InputError) as caught:
            read_source(path, allow_unterminated="yes")
        assert caught.value.field == "allow_unterminated"
