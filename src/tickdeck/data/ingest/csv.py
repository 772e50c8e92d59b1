"""Delimited text files (CSV, optionally gzip-compressed) into a `SourceTable`.

`read_csv` reads the header itself, resolves the `ColumnMapping` against it,
then lets Arrow's multithreaded CSV parser convert only the mapped columns:
prices and sizes straight to float64, times and enum names as text for
`_timestamps` and `_mapping` to parse. Rows are neither sorted nor cleaned.

Every row's origin is the 1-based line on which it starts, counting the
header (and any skipped preamble, blank lines and line breaks inside quoted
values), as an editor shows it. Failures are `DataError`s naming the file, the
line and the column: a row with the wrong number of fields, a value that is
not a number, time or known name, an empty required cell, an empty file, a
header without rows, a file that does not end with a newline (its last line
may be cut short, even in the middle of a number, unless the caller says the
file is complete: ``allow_unterminated``). When Arrow rejects a value, the
mapped columns are re-read as text to find the first bad one; the fast path
never loops over rows in Python.

The delimiter of every text reader goes through `parse_delimiter`.
"""

from __future__ import annotations

import contextlib
import csv as _stdlib_csv
import gzip
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal, cast

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.csv as pcsv

from tickdeck.core import DataError, DataKind, InputError
from tickdeck.data._source import SourceTable
from tickdeck.data.ingest._convert import build_source_table, timestamp_spec
from tickdeck.data.ingest._kernels import record_lines
from tickdeck.data.ingest._mapping import ColumnMapping
from tickdeck.data.ingest._rows import RowOrigins
from tickdeck.data.ingest._timestamps import TimestampFormat

__all__ = ["parse_delimiter", "read_csv", "read_header"]

_TEXT_FIELDS = frozenset({"ts_event", "ts_recv", "aggressor", "side", "action"})
_INT_FIELDS = frozenset({"trade_id", "order_id", "interval_ns"})
_NON_BLANK = re.compile(rb"\S")
# Large blocks parse fastest on few cores; small files are read in one block anyway.
_BLOCK_SIZE = 16 << 20
_HEADER_PREFIX = 1 << 20
_QUOTE = b'"'
_DELIMITER_EXPECTED = "one ASCII character such as ',', ';', '|' or '\\t' (a tab)"
_UNTERMINATED = (
    "the file does not end with a newline; the last line may be truncated "
    "(if the file is complete, pass allow_unterminated)"
)


def parse_delimiter(value: object) -> str:
    """The field delimiter as one character; the two characters ``\\t`` mean a tab.

    A shell passes ``--delimiter '\\t'`` as a backslash and a ``t``, so that
    spelling is read as the tab it stands for. Anything else must be a single
    ASCII character (Arrow's parser works on bytes) other than a line break or
    the quote character.
    """
    if value == "\\t":
        return "\t"
    if not isinstance(value, str) or len(value) != 1 or not value.isascii() or value in '\r\n"':
        raise InputError("delimiter", value, _DELIMITER_EXPECTED)
    return value


def read_csv(
    path: str | Path,
    *,
    kind: DataKind | str,
    mapping: ColumnMapping | None = None,
    timestamps: TimestampFormat | str | None = None,
    delimiter: str = ",",
    skip_rows: int = 0,
    skip_null_rows: bool = False,
    default_bar_interval_ns: int | None = None,
    allow_unterminated: bool = False,
) -> SourceTable:
    """Read rows of `kind` from a delimited text file with a header line.

    `timestamps` (or ``mapping.timestamps``) says how times are written,
    default ``auto``. `delimiter` is one character (`parse_delimiter`).
    `skip_rows` lines before the header are ignored. `skip_null_rows` drops
    rows whose non-time cells are all empty. `default_bar_interval_ns` is the
    bar length used when it is neither configured nor inferable (fewer than
    two bars). A file (after gunzipping) whose last byte is not a newline is a
    `DataError`, since its last line may have been cut short, unless
    `allow_unterminated`.
    """
    data_kind = DataKind.parse(kind, field="kind")
    mapping = mapping or ColumnMapping()
    spec = timestamp_spec(timestamps, mapping)
    delimiter = parse_delimiter(delimiter)
    if isinstance(skip_rows, bool) or not isinstance(skip_rows, int) or skip_rows < 0:
        raise InputError("skip_rows", skip_rows, "a whole number >= 0")
    if not isinstance(allow_unterminated, bool):
        raise InputError("allow_unterminated", allow_unterminated, "true or false")
    source = str(path)
    data = read_bytes(path)
    header, header_line, offset = _split_header(data, delimiter, skip_rows, source)
    if not allow_unterminated and not data.endswith(b"\n"):
        last = data[data.rfind(b"\n") + 1 :].decode("utf-8", errors="replace")
        raise DataError(source, _UNTERMINATED, line=data.count(b"\n") + 1, value=last[:200])
    body = _Body(data, offset, delimiter, source, header_line)
    found = mapping.resolve(header, data_kind, source=source, header_line=header_line)
    types: dict[int, pa.DataType] = {}
    for field, columns in found.items():
        wanted = _arrow_type(field) if len(columns) == 1 else pa.string()
        for i in columns:
            types[i] = wanted if types.get(i, wanted) == wanted else pa.string()
    table = _parse(body, len(header), types)
    table = table.rename_columns([header[int(n[1:])].strip() for n in table.column_names])
    origins = body.origins(table.num_rows)
    by_name = {f: tuple(header[i].strip() for i in cols) for f, cols in found.items()}
    return build_source_table(
        data_kind,
        table,
        by_name,
        mapping=mapping,
        timestamps=spec,
        origins=origins,
        skip_null_rows=skip_null_rows,
        default_bar_interval_ns=default_bar_interval_ns,
    )


