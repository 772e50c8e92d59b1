"""Source formats by name: vendor presets of the generic readers, detection, one entry point.

`FORMATS` lists the names `read_source` accepts:

- ``csv``, ``parquet``: the generic readers; the kind is given or inferred
  from the header (bars, quotes, order events, book deltas, trades).
- ``bi5``: Dukascopy hourly tick files (`read_bi5`).
- ``dukascopy-csv``: Dukascopy / JForex exports. Ticks ``Gmt time,Ask,Bid,
  AskVolume,BidVolume`` with times ``dd.mm.yyyy HH:MM:SS.fff`` (UTC); a
  ``Local time`` column with a ``GMT+0200`` suffix is read through its offset.
  Candle exports (``Open,High,Low,Close,Volume``) read as bars, time = open.
- ``tickstory-csv``: Tickstory exports. The standard tick export ``Date,
  Timestamp,Bid Price,Ask Price,Last Price,Volume`` (``yyyymmdd`` and
  ``HH:MM:SS[.fff]``, in the zone chosen at export: pass ``tz``); ``Volume``
  counts ticks and ``Last Price`` copies the bid, so neither is read and quote
  sizes default to 0. A custom export ``Timestamp,Bid price,Ask price,Bid
  volume,Ask volume`` with an ISO or ``yyyymmdd HH:MM:SS.fff`` time also works.
- ``yahoo-bars``: Yahoo Finance ``Date,Open,High,Low,Close,Adj Close,Volume``.
  ``Adj Close`` is ignored, rows of ``null`` (days without data) are skipped,
  the interval is the most common date spacing (1 day if it cannot be told),
  and the date is the bar's open, so ``ts_event = date + interval``.
- ``bars-csv``: any OHLC(V) CSV; the time column is the bar's open time
  unless ``bar_time="close"`` or it is named ``ts_event`` (tickdeck's own
  layout, where it is the close time).

`detect_format` picks a name from the extension, the Parquet magic bytes and
the header line. Options not valid for the chosen format are rejected with a
suggestion, as are unknown format names.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Final

import pyarrow as pa
import pyarrow.parquet as pq

from tickdeck.core import DataError, DataKind, InputError, Instrument
from tickdeck.core.errors import suggest
from tickdeck.data._source import SourceTable
from tickdeck.data.ingest._mapping import ColumnMapping, normalize_header
from tickdeck.data.ingest._timestamps import TimestampFormat
from tickdeck.data.ingest.csv import parse_delimiter, read_csv, read_header
from tickdeck.data.ingest.dukascopy import dukascopy_hour, read_bi5
from tickdeck.data.ingest.parquet import read_parquet

__all__ = ["FORMATS", "detect_format", "infer_kind", "read_source"]

#: Every format name `read_source` accepts (besides ``auto``).
FORMATS: Final = (
    "csv",
    "parquet",
    "bi5",
    "dukascopy-csv",
    "tickstory-csv",
    "yahoo-bars",
    "bars-csv",
)

_DAY_NS: Final = 86_400_000_000_000
_DUKASCOPY_TIME: Final = "%d.%m.%Y %H:%M:%S.%f"
_CSV_OPTIONS: Final = frozenset({"delimiter", "skip_rows", "skip_null_rows", "allow_unterminated"})
_TABLE_OPTIONS: Final = frozenset({"bar_time", "bar_interval", "recv_delay", "tz"})
_BI5_OPTIONS: Final = frozenset({"symbol", "decimals", "hour_start_ns"})
# Most specific first: a snapshot header also has bid/ask prices, an order event a side and price.
_KIND_ORDER: Final = (
    DataKind.BOOK_SNAPSHOT,
    DataKind.BAR,
    DataKind.QUOTE,
    DataKind.ORDER_EVENT,
    DataKind.BOOK_DELTA,
    DataKind.TRADE,
)
_Options = dict[str, object]
_Reader = Callable[
    [Path, DataKind | None, ColumnMapping, TimestampFormat | None, _Options], SourceTable
]


def detect_format(path: str | Path) -> str:
    """The format name of a file, from its extension, magic bytes or header line."""
    file = Path(path)
    if file.suffix.lower() == ".bi5":
        return "bi5"
    try:
        with file.open("rb") as handle:
            head = handle.read(65_536)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise InputError("path", str(path), "an existing file") from None
    if file.suffix.lower() in (".parquet", ".pq") or head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"\x1f\x8b"):
        with gzip.open(file, "rb") as handle:
            head = handle.read(65_536)
    try:
        first = head.decode("utf-8-sig", errors="strict").splitlines()[0] if head.strip() else ""
    except UnicodeDecodeError:
        raise DataError(str(path), "unrecognised format: not text, .bi5 or Parquet") from None
    tokens = {normalize_header(t) for t in re.split(r"[,;\t]", first)}
    if tokens & {"gmttime", "localtime"}:
        return "dukascopy-csv"
    if {"date", "adjclose"} <= tokens:
        return "yahoo-bars"
    if {"timestamp", "bidprice", "askprice"} <= tokens:
        return "tickstory-csv"
    if {"open", "high", "low", "close"} <= tokens:
        return "bars-csv"
    return "csv"


def infer_kind(
    header: list[str],
    mapping: ColumnMapping | None = None,
    *,
    source: str = "header",
    header_line: int | None = None,
) -> DataKind:
    """The most specific data kind whose required fields the header provides."""
    mapping = mapping or ColumnMapping()
    # A mapped column missing from the header is the error, whatever the kind.
    mapping.locate(header, source=source, header_line=header_line)
    for kind in _KIND_ORDER:
        try:
            mapping.resolve(header, kind, source="header")
        except (DataError, InputError):
            continue
        return kind
    raise InputError(
        "kind",
        None,
        "a data kind (quotes, trades, bars, book_deltas, book_snapshots, order_events)",
        hint=f"the header {header} matches none; pass kind= or a column mapping",
    )


def read_source(
    path: str | Path,
    *,
    format: str = "auto",
    kind: DataKind | str | None = None,
    mapping: ColumnMapping | None = None,
    timestamps: TimestampFormat | str | None = None,
    instrument: Instrument | None = None,
    **options: object,
) -> SourceTable:
    """Read any supported source into a `SourceTable`.

    `format` is one of `FORMATS` or ``auto`` (`detect_format`). Options:
    ``delimiter``, ``skip_rows``, ``skip_null_rows``, ``allow_unterminated``
    (text formats, see `read_csv`);
    ``bar_time`` (``open``/``close``), ``bar_interval`` (``1m``, ``1d`` ...),
    ``recv_delay`` (added to ``ts_event`` for ``ts_recv``), ``tz`` (zone of
    naive times) for tables; ``symbol``, ``decimals``, ``hour_start_ns`` for ``bi5``.
    `instrument` only serves ``bi5`` files whose path names no symbol: its
    symbol then picks the Dukascopy decimals. Readers never snap prices.
    """
    name = str(format).strip().lower()
    if name == "auto":
        name = detect_format(path)
    if name not in FORMATS:
        raise InputError("format", format, "a known format", hint=suggest(name, (*FORMATS, "auto")))
    allowed = (
        _BI5_OPTIONS
        if name == "bi5"
        else _TABLE_OPTIONS | (set() if name == "parquet" else _CSV_OPTIONS)
    )
    for option, value in options.items():
        if option not in allowed:
            raise InputError(
                option, value, f"an option of the {name} format", hint=suggest(option, allowed)
            )
    data_kind = None if kind is None else DataKind.parse(kind, field="kind")
    if name == "bi5":
        if data_kind not in (None, DataKind.QUOTE):
            raise InputError("kind", kind, "quotes (bi5 files hold quotes)")
        if mapping is not None and mapping.columns:
            raise InputError(
                "mapping", dict(mapping.columns), "none: bi5 records have fixed fields"
            )
        if timestamps not in (None, "auto", TimestampFormat()):
            raise InputError("timestamps", timestamps, "none: bi5 times are ms from the hour")
        return _read_bi5(path, options, instrument)
    mapping = (mapping or ColumnMapping()).with_options(
        bar_time=options.get("bar_time"),
        bar_interval=options.get("bar_interval"),
        recv_delay=options.get("recv_delay"),
    )
    spec = _spec(timestamps, mapping, options.get("tz"))
    return _READERS[name](Path(path), data_kind, mapping, spec, options)


def _read_bi5(path: str | Path, options: _Options, instrument: Instrument | None) -> SourceTable:
    symbol = options.get("symbol")
    if symbol is not None and not isinstance(symbol, str):
        raise InputError("symbol", symbol, "a Dukascopy symbol such as EURUSD")
    named = dukascopy_hour(path)
    if symbol is None and instrument is not None and (named is None or named[0] is None):
        symbol = instrument.symbol
    decimals, hour = _int_option(options, "decimals"), _int_option(options, "hour_start_ns")
    return read_bi5(path, symbol=symbol, decimals=decimals, hour_start_ns=hour)


def _int_option(options: _Options, name: str) -> int | None:
    value = options.get(name)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise InputError(name, value, "a whole number")
    return value


def _spec(
    timestamps: TimestampFormat | str | None, mapping: ColumnMapping, tz: object
) -> TimestampFormat | None:
    """The user's timestamp format, if any, with the ``tz`` option; None lets presets choose."""
    spec = timestamps if not isinstance(timestamps, str) else TimestampFormat(timestamps)
    spec = spec or mapping.timestamps
    if tz is None:
        return spec
    return TimestampFormat(spec.format if spec else "auto", str(tz))


