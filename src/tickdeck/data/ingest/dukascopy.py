"""Dukascopy's hourly ``.bi5`` tick files: quotes in, quotes out.

A ``.bi5`` file holds one hour of quotes of one symbol as an LZMA ("alone"
format) stream of 20-byte big-endian records::

    uint32 ms since the hour start, uint32 ask, uint32 bid, float32 ask volume, float32 bid volume

Prices are integers in points: ``price = int / 10**decimals``, with the
decimals of the symbol (`DUKASCOPY_DECIMALS`: 5 for most FX pairs, 3 for JPY
pairs, gold and silver ...). Dividing an exact integer by an exact power of
ten gives the double nearest the decimal price, so prices land on the grid.
Volumes are widened from float32 and rounded to 7 significant digits (all
that float32 holds), as stored by Dukascopy, not rescaled.

The hour is part of the path, ``.../EURUSD/2024/00/02/13h_ticks.bi5``, where
the MONTH IS 0-BASED (``00`` is January); it can also be given. A 0-byte file
is Dukascopy's marker for an hour without ticks and reads as 0 rows. Records
are decoded with one structured numpy view, never one by one. ``ts_recv`` is
``ts_event``: Dukascopy's times are already its own receive times.
"""

from __future__ import annotations

import lzma
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Final

import numpy as np
import numpy.typing as npt

from tickdeck.core import DataError, DataKind, InputError
from tickdeck.core.errors import suggest
from tickdeck.core.instrument import off_grid_ticks
from tickdeck.data._source import SourceTable
from tickdeck.data.ingest._convert import make_source_table
from tickdeck.data.ingest._rows import RowOrigins

__all__ = [
    "DUKASCOPY_DECIMALS",
    "dukascopy_decimals",
    "dukascopy_hour",
    "dukascopy_path",
    "read_bi5",
    "write_bi5",
]

_FIVE = "EURUSD GBPUSD AUDUSD NZDUSD USDCAD USDCHF EURGBP EURCHF EURAUD EURCAD EURNZD GBPCHF "
_FIVE += "GBPAUD GBPCAD GBPNZD AUDCAD AUDCHF AUDNZD NZDCAD NZDCHF CADCHF USDSEK USDNOK USDDKK "
_FIVE += "USDSGD USDHKD USDMXN USDZAR USDPLN USDTRY EURSEK EURNOK EURPLN EURTRY"
_THREE = "USDJPY EURJPY GBPJPY AUDJPY NZDJPY CADJPY CHFJPY XAUUSD XAGUSD "
_THREE += "USA500IDXUSD USATECHIDXUSD USA30IDXUSD DEUIDXEUR GBRIDXGBP JPNIDXJPY"

#: Price decimals of the symbols whose Dukascopy point is known; others need `decimals=`.
DUKASCOPY_DECIMALS: Final[Mapping[str, int]] = MappingProxyType(
    dict.fromkeys(_FIVE.split(), 5) | dict.fromkeys(_THREE.split(), 3) | {"BTCUSD": 1, "ETHUSD": 1}
)

_RECORD: Final = np.dtype(
    [
        ("time_ms", ">u4"),
        ("ask", ">u4"),
        ("bid", ">u4"),
        ("ask_volume", ">f4"),
        ("bid_volume", ">f4"),
    ]
)
_HOUR_MS: Final = 3_600_000
_HOUR_NS: Final = 3_600_000_000_000
_PATH: Final = re.compile(
    r"(?:(?P<symbol>[^/]+)/)?(?P<year>\d{4})/(?P<month>\d{2})/(?P<day>\d{2})/(?P<hour>\d{2})h_ticks\.bi5$"
)


def dukascopy_decimals(symbol: str | None, decimals: int | None = None) -> int:
    """The price decimals for `symbol`: `decimals` if given, else from `DUKASCOPY_DECIMALS`."""
    if decimals is not None:
        if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 9:
            raise InputError("decimals", decimals, "a whole number of decimals from 0 to 9")
        return decimals
    if symbol is None:
        raise InputError("symbol", None, "a Dukascopy symbol such as EURUSD, or decimals=")
    known = DUKASCOPY_DECIMALS.get(symbol.upper())
    if known is None:
        hint = suggest(symbol.upper(), DUKASCOPY_DECIMALS) or "pass decimals= (5 for EURUSD)"
        raise InputError("symbol", symbol, "a symbol with known Dukascopy decimals", hint=hint)
    return known


