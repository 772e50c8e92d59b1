"""Timestamp columns to int64 nanoseconds UTC, vectorised.

A `TimestampFormat` says how a source writes its times:

- ``"s"``, ``"ms"``, ``"us"``, ``"ns"``: numbers since the Unix epoch. Text such
  as ``1704196800.123`` is converted exactly (the fraction is read as digits,
  not as a float); float columns are rounded to the microsecond, the most a
  float64 epoch time carries.
- ``"iso"``: ISO 8601 text, with a zone (``Z``, ``+01:00``) or naive.
- a strptime pattern such as ``"%d.%m.%Y %H:%M:%S.%f"``. Supported directives:
  ``%Y %y %m %b %B %d %H %I %p %M %S %f %z %%``. ``%f`` takes 1 to 9 digits
  (down to the nanosecond) and, when it follows a separator (``.%f``), the
  separator and fraction may be absent.
- ``"auto"`` (the default): native timestamp columns by their type; numbers by
  magnitude (below 1e11 seconds, 1e14 milliseconds, 1e17 microseconds, else
  nanoseconds; below 1e8 refused), where every value must fall in the same
  band; text by its first value: exactly 8 or 14 digits are a date
  (`DIGIT_DATE_PATTERNS`), other epoch digits as numbers, then ISO 8601, then
  the patterns in `AUTO_PATTERNS`.

Naive times are in `TimestampFormat.tz` (default UTC) and are converted to UTC;
a time in a daylight-saving gap or overlap of that zone is an error. Parsing
runs over whole columns in Arrow and numpy; only after a failure does a slower
search find the first bad value, which is reported as a `DataError` with its
line (or record), field and text.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from typing import Any, Final, cast

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from tickdeck.core import InputError
from tickdeck.data.ingest._rows import (
    RowError,
    RowOrigins,
    at_first_failure,
    first_failure,
    first_true,
)

__all__ = [
    "AUTO_PATTERNS",
    "DIGIT_DATE_PATTERNS",
    "EPOCH_UNITS",
    "TimestampFormat",
    "parse_timestamps",
]

I64 = npt.NDArray[np.int64]

#: Nanoseconds per unit of the epoch formats.
EPOCH_UNITS: Final = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}

#: Patterns tried, in order, for text that is neither epoch digits nor ISO 8601.
AUTO_PATTERNS: Final = (
    "%d.%m.%Y %H:%M:%S.%f",  # Dukascopy / JForex export
    "%d.%m.%Y %H:%M:%S.%f GMT%z",  # Dukascopy "Local time"
    "%Y.%m.%d %H:%M:%S.%f",  # MetaTrader
    "%Y%m%d %H:%M:%S.%f",  # Tickstory
    "%Y%m%d %H%M%S%f",  # HistData ASCII ticks: 20120201 000003660
)

#: Under auto, text of exactly this many digits is a date without separators, never an
#: epoch number. No epoch time auto would accept has that many digits in a plausible year:
#: 8 digits are below the 1e8 floor under which auto refuses to guess a unit (as seconds
#: they are 1970-04 to 1973-03, as ms, us or ns the first day of 1970), and 14 digits can
#: only be milliseconds (1e13 to 1e14), that is the years 2286 to 5138.
DIGIT_DATE_PATTERNS: Final = {8: "%Y%m%d", 14: "%Y%m%d%H%M%S"}

_FORMATS_HINT = "s, ms, us, ns, iso or a strptime pattern such as '%d.%m.%Y %H:%M:%S.%f'"
_DIRECTIVES: Final = {
    "Y": r"\d{4}",
    "y": r"\d{2}",
    "m": r"\d{1,2}",
    "b": r"[A-Za-z]{3}",
    "B": r"[A-Za-z]{3,9}",
    "d": r"\d{1,2}",
    "H": r"\d{1,2}",
    "I": r"\d{1,2}",
    "p": r"[AaPp][Mm]",
    "M": r"\d{1,2}",
    "S": r"\d{1,2}",
    "f": r"\d{1,9}",
    "z": r"Z|[+-]\d{2}(?::?\d{2})?",
}
_MONTH_NAMES: Final = [
    *("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
    *("january", "february", "march", "april", "may", "june", "july", "august"),
    *("september", "october", "november", "december"),
]
_OFFSET = re.compile(r"^[+-]\d{2}:\d{2}$")
_EPOCH_TEXT = re.compile(r"^\s*-?\d+(\.\d*)?\s*$")
_DIGIT_DATE = re.compile(r"^\s*(\d{8}|\d{14})\s*$", re.ASCII)
_ZONED_ISO = r"\d{2}:\d{2}(:\d{2}(\.\d*)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)$"
# Magnitude bands of epoch numbers under auto: below 1e8 auto cannot tell epoch seconds from,
# say, a count or a date (refused), then seconds, milliseconds, microseconds, nanoseconds.
_BAND_LIMITS: Final = np.array([10**8, 10**11, 10**14, 10**17], dtype=np.int64)
_BAND_UNITS: Final = (None, "s", "ms", "us", "ns")
_MAX_SECONDS: Final = (2**63 - 1) // 1_000_000_000 - 1  # whole seconds that fit in int64 ns
_UNIT_NAMES: Final = {
    "s": "seconds",
    "ms": "milliseconds",
    "us": "microseconds",
    "ns": "nanoseconds",
}


@dataclass(frozen=True)
class TimestampFormat:
    """How a source writes times: `format` (see the module docstring), `tz` of naive times."""

    format: str = "auto"
    tz: str = "UTC"

    def __post_init__(self) -> None:
        text = str(self.format).strip()
        object.__setattr__(self, "format", text if "%" in text else text.lower())
        if self.format not in ("auto", "iso", *EPOCH_UNITS) and "%" not in self.format:
            raise InputError("ts_format", self.format, _FORMATS_HINT)
        if "%" in self.format:
            _compile_pattern(self.format)
        tz = str(self.tz).strip()
        object.__setattr__(self, "tz", "UTC" if tz.upper() in ("UTC", "Z", "GMT") else tz)
        if self.tz != "UTC" and not _OFFSET.match(self.tz):
            try:
                zoneinfo.ZoneInfo(self.tz)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise InputError(
                    "tz",
                    self.tz,
                    "an IANA time zone such as 'Europe/London' or an offset such as '+02:00'",
                ) from None


def parse_timestamps(
    values: pa.Array[Any] | pa.ChunkedArray[Any],
    spec: TimestampFormat,
    *,
    field: str,
    origins: RowOrigins,
) -> I64:
    """Parse a column of times into int64 ns UTC; nulls and bad values raise `DataError`."""
    column = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    try:
        if column.null_count:
            raise RowError(first_true(column.is_null()), "empty timestamp")
        return _parse(column, spec)
    except RowError as bad:
        value = column[bad.index].as_py() if bad.index < len(column) else None
        raise origins.error(bad.index, bad.problem, field=field, value=value) from None


def _parse(column: pa.Array[Any], spec: TimestampFormat) -> I64:
    kind = column.type
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        return _from_arrow_time(column, spec.tz)
    if pa.types.is_integer(kind) or pa.types.is_floating(kind):
        if spec.format not in ("auto", *EPOCH_UNITS):
            raise RowError(0, f"numbers cannot be read with the timestamp format {spec.format!r}")
        return _from_numbers(column, spec.format)
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        raise RowError(0, f"a column of type {kind} cannot hold timestamps")
    text = column.cast(pa.string())
    fmt = spec.format if spec.format != "auto" else _detect(str(text[0].as_py()))
    if fmt in EPOCH_UNITS or fmt == "auto-epoch":
        return _from_epoch_text(text, fmt)
    if fmt == "iso":
        return _from_iso(text, spec.tz)
    return _from_pattern(text, fmt, spec.tz)


def _detect(first: str) -> str:
    """The format of a text column, judged from its first value."""
    digits = _DIGIT_DATE.match(first)
    if digits:
        return DIGIT_DATE_PATTERNS[len(digits.group(1))]
    if _EPOCH_TEXT.match(first):
        return "auto-epoch"
    try:
        _iso_parts(pa.array([first]))
        return "iso"
    except pa.ArrowInvalid:
        pass
    for pattern in AUTO_PATTERNS:
        if re.fullmatch(_compile_pattern(pattern), first.strip()):
            return pattern
    raise RowError(0, f"unrecognised timestamp format; pass --ts-format ({_FORMATS_HINT})")


def _unit_for(values: npt.NDArray[np.int64] | npt.NDArray[np.float64], fmt: str) -> int:
    """Nanoseconds per unit of the epoch numbers `values`: `fmt`'s, or under auto by magnitude.

    Under auto every value must fall in the same magnitude band: judged by the
    largest alone, one stray millisecond value among seconds would silently
    move every other row to 1970. The row that disagrees with most rows (with
    the first row, on a tie) is reported.
    """
    if fmt in EPOCH_UNITS:
        return EPOCH_UNITS[fmt]
    if not len(values):
        return 1
    magnitudes = np.abs(values)
    ends = np.searchsorted(_BAND_LIMITS, [magnitudes.min(), magnitudes.max()], side="right")
    if ends[0] == ends[1] and ends[0] > 0:
        return EPOCH_UNITS[str(_BAND_UNITS[int(ends[0])])]
    bands = np.searchsorted(_BAND_LIMITS, magnitudes, side="right")
    counts = np.bincount(bands, minlength=len(_BAND_UNITS))
    usual = int(bands[0]) if counts[bands[0]] == counts.max() else int(np.argmax(counts))
    if usual == 0:
        raise RowError(
            first_true(bands == 0),
            "number too small to tell the epoch unit (or a date without separators); "
            f"pass --ts-format ({_FORMATS_HINT})",
        )
    odd = first_true(bands != usual)
    unit = _UNIT_NAMES[str(_BAND_UNITS[usual])]
    this = _BAND_UNITS[int(bands[odd])]
    read = f"as {_UNIT_NAMES[this]}" if this else "too small to tell"
    raise RowError(
        odd,
        f"epoch number of another magnitude than most rows (read as {unit} since the epoch, "
        f"this one {read}); one unit must fit every row: pass --ts-format ({_FORMATS_HINT})",
    )


def _from_numbers(column: pa.Array[Any], fmt: str) -> I64:
    if pa.types.is_floating(column.type):
        floats = column.to_numpy(zero_copy_only=False).astype(np.float64)
        if not np.isfinite(floats).all():
            raise RowError(first_true(~np.isfinite(floats)), "not a finite number")
        unit = _unit_for(floats, fmt)
        micros = np.rint(floats * (unit / 1_000))
        if np.abs(micros).max(initial=0.0) >= 2**63 / 1_000:
            raise RowError(int(np.abs(micros).argmax()), "timestamp out of range")
        return micros.astype(np.int64) * 1_000
    ints = at_first_failure(
        column,
        lambda part: np.asarray(part.cast(pa.int64()).to_numpy(zero_copy_only=False)),
        "timestamp out of range",
    )
    return _scale(ints, _unit_for(ints, fmt))


def _scale(ints: I64, unit: int) -> I64:
    limit = (2**63 - 1) // unit
    out_of_range = np.abs(ints) > limit
    if out_of_range.any():
        raise RowError(first_true(out_of_range), "timestamp out of range")
    return ints * unit


def _from_epoch_text(text: pa.Array[Any], fmt: str) -> I64:
    try:
        ints = text.cast(pa.int64()).to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid:
        return _from_decimal_text(text, fmt)
    return _scale(ints, _unit_for(ints, fmt))


def _from_decimal_text(text: pa.Array[Any], fmt: str) -> I64:
    """Exact epoch numbers with fractions: ``-12.5`` is sign, integer digits and fraction digits."""
    parts = pc.extract_regex(
        text, pattern=r"^\s*(?P<sign>-?)(?P<whole>\d{1,19})(?:\.(?P<frac>\d*))?\s*$"
    )
    if parts.null_count:
        units = fmt if fmt in EPOCH_UNITS else "s, ms, us or ns"
        raise RowError(first_true(parts.is_null()), f"not a number of {units} since the epoch")
    whole = at_first_failure(
        parts.field("whole"),
        lambda part: part.cast(pa.int64()).to_numpy(zero_copy_only=False),
        "timestamp out of range",
    )
    unit = _unit_for(whole, fmt)
    frac = pc.utf8_slice_codeunits(pc.utf8_rpad(parts.field("frac"), 9, "0"), 0, 9)
    nanos = frac.cast(pa.int64()).to_numpy(zero_copy_only=False) * unit // 1_000_000_000
    negative = _equals(parts.field("sign"), "-")
    total = _scale(whole, unit) + nanos
    return np.asarray(np.where(negative, -total, total), dtype=np.int64)


def _from_iso(text: pa.Array[Any], tz: str) -> I64:
    """ISO 8601 text, zoned or naive (in `tz`), mixed or not."""
    ns, naive = at_first_failure(text, _iso_parts, "not an ISO 8601 time")
    if tz != "UTC" and naive.any():
        ns = ns.copy()  # Arrow's buffers are read-only
        positions = np.flatnonzero(naive)
        try:
            ns[positions] = _localize_or_raise(ns[positions], tz)
        except RowError as bad:
            raise RowError(int(positions[bad.index]), bad.problem) from None
    return ns


def _iso_parts(text: pa.Array[Any]) -> tuple[I64, npt.NDArray[np.bool_]]:
    """(ns, UTC if zoned and wall clock if naive; which are naive). Raises `ArrowInvalid`."""
    try:
        return _to_ns(text.cast(pa.timestamp("ns", tz="UTC"))), np.zeros(len(text), dtype=bool)
    except pa.ArrowInvalid:
        pass
    try:
        return _to_ns(text.cast(pa.timestamp("ns"))), np.ones(len(text), dtype=bool)
    except pa.ArrowInvalid:
        pass
    zoned = pc.match_substring_regex(text, _ZONED_ISO).to_numpy(zero_copy_only=False)
    if zoned.all() or not zoned.any():
        raise pa.ArrowInvalid("not ISO 8601")
    out = np.empty(len(text), dtype=np.int64)
    out[zoned] = _to_ns(text.filter(pa.array(zoned)).cast(pa.timestamp("ns", tz="UTC")))
    out[~zoned] = _to_ns(text.filter(pa.array(~zoned)).cast(pa.timestamp("ns")))
    return out, ~zoned


def _from_arrow_time(column: pa.Array[Any], tz: str) -> I64:
    aware = pa.types.is_timestamp(column.type) and column.type.tz is not None
    target = pa.timestamp("ns", tz="UTC") if aware else pa.timestamp("ns")
    ns = at_first_failure(column, lambda part: _to_ns(part.cast(target)), "timestamp out of range")
    return ns if aware else _localize_or_raise(ns, tz)


def _to_ns(stamps: pa.Array[Any]) -> I64:
    return np.asarray(stamps.cast(pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)


def _localize(naive_ns: I64, tz: str) -> I64:
    """Naive wall-clock ns in `tz` to UTC ns. Raises `ArrowInvalid` in DST gaps and overlaps."""
    if tz == "UTC":
        return naive_ns
    local = cast("pa.TimestampArray", pa.array(naive_ns, type=pa.timestamp("ns")))
    return _to_ns(pc.assume_timezone(local, timezone=tz))


def _localize_or_raise(naive_ns: I64, tz: str) -> I64:
    try:
        return _localize(naive_ns, tz)
    except pa.ArrowInvalid as failure:
        problem = "ambiguous" if "mbiguous" in str(failure) else "does not exist"
        index = first_failure(len(naive_ns), lambda lo, hi: _localize(naive_ns[lo:hi], tz))
        raise RowError(
            index if index is not None else 0,
            f"local time {problem} in {tz} (daylight saving change); use UTC or an offset",
        ) from None


# -- strptime patterns, compiled to one regex with a named group per directive ----------------


def _compile_pattern(pattern: str) -> str:
    out: list[str] = []
    seen: set[str] = set()
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char != "%":
            out.append(re.escape(char))
            i += 1
            continue
        code = pattern[i + 1 : i + 2]
        i += 2
        if code == "%":
            out.append("%")
            continue
        if code not in _DIRECTIVES or code in seen:
            problem = "repeats" if code in seen else "uses an unsupported directive"
            raise InputError(
                "ts_format",
                pattern,
                "a strptime pattern using %Y %y %m %b %B %d %H %I %p %M %S %f %z",
                hint=f"the pattern {problem} %{code}",
            )
        seen.add(code)
        group = f"(?P<{code}>{_DIRECTIVES[code]})"
        if code == "f" and out and i >= 3 and pattern[i - 3] in ".,":
            out[-1] = f"(?:{out[-1]}{group})?"  # "13:00:00" is accepted where ".%f" is expected
        else:
            out.append(group)
    if not ({"Y", "y"} & seen and {"m", "b", "B"} & seen and "d" in seen):
        raise InputError("ts_format", pattern, "a pattern with a date: %Y or %y, %m or %b, %d")
    if ("I" in seen) != ("p" in seen):
        raise InputError("ts_format", pattern, "%I together with %p (12-hour clock)")
    return "^" + "".join(out) + "$"


def _from_pattern(text: pa.Array[Any], pattern: str, tz: str) -> I64:
    groups = pc.extract_regex(pc.utf8_trim_whitespace(text), pattern=_compile_pattern(pattern))
    if groups.null_count:
        raise RowError(first_true(groups.is_null()), f"does not match the pattern {pattern!r}")
    names = {groups.type.field(i).name for i in range(groups.type.num_fields)}

    def number(name: str, default: int) -> I64:
        if name not in names:
            return np.full(len(text), default, dtype=np.int64)
        digits = pc.utf8_lpad(groups.field(name), 1, "0")  # an absent optional group is ""
        return np.asarray(digits.cast(pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)

    year = number("Y", 0) if "Y" in names else number("y", 0)
    if "y" in names:
        year = np.where(year < 69, 2000 + year, 1900 + year)  # POSIX rule for two-digit years
    month = number("m", 1)
    for name in ("b", "B"):
        if name in names:
            lowered = pc.utf8_lower(groups.field(name))
            index = pc.index_in(lowered, value_set=pa.array(_MONTH_NAMES))
            if index.null_count:
                raise RowError(first_true(index.is_null()), "unknown month name")
            month = index.to_numpy(zero_copy_only=False).astype(np.int64) % 12 + 1
    day, minute, second = number("d", 1), number("M", 0), number("S", 0)
    hour = number("H", 0)
    if "I" in names:
        pm = _equals(pc.utf8_lower(groups.field("p")), "pm")
        hour = number("I", 12) % 12 + np.where(pm, 12, 0)
        _check_range(number("I", 12), 1, 12, "hour")
    nanos = np.zeros(len(text), dtype=np.int64)
    if "f" in names:
        digits = pc.utf8_slice_codeunits(pc.utf8_rpad(groups.field("f"), 9, "0"), 0, 9)
        nanos = digits.cast(pa.int64()).to_numpy(zero_copy_only=False)
    _check_range(month, 1, 12, "month")
    _check_range(day, 1, 31, "day")
    _check_range(day, 1, _days_in_month(year, month), "day of month")
    _check_range(hour, 0, 23, "hour")
    _check_range(minute, 0, 59, "minute")
    _check_range(second, 0, 59, "second")
    seconds = ((_days_from_civil(year, month, day) * 24 + hour) * 60 + minute) * 60 + second
    # int64 ns span 1677-09-21 to 2262-04-11; beyond, the product below would wrap around.
    _check_range(seconds, -_MAX_SECONDS, _MAX_SECONDS, "timestamp")
    total = seconds * 1_000_000_000 + nanos
    if "z" not in names:
        return _localize_or_raise(total, tz)
    return total - _offset_seconds(groups.field("z")) * 1_000_000_000


def _offset_seconds(zone: pa.Array[Any]) -> I64:
    parts = pc.extract_regex(zone, pattern=r"^(?P<sign>[+-]?)(?P<h>\d{0,2}):?(?P<m>\d{0,2})$")
    hours = pc.utf8_lpad(parts.field("h"), 1, "0").cast(pa.int64()).to_numpy(zero_copy_only=False)
    mins = pc.utf8_lpad(parts.field("m"), 1, "0").cast(pa.int64()).to_numpy(zero_copy_only=False)
    _check_range(mins, 0, 59, "zone offset minutes")
    sign = np.where(_equals(parts.field("sign"), "-"), -1, 1)
    return np.asarray(sign * (hours * 3600 + mins * 60), dtype=np.int64)


def _equals(text: pa.Array[Any], value: str) -> npt.NDArray[np.bool_]:
    return np.asarray(pc.equal(text, pa.scalar(value)).to_numpy(zero_copy_only=False), dtype=bool)


def _check_range(values: I64, low: int, high: int | I64, what: str) -> None:
    bad = (values < low) | (values > high)
    if bad.any():
        raise RowError(first_true(bad), f"{what} out of range")


def _days_in_month(year: I64, month: I64) -> I64:
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    lengths = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
    return np.asarray(lengths[np.clip(month, 1, 12) - 1] + ((month == 2) & leap), dtype=np.int64)


def _days_from_civil(year: I64, month: I64, day: I64) -> I64:
    """Days since 1970-01-01 of proleptic Gregorian dates (years counted from March)."""
    y = year - (month <= 2)
    era = y // 400
    year_of_era = y - era * 400
    day_of_year = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return np.asarray(era * 146_097 + day_of_era - 719_468, dtype=np.int64)
