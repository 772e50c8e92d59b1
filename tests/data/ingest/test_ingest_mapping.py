"""Column mappings: from CLI text and TOML, header resolution, defaults and enum names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from tickdeck.core import DataError, DataKind, InputError
from tickdeck.data._source import SourceTable
from tickdeck.data.ingest._convert import build_source_table, defaulted_fields
from tickdeck.data.ingest._mapping import ColumnMapping
from tickdeck.data.ingest._rows import RowOrigins
from tickdeck.data.ingest._timestamps import TimestampFormat

QUOTE_HEADER = ["Time", "Bid", "Ask", "BidVolume", "AskVolume"]


def resolve(
    header: list[str], kind: DataKind = DataKind.QUOTE, mapping: str = ""
) -> dict[str, tuple[str, ...]]:
    found = ColumnMapping.parse(mapping).resolve(header, kind, source="f.csv", header_line=1)
    return {field: tuple(header[i] for i in positions) for field, positions in found.items()}


class TestParsing:
    def test_cli_text(self) -> None:
        mapping = ColumnMapping.parse("ts_event=Time, bid_price = Bid ,")
        assert dict(mapping.columns) == {"ts_event": "Time", "bid_price": "Bid"}

    def test_unknown_field_gets_a_suggestion(self) -> None:
        with pytest.raises(InputError) as caught:
            ColumnMapping.parse("bid_prise=Bid")
        assert caught.value.value == "bid_prise"
        assert "bid_price" in str(caught.value)

    @pytest.mark.parametrize("text", ["ts_event", "ts_event=", "=Time", "ts_event=A,ts_event=B"])
    def test_malformed_cli_text(self, text: str) -> None:
        with pytest.raises(InputError):
            ColumnMapping.parse(text)

    def test_toml_file(self, tmp_path: Path) -> None:
        path = tmp_path / "map.toml"
        path.write_text(
            '[columns]\nts_event = "Time"\nbid_price = "Bid"\n'
            '[timestamps]\nformat = "ms"\ntz = "Europe/London"\n'
            '[defaults]\nrecv_delay = "5ms"\n'
            '[bars]\ninterval = "1m"\ntime = "close"\n'
        )
        mapping = ColumnMapping.from_toml(path)
        assert dict(mapping.columns) == {"ts_event": "Time", "bid_price": "Bid"}
        assert mapping.timestamps == TimestampFormat("ms", "Europe/London")
        assert (mapping.recv_delay_ns, mapping.bar_interval_ns, mapping.bar_time) == (
            5_000_000,
            60_000_000_000,
            "close",
        )

    @pytest.mark.parametrize(
        ("text", "field"),
        [
            ('[colums]\nts_event = "T"\n', "mapping_file"),
            ('[timestamps]\nfromat = "ms"\n', "[timestamps]"),
            ('[columns]\nts_evnt = "T"\n', "mapping"),
        ],
    )
    def test_toml_mistakes_are_input_errors(self, tmp_path: Path, text: str, field: str) -> None:
        path = tmp_path / "map.toml"
        path.write_text(text)
        with pytest.raises(InputError) as caught:
            ColumnMapping.from_toml(path)
        assert caught.value.field == field

    def test_a_missing_toml_file_is_an_input_error(self, tmp_path: Path) -> None:
        with pytest.raises(InputError) as caught:
            ColumnMapping.from_toml(tmp_path / "nope.toml")
        assert caught.value.field == "mapping_file"

    def test_toml_syntax_errors_name_the_file_and_line(self, tmp_path: Path) -> None:
        path = tmp_path / "map.toml"
        path.write_text('[columns]\nts_event = "Time"\nbid_price = = "Bid"\n')
        with pytest.raises(DataError) as caught:
            ColumnMapping.from_toml(path)
        assert (caught.value.source, caught.value.line) == (str(path), 3)
        assert caught.value.problem.startswith("not valid TOML: ")
        assert "at line" not in caught.value.problem  # said once, as the error's line

    def test_a_toml_file_that_is_not_utf8_names_the_file_and_line(self, tmp_path: Path) -> None:
        path = tmp_path / "map.toml"
        path.write_bytes(
            '[columns]\nts_event = "Zeit"\nbid_price = "Geb\u00f6t"\n'.encode("latin-1")
        )
        with pytest.raises(DataError) as caught:
            ColumnMapping.from_toml(path)
        assert (caught.value.source, caught.value.line) == (str(path), 3)
        assert "UTF-8" in caught.value.problem

    def test_cli_columns_override_the_file(self) -> None:
        mapping = ColumnMapping({"ts_event": "A", "bid_price": "B"}).with_columns({"ts_event": "C"})
        assert dict(mapping.columns) == {"ts_event": "C", "bid_price": "B"}


class TestResolve:
    def test_default_aliases_ignore_case_and_punctuation(self) -> None:
        assert resolve(["TIME", "bid price", "Ask_Price", "Bid-Volume", "askVolume"]) == {
            "ts_event": ("TIME",),
            "bid_price": ("bid price",),
            "ask_price": ("Ask_Price",),
            "bid_size": ("Bid-Volume",),
            "ask_size": ("askVolume",),
        }

    def test_explicit_mapping_is_case_insensitive(self) -> None:
        found = resolve(["Stamp", "B", "A"], mapping="ts_event=stamp,bid_price=b,ask_price=A")
        assert found == {"ts_event": ("Stamp",), "bid_price": ("B",), "ask_price": ("A",)}

    def test_times_may_join_columns(self) -> None:
        found = resolve(["Day", "Clock", "Bid", "Ask"], mapping="ts_event=Day+Clock")
        assert found["ts_event"] == ("Day", "Clock")

    def test_metatrader_date_and_time_columns_are_joined(self) -> None:
        assert resolve(["<DATE>", "<TIME>", "<BID>", "<ASK>"])["ts_event"] == ("<DATE>", "<TIME>")

    def test_trade_aliases(self) -> None:
        found = resolve(["timestamp", "px", "qty", "side", "trade_id"], DataKind.TRADE)
        assert found == {
            "ts_event": ("timestamp",),
            "price": ("px",),
            "size": ("qty",),
            "aggressor": ("side",),
            "trade_id": ("trade_id",),
        }

    def test_a_mapped_column_missing_from_the_file(self) -> None:
        with pytest.raises(DataError) as caught:
            resolve(QUOTE_HEADER, mapping="bid_price=Bidd")
        error = caught.value
        assert (error.source, error.line, error.field) == ("f.csv", 1, "Bidd")
        assert "'Time', 'Bid', 'Ask'" in error.problem

    def test_a_required_field_without_a_column(self) -> None:
        with pytest.raises(DataError) as caught:
            resolve(["Time", "Bid", "Offer price?"][:2])
        assert caught.value.field == "ask_price"
        assert "'Time', 'Bid'" in caught.value.problem

    def test_a_field_of_another_kind(self) -> None:
        with pytest.raises(InputError) as caught:
            resolve(QUOTE_HEADER, DataKind.TRADE, mapping="bid_price=Bid")
        assert caught.value.value == "bid_price"

    def test_only_times_join_columns(self) -> None:
        with pytest.raises(InputError):
            resolve(["T", "B1", "B2", "A"], mapping="bid_price=B1+B2")


def build(
    kind: DataKind, columns: dict[str, list[Any]], mapping: ColumnMapping | None = None
) -> SourceTable:
    """Convert in-memory columns as a reader would, with line numbers starting at 2."""
    raw = pa.table(columns)
    header = list(columns)
    mapping = mapping or ColumnMapping()
    found = mapping.resolve(header, kind, source="f.csv")
    names = {f: tuple(header[i] for i in p) for f, p in found.items()}
    origins = RowOrigins("f.csv", np.arange(2, 2 + raw.num_rows, dtype=np.int64))
    return build_source_table(
        kind, raw, names, mapping=mapping, timestamps=TimestampFormat(), origins=origins
    )


class TestDefaults:
    def test_missing_sizes_and_receive_time_are_defaulted_and_recorded(self) -> None:
        table = build(
            DataKind.QUOTE,
            {"time": [1_000_000_000_000], "bid": [1.0], "ask": [2.0]},
            ColumnMapping(recv_delay_ns=5),
        )
        row = table.table.to_pylist()[0]
        assert (row["bid_size"], row["ask_size"], row["ts_recv"]) == (0.0, 0.0, row["ts_event"] + 5)
        assert defaulted_fields(table) == {"bid_size", "ask_size", "ts_recv"}
        assert defaulted_fields(table.take(np.array([0]))) == {"bid_size", "ask_size", "ts_recv"}

    def test_trade_defaults(self) -> None:
        table = build(
            DataKind.TRADE, {"ts": [1_000_000_000_000, 1_000_000_000_001], "price": [1.0, 2.0]}
        )
        rows = table.table.to_pylist()
        assert [(r["size"], r["aggressor"], r["trade_id"]) for r in rows] == [(0.0, 0, 0)] * 2

    def test_bars_get_the_common_spacing_and_close_times(self) -> None:
        minute = 60_000_000_000
        opens = [1_700_000_000 * 10**9 + k * minute for k in (0, 1, 2, 5)]
        table = build(
            DataKind.BAR,
            {"time": opens, "o": [1.0] * 4, "h": [1.0] * 4, "l": [1.0] * 4, "c": [1.0] * 4},
        )
        assert table.table.column("interval_ns").to_pylist() == [minute] * 4
        assert table.table.column("ts_event").to_pylist() == [t + minute for t in opens]
        assert "interval_ns" in defaulted_fields(table)

    def test_bar_time_close_keeps_the_time(self) -> None:
        table = build(
            DataKind.BAR,
            {"time": [10**18], "open": [1.0], "high": [1.0], "low": [1.0], "close": [1.0]},
            ColumnMapping(bar_time="close", bar_interval_ns=3_600_000_000_000),
        )
        assert table.table.column("ts_event").to_pylist() == [10**18]
        assert table.table.column("interval_ns").to_pylist() == [3_600_000_000_000]

    def test_a_single_bar_needs_an_interval(self) -> None:
        with pytest.raises(InputError) as caught:
            build(
                DataKind.BAR,
                {"time": [10**18], "open": [1.0], "high": [1.0], "low": [1.0], "close": [1.0]},
            )
        assert caught.value.field == "bar_interval"


class TestValues:
    def test_enum_names_and_codes(self) -> None:
        sides = ["buy", "SELL", "b", " s ", None, "-1", "1", "0"]
        table = build(DataKind.TRADE, {"ts": [10**18] * 8, "price": [1.0] * 8, "side": sides})
        assert table.table.column("aggressor").to_pylist() == [1, -1, 1, -1, 0, -1, 1, 0]

    def test_integer_enum_codes(self) -> None:
        table = build(
            DataKind.BOOK_DELTA,
            {
                "ts": [10**18] * 2,
                "side": [1, -1],
                "price": [1.0, 2.0],
                "size": [1.0, 0.0],
                "action": [1, 3],
            },
        )
        assert table.table.column("action").to_pylist() == [1, 3]

    def test_unknown_enum_value(self) -> None:
        with pytest.raises(DataError) as caught:
            build(
                DataKind.BOOK_DELTA,
                {
                    "ts": [10**18] * 2,
                    "side": ["bid", "middle"],
                    "price": [1.0] * 2,
                    "size": [1.0] * 2,
                    "action": ["add"] * 2,
                },
            )
        assert (caught.value.line, caught.value.field, caught.value.value) == (3, "side", "middle")

    def test_a_required_enum_cannot_be_empty(self) -> None:
        with pytest.raises(DataError) as caught:
            build(
                DataKind.BOOK_DELTA,
                {"ts": [10**18], "side": ["bid"], "price": [1.0], "size": [1.0], "action": [None]},
            )
        assert (caught.value.line, caught.value.field) == (2, "action")

    def test_nan_price_is_an_empty_value(self) -> None:
        with pytest.raises(DataError) as caught:
            build(
                DataKind.QUOTE, {"ts": [10**18] * 2, "bid": [1.0, float("nan")], "ask": [2.0, 2.0]}
            )
        assert (caught.value.line, caught.value.field) == (3, "bid")
        assert "empty" in caught.value.problem

    def test_text_numbers_are_parsed_and_bad_ones_located(self) -> None:
        table = build(DataKind.TRADE, {"ts": [10**18], "price": ["1.5"]})
        assert table.table.column("price").to_pylist() == [1.5]
        with pytest.raises(DataError) as caught:
            build(DataKind.TRADE, {"ts": [10**18] * 3, "price": ["1.5", "2", "two"]})
        assert (caught.value.line, caught.value.field, caught.value.value) == (4, "price", "two")

    def test_trade_ids_must_be_whole_numbers(self) -> None:
        with pytest.raises(DataError) as caught:
            build(DataKind.TRADE, {"ts": [10**18], "price": [1.0], "trade_id": ["abc-1"]})
        assert caught.value.field == "trade_id"

    def test_empty_snapshot_levels_are_nan_and_zero(self) -> None:
        table = build(
            DataKind.BOOK_SNAPSHOT,
            {
                "ts": [10**18],
                "bids[0].price": [1.0],
                "asks[0].price": [2.0],
                "bids[1].price": [None],
                "bids[1].amount": [None],
            },
        )
        row = table.table.to_pylist()[0]
        assert np.isnan(row["bid_price_1"])
        assert row["bid_size_1"] == 0.0
        assert np.isnan(row["ask_price_9"])