def read_header(path: str | Path, *, delimiter: str = ",", skip_rows: int = 0) -> list[str]:
    """The column names on the header line of a delimited text file (reads only its start)."""
    delimiter = parse_delimiter(delimiter)
    try:
        with Path(path).open("rb") as handle:
            start = handle.read(_HEADER_PREFIX)
        if start[:2] == b"\x1f\x8b":
            with gzip.open(path, "rb") as unzipped:
                start = unzipped.read(_HEADER_PREFIX)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise InputError("path", str(path), "an existing file") from None
    except (OSError, EOFError, zlib.error) as error:
        raise DataError(str(path), f"not a valid gzip file ({error})") from None
    if start.count(b"\n") <= skip_rows and len(start) == _HEADER_PREFIX:
        start = read_bytes(path)  # a preamble longer than the prefix
    return _split_header(start, delimiter, skip_rows, str(path), require_rows=False)[0]


def read_bytes(path: str | Path) -> bytes:
    """The file's bytes, gunzipped if they are gzip; `InputError` if there is no such file."""
    try:
        data = Path(path).read_bytes()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise InputError("path", str(path), "an existing file") from None
    if data[:2] != b"\x1f\x8b":
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as error:
        raise DataError(str(path), f"not a valid gzip file ({error})") from None


def _arrow_type(field: str) -> pa.DataType:
    if field in _TEXT_FIELDS:
        return pa.string()
    return pa.int64() if field in _INT_FIELDS else pa.float64()


def _split_header(
    data: bytes, delimiter: str, skip_rows: int, source: str, *, require_rows: bool = True
) -> tuple[list[str], int, int]:
    """(header names, the header's 1-based line number, the offset of the first data byte)."""
    if not _NON_BLANK.search(data):
        raise DataError(source, "the file is empty")
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0  # a UTF-8 byte order mark
    for _ in range(skip_rows):
        newline = data.find(b"\n", start)
        if newline < 0:
            raise DataError(source, f"the file has fewer than {skip_rows + 1} lines")
        start = newline + 1
    end = data.find(b"\n", start)
    end = len(data) if end < 0 else end
    try:
        text = data[start:end].decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        raise DataError(source, "the header is not UTF-8 text", line=skip_rows + 1) from None
    if not text.strip():
        raise DataError(source, "no header: the line is blank", line=skip_rows + 1)
    header = next(_stdlib_csv.reader([text], delimiter=delimiter))
    if require_rows and not _NON_BLANK.search(data, end + 1):
        raise DataError(source, "the file has a header but no data rows", line=skip_rows + 1)
    return header, skip_rows + 1, min(end + 1, len(data))


