"""Which source column feeds which canonical field, and what fills the fields a source lacks.

A `ColumnMapping` names, for some canonical fields of a record layout, the
source column that holds them (matched case-insensitively against the header).
Fields it does not name are found through default aliases (``Bid``,
``bid_price``, ``BidPrice`` ... for ``bid_price``; matching ignores case, spaces
and punctuation). A time field may join columns with ``+`` (``Date+Time``): the
texts are joined with a space before parsing.

Fields that no column provides get the defaults of docs/ingestion.md; the
defaulted field names are recorded in the table's schema metadata and read
back with `defaulted_fields`, so later stages know, for instance, that zero
quote sizes mean "unknown" rather than "empty book".

The conversion of the resolved columns into the canonical layout lives in
`tickdeck.data.ingest._convert`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, Literal

from tickdeck.core import (
    BOOK_SNAPSHOT_DEPTH,
    LAYOUTS,
    Aggressor,
    BookAction,
    DataError,
    DataKind,
    InputError,
    OrderAction,
    Side,
    layout,
    parse_duration,
)
from tickdeck.core.errors import suggest
from tickdeck.data.ingest._timestamps import (
    TimestampFormat,
)

__all__ = [
    "REQUIRED",
    "BarTime",
    "ColumnMapping",
    "normalize_header",
]

BarTime = Literal["auto", "open", "close"]

#: Fields a source must provide, per kind.
REQUIRED: Final[dict[DataKind, tuple[str, ...]]] = {
    DataKind.QUOTE: ("ts_event", "bid_price", "ask_price"),
    DataKind.TRADE: ("ts_event", "price"),
    DataKind.BAR: ("ts_event", "open", "high", "low", "close"),
    DataKind.BOOK_DELTA: ("ts_event", "side", "price", "size", "action"),
    DataKind.ORDER_EVENT: ("ts_event", "order_id", "side", "price", "size", "action"),
    DataKind.BOOK_SNAPSHOT: ("ts_event", "bid_price_0", "ask_price_0"),
}

DEFAULTED_KEY = b"tickdeck.defaulted"
# In order of preference: an explicit event time beats a generic "time", which beats "date".
_TIME = (
    *("tsevent", "timestamp", "datetime", "time", "date", "ts", "gmttime", "timeutc"),
    *("utctime", "eventtime", "exchangetime", "transacttime"),
)
_RECV = ("tsrecv", "recvtime", "receivetime", "localtimestamp", "tslocal", "tsinit")
_SIZE = ("size", "qty", "quantity", "amount", "volume")
_ALIASES: Final[dict[DataKind, dict[str, tuple[str, ...]]]] = {
    DataKind.QUOTE: {
        "bid_price": ("bidprice", "bid", "bidpx", "bestbid", "bestbidprice"),
        "ask_price": ("askprice", "ask", "askpx", "offer", "offerprice", "bestask", "bestaskprice"),
        "bid_size": ("bidsize", "bidvolume", "bidqty", "bidquantity", "bidamount", "bidvol"),
        "ask_size": ("asksize", "askvolume", "askqty", "askquantity", "askamount", "askvol"),
    },
    DataKind.TRADE: {
        "price": ("price", "px", "tradeprice", "lastprice", "last"),
        "size": (*_SIZE, "tradesize", "tradeqty", "lastsize", "lastqty"),
        "aggressor": ("aggressor", "aggressorside", "side", "takerside", "tradeside", "direction"),
        "trade_id": ("tradeid", "id", "tradeno", "matchid", "execid"),
    },
    DataKind.BAR: {
        "open": ("open", "o", "openprice"),
        "high": ("high", "h", "highprice"),
        "low": ("low", "l", "lowprice"),
        "close": ("close", "c", "closeprice"),
        "volume": ("volume", "vol", "v", "tickvolume"),
        "interval_ns": ("intervalns",),
    },
    DataKind.BOOK_DELTA: {
        "side": ("side",),
        "price": ("price", "px"),
        "size": _SIZE,
        "action": ("action", "updatetype", "type", "event"),
    },
    DataKind.ORDER_EVENT: {
        "order_id": ("orderid", "oid", "id"),
        "side": ("side",),
        "price": ("price", "px"),
        "size": _SIZE,
        "action": ("action", "event", "type", "msgtype"),
    },
    DataKind.BOOK_SNAPSHOT: {
        f"{side}_{what}_{i}": tuple(
            form.format(s=side, w=word, i=i)
            for word in (("price",) if what == "price" else ("size", "amount", "qty", "volume"))
            for form in ("{s}{w}{i}", "{s}s{i}{w}", "{s}{i}{w}")
        )
        for side in ("bid", "ask")
        for what in ("price", "size")
        for i in range(BOOK_SNAPSHOT_DEPTH)
    },
}
_ALL_FIELDS: Final = frozenset(name for spec in LAYOUTS.values() for name in spec.names)
INT_FIELDS: Final = frozenset({"trade_id", "order_id", "interval_ns"})
_TOML_WHERE = re.compile(r"\(at line (\d+), (column \d+)\)")


def _vocabulary(
    members: Sequence[Aggressor | Side | BookAction | OrderAction], **synonyms: int
) -> dict[str, int]:
    words = {m.label: int(m) for m in members} | {str(int(m)): int(m) for m in members}
    words |= {"+1": 1} if 1 in words.values() else {}
    return words | {k.replace("_", " ").strip(): v for k, v in synonyms.items()}


ENUM_CODES: Final[dict[str, dict[str, int]]] = {
    "aggressor": _vocabulary(list(Aggressor), buy=1, b=1, sell=-1, s=-1, unknown=0, n=0, u=0),
    "side": _vocabulary(list(Side), b=1, bid=1, bids=1, s=-1, ask=-1, asks=-1, a=-1, offer=-1),
    "book_action": _vocabulary(
        list(BookAction), a=1, new=1, insert=1, u=2, modify=2, change=2, d=3, remove=3, reset=4
    ),
    "order_action": _vocabulary(
        list(OrderAction), a=1, new=1, m=2, update=2, replace=2, amend=2, c=3, delete=3, d=3,
        e=4, fill=4, f=4, trade=4, t=4, x=4,
    ),
}  # fmt: skip


def normalize_header(name: str) -> str:
    """A column name reduced to lowercase letters and digits, for alias matching."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


