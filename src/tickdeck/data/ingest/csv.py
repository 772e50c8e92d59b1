"""Delimited text files (CSV, optionally gzip-compressed) into a `SourceTable`.

`read_csv` reads the header itself, resolves the `ColumnMapping` against it,
then lets Arrow's multithreaded CSV parser convert only the mapped columns:
prices and sizes straight to float64, times and enum names as text for
`_timestamps` and `_mapping` to parse. Rows are neither sorted nor cleaned.

Every row's origin is its 1-based line number counting the header (and any
skipped preamble and blank lines), as an editor shows it. Failures are
`DataError`s naming the file, the line and the column: a row with the wrong
number of fields, a value that is not a number, time or known name, an empty
required cell, an empty file, a header without rows, a truncated last line.
When Arrow rejects a value, the mapped columns are re-read as text to find the
first bad one; the fast path never loops over rows in Python.
"""

from __future__ import annotations

import contextlib
import csv as _stdlib_csv
import gzip
import re
import zlib
from pathlib import Path
from typing import IO, Any, Literal, cast

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.csv as pcsv

from tickdeck.core import DataError, DataKind, InputError
from tickdeck.data._source import SourceTable
from tickdeck.data.ingest._convert import build_source_table, timestamp_spec
from tickdeck.data.ingest._mapping import ColumnMapping
from tickdeck.data.ingest._timestamps import RowOrigins, TimestampFormat

__all__ = ["read_csv", "read_header"]

_TEXT_FIELDS = frozenset({"ts_event", "ts_recv", "aggressor", "side", "action"})
_INT_FIELDS = frozenset({"trade_id", "order_id", "interval_ns"})
_NON_BLANK = re.compile(rb"\S")
# Large blocks parse fastest on few cores; small files are read in one block anyway.
_BLOCK_SIZE = 16 << 20
_HEADER_PREFIX = 1 << 20


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
) -> SourceTable:
    """Read rows of `kind` from a delimited text file with a header line.

    `timestamps` (or ``mapping.timestamps``) says how times are written,
    default ``auto``. `skip_rows` lines before the header are ignored.
    `skip_null_rows` drops rows whose non-time cells are all empty.
    `default_bar_interval_ns` is the bar length used when it is neither
    configured nor inferable (fewer than two bars).
    """
    data_kind = DataKind.parse(kind, field="kind")
    mapping = mapping or ColumnMapping()
    spec = timestamp_spec(timestamps, mapping)
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in '\r\n"':
        raise InputError("delimiter", delimiter, "one character such as ',', ';' or '\\t'")
    if isinstance(skip_rows, bool) or not isinstance(skip_rows, int) or skip_rows < 0:
        raise InputError("skip_rows", skip_rows, "a whole number >= 0")
    source = str(path)
    data = read_bytes(path)
    header, header_line, offset = _split_header(data, delimiter, skip_rows, source)
    body = pa.py_buffer(data).slice(offset)
    found = mapping.resolve(header, data_kind, source=source, header_line=header_line)
    types: dict[int, pa.DataType] = {}
    for field, columns in found.items():
        wanted = _arrow_type(field) if len(columns) == 1 else pa.string()
        for i in columns:
            types[i] = wanted if types.get(i, wanted) == wanted else pa.string()
    table = _parse(body, len(header), types, delimiter, source, header_line)
    table = table.rename_columns([header[int(n[1:])].strip() for n in table.column_names])
    origins = RowOrigins(source, _line_numbers(data, offset, header_line, table.num_rows), "line")
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


def _parse(
    body: pa.Buffer,
    width: int,
    types: dict[int, pa.DataType],
    delimiter: str,
    source: str,
    header_line: int,
) -> pa.Table:
    """Parse the data rows; on a conversion error, read the same columns as text instead."""
    invalid: list[pcsv.InvalidRow] = []

    def collect(row: pcsv.InvalidRow) -> Literal["skip"]:
        invalid.append(row)
        return "skip"

    names = [f"c{i}" for i in range(width)]
    parse = pcsv.ParseOptions(delimiter=delimiter, invalid_row_handler=collect)
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
                _stream(body),
                read_options=pcsv.ReadOptions(column_names=names, block_size=_BLOCK_SIZE),
                parse_options=parse,
                convert_options=convert,
            )
            break
        except pa.ArrowInvalid as error:
            failure = str(error)
    if invalid:
        _raise_invalid_row(body, invalid, width, delimiter, source, header_line)
    if table is None:
        raise DataError(source, f"cannot be read as CSV: {failure}")
    return table


def _raise_invalid_row(
    body: pa.Buffer,
    rows: list[pcsv.InvalidRow],
    width: int,
    delimiter: str,
    source: str,
    header_line: int,
) -> None:
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
                _stream(body),
                read_options=pcsv.ReadOptions(column_names=names, use_threads=False),
                parse_options=pcsv.ParseOptions(delimiter=delimiter, invalid_row_handler=stop),
                convert_options=pcsv.ConvertOptions(
                    include_columns=names[:1], column_types={names[0]: pa.string()}
                ),
            )
        first = found[0] if found else rows[0]
    # Arrow counts physical lines of the data it was given, from 1; the header precedes them.
    line = header_line + first.number if first.number else None
    problem = f"expected {first.expected_columns} fields, found {first.actual_columns}"
    tail = body.to_pybytes()[-len(first.text.encode()) - 2 :] if first.text else b""
    if not tail.endswith(b"\n") and tail.rstrip(b"\r").endswith(first.text.encode()):
        problem += "; the last line is incomplete (truncated file?)"
    raise DataError(source, problem, line=line, value=first.text)


def _stream(body: pa.Buffer) -> IO[Any]:
    # Zero-copy view of the bytes; the stubs do not list Arrow's own file type as IO.
    return cast("IO[Any]", pa.BufferReader(body))


def _line_numbers(data: bytes, offset: int, header_line: int, rows: int) -> npt.NDArray[np.int64]:
    """1-based line numbers of the data rows, skipping blank lines as Arrow does."""
    simple = np.arange(header_line + 1, header_line + 1 + rows, dtype=np.int64)
    lines = data.count(b"\n", offset) + (0 if data.endswith(b"\n") else 1)
    if lines == rows:  # no blank lines: one C-speed count instead of a scan
        return simple
    chars = np.frombuffer(data, dtype=np.uint8, offset=offset)
    newlines = np.flatnonzero(chars == 10)
    starts = np.concatenate(([0], newlines + 1))
    ends = np.concatenate((newlines, [len(chars)]))
    carriage = (ends > starts) & (chars[np.maximum(ends - 1, 0)] == 13)
    filled = np.flatnonzero(ends - starts - carriage > 0)
    if len(filled) != rows:  # quoted line breaks or the like: keep the plain numbering
        return simple
    return np.asarray(header_line + 1 + filled, dtype=np.int64)
