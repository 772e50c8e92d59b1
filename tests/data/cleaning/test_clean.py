"""`clean` as a whole: replay order, gaps, the quarantine, the report, and its accounting."""

from __future__ import annotations

import json
import math

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.data.cleaning.cleaning_tables import ACME, SECOND_NS, T0, lines, quotes, rules

from tickdeck.core import DataKind, InputError, InvariantError, layout
from tickdeck.data.cleaning import RULES, CleaningConfig, CleaningReport, clean

MINUTE_NS = 60 * SECOND_NS


def test_rows_are_sorted_stably_by_receive_time_and_late_rows_counted() -> None:
    ts = [T0 + 3, T0 + 1, T0 + 2, T0 + 1]
    result = clean(quotes([100.0] * 4, ts_recv=ts, bid_size=[1.0, 2.0, 3.0, 4.0]), ACME)
    assert result.report.out_of_order == 3  # every row after the first is earlier than it
    assert result.data.table.column("ts_recv").to_pylist() == [T0 + 1, T0 + 1, T0 + 2, T0 + 3]
    assert result.data.table.column("bid_size").to_pylist() == [2.0, 4.0, 3.0, 1.0]
    assert result.data.origin.tolist() == [3, 5, 4, 2]  # origins travel with their rows


def test_clean_data_comes_back_untouched() -> None:
    data = quotes([100.0, 100.01, 100.02])
    result = clean(data, ACME)
    assert result.data is data
    assert result.quarantine.num_rows == 0
    assert result.report.rows_in == result.report.rows_out == 3


def test_an_empty_source_is_clean() -> None:
    schema = layout(DataKind.QUOTE).arrow_schema
    data = quotes([100.0]).take(np.zeros(0, np.int64))
    result = clean(data, ACME)
    assert result.report.rows_in == result.report.rows_out == result.report.gap_count == 0
    assert result.quarantine.schema.names == [*schema.names, "rule", "origin"]


def test_gaps_are_reported_largest_first_and_never_removed() -> None:
    steps = [10, 6, 1, 1, 20, 6, 2] * 4  # minutes between rows: 10, 6 and 20 are gaps
    ts = T0 + MINUTE_NS * np.cumsum([0, *steps])
    result = clean(quotes([100.0] * len(ts), ts_recv=ts), ACME)
    report = result.report
    assert report.gap_count == 16
    assert report.rows_out == len(ts)
    lengths = [(end - start) // MINUTE_NS for start, end in report.gaps]
    assert lengths == [20] * 4 + [10] * 4 + [6] * 8
    assert report.gaps[0] == (int(ts[4]), int(ts[5]))  # ties: earliest first


def test_gaps_are_measured_between_kept_rows() -> None:
    ts = T0 + MINUTE_NS * np.arange(10)
    bids = np.full(10, 100.0)
    bids[3:7] = 0.0  # four minutes of bad quotes leave a five-minute hole
    config = CleaningConfig(gap_threshold_ns=4 * MINUTE_NS)
    report = clean(quotes(bids, ask=np.full(10, 100.01), ts_recv=ts), ACME, config).report
    assert (report.gap_count, report.gaps) == (1, ((int(ts[2]), int(ts[7])),))
    assert report.gap_threshold_ns == 4 * MINUTE_NS


def test_only_the_largest_twenty_gaps_are_listed() -> None:
    ts = T0 + MINUTE_NS * np.cumsum(np.arange(6, 36))  # 29 gaps of 7..35 minutes
    report = clean(quotes([100.0] * 30, ts_recv=ts), ACME).report
    assert report.gap_count == 29
    assert [(e - s) // MINUTE_NS for s, e in report.gaps] == list(range(35, 15, -1))


def test_quarantine_holds_removed_rows_as_read_with_rule_and_origin() -> None:
    bids = [100.0, 100.0 + 1e-11, 0.0, 100.02, 100.0]
    ts = [T0 + 5, T0 + 4, T0 + 3, T0 + 2, T0 + 5]
    result = clean(quotes(bids, [100.01] * 5, ts_recv=ts, ask_size=[1, 2, 3, 4, 1]), ACME)
    quarantine = result.quarantine
    assert quarantine.schema.names == [*layout(DataKind.QUOTE).names, "rule", "origin"]
    assert quarantine.schema.field("rule").type == pa.string()
    assert quarantine.schema.field("origin").type == pa.int64()
    assert lines(quarantine) == [4, 5, 6]  # source order, whatever the replay order
    assert rules(quarantine) == ["non_positive_price", "crossed", "duplicate"]
    assert quarantine.column("bid_price").to_pylist() == [0.0, 100.02, 100.0]


def test_quarantine_can_be_turned_off_but_counts_remain() -> None:
    result = clean(quotes([0.0, 100.0]), ACME, CleaningConfig(keep_quarantine=False))
    assert result.quarantine.num_rows == 0
    assert result.quarantine.schema.names[-2:] == ["rule", "origin"]
    assert result.report.removed["non_positive_price"] == 1


def test_record_origins_are_kept_for_binary_sources() -> None:
    data = quotes([0.0, 100.0])
    binary = type(data)(data.kind, data.table, np.array([0, 1]), "x.bi5", "record")
    result = clean(binary, ACME)
    assert lines(result.quarantine) == [0]
    assert result.data.origin_unit == "record"


def test_report_to_dict_is_json() -> None:
    report = clean(quotes([0.0, 100.0]), ACME).report
    loaded = json.loads(json.dumps(report.to_dict()))
    assert loaded["kind"] == "quotes"
    assert loaded["source"] == "test.csv"
    assert list(loaded["removed"]) == list(RULES)
    assert loaded["rows_in"] == 2
    assert report.rows_removed == 1


def test_a_report_that_loses_rows_cannot_exist() -> None:
    fields = dict(clean(quotes([0.0, 100.0]), ACME).report.__dict__)
    with pytest.raises(InvariantError, match="lost"):
        CleaningReport(**{**fields, "rows_out": 2})
    with pytest.raises(InvariantError):
        CleaningReport(**{**fields, "removed": {"spike": 1}})


def test_arguments_are_checked() -> None:
    with pytest.raises(InputError, match="data"):
        clean(quotes([100.0]).table, ACME)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="instrument"):
        clean(quotes([100.0]), "ACME.XNAS")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="config"):
        clean(quotes([100.0]), ACME, {"keep_locked": True})  # type: ignore[arg-type]


