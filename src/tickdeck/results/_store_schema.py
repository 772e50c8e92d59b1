"""The run store's one table, in portable SQLAlchemy Core types, and its run ids.

Only types every backend has are used (text, 64-bit integers, doubles,
booleans), and JSON is kept as TEXT that tickdeck writes and reads itself:
that keeps key order and float text exactly as written on SQLite and on
PostgreSQL alike, where a native JSON type would not on every backend.

Which columns are the truth: `record` (the run's JSON record, see
`tickdeck.results.serialize`), `metrics` (every metric, JSON) and `tags`.
The other columns are copies of values in them, kept so that SQL can filter
and sort runs; they are never read back into a `RunResult`. Non-finite
metrics are NULL in those copies (SQLite has no NaN).
"""

from __future__ import annotations

import os
import re
import time
import uuid

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Double,
    Index,
    MetaData,
    String,
    Table,
    Text,
)

__all__ = [
    "METRIC_COLUMNS",
    "ORDER_COLUMNS",
    "RUN_ID_LENGTH",
    "RUN_ID_PATTERN",
    "metadata",
    "new_run_id",
    "runs",
]

#: A run id is a UUID version 7 in its 36-character text form.
RUN_ID_LENGTH = 36
RUN_ID_PATTERN = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def new_run_id() -> str:
    """A UUIDv7 (RFC 9562) as text: ids sort by creation time to the millisecond, then randomly."""
    ms = time.time_ns() // 1_000_000
    rand_a = int.from_bytes(os.urandom(2)) & 0x0FFF
    rand_b = int.from_bytes(os.urandom(8)) & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
    return str(uuid.UUID(int=value))


metadata = MetaData()

runs = Table(
    "runs",
    metadata,
    Column("run_id", String(RUN_ID_LENGTH), primary_key=True),
    Column("created_ns", BigInteger, nullable=False),
    Column("strategy", Text, nullable=False),
    Column("params", Text, nullable=False),
    Column("config", Text, nullable=False),
    Column("seed", BigInteger, nullable=False),
    Column("version", Text, nullable=False),
    Column("data_fingerprint", Text, nullable=False),
    Column("events", BigInteger, nullable=False),
    Column("complete", Boolean, nullable=False),
    Column("initial_cash", Double, nullable=True),
    Column("final_equity", Double, nullable=True),
    Column("total_return", Double, nullable=True),
    Column("sharpe_ratio", Double, nullable=True),
    Column("max_drawdown", Double, nullable=True),
    Column("trade_count", BigInteger, nullable=True),
    Column("tags", Text, nullable=False),
    Column("record", Text, nullable=False),
    Column("metrics", Text, nullable=False),
)

Index("runs_created_ns", runs.c.created_ns)
Index("runs_strategy", runs.c.strategy, runs.c.created_ns)

#: The metrics copied into columns, by their `Metrics` field names.
METRIC_COLUMNS = ("total_return", "sharpe_ratio", "max_drawdown", "trade_count")

#: What `RunStore.list` can sort by.
ORDER_COLUMNS = ("created_ns", "final_equity", *METRIC_COLUMNS)