def _read_csv_with(
    path: Path,
    kind: DataKind,
    mapping: ColumnMapping,
    spec: TimestampFormat | None,
    options: _Options,
    *,
    skip_null_rows: bool = False,
    default_bar_interval_ns: int | None = None,
) -> SourceTable:
    delimiter, skip_rows = _text_layout(options)
    skip_nulls = options.get("skip_null_rows", skip_null_rows)
    unterminated = options.get("allow_unterminated", False)
    for name, flag in (("skip_null_rows", skip_nulls), ("allow_unterminated", unterminated)):
        if not isinstance(flag, bool):
            raise InputError(name, flag, "true or false")
    return read_csv(
        path,
        kind=kind,
        mapping=mapping,
        timestamps=spec,
        delimiter=delimiter,
        skip_rows=skip_rows,
        skip_null_rows=bool(skip_nulls),
        default_bar_interval_ns=default_bar_interval_ns,
        allow_unterminated=bool(unterminated),
    )


def _text_layout(options: _Options) -> tuple[str, int]:
    delimiter = parse_delimiter(options.get("delimiter", ","))
    skip_rows = options.get("skip_rows", 0)
    if isinstance(skip_rows, bool) or not isinstance(skip_rows, int) or skip_rows < 0:
        raise InputError("skip_rows", skip_rows, "a whole number >= 0")
    return delimiter, skip_rows