# --- the accounting, as a property ------------------------------------------

_PRICES = [100.0, 100.01, 100.02, 100.03, 0.0, math.nan, 100.005, 100.01 + 1e-12, 150.0]


@st.composite
def messy_quotes(draw: st.DrawFn) -> tuple[np.ndarray, ...]:
    n = draw(st.integers(0, 60))
    pick = st.lists(st.sampled_from(_PRICES), min_size=n, max_size=n)
    ts = draw(st.lists(st.integers(0, 8), min_size=n, max_size=n))
    late = draw(st.lists(st.integers(-1, 1), min_size=n, max_size=n))
    sizes = draw(st.lists(st.sampled_from([1.0, 2.0, 0.0, -1.0]), min_size=n, max_size=n))
    ts_recv = T0 + MINUTE_NS * np.array(ts, np.int64)
    return (
        np.array(draw(pick)),
        np.array(draw(pick)),
        ts_recv,
        ts_recv + np.array(late, np.int64),
        np.array(sizes),
    )


@settings(max_examples=60, deadline=None)
@given(messy_quotes(), st.booleans())
def test_every_row_is_kept_or_counted_and_quarantined(
    columns: tuple[np.ndarray, ...], keep_locked: bool
) -> None:
    bid, ask, ts_recv, ts_event, size = columns
    data = quotes(bid, ask, ts_recv=ts_recv, ts_event=ts_event, bid_size=size)
    config = CleaningConfig(keep_locked=keep_locked, max_off_grid_fraction=1.0, spike_window=3)
    result = clean(data, ACME, config)
    report = result.report
    assert report.rows_in == data.num_rows
    assert report.rows_in == report.rows_out + sum(report.removed.values())
    assert result.data.num_rows == report.rows_out
    assert result.quarantine.num_rows == sum(report.removed.values())
    everything = sorted(result.data.origin.tolist() + lines(result.quarantine))
    assert everything == data.origin.tolist()
    assert np.all(np.diff(result.data.table.column("ts_recv").to_numpy()) >= 0)
    for rule in RULES:
        assert rules(result.quarantine).count(rule) == report.removed[rule]
