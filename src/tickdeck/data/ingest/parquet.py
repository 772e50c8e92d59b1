"""Parquet files into a `SourceTable`.

Only the mapped columns are read. Times may be Arrow timestamps (any unit,
with or without a zone; naive ones are in the timestamp format's ``tz``),
dates, epoch integers or floats, or text; numbers may be any numeric type or
text; enum fields ints or names. Row origins are 0-based record indices
(``origin_unit == "record"``), and errors name the file, the record and the
column. Rows are neither sorted nor cleaned.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from tickdeck.core import DataError, DataKind, InputError
from tickdeck.data._source import SourceTable
from tickdeck.data.ingest._convert import build_source_table, timestamp_spec
from tickdeck.data.ingest._mapping import ColumnMapping
from tickdeck.data.ingest._rows import RowOrigins
from tickdeck.data.ingest._timestamps import TimestampFormat

__all__ = ["read_parquet"]


def read_parquet(
    path: str | Path,
    *,
    kind: DataKind | str,
    mapping: ColumnMapping | None = None,
    timestamps: TimestampFormat | str | None = None,
    default_bar_interval_ns: int | None = None,
) -> SourceTable:
    """Read rows of `kind` from a Parquet file (see `read_csv` for the arguments)."""
    data_kind = DataKind.parse(kind, field="kind")
    mapping = mapping or ColumnMapping()
    spec = timestamp_spec(timestamps, mapping)
    source = str(path)
    if not Path(path).is_file():
        raise InputError("path", source, "an existing file")
    try:
        parquet = pq.ParquetFile(path)
        header = list(parquet.schema_arrow.names)
    except (pa.ArrowException, OSError) as error:
        raise DataError(source, f"not a readable Parquet file ({error})") from None
    found = mapping.resolve(header, data_kind, source=source)
    names = {f: tuple(header[i] for i in cols) for f, cols in found.items()}
    wanted = sorted({n for cols in names.values() for n in cols}, key=header.index)
    try:
        table = parquet.read(columns=wanted)
    except (pa.ArrowException, OSError) as error:
        raise DataError(source, f"cannot read the Parquet data ({error})") from None
    if table.num_rows == 0:
        raise DataError(source, "the file has no rows")
    origins = RowOrigins(source, np.arange(table.num_rows, dtype=np.int64), "record")
    return build_source_table(
        data_kind,
        table,
        names,
        mapping=mapping,
        timestamps=spec,
        origins=origins,
        default_bar_interval_ns=default_bar_interval_ns,
    )
