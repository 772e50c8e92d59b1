"""Timestamp columns become int64 ns UTC; bad values are reported with line, field and text."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tickdeck.core import DataError, InputError
from tickdeck.data.ingest._rows import RowOrigins
from tickdeck.data.ingest._timestamps import EPOCH_UNITS, TimestampFormat, parse_timestamps

T0 = 1_704_200_400_123_000_000  # 2024-01-02T13:00:00.123Z


def parse(values: Sequence[Any] | pa.Array[Any], fmt: str = "auto", tz: str = "UTC") -> list[int]:
    array = values if isinstance(values, pa.Array) else pa.array(values)
    origins = RowOrigins("f.csv", np.arange(2, 2 + len(array), dtype=np.int64))
    parsed = parse_timestamps(array, TimestampFormat(fmt, tz), field="Time", origins=origins)
    return [int(value) for value in parsed]


def failure(values: Sequence[Any], fmt: str = "auto", tz: str = "UTC") -> DataError:
    with pytest.raises(DataError) as caught:
        parse(values, fmt, tz)
    return caught.value


class TestEpochNumbers:
    @pytest.mark.parametrize(
        ("value", "unit"),
        [(1_704_200_400, "s"), (1_704_200_400_123, "ms"), (1_704_200_400_123_000, "us")],
    )
    def test_auto_tells_the_unit_by_magnitude(self, value: int, unit: str) -> None:
        assert parse([value]) == [value * EPOCH_UNITS[unit]]

    def test_auto_reads_nanoseconds(self) -> None:
        assert parse([T0]) == [T0]

    def test_explicit_unit_wins(self) -> None:
        assert parse([5], "s") == [5_000_000_000]

    def test_epoch_text_with_a_fraction_is_exact(self) -> None:
        assert parse(["1704200400.123456789"], "s") == [1_704_200_400_123_456_789]
        assert parse(["1704200400123.5"], "ms") == [1_704_200_400_123_500_000]
        assert parse([" -1.5 "], "s") == [-1_500_000_000]

    def test_floats_are_rounded_to_the_microsecond(self) -> None:
        assert parse([1_704_200_400.123456]) == [1_704_200_400_123_456_000]

    def test_small_numbers_are_refused_in_auto_mode(self) -> None:
        error = failure([20240102])
        assert "--ts-format" in error.problem
        assert error.line == 2

    def test_overflow_is_located(self) -> None:
        error = failure([1, 10**17], "s")
        assert (error.line, error.field) == (3, "Time")
        assert "out of range" in error.problem

    def test_non_numbers_are_located(self) -> None:
        error = failure(["1704200400123", "1704200400124", "x17"], "ms")
        assert (error.line, error.field, error.value) == (4, "Time", "x17")
        assert "ms since the epoch" in error.problem

    @settings(max_examples=40, deadline=None)
    @given(
        whole=st.integers(min_value=0, max_value=4_000_000_000),
        fraction=st.integers(min_value=0, max_value=999_999_999),
        unit=st.sampled_from(sorted(EPOCH_UNITS)),
    )
    def test_decimal_text_is_exact_in_every_unit(
        self, whole: int, fraction: int, unit: str
    ) -> None:
        scale = EPOCH_UNITS[unit]
        expected = whole * scale + fraction * scale // 10**9
        assert parse([f"{whole}.{fraction:09d}"], unit) == [expected]
        assert parse([whole], unit) == [whole * scale]


class TestAutoEpochUnit:
    """Under auto, one unit must fit every row: a stray value never rescales the others."""

    def test_a_stray_millisecond_value_among_seconds_is_an_error(self) -> None:
        error = failure([1_704_196_800, 1_704_196_800_123])
        assert (error.line, error.field, error.value) == (3, "Time", 1_704_196_800_123)
        assert "read as seconds" in error.problem
        assert "--ts-format" in error.problem

    def test_the_majority_decides_which_row_is_the_stray(self) -> None:
        error = failure(["1704196800123", "1704196800", "1704196801124", "1704196802125"])
        assert (error.line, error.value) == (3, "1704196800")
        assert "read as milliseconds" in error.problem

    def test_a_tie_is_judged_against_the_first_row(self) -> None:
        assert failure([1_704_196_800.5, 1_704_196_800_123.0]).line == 3

    def test_a_value_too_small_for_the_unit_of_the_others_is_an_error(self) -> None:
        error = failure(["1704196800.5", "1704196801", "0"])
        assert (error.line, error.value) == (4, "0")
        assert "too small" in error.problem

    def test_values_within_one_band_are_read_in_its_unit(self) -> None:
        # 1e11 ms is 1973, 9e12 ms is 2255: both milliseconds.
        assert parse([100_000_000_000, 9_000_000_000_000]) == [
            100_000_000_000 * 1_000_000,
            9_000_000_000_000 * 1_000_000,
        ]

    def test_an_explicit_unit_accepts_any_magnitude(self) -> None:
        assert parse([1_704_196_800, 1_704_196_800_123], "ms") == [
            1_704_196_800_000_000,
            1_704_196_800_123_000_000,
        ]

    @settings(max_examples=60, deadline=None)
    @given(
        seconds=st.lists(
            st.integers(min_value=100_000_000, max_value=9_000_000_000), min_size=1, max_size=20
        ),
        stray=st.integers(min_value=0, max_value=10**18),
        at=st.integers(min_value=0, max_value=20),
    )
    def test_auto_never_mixes_units(self, seconds: list[int], stray: int, at: int) -> None:
        values = [*seconds[:at], stray, *seconds[at:]]
        position = min(at, len(seconds))
        if 100_000_000 <= stray <= 9_000_000_000:
            assert parse(values) == [v * 1_000_000_000 for v in values]
        elif len(values) == 2 and position == 0 and stray >= 100_000_000:
            # One against one: the first row sets the unit, so the other one is reported.
            assert failure(values).line == 3
        else:
            # Outvoted, too small to be any epoch time, or beyond 2262 as seconds.
            assert failure(values).line == 2 + position


class TestDatesWithoutSeparators:
    """Under auto, text of exactly 8 or 14 digits is a date, never an epoch number."""

    def test_yyyymmdd(self) -> None:
        assert parse(["20240102", "20240103"]) == [
            1_704_153_600_000_000_000,
            1_704_153_600_000_000_000 + 86_400_000_000_000,
        ]

    def test_yyyymmddhhmmss(self) -> None:
        assert parse([" 20240102130000 "]) == [T0 - 123_000_000]

    def test_naive_dates_are_in_the_given_zone(self) -> None:
        assert parse(["20240102"], tz="+01:00") == [1_704_153_600_000_000_000 - 3_600_000_000_000]

    def test_an_invalid_date_is_located(self) -> None:
        error = failure(["20240102", "20241302"])
        assert (error.line, error.value) == (3, "20241302")
        assert "month out of range" in error.problem

    def test_an_epoch_number_after_dates_is_located(self) -> None:
        error = failure(["20240102", "1704196800"])
        assert (error.line, error.value) == (3, "1704196800")
        assert "%Y%m%d" in error.problem

    def test_a_date_after_epoch_seconds_is_located(self) -> None:
        error = failure(["1704196800", "20240102"])
        assert (error.line, error.value) == (3, "20240102")

    def test_nine_digits_are_still_epoch_seconds(self) -> None:
        assert parse(["999999999"]) == [999_999_999_000_000_000]

    def test_dates_beyond_the_range_of_int64_nanoseconds_are_located(self) -> None:
        error = failure(["20240102", "22620412", "22620411"])
        assert (error.line, error.value) == (3, "22620412")
        assert "out of range" in error.problem

    def test_an_explicit_unit_reads_eight_digits_as_a_number(self) -> None:
        assert parse(["20240102"], "s") == [20_240_102_000_000_000]

    @settings(max_examples=40, deadline=None)
    @given(st.datetimes(min_value=datetime(1678, 1, 1), max_value=datetime(2262, 1, 1)))
    def test_digit_dates_agree_with_the_standard_library(self, moment: datetime) -> None:
        moment = moment.replace(microsecond=0)
        seconds = (moment.replace(tzinfo=UTC) - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(
            seconds=1
        )
        assert parse([moment.strftime("%Y%m%d%H%M%S")]) == [seconds * 1_000_000_000]
        midnight = seconds - seconds % 86_400
        assert parse([moment.strftime("%Y%m%d")]) == [midnight * 1_000_000_000]


class TestIso:
    def test_zones_and_naive_times_mix(self) -> None:
        values = [
            "2024-01-02T13:00:00.123Z",
            "2024-01-02 14:00:00.123+01:00",
            "2024-01-02T13:00:00.123",
        ]
        assert parse(values) == [T0, T0, T0]

    def test_naive_times_are_in_the_given_zone(self) -> None:
        assert parse(["2024-07-01T14:00:00"], "iso", "Europe/London") == parse(
            ["2024-07-01T13:00:00Z"]
        )

    def test_dates_are_midnight(self) -> None:
        assert parse(["2024-01-02"]) == [1_704_153_600_000_000_000]

    def test_first_bad_value_is_reported(self) -> None:
        error = failure(["2024-01-02T13:00:00Z", "2024-01-02T13:00:01Z", "2024-01-02T25:00:00Z"])
        assert (error.line, error.field, error.value) == (4, "Time", "2024-01-02T25:00:00Z")

    def test_a_daylight_saving_gap_is_an_error(self) -> None:
        error = failure(["2024-03-31T00:30:00", "2024-03-31T01:30:00"], "iso", "Europe/London")
        assert error.line == 3
        assert "does not exist in Europe/London" in error.problem

    def test_an_empty_cell_is_an_error(self) -> None:
        error = failure(["2024-01-02", None])
        assert (error.line, error.problem) == (3, "empty timestamp")

    @settings(max_examples=40, deadline=None)
    @given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1)))
    def test_iso_round_trips(self, moment: datetime) -> None:
        expected = (
            int(
                (moment.replace(tzinfo=UTC) - datetime(1970, 1, 1, tzinfo=UTC))
                / timedelta(microseconds=1)
            )
            * 1000
        )
        assert parse([moment.isoformat() + "Z"]) == [expected]


class TestPatterns:
    def test_dukascopy_pattern_with_milliseconds(self) -> None:
        assert parse(["02.01.2024 13:00:00.123"], "%d.%m.%Y %H:%M:%S.%f") == [T0]

    def test_fraction_after_a_separator_is_optional(self) -> None:
        assert parse(["02.01.2024 13:00:00"], "%d.%m.%Y %H:%M:%S.%f") == [T0 - 123_000_000]

    def test_offsets_override_the_zone(self) -> None:
        values = ["02.01.2024 15:00:00.123 GMT+0200", "02.01.2024 13:00:00.123 GMT+00:00"]
        assert parse(values, "%d.%m.%Y %H:%M:%S.%f GMT%z", "Asia/Tokyo") == [T0, T0]

    def test_month_names_and_twelve_hour_clock(self) -> None:
        assert parse(["Jan 2 24 1:00:00 PM"], "%b %d %y %I:%M:%S %p") == [T0 - 123_000_000]

    def test_auto_recognises_common_vendor_patterns(self) -> None:
        assert parse(["02.01.2024 13:00:00.123"]) == [T0]
        assert parse(["2024.01.02 13:00:00.123"]) == [T0]
        assert parse(["20240102 130000123"]) == [T0]

    def test_unrecognised_text_suggests_the_flag(self) -> None:
        error = failure(["Tuesday noon"])
        assert error.line == 2
        assert "--ts-format" in error.problem

    def test_impossible_dates_are_located(self) -> None:
        error = failure(["28.02.2023 00:00:00", "29.02.2023 00:00:00"], "%d.%m.%Y %H:%M:%S")
        assert (error.line, error.value) == (3, "29.02.2023 00:00:00")
        assert "day of month" in error.problem

    def test_values_that_do_not_match_are_located(self) -> None:
        error = failure(["02.01.2024 13:00:00", "2024-01-02"], "%d.%m.%Y %H:%M:%S")
        assert (error.line, error.field, error.value) == (3, "Time", "2024-01-02")

    @settings(max_examples=40, deadline=None)
    @given(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2300, 1, 1)))
    def test_patterns_agree_with_the_standard_library(self, moment: datetime) -> None:
        pattern = "%d.%m.%Y %H:%M:%S.%f"
        text = moment.strftime(pattern)
        expected = (moment.replace(tzinfo=UTC) - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(
            microseconds=1
        )
        assert parse([text], pattern) == [expected * 1000]


class TestArrowTimes:
    def test_aware_timestamps_of_any_unit(self) -> None:
        array = pa.array([T0 // 1000], type=pa.timestamp("us", tz="Europe/Paris"))
        assert parse(array) == [T0]

    def test_naive_timestamps_take_the_zone(self) -> None:
        array = pa.array([T0], type=pa.timestamp("ns"))
        assert parse(array, tz="+01:00") == [T0 - 3_600_000_000_000]

    def test_dates(self) -> None:
        assert parse(pa.array([19724], type=pa.date32())) == [19724 * 86_400_000_000_000]


class TestFormatSpec:
    @pytest.mark.parametrize("text", ["minutes", "%Q", "%H:%M", "%d.%m.%Y %I:%M"])
    def test_bad_formats_are_input_errors(self, text: str) -> None:
        with pytest.raises(InputError) as caught:
            TimestampFormat(text)
        assert caught.value.field == "ts_format"

    def test_unknown_zone_is_an_input_error(self) -> None:
        with pytest.raises(InputError) as caught:
            TimestampFormat("auto", "Europe/Londn")
        assert caught.value.field == "tz"

    def test_units_are_case_insensitive(self) -> None:
        assert TimestampFormat("MS").format == "ms"
