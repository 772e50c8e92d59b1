"""Reading CSV files: values, line numbers, and errors naming file, line and column."""

from __future__ import annotations

import csv as stdlib_csv
import gzip
import io
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tickdeck.core import DataError, DataKind, InputError
from tickdeck.data.ingest import csv as csv_reader
from tickdeck.data.ingest._convert import defaulted_fields
from tickdeck.data.ingest._kernels import record_lines
from tickdeck.data.ingest._mapping import ColumnMapping
from tickdeck.data.ingest.csv import parse_delimiter, read_csv, read_header

WriteText = Callable[[str, str], Path]  # the write_text fixture of conftest.py


QUOTES = (
    "Time,Bid,Ask,BidVolume,AskVolume\n"
    "1704200400123,1.10512,1.10515,2.25,1.5\n"
    "1704200400124,1.10513,1.10516,0.75,1.12\n"
)


def error_of(path: Path, mapping: ColumnMapping | None = None) -> DataError:
    with pytest.raises(DataError) as caught:
        read_csv(path, kind="quote", mapping=mapping)
    assert caught.value.source == str(path)
    return caught.value


class TestReading:
    def test_quotes_in_canonical_layout(self, write_text: WriteText) -> None:
        table = read_csv(write_text("q.csv", QUOTES), kind="quote")
        assert table.kind is DataKind.QUOTE
        assert table.origin_unit == "line"
        assert table.source.endswith("q.csv")
        assert table.table.to_pylist()[0] == {
            "ts_event": 1_704_200_400_123_000_000,
            "ts_recv": 1_704_200_400_123_000_000,
            "bid_price": 1.10512,
            "ask_price": 1.10515,
            "bid_size": 2.25,
            "ask_size": 1.5,
        }
        assert table.origin.tolist() == [2, 3]
        assert defaulted_fields(table) == {"ts_recv"}

    def test_rows_are_not_sorted_or_deduplicated(self, write_text: WriteText) -> None:
        text = "ts,bid,ask\n3000000000,1,2\n1000000000,1,2\n1000000000,1,2\n"
        table = read_csv(write_text("q.csv", text), kind="quote")
        assert table.table.column("ts_event").to_pylist() == [3 * 10**18, 10**18, 10**18]

    def test_line_numbers_count_preamble_blank_lines_and_crlf(self, write_text: WriteText) -> None:
        text = "exported by X\r\nTime;Bid;Ask\r\n1704200400123;1;2\r\n\r\n\r\n1704200400124;1;2\r\n"
        table = read_csv(write_text("q.csv", text), kind="quote", delimiter=";", skip_rows=1)
        assert table.origin.tolist() == [3, 6]

    def test_byte_order_mark_and_quoted_header(self, write_text: WriteText) -> None:
        text = '\ufeff"Time","Bid","Ask"\n1704200400123,1,2\n'
        assert read_csv(write_text("q.csv", text), kind="quote").num_rows == 1

    def test_gzip_files(self, tmp_path: Path) -> None:
        path = tmp_path / "q.csv.gz"
        path.write_bytes(gzip.compress(QUOTES.encode()))
        assert read_csv(path, kind="quote").num_rows == 2

    def test_mapping_and_timestamp_format(self, write_text: WriteText) -> None:
        text = "When,B,A\n02.01.2024 13:00:00.5,1,2\n"
        mapping = ColumnMapping.parse("ts_event=When,bid_price=B,ask_price=A")
        table = read_csv(
            write_text("q.csv", text),
            kind="quote",
            mapping=mapping,
            timestamps="%d.%m.%Y %H:%M:%S.%f",
        )
        assert table.table.column("ts_event").to_pylist() == [1_704_200_400_500_000_000]

    def test_unmapped_columns_are_ignored_even_if_unparseable(self, write_text: WriteText) -> None:
        text = 'Time,Bid,Ask,Comment\n1704200400123,1,2,"free, text"\n'
        assert read_csv(write_text("q.csv", text), kind="quote").num_rows == 1

    def test_trades_with_side_names(self, write_text: WriteText) -> None:
        text = "timestamp,price,size,side,trade_id\n2024-01-02T13:00:00Z,100.5,3,sell,991\n"
        row = read_csv(write_text("t.csv", text), kind="trade").table.to_pylist()[0]
        assert (row["price"], row["size"], row["aggressor"], row["trade_id"]) == (
            100.5,
            3.0,
            -1,
            991,
        )

    def test_bars_time_is_the_open_by_default(self, write_text: WriteText) -> None:
        text = (
            "time,open,high,low,close,volume\n"
            "2024-01-02T13:00Z,1,2,0.5,1.5,10\n"
            "2024-01-02T13:01Z,1,2,0.5,1.5,10\n"
        )
        table = read_csv(write_text("b.csv", text), kind="bar")
        assert table.table.column("ts_event").to_pylist()[0] == 1_704_200_460_000_000_000
        assert table.table.column("interval_ns").to_pylist() == [60_000_000_000] * 2