def _header_names(path: Path, options: _Options) -> dict[str, str]:
    delimiter, skip_rows = _text_layout(options)
    return {
        normalize_header(h): h.strip()
        for h in read_header(path, delimiter=delimiter, skip_rows=skip_rows)
    }


def _fixed_kind(kind: DataKind | None, wanted: DataKind, name: str) -> DataKind:
    if kind not in (None, wanted):
        raise InputError(
            "kind", kind.label if kind else kind, f"{wanted.label} ({name} holds only these)"
        )
    return wanted


def _read_csv(
    path: Path,
    kind: DataKind | None,
    mapping: ColumnMapping,
    spec: TimestampFormat | None,
    options: _Options,
) -> SourceTable:
    if kind is None:
        delimiter, skip_rows = _text_layout(options)
        header = read_header(path, delimiter=delimiter, skip_rows=skip_rows)
        kind = infer_kind(header, mapping, source=str(path), header_line=skip_rows + 1)
    return _read_csv_with(path, kind, mapping, spec, options)


def _read_parquet(
    path: Path,
    kind: DataKind | None,
    mapping: ColumnMapping,
    spec: TimestampFormat | None,
    options: _Options,
) -> SourceTable:
    if kind is None:
        try:
            header = list(pq.read_schema(path).names)
        except (OSError, pa.ArrowException) as error:
            raise DataError(str(path), f"not a readable Parquet file ({error})") from None
        kind = infer_kind(header, mapping, source=str(path))
    return read_parquet(path, kind=kind, mapping=mapping, timestamps=spec)