def dukascopy_hour(path: str | Path) -> tuple[str | None, int] | None:
    """(symbol or None, hour start in ns UTC) from a Dukascopy-style path, or None."""
    match = _PATH.search(Path(path).as_posix())
    if match is None:
        return None
    year, month, day, hour = (int(match.group(g)) for g in ("year", "month", "day", "hour"))
    try:
        start = datetime(year, month + 1, day, hour, tzinfo=UTC)
    except ValueError:
        raise InputError(
            "path",
            str(path),
            "a Dukascopy path SYMBOL/YYYY/MM/DD/HHh_ticks.bi5 with a valid date",
            hint="months are 0-based: 00 is January, 11 is December",
        ) from None
    return match.group("symbol"), int(start.timestamp()) * 1_000_000_000


def dukascopy_path(root: str | Path, symbol: str, hour_start_ns: int) -> Path:
    """Where Dukascopy keeps the hour starting at `hour_start_ns` (0-based month)."""
    _check_hour(hour_start_ns)
    start = datetime.fromtimestamp(hour_start_ns // 1_000_000_000, tz=UTC)
    name = f"{start.year:04d}/{start.month - 1:02d}/{start.day:02d}/{start.hour:02d}h_ticks.bi5"
    return Path(root) / symbol / name


def read_bi5(
    path: str | Path,
    *,
    symbol: str | None = None,
    decimals: int | None = None,
    hour_start_ns: int | None = None,
) -> SourceTable:
    """Read one hour of quotes; `symbol` and `hour_start_ns` default to what the path says."""
    source = str(path)
    symbol, start = _symbol_and_hour(path, symbol, hour_start_ns)
    point = 10 ** dukascopy_decimals(symbol, decimals)
    try:
        compressed = Path(path).read_bytes()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise InputError("path", source, "an existing file") from None
    records = _decode(compressed, source)
    offsets = records["time_ms"].astype(np.int64)
    beyond = offsets >= _HOUR_MS
    if beyond.any():
        index = int(np.argmax(beyond))
        raise DataError(
            source,
            "time offset is not within the hour (must be below 3600000 ms)",
            record=index,
            field="time_ms",
            value=int(offsets[index]),
        )
    ts = start + offsets * 1_000_000
    columns: dict[str, npt.NDArray[np.generic]] = {
        "ts_event": ts,
        "ts_recv": ts.copy(),
        "bid_price": records["bid"].astype(np.float64) / point,
        "ask_price": records["ask"].astype(np.float64) / point,
        "bid_size": _widen(records["bid_volume"]),
        "ask_size": _widen(records["ask_volume"]),
    }
    origins = RowOrigins(source, np.arange(len(records), dtype=np.int64), "record")
    return make_source_table(DataKind.QUOTE, columns, frozenset({"ts_recv"}), origins)


def write_bi5(
    path: str | Path,
    *,
    offsets_ms: npt.ArrayLike,
    ask: npt.ArrayLike,
    bid: npt.ArrayLike,
    ask_volume: npt.ArrayLike,
    bid_volume: npt.ArrayLike,
    decimals: int | None = None,
    symbol: str | None = None,
) -> Path:
    """Encode one hour of quotes as a ``.bi5`` file; parent folders are created.

    The arrays are the record fields: `offsets_ms` whole milliseconds since
    the hour start (0 to 3,599,999), `ask`/`bid` prices on the grid of
    `decimals` (default: the symbol's, from `symbol` or the path), volumes as
    float32. Empty arrays give a 0-byte file, Dukascopy's hour without ticks.
    Returns the path written.
    """
    if symbol is None:
        symbol = (dukascopy_hour(path) or (None, 0))[0]
    point = 10 ** dukascopy_decimals(symbol, decimals)
    fields = {
        "offsets_ms": np.asarray(offsets_ms),
        "ask": np.asarray(ask, dtype=np.float64),
        "bid": np.asarray(bid, dtype=np.float64),
        "ask_volume": np.asarray(ask_volume, dtype=np.float64),
        "bid_volume": np.asarray(bid_volume, dtype=np.float64),
    }
    count = len(fields["offsets_ms"])
    for name, values in fields.items():
        if values.ndim != 1 or len(values) != count:
            raise InputError(name, values.shape, f"a 1-d array of {count} values like offsets_ms")
    offsets = fields["offsets_ms"]
    whole = offsets.astype(np.int64) if offsets.dtype.kind in "iuf" else np.zeros(count, np.int64)
    bad = (whole != offsets) | (whole < 0) | (whole >= _HOUR_MS)
    if bad.any():
        index = int(np.argmax(bad))
        raise InputError(
            "offsets_ms", offsets[index].item(), "whole milliseconds from 0 to 3599999"
        )
    records = np.empty(count, dtype=_RECORD)
    records["time_ms"] = whole
    records["ask"] = _points(fields["ask"], point, "ask")
    records["bid"] = _points(fields["bid"], point, "bid")
    records["ask_volume"] = fields["ask_volume"].astype(np.float32)
    records["bid_volume"] = fields["bid_volume"].astype(np.float32)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = records.tobytes()
    target.write_bytes(lzma.compress(payload, format=lzma.FORMAT_ALONE) if payload else b"")
    return target


def _symbol_and_hour(
    path: str | Path, symbol: str | None, hour_start_ns: int | None
) -> tuple[str | None, int]:
    inferred = dukascopy_hour(path)
    if hour_start_ns is None:
        if inferred is None:
            raise InputError(
                "hour_start_ns",
                None,
                "the hour the file starts at, in ns UTC",
                hint=f"{path} does not follow Dukascopy's SYMBOL/YYYY/MM/DD/HHh_ticks.bi5 layout",
            )
        hour_start_ns = inferred[1]
    _check_hour(hour_start_ns)
    return symbol or (inferred[0] if inferred else None), hour_start_ns


def _check_hour(hour_start_ns: int) -> None:
    if (
        isinstance(hour_start_ns, bool)
        or not isinstance(hour_start_ns, int)
        or hour_start_ns % _HOUR_NS
    ):
        raise InputError("hour_start_ns", hour_start_ns, "a whole hour in ns UTC")


def _decode(compressed: bytes, source: str) -> npt.NDArray[np.void]:
    if not compressed:
        return np.empty(0, dtype=_RECORD)
    try:
        payload = lzma.decompress(compressed, format=lzma.FORMAT_ALONE)
    except lzma.LZMAError as error:
        raise DataError(source, f"not a valid LZMA stream ({error})") from None
    if len(payload) % _RECORD.itemsize:
        whole = len(payload) // _RECORD.itemsize
        raise DataError(
            source,
            f"{len(payload)} decompressed bytes are not whole 20-byte records; "
            f"the record after the last whole one is truncated",
            record=whole,
        )
    return np.frombuffer(payload, dtype=_RECORD)


def _widen(volumes: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    """float32 to float64, rounded to the 7 significant digits that float32 holds.

    A volume stored as float32 1.12 reads as 1.12, not 1.1200000047683716.
    """
    values = volumes.astype(np.float64)
    finite = np.isfinite(values) & (values != 0)
    digits = np.zeros(len(values), dtype=np.int64)
    digits[finite] = 6 - np.floor(np.log10(np.abs(values[finite]))).astype(np.int64)
    up = np.power(10.0, np.clip(digits, 0, 300))
    down = np.power(10.0, np.clip(-digits, 0, 300))
    rounded = np.where(digits >= 0, np.rint(values * up) / up, np.rint(values / down) * down)
    return np.where(finite, rounded, values)


def _points(prices: npt.NDArray[np.float64], point: int, side: str) -> npt.NDArray[np.uint32]:
    scaled = prices * point  # in points: the tick is 1 / point, as Instrument.off_grid scales
    ints = np.rint(scaled)
    finite = np.isfinite(scaled)
    bad = ~finite
    bad[finite] = off_grid_ticks(scaled[finite])  # the instrument's tolerance
    bad |= (ints < 0) | (ints >= 2**32)
    if bad.any():
        raise InputError(
            side,
            float(prices[np.argmax(bad)]),
            f"a non-negative price on the grid of 1/{point}",
        )
    return ints.astype(np.uint32)