class TestBadInput:
    def test_malformed_row(self, write_text: WriteText) -> None:
        path = write_text("q.csv", QUOTES + "1704200400125,1.1\n" + QUOTES.splitlines()[1] + "\n")
        error = error_of(path)
        assert error.line == 4
        assert "expected 5 fields, found 2" in error.problem

    def test_malformed_row_found_after_threaded_parsing(
        self, write_text: WriteText, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(csv_reader, "_BLOCK_SIZE", 1 << 10)  # many blocks, parsed on threads
        rows = ["1704200400123,1,2"] * 2000
        rows[1500] = "1704200400123,1,2,9"
        path = write_text("q.csv", "Time,Bid,Ask\n" + "\n".join(rows) + "\n")
        error = error_of(path)
        assert error.line == 1502
        assert "expected 3 fields, found 4" in error.problem

    def test_truncated_last_line(self, write_text: WriteText) -> None:
        path = write_text("q.csv", QUOTES + "1704200400125,1.105")
        error = error_of(path)
        assert error.line == 4
        assert "truncated" in error.problem

    def test_a_file_cut_in_the_middle_of_a_number_is_an_error(self, write_text: WriteText) -> None:
        # "1.1" cut from "1.1003": every field is there, only the missing newline tells.
        path = write_text("q.csv", QUOTES + "1704200400125,1.10514,1.1,1,1.1")
        error = error_of(path)
        assert (error.line, error.value) == (4, "1704200400125,1.10514,1.1,1,1.1")
        assert error.problem.startswith(
            "the file does not end with a newline; the last line may be truncated"
        )

    def test_a_gzip_file_is_judged_by_its_decompressed_text(self, tmp_path: Path) -> None:
        path = tmp_path / "q.csv.gz"
        path.write_bytes(gzip.compress(QUOTES.rstrip("\n").encode()))
        assert error_of(path).line == 3
        path.write_bytes(gzip.compress(QUOTES.encode()))
        assert read_csv(path, kind="quote").num_rows == 2

    def test_a_complete_file_without_a_final_newline_can_be_allowed(
        self, write_text: WriteText
    ) -> None:
        path = write_text("q.csv", QUOTES + "1704200400125,1.10514,1.1,1,1.1")
        table = read_csv(path, kind="quote", allow_unterminated=True)
        assert table.table.column("ask_price").to_pylist()[-1] == 1.1
        assert table.origin.tolist() == [2, 3, 4]

    def test_a_short_last_line_is_still_found_when_unterminated_files_are_allowed(
        self, write_text: WriteText
    ) -> None:
        path = write_text("q.csv", QUOTES + "1704200400125,1.105")
        with pytest.raises(DataError) as caught:
            read_csv(path, kind="quote", allow_unterminated=True)
        assert caught.value.line == 4
        assert "the last line is incomplete" in caught.value.problem

    def test_value_that_is_not_a_number(self, write_text: WriteText) -> None:
        path = write_text("q.csv", QUOTES + "1704200400125,1.10514,abc,1,1\n")
        error = error_of(path)
        assert (error.line, error.field, error.value) == (4, "Ask", "abc")

    def test_empty_required_cell(self, write_text: WriteText) -> None:
        path = write_text("q.csv", QUOTES + "1704200400125,,1.1,1,1\n")
        error = error_of(path)
        assert (error.line, error.field) == (4, "Bid")
        assert "empty" in error.problem

    def test_unparseable_timestamp(self, write_text: WriteText) -> None:
        path = write_text("q.csv", QUOTES + "yesterday,1.1,1.2,1,1\n")
        error = error_of(path)
        assert (error.line, error.field, error.value) == (4, "Time", "yesterday")

    def test_unknown_mapped_column(self, write_text: WriteText) -> None:
        error = error_of(write_text("q.csv", QUOTES), mapping=ColumnMapping.parse("bid_price=Bidd"))
        assert (error.line, error.field) == (1, "Bidd")
        assert "'BidVolume'" in error.problem

    def test_missing_required_column(self, write_text: WriteText) -> None:
        error = error_of(write_text("q.csv", "Time,Bid\n1704200400123,1\n"))
        assert (error.line, error.field) == (1, "ask_price")

    def test_duplicate_header_column(self, write_text: WriteText) -> None:
        error = error_of(
            write_text("q.csv", "Time,Bid,Bid,Ask\n1,2,3,4\n"),
            mapping=ColumnMapping.parse("bid_price=Bid"),
        )
        assert "twice" in error.problem

    def test_empty_file(self, write_text: WriteText) -> None:
        assert "empty" in error_of(write_text("q.csv", "\n \n")).problem

    def test_header_only(self, write_text: WriteText) -> None:
        error = error_of(write_text("q.csv", "Time,Bid,Ask\n"))
        assert (error.line, error.problem) == (1, "the file has a header but no data rows")

    def test_corrupt_gzip(self, tmp_path: Path) -> None:
        path = tmp_path / "q.csv.gz"
        path.write_bytes(gzip.compress(QUOTES.encode())[:30])
        assert "gzip" in error_of(path).problem

    def test_missing_file_is_an_input_error(self, tmp_path: Path) -> None:
        with pytest.raises(InputError) as caught:
            read_csv(tmp_path / "nope.csv", kind="quote")
        assert caught.value.field == "path"

    def test_bad_arguments(self, write_text: WriteText) -> None:
        path = write_text("q.csv", QUOTES)
        with pytest.raises(InputError, match="allow_unterminated"):
            read_csv(path, kind="quote", allow_unterminated=1)  # type: ignore[arg-type]
        with pytest.raises(InputError, match="skip_rows"):
            read_csv(path, kind="quote", skip_rows=-1)
        with pytest.raises(InputError, match="kind"):
            read_csv(path, kind="quotez")


def test_header_of_a_file(write_text: WriteText) -> None:
    assert read_header(write_text("q.csv", QUOTES)) == [
        "Time",
        "Bid",
        "Ask",
        "BidVolume",
        "AskVolume",
    ]


def test_many_rows_keep_their_lines(write_text: WriteText, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_reader, "_BLOCK_SIZE", 1 << 12)
    times = 1_704_200_400_000 + np.arange(5000)
    lines = "\n".join(f"{t},1.5,{i}" for i, t in enumerate(times))
    table = read_csv(write_text("t.csv", "time,price,size\n" + lines + "\n"), kind="trade")
    assert table.table.column("size").to_pylist() == list(range(5000))
    assert table.origin.tolist() == list(range(2, 5002))


class TestDelimiter:
    @pytest.mark.parametrize("spelling", ["\t", "\\t"])
    def test_a_tab_is_a_tab_character_or_backslash_t(
        self, write_text: WriteText, spelling: str
    ) -> None:
        path = write_text("q.tsv", QUOTES.replace(",", "\t"))
        assert read_header(path, delimiter=spelling)[:2] == ["Time", "Bid"]
        assert read_csv(path, kind="quote", delimiter=spelling).num_rows == 2

    @pytest.mark.parametrize("delimiter", [";", "|", " ", ","])
    def test_any_single_ascii_character(self, delimiter: str) -> None:
        assert parse_delimiter(delimiter) == delimiter

    @pytest.mark.parametrize("delimiter", [";;", "", "tab", "\\\\", "\n", "\r", '"', "\u00a7", 44])
    def test_anything_else_is_an_input_error_in_every_reader(
        self, write_text: WriteText, delimiter: object
    ) -> None:
        path = write_text("q.csv", QUOTES)
        for read in (
            lambda: parse_delimiter(delimiter),
            lambda: read_header(path, delimiter=delimiter),  # type: ignore[arg-type]
            lambda: read_csv(path, kind="quote", delimiter=delimiter),  # type: ignore[arg-type]
        ):
            with pytest.raises(InputError) as caught:
                read()
            assert (caught.value.field, caught.value.value) == ("delimiter", delimiter)


class TestLineNumbers:
    """Origins and errors give the line an editor shows, whatever the records span."""

    def test_rows_after_a_line_break_inside_quotes(self, write_text: WriteText) -> None:
        text = (
            "Time,Bid,Ask,Comment\n"
            '1704200400123,1,2,"two\nlines"\n'
            "1704200400124,1,2,plain\n"
            '1704200400125,1,2,"three\r\nphysical\nlines"\n'
            "\n"
            "1704200400126,1,2,\n"
        )
        table = read_csv(write_text("q.csv", text), kind="quote")
        assert table.origin.tolist() == [2, 4, 5, 9]

    def test_a_bad_value_after_a_quoted_line_break(self, write_text: WriteText) -> None:
        text = 'Time,Bid,Ask,Comment\n1704200400123,1,2,"a\nb"\n1704200400124,1,oops,c\n'
        error = error_of(write_text("q.csv", text))
        assert (error.line, error.field, error.value) == (4, "Ask", "oops")

    @pytest.mark.parametrize("gap", ["\n", "\r\n\r\n", '1704200400124,1,"1\n2\n3"\n'])
    def test_a_malformed_row_after_blank_lines_or_quoted_line_breaks(
        self, write_text: WriteText, gap: str
    ) -> None:
        # Arrow numbers records, not lines: the line is counted here.
        text = "Time,Bid,Ask\n1704200400123,1,2\n" + gap + "1704200400124,1\n"
        error = error_of(write_text("q.csv", text))
        assert error.line == text.replace("\r\n", "\n").count("\n")
        assert "expected 3 fields, found 2" in error.problem

    def test_quoted_line_breaks_across_parse_blocks(
        self, write_text: WriteText, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(csv_reader, "_BLOCK_SIZE", 1 << 10)  # many blocks, parsed on threads
        rows = [f'{1_704_200_400_000 + i},1,2,"note\n{i}"' for i in range(3000)]
        table = read_csv(
            write_text("q.csv", "Time,Bid,Ask,Note\n" + "\n".join(rows) + "\n"), kind="quote"
        )
        assert table.num_rows == 3000
        assert table.origin.tolist() == list(range(2, 6002, 2))


def _reference_lines(text: str, delimiter: str) -> list[int]:
    """The 0-based line on which each non-empty record starts, by Python's csv module."""
    reader = stdlib_csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    starts: list[int] = []
    line = 0
    for row in reader:
        if row:
            starts.append(line)
        line = reader.line_num
    return starts


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=',;"ab \r\n', max_size=60), st.sampled_from([",", ";"]))
def test_record_lines_split_as_the_csv_module_does(text: str, delimiter: str) -> None:
    try:
        expected = _reference_lines(text, delimiter)
    except stdlib_csv.Error:  # an unclosed quote at the end: no reference to compare with
        return
    chars = np.frombuffer(text.encode(), dtype=np.uint8)
    out = np.empty(len(text) + 1, dtype=np.int64)
    count = record_lines(chars, ord(delimiter), ord('"'), out)
    assert out[:count].tolist() == expected


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=',"ab \r\n', max_size=40))
def test_record_lines_count_the_records_arrow_reads(text: str) -> None:
    seen: list[pcsv.InvalidRow] = []

    def keep(row: pcsv.InvalidRow) -> Literal["skip"]:
        seen.append(row)
        return "skip"

    try:
        table = pcsv.read_csv(
            io.BytesIO(text.encode()),
            read_options=pcsv.ReadOptions(column_names=["a", "b"], use_threads=False),
            parse_options=pcsv.ParseOptions(newlines_in_values=True, invalid_row_handler=keep),
            convert_options=pcsv.ConvertOptions(column_types={"a": pa.string(), "b": pa.string()}),
        )
    except pa.ArrowInvalid:  # an unclosed quote at the end
        return
    out = np.empty(len(text) + 1, dtype=np.int64)
    count = record_lines(np.frombuffer(text.encode(), dtype=np.uint8), ord(","), ord('"'), out)
    assert count == table.num_rows + len(seen)