@dataclass(frozen=True)
class _Body:
    """The data rows of a file: the bytes after the header, and how they split into records."""

    data: bytes  # the whole file, header included
    offset: int  # of the first data byte
    delimiter: str
    source: str
    header_line: int

    def stream(self) -> IO[Any]:
        # Zero-copy view of the bytes; the stubs do not list Arrow's own file type as IO.
        return cast("IO[Any]", pa.BufferReader(pa.py_buffer(self.data).slice(self.offset)))

    def parse_options(self, handler: Callable[[pcsv.InvalidRow], Any]) -> pcsv.ParseOptions:
        # Without newlines_in_values Arrow cuts blocks at any line break, so a line
        # break inside quotes splits its row in two wherever a block boundary falls.
        # That costs parallelism, so it is on only when the rows hold a quote at all.
        quoted = self.data.find(_QUOTE, self.offset) >= 0
        return pcsv.ParseOptions(
            delimiter=self.delimiter, invalid_row_handler=handler, newlines_in_values=quoted
        )

    def origins(self, rows: int) -> RowOrigins:
        """Where each of the `rows` parsed rows starts: its 1-based line in the file."""
        lines = self.data.count(b"\n", self.offset) + (0 if self.data.endswith(b"\n") else 1)
        if lines == rows:  # one record per line: no blank lines, no line breaks in values
            first = self.header_line + 1
            return RowOrigins(self.source, np.arange(first, first + rows, dtype=np.int64))
        starts = self.record_lines()
        if len(starts) != rows:  # pragma: no cover - the kernel splits records as Arrow does
            # Never a silently wrong line: number the data records from 0 instead.
            return RowOrigins(self.source, np.arange(rows, dtype=np.int64), "record")
        return RowOrigins(self.source, starts)

    def record_lines(self) -> npt.NDArray[np.int64]:
        """The 1-based file line on which each non-empty record starts, in Arrow's count."""
        chars = np.frombuffer(self.data, dtype=np.uint8, offset=self.offset)
        breaks = self.data.count(b"\n", self.offset) + self.data.count(b"\r", self.offset)
        out = np.empty(breaks + 1, dtype=np.int64)
        count = record_lines(chars, ord(self.delimiter), ord(_QUOTE), out)
        return out[:count] + (self.header_line + 1)


def _parse(body: _Body, width: int, types: dict[int, pa.DataType]) -> pa.Table:
    """Parse the data rows; on a conversion error, read the same columns as text instead."""
    invalid: list[pcsv.InvalidRow] = []

    def collect(row: pcsv.InvalidRow) -> Literal["skip"]:
        invalid.append(row)
        return "skip"

    names = [f"c{i}" for i in range(width)]
    parse = body.parse_options(collect)
    text_types = dict.fromkeys((f"c{i}" for i in types), pa.string())
    table = None
    failure = ""
    for column_types in ({f"c{i}": t for i, t in types.items()}, text_types):
        convert = pcsv.ConvertOptions(
            include_columns=[f"c{i}" for i in sorted(types)],
            column_types=column_types,
            strings_can_be_null=True,
        )
        invalid.clear()
        try:
            table = pcsv.read_csv(
                body.stream(),
                read_options=pcsv.ReadOptions(column_names=names, block_size=_BLOCK_SIZE),
                parse_options=parse,
                convert_options=convert,
            )
            break
        except pa.ArrowInvalid as error:
            failure = str(error)
    if invalid:
        _raise_invalid_row(body, invalid, width)
    if table is None:
        raise DataError(body.source, f"cannot be read as CSV: {failure}")
    return table


def _raise_invalid_row(body: _Body, rows: list[pcsv.InvalidRow], width: int) -> None:
    """Raise for the first row with the wrong number of fields, finding its line if needed."""
    numbered = [row for row in rows if row.number is not None]
    first = min(numbered, key=lambda row: row.number or 0) if len(numbered) == len(rows) else None
    if first is None:
        # Threaded parsing does not know row numbers: rescan on one thread, stopping at the first.
        found: list[pcsv.InvalidRow] = []
        names = [f"c{i}" for i in range(width)]

        def stop(row: pcsv.InvalidRow) -> Literal["error"]:
            found.append(row)
            return "error"

        with contextlib.suppress(pa.ArrowInvalid):  # the handler stops at the first bad row
            pcsv.read_csv(
                body.stream(),
                read_options=pcsv.ReadOptions(column_names=names, use_threads=False),
                parse_options=body.parse_options(stop),
                convert_options=pcsv.ConvertOptions(
                    include_columns=names[:1], column_types={names[0]: pa.string()}
                ),
            )
        first = found[0] if found else rows[0]
    # Arrow numbers the non-empty records of the data it was given from 1, not its lines.
    starts = body.record_lines() if first.number else np.zeros(0, dtype=np.int64)
    line = int(starts[first.number - 1]) if first.number and first.number <= len(starts) else None
    problem = f"expected {first.expected_columns} fields, found {first.actual_columns}"
    tail = body.data[-len(first.text.encode()) - 2 :] if first.text else b""
    if not tail.endswith(b"\n") and tail.rstrip(b"\r").endswith(first.text.encode()):
        problem += "; the last line is incomplete (truncated file?)"
    raise DataError(body.source, problem, line=line, value=first.text)