def _read_dukascopy_csv(
    path: Path,
    kind: DataKind | None,
    mapping: ColumnMapping,
    spec: TimestampFormat | None,
    options: _Options,
) -> SourceTable:
    names = _header_names(path, options)
    bars = {"open", "high", "low", "close"} <= names.keys()
    data_kind = _fixed_kind(kind, DataKind.BAR if bars else DataKind.QUOTE, "this Dukascopy export")
    column = names.get("gmttime") or names.get("localtime")
    if column is not None and "ts_event" not in mapping.columns:
        mapping = mapping.with_columns({"ts_event": column})
    if spec is None and column is not None:
        local = normalize_header(column) == "localtime"
        spec = TimestampFormat(_DUKASCOPY_TIME + (" GMT%z" if local else ""))
    if bars and mapping.bar_time == "auto":
        mapping = replace(mapping, bar_time="open")
    return _read_csv_with(path, data_kind, mapping, spec, options)


def _read_tickstory_csv(
    path: Path,
    kind: DataKind | None,
    mapping: ColumnMapping,
    spec: TimestampFormat | None,
    options: _Options,
) -> SourceTable:
    data_kind = _fixed_kind(kind, DataKind.QUOTE, "tickstory-csv")
    names = _header_names(path, options)
    if {"date", "timestamp"} <= names.keys() and "ts_event" not in mapping.columns:
        mapping = mapping.with_columns({"ts_event": f"{names['date']}+{names['timestamp']}"})
        spec = spec or TimestampFormat("%Y%m%d %H:%M:%S.%f")
    return _read_csv_with(path, data_kind, mapping, spec, options)


def _read_yahoo_bars(
    path: Path,
    kind: DataKind | None,
    mapping: ColumnMapping,
    spec: TimestampFormat | None,
    options: _Options,
) -> SourceTable:
    data_kind = _fixed_kind(kind, DataKind.BAR, "yahoo-bars")
    mapping = replace(mapping, bar_time="open") if mapping.bar_time == "auto" else mapping
    return _read_csv_with(
        path,
        data_kind,
        mapping,
        spec,
        options,
        skip_null_rows=True,
        default_bar_interval_ns=_DAY_NS,
    )


def _read_bars_csv(
    path: Path,
    kind: DataKind | None,
    mapping: ColumnMapping,
    spec: TimestampFormat | None,
    options: _Options,
) -> SourceTable:
    data_kind = _fixed_kind(kind, DataKind.BAR, "bars-csv")
    # "auto": open times, unless the column is tickdeck's own ts_event (a close time).
    return _read_csv_with(path, data_kind, mapping, spec, options)


_READERS: Final[dict[str, _Reader]] = {
    "csv": _read_csv,
    "parquet": _read_parquet,
    "dukascopy-csv": _read_dukascopy_csv,
    "tickstory-csv": _read_tickstory_csv,
    "yahoo-bars": _read_yahoo_bars,
    "bars-csv": _read_bars_csv,
}
