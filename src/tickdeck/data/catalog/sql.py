"""SQL over the catalog through DuckDB.

Every data kind is a view named by its label (``quotes``, ``trades``, ``bars``,
``book_deltas``, ``book_snapshots``, ``order_events``) with the layout's
columns plus ``instrument``, ``date`` (the partition: the UTC day of
``ts_recv``, or for bars the first day of its UTC year) and ``time``
(``ts_recv`` as a timestamp).

``instruments`` lists the instrument metadata.
The views read exactly the files of one committed manifest, so a query never
sees a half-written ingest. A kind with no data is an empty view of the right
columns, so queries do not break on an empty catalog.

`query` runs one read-only statement (a SELECT, WITH or DESCRIBE): the same
function serves the CLI and, later, web requests, which must not write files.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa

from tickdeck.core import DataError, DataKind, InputError, layout
from tickdeck.data.catalog.store import Catalog

__all__ = ["connect", "query"]


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def connect(catalog: Catalog) -> Any:
    """An in-memory DuckDB connection with the catalog's views defined."""
    con = duckdb.connect(":memory:")
    manifest = catalog.manifest()
    for kind in DataKind:
        files = [str(catalog.root / p.path) for p in manifest.partitions if p.kind == kind]
        names = ", ".join(layout(kind).names)
        if files:
            listing = ", ".join(_quote(f) for f in files)
            source = f"read_parquet([{listing}], hive_partitioning = true)"
            con.execute(
                f"CREATE VIEW {kind.label} AS SELECT instrument, date, {names}, "
                f"make_timestamp_ns(ts_recv) AS time FROM {source}"
            )
        else:
            empty = pa.table(
                {
                    "instrument": pa.array([], pa.string()),
                    "date": pa.array([], pa.date32()),
                    **{f.name: pa.array([], f.type) for f in layout(kind).arrow_schema},
                }
            )
            con.register(f"_empty_{kind.label}", empty)
            con.execute(
                f"CREATE VIEW {kind.label} AS SELECT *, make_timestamp_ns(ts_recv) AS time "
                f"FROM _empty_{kind.label}"
            )
    rows = [{"instrument": i.id, **i.to_dict()} for i in manifest.instruments.values()]
    columns = [
        "instrument",
        "symbol",
        "venue",
        "tick_size",
        "lot_size",
        "multiplier",
        "currency",
        "asset_class",
    ]
    con.register(
        "_instruments",
        pa.table({c: pa.array([r[c] for r in rows], pa.string()) for c in columns}),
    )
    con.execute("CREATE VIEW instruments AS SELECT * FROM _instruments")
    return con


def query(catalog: Catalog, sql: str) -> pa.Table:
    """Run one SQL statement against the catalog and return the result as Arrow."""
    if not sql.strip():
        raise InputError("query", sql, "an SQL statement such as SELECT count(*) FROM quotes")
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0]
        raise InputError(
            "query", sql, "valid DuckDB SQL over the catalog views", hint=first
        ) from None
    if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
        kinds = ", ".join(s.type.name for s in statements)
        raise InputError("query", sql, "one read-only SELECT statement", hint=f"got {kinds}")
    con = connect(catalog)
    try:
        relation = con.sql(sql)
        if relation is None:  # a statement without a result set
            return pa.table({})
        table: pa.Table = relation.to_arrow_table()
        return table
    except duckdb.IOException as exc:
        # A file of the catalog could not be read: the data's fault, not the query's.
        raise DataError(str(catalog.root), str(exc).strip().splitlines()[0]) from None
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0]
        raise InputError(
            "query", sql, "valid DuckDB SQL over the catalog views", hint=first
        ) from None
    finally:
        con.close()