@dataclass(frozen=True)
class ColumnMapping:
    """Source columns for canonical fields, plus how to read times, bars and receive times.

    `columns` maps a canonical field name (``ts_event``, ``bid_price`` ...) to a
    source column name; `timestamps` overrides the reader's timestamp format;
    `recv_delay_ns` is added to ``ts_event`` when the source has no receive
    time; `bar_interval_ns` fixes the bar length instead of inferring it;
    `bar_time` says whether a bar's time column is its ``open`` or ``close``
    time (``auto``: close if the column is literally ``ts_event``, else open).
    """

    columns: Mapping[str, str] = field(default_factory=dict)
    timestamps: TimestampFormat | None = None
    recv_delay_ns: int = 0
    bar_interval_ns: int | None = None
    bar_time: BarTime = "auto"

    def __post_init__(self) -> None:
        for key, value in self.columns.items():
            if key not in _ALL_FIELDS:
                raise InputError(
                    "mapping", key, "a canonical field name", hint=suggest(key, _ALL_FIELDS)
                )
            if not isinstance(value, str) or not value.strip():
                raise InputError(f"mapping.{key}", value, "a source column name")
        object.__setattr__(self, "columns", MappingProxyType(dict(self.columns)))
        if (
            isinstance(self.recv_delay_ns, bool)
            or not isinstance(self.recv_delay_ns, int)
            or self.recv_delay_ns < 0
        ):
            raise InputError("recv_delay_ns", self.recv_delay_ns, "a whole number of ns >= 0")
        if self.bar_interval_ns is not None:
            object.__setattr__(
                self, "bar_interval_ns", parse_duration(self.bar_interval_ns, field="bar_interval")
            )
        if self.bar_time not in ("auto", "open", "close"):
            raise InputError("bar_time", self.bar_time, "'open', 'close' or 'auto'")

    @classmethod
    def parse(cls, text: str) -> ColumnMapping:
        """Parse the CLI form ``"ts_event=Time,bid_price=Bid"``."""
        columns: dict[str, str] = {}
        for pair in (p for p in str(text).split(",") if p.strip()):
            key, sep, column = (part.strip() for part in pair.partition("="))
            if not sep or not key or not column:
                raise InputError(
                    "map",
                    pair,
                    "FIELD=COLUMN pairs separated by commas, e.g. ts_event=Time,bid_price=Bid",
                )
            if key in columns:
                raise InputError(
                    "map", text, "each field at most once", hint=f"{key} is mapped twice"
                )
            columns[key] = column
        return cls(columns)

    @classmethod
    def from_toml(cls, path: str | Path) -> ColumnMapping:
        """Read a TOML mapping file: ``[columns]``, ``[timestamps]``, ``[defaults]``, ``[bars]``.

        A missing file is an `InputError`; a file that is not UTF-8 or not valid
        TOML is a `DataError` naming the file and the line.
        """
        source = str(path)
        try:
            raw = Path(path).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise InputError("mapping_file", source, "an existing TOML file") from None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            line = raw.count(b"\n", 0, error.start) + 1
            problem = (
                f"not UTF-8 text (byte {error.start} is 0x{raw[error.start]:02X}); "
                "save the mapping file as UTF-8"
            )
            raise DataError(source, problem, line=line) from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise _toml_error(source, error) from None
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ColumnMapping:
        """Build from the parsed TOML structure (see `from_toml` and docs/ingestion.md)."""
        sections: dict[str, tuple[str, ...] | None] = {
            "columns": None,
            "timestamps": ("format", "tz"),
            "defaults": ("recv_delay",),
            "bars": ("interval", "time"),
        }
        tables: dict[str, dict[str, object]] = {}
        for name, table in data.items():
            if name not in sections:
                raise InputError(
                    "mapping_file", f"[{name}]", "a known section", hint=suggest(name, sections)
                )
            if not isinstance(table, dict):
                raise InputError("mapping_file", name, "a [section] table")
            keys = sections[name] or ()
            for key in table if name != "columns" else ():
                if key not in keys:
                    raise InputError(
                        f"[{name}]", key, f"one of {list(keys)}", hint=suggest(key, keys)
                    )
            tables[name] = table
        columns = tables.get("columns", {})
        if not all(isinstance(v, str) for v in columns.values()):
            raise InputError("[columns]", columns, "column names as strings")
        stamps, defaults, bars = (tables.get(n, {}) for n in ("timestamps", "defaults", "bars"))
        spec = TimestampFormat(str(stamps.get("format", "auto")), str(stamps.get("tz", "UTC")))
        mapping = cls({str(k): str(v) for k, v in columns.items()}, spec if stamps else None)
        return mapping.with_options(
            bar_time=bars.get("time"),
            bar_interval=bars.get("interval"),
            recv_delay=defaults.get("recv_delay"),
        )

    def with_options(
        self, *, bar_time: object = None, bar_interval: object = None, recv_delay: object = None
    ) -> ColumnMapping:
        """A copy with the options that are not None, as text (``"1m"``, ``"open"``) or ns."""
        changes: dict[str, Any] = {}
        if bar_time is not None:
            changes["bar_time"] = str(bar_time).strip().lower()
        if bar_interval is not None:
            changes["bar_interval_ns"] = parse_duration(
                _duration(bar_interval), field="bar_interval"
            )
        if recv_delay is not None:
            zero = recv_delay in (0, "0")
            changes["recv_delay_ns"] = (
                0 if zero else parse_duration(_duration(recv_delay), field="recv_delay")
            )
        return replace(self, **changes) if changes else self

    def with_columns(self, columns: Mapping[str, str]) -> ColumnMapping:
        """A copy where `columns` override or add to the mapped columns (CLI over file)."""
        return replace(self, columns={**self.columns, **columns})

    def locate(
        self, header: Sequence[str], *, source: str, header_line: int | None = None
    ) -> dict[str, tuple[int, ...]]:
        """Header positions of the explicitly mapped columns; `DataError` if one is missing."""
        exact: dict[str, int] = {}
        for i, name in enumerate(header):
            exact.setdefault(name.strip().lower(), i)
        found: dict[str, tuple[int, ...]] = {}
        for key, column in self.columns.items():
            parts = [column] if column.strip().lower() in exact else column.split("+")
            if len(parts) > 1 and key not in ("ts_event", "ts_recv"):
                raise InputError(
                    f"mapping.{key}", column, "one column ('+' joins time columns only)"
                )
            for part in parts:
                if part.strip().lower() not in exact:
                    shown = ", ".join(repr(h) for h in header)
                    raise DataError(
                        source,
                        f"mapped column {part.strip()!r} for {key} is not in the header ({shown})",
                        line=header_line,
                        field=part.strip(),
                    )
            found[key] = tuple(exact[p.strip().lower()] for p in parts)
        return found

    def resolve(
        self, header: Sequence[str], kind: DataKind, *, source: str, header_line: int | None = None
    ) -> dict[str, tuple[int, ...]]:
        """Header positions feeding each field found; `DataError` if a required field has none."""
        names = layout(kind).names
        for key in self.columns:
            if key not in names:
                raise InputError("mapping", key, f"a {kind.label} field", hint=suggest(key, names))
        shown = ", ".join(repr(h) for h in header)
        loose: dict[str, int] = {}
        for i, name in enumerate(header):
            loose.setdefault(normalize_header(name), i)
        found = self.locate(header, source=source, header_line=header_line)
        used = {i for positions in found.values() for i in positions}
        # MetaTrader's <DATE>,<TIME>: the time column alone would lose the day.
        better = {"tsevent", "timestamp", "datetime"} & loose.keys()
        if {"date", "time"} <= loose.keys() and "ts_event" not in found and not better:
            found["ts_event"] = (loose["date"], loose["time"])
            used.update(found["ts_event"])
        candidates = {"ts_event": _TIME, "ts_recv": _RECV, **_ALIASES[kind]}
        for name in names:
            for alias in candidates.get(name, ()) if name not in found else ():
                if loose.get(alias) is not None and loose[alias] not in used:
                    found[name] = (loose[alias],)
                    used.add(loose[alias])
                    break
        lowered = [h.strip().lower() for h in header]
        for i in sorted(used):
            if lowered.count(lowered[i]) > 1:
                raise DataError(
                    source,
                    f"the header has the column {header[i].strip()!r} twice, so it is ambiguous",
                    line=header_line,
                    field=header[i].strip(),
                )
        for name in REQUIRED[kind]:
            if name not in found:
                raise DataError(
                    source,
                    f"no column for the required field {name}; map one with {name}=COLUMN "
                    f"(the header has {shown})",
                    line=header_line,
                    field=name,
                )
        return found


def _toml_error(source: str, error: tomllib.TOMLDecodeError) -> DataError:
    """A `DataError` at the line of a TOML syntax error.

    Python 3.14 gives the line as ``error.lineno``; before that it is only in
    the message, as ``(at line 3, column 7)``.
    """
    message = str(error)
    line = getattr(error, "lineno", None)
    found = _TOML_WHERE.search(message)
    if found is not None:
        message = f"{message[: found.start()].rstrip()} ({found.group(2)})"
        line = line if line is not None else int(found.group(1))
    return DataError(source, f"not valid TOML: {message}", line=line)


def _duration(value: object) -> str | int:
    return value if isinstance(value, int | str) and not isinstance(value, bool) else str(value)
