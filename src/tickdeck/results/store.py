"""`RunStore`: every finished run saved, to list, show, load, compare and delete.

A store is a database (SQLite by default, any SQLAlchemy URL such as
PostgreSQL otherwise) with one row per run in the ``runs`` table, and a
folder ``<root>/<run_id>/`` per run holding its arrays as Parquet files::

    <root>/runs.sqlite               the default database
    <root>/<run_id>/orders.parquet   one folder per run, named by its id
                    fills.parquet
                    trades.parquet
                    equity.parquet

The row holds the run's JSON record and metrics (`tickdeck.results.serialize`)
and copies of the values one sorts and filters by. See docs/run-store.md.

Crash safety: `save` writes each file atomically (temporary name, fsync,
rename, fsync of the folder) before it inserts the row, so a listed run
always has its files; a save killed before its row was committed leaves an
orphan folder that `vacuum` removes. `delete` removes the row, then the folder.
Processes and threads may use a store at once; on SQLite a writer waits for
another's lock (`SQLITE_BUSY_TIMEOUT_S`) rather than fail.
"""

from __future__ import annotations

import builtins
import json
import os
import shutil
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Self

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Engine, Row, create_engine, delete, insert, inspect, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.schema import CreateIndex, CreateTable

from tickdeck.core.errors import DataError, InputError, suggest
from tickdeck.core.files import durable_replace, fsync_dir
from tickdeck.results._store_schema import ORDER_COLUMNS, RUN_ID_PATTERN, new_run_id, runs
from tickdeck.results.analysis import run_metrics
from tickdeck.results.metrics.summary import Metrics
from tickdeck.results.run import RunResult
from tickdeck.results.serialize import (
    TABLE_NAMES,
    float_from_json,
    metrics_to_record,
    record_to_metrics,
    record_to_result,
    result_tables,
    result_to_record,
)

__all__ = [
    "DATABASE_NAME",
    "SQLITE_BUSY_TIMEOUT_S",
    "VACUUM_GRACE_NS",
    "RunStore",
    "RunSummary",
    "new_run_id",
]

#: The default database file inside the store's root.
DATABASE_NAME = "runs.sqlite"
#: How long a SQLite writer waits for another writer's lock before failing, in seconds.
SQLITE_BUSY_TIMEOUT_S = 30.0
#: How old an orphan folder must be before `vacuum` removes it by default, in ns:
#: a save in progress is younger, so a vacuum never races one.
VACUUM_GRACE_NS = 3_600 * 1_000_000_000


@dataclass(frozen=True, slots=True)
class RunSummary:
    """A saved run without its arrays: what `list` and `show` return.

    `created_ns` is when it was saved (ns UTC); `metrics` are the metrics
    saved with it; the other fields are the `RunResult`'s.
    """

    run_id: str
    created_ns: int
    strategy: str
    params: dict[str, object]
    config: dict[str, Any]
    seed: int
    version: str
    data_fingerprint: str
    events: int
    complete: bool
    initial_cash: float
    final_equity: float
    metrics: Metrics
    tags: tuple[str, ...]


#: What `compare` shows in its "run" section: the summary's fields but the id and sections.
_RUN_ROWS = [
    f.name for f in fields(RunSummary) if f.name not in ("run_id", "params", "config", "metrics")
]
#: The `RunSummary` fields that are the record's values as they are.
_DECODED = ("run_id", "created_ns", "initial_cash", "final_equity", "metrics", "tags")
_RECORD_KEYS = [f.name for f in fields(RunSummary) if f.name not in _DECODED]


def _dumps(value: object) -> str:
    return json.dumps(value, allow_nan=False, ensure_ascii=False, separators=(",", ":"))


def _sql_float(value: float | None) -> float | None:
    """A float for a sortable copy column: NaN becomes NULL, which SQLite would store anyway."""
    return None if value is None or value != value else float(value)


def _int64(name: str, value: int) -> int:
    if not (isinstance(value, int) and -(2**63) <= value < 2**63):
        raise InputError(name, value, "an integer in the signed 64-bit range")
    return value


def _text(name: str, value: str) -> str:
    # PostgreSQL text cannot hold NUL; refusing it everywhere keeps both databases alike.
    if "\x00" in value:
        raise InputError(name, value, "text without NUL characters")
    return value


def _write_parquet(table: pa.Table, path: Path) -> None:
    """Write `table` to `path` so that the file is either absent or complete and on disk."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    pq.write_table(table, tmp)
    durable_replace(tmp, path)


def _engine_for(url: str | None, root: Path) -> Engine:
    if url is None:
        target = URL.create("sqlite", database=str(root / DATABASE_NAME))
    else:
        try:
            target = make_url(url)
        except ArgumentError:
            example = "sqlite:///path/runs.sqlite or postgresql+psycopg://user@host/db"
            raise InputError("url", url, "a database URL", hint=f"such as {example}") from None
    options: dict[str, Any] = {}
    if target.get_backend_name() == "sqlite":
        options["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_S}
    shown = target.render_as_string(hide_password=True)
    try:
        return create_engine(target, **options)
    except NoSuchModuleError:
        raise InputError("url", shown, "a database SQLAlchemy knows") from None
    except ImportError as exc:
        raise InputError(
            "url", shown, "a URL whose database driver is installed", hint=f"install {exc.name}"
        ) from None


class RunStore:
    """Saved runs: rows in a database, arrays as Parquet files under `root`.

    Args:
        url: A SQLAlchemy database URL; None for ``sqlite:///<root>/runs.sqlite``.
            With PostgreSQL (``postgresql+psycopg://user:password@host/db``),
            every process using the store must see the same `root`.
        root: The folder of the run folders (and of the default database);
            created if missing.

    Use it as a context manager, or call `close`, to release its connections.
    """

    def __init__(self, url: str | None = None, *, root: Path | str) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._engine = _engine_for(url, self.root)
        try:
            self._create_table()
        except BaseException:
            self._engine.dispose()
            raise

    @property
    def url(self) -> str:
        """The database URL, password hidden."""
        return self._engine.url.render_as_string(hide_password=True)

    def __repr__(self) -> str:
        return f"RunStore({self.url!r}, root={str(self.root)!r})"

    def close(self) -> None:
        """Release the database connections (a later use opens new ones)."""
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _create_table(self) -> None:
        # IF NOT EXISTS: two processes opening a new store at once must both succeed.
        try:
            with self._engine.begin() as connection:
                connection.execute(CreateTable(runs, if_not_exists=True))
                for index in sorted(runs.indexes, key=lambda i: str(i.name)):
                    connection.execute(CreateIndex(index, if_not_exists=True))
        except DBAPIError:
            # PostgreSQL can still report a race on its catalog; fine if the other side won.
            if not inspect(self._engine).has_table(runs.name):
                raise

    # -- writing ------------------------------------------------------------

    def save(
        self, result: RunResult, *, metrics: Metrics | None = None, tags: Iterable[str] = ()
    ) -> str:
        """Save `result` and return its new run id.

        Args:
            result: The finished run.
            metrics: Its metrics; None computes them with
                `tickdeck.results.analysis.run_metrics`.
            tags: Labels to find the run by (non-empty strings).

        Raises:
            InputError: `params`, `config` or `extra` are not plain JSON
                values, `seed` or `events` do not fit in 64 bits, a tag is
                not a non-empty string, or `metrics` is None and the equity
                curve is not one the metrics accept (then pass `metrics`).
        """
        record = result_to_record(result)
        _int64("seed", record["seed"])
        _int64("events", record["events"])
        if isinstance(tags, str):
            raise InputError("tags", tags, "an iterable of tags", hint=f"tags=({tags!r},)")
        labels = builtins.list(tags)
        for tag in labels:
            if not (isinstance(tag, str) and tag):
                raise InputError("tags", tag, "non-empty strings")
        tables = result_tables(result)
        chosen = run_metrics(result) if metrics is None else metrics
        if not isinstance(chosen, Metrics):
            raise InputError("metrics", chosen, "a Metrics value or None")
        run_id = new_run_id()
        row = {
            "run_id": run_id,
            "created_ns": time.time_ns(),
            "strategy": _text("strategy", result.strategy),
            "params": _dumps(record["params"]),
            "config": _dumps(record["config"]),
            "seed": record["seed"],
            "version": _text("version", result.version),
            "data_fingerprint": _text("data_fingerprint", result.data_fingerprint),
            "events": record["events"],
            "complete": record["complete"],
            "initial_cash": _sql_float(result.initial_cash),
            "final_equity": _sql_float(result.final_equity),
            "total_return": _sql_float(chosen.total_return),
            "sharpe_ratio": _sql_float(chosen.sharpe_ratio),
            "max_drawdown": _sql_float(chosen.max_drawdown),
            "trade_count": chosen.trade_count,
            "tags": _dumps(labels),
            "record": _dumps(record),
            "metrics": _dumps(metrics_to_record(chosen)),
        }
        folder = self.root / run_id
        folder.mkdir()
        try:
            for name in TABLE_NAMES:
                _write_parquet(tables[name], folder / f"{name}.parquet")
            fsync_dir(folder)
            fsync_dir(self.root)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)  # no row refers to it yet
            raise
        # Past this point a failure leaves the folder to `vacuum`: only the
        # database can tell whether the row was committed after all.
        self._insert_row(row)
        return run_id

    def _insert_row(self, row: dict[str, Any]) -> None:
        with self._engine.begin() as connection:
            connection.execute(insert(runs), row)

    def delete(self, run_id: str) -> None:
        """Delete a run: its row, then its folder.

        Raises:
            InputError: No run has this id (also when it was already deleted),
                with the closest ids as a hint.
        """
        with self._engine.begin() as connection:
            deleted = connection.execute(delete(runs).where(runs.c.run_id == run_id)).rowcount
        if not deleted:
            raise self._unknown(run_id)
        folder = self._folder(run_id)
        if folder.exists():
            shutil.rmtree(folder)

    def vacuum(self, *, grace_ns: int = VACUUM_GRACE_NS) -> builtins.list[Path]:
        """Remove run folders that no row refers to, once older than `grace_ns`.

        Such folders are left by a save killed before its row was committed
        (or by a delete killed after its row was removed). Younger ones are
        kept, as they may belong to a save still in progress; pass 0 to remove
        every orphan when no save can be running. Returns the removed folders.
        """
        if not (isinstance(grace_ns, int) and grace_ns >= 0):
            raise InputError("grace_ns", grace_ns, "a duration >= 0 in ns")
        folders = sorted(
            p for p in self.root.iterdir() if p.is_dir() and RUN_ID_PATTERN.fullmatch(p.name)
        )
        if not folders:
            return []
        known = set(self._ids())  # read after listing: a row committed since keeps its folder
        now = time.time_ns()
        removed = []
        for folder in folders:
            if folder.name in known or now - folder.stat().st_mtime_ns < grace_ns:
                continue
            shutil.rmtree(folder)
            removed.append(folder)
        return removed

    # -- reading --------------------------------------------------------------

    def list(
        self,
        *,
        strategy: str | None = None,
        limit: int | None = None,
        order_by: str = "created_ns",
        descending: bool = True,
    ) -> builtins.list[RunSummary]:
        """Saved runs, sorted by `order_by`, optionally of one strategy, at most `limit`.

        Args:
            strategy: Only runs of this strategy (its exact name).
            limit: At most this many runs (the first ones in the order).
            order_by: ``created_ns`` (save time), ``final_equity``, or one of
                the metrics ``total_return``, ``sharpe_ratio``,
                ``max_drawdown`` (a positive fraction), ``trade_count``.
            descending: Largest first. Runs whose value is NaN or None come
                last either way; ties are broken by run id, in the same
                direction.
        """
        if order_by not in ORDER_COLUMNS:
            raise InputError(
                "order_by", order_by, "a column to sort by", hint=suggest(order_by, ORDER_COLUMNS)
            )
        if limit is not None and (type(limit) is not int or limit <= 0):
            raise InputError("limit", limit, "a positive integer or None")
        column = runs.c[order_by]
        key = column.desc() if descending else column.asc()
        tie = runs.c.run_id.desc() if descending else runs.c.run_id.asc()
        query = select(runs).order_by(key.nulls_last(), tie)
        if strategy is not None:
            query = query.where(runs.c.strategy == strategy)
        if limit is not None:
            query = query.limit(limit)
        with self._engine.connect() as connection:
            rows = connection.execute(query).all()
        return [self._summary(row) for row in rows]

    def show(self, run_id: str) -> RunSummary:
        """The saved run `run_id` without its arrays; InputError if unknown."""
        return self._summary(self._row(run_id))

    def load(self, run_id: str) -> RunResult:
        """The saved run `run_id`, equal to the `RunResult` given to `save`.

        Raises:
            InputError: No run has this id (with the closest ids as a hint).
            DataError: One of its files is missing or unreadable (named).
        """
        row = self._row(run_id)
        source = f"run {run_id}"
        record = _loads(row.record, source, "record")
        folder = self._folder(run_id)
        tables: dict[str, pa.Table] = {}
        paths = {name: folder / f"{name}.parquet" for name in TABLE_NAMES}
        for name, path in paths.items():
            try:
                tables[name] = pq.read_table(path)
            except FileNotFoundError:
                raise DataError(
                    str(path), "missing file of a saved run (was its folder moved or deleted?)"
                ) from None
            except (pa.ArrowException, OSError) as exc:
                raise DataError(str(path), f"unreadable Parquet file: {exc}") from exc
        return record_to_result(
            record,
            tables,
            source=source,
            table_sources={name: str(path) for name, path in paths.items()},
        )

    def compare(self, run_ids: Sequence[str]) -> pd.DataFrame:
        """Runs side by side: one column per run id, one row per value.

        Rows are indexed by (section, name): section ``run`` (strategy, seed,
        version, data fingerprint, events, completeness, cash, equity, tags),
        ``params`` (every parameter of any of the runs; None where a run has
        none of that name), ``config`` (the config values that differ between
        the runs, nested keys joined by dots; all of them for a single run)
        and ``metrics`` (every metric). Values are as saved (object dtype).
        """
        ids = builtins.list(run_ids)
        if not ids or isinstance(run_ids, str):
            raise InputError("run_ids", run_ids, "a non-empty list of run ids")
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise InputError("run_ids", repeated, "each run id once")
        summaries = [self.show(run_id) for run_id in ids]
        rows: dict[tuple[str, str], builtins.list[object]] = {}
        for name in _RUN_ROWS:
            rows[("run", name)] = [getattr(s, name) for s in summaries]
        for name in dict.fromkeys(key for s in summaries for key in s.params):
            rows[("params", name)] = [s.params.get(name) for s in summaries]
        flat = [_flatten(s.config) for s in summaries]
        for name in dict.fromkeys(key for f in flat for key in f):
            texts = {_dumps(f.get(name)) for f in flat}
            if len(summaries) == 1 or len(texts) > 1:
                rows[("config", name)] = [f.get(name) for f in flat]
        for f in fields(Metrics):
            rows[("metrics", f.name)] = [getattr(s.metrics, f.name) for s in summaries]
        index = pd.MultiIndex.from_tuples(builtins.list(rows), names=["section", "name"])
        return pd.DataFrame(
            builtins.list(rows.values()),
            index=index,
            columns=pd.Index(ids, name="run_id"),
            dtype=object,
        )

    # -- helpers ----------------------------------------------------------------

    def _folder(self, run_id: str) -> Path:
        if not RUN_ID_PATTERN.fullmatch(run_id):  # only ids this module made name folders
            raise DataError(self.url, "a row's run id is not a run id", value=run_id)
        return self.root / run_id

    def _ids(self) -> builtins.list[str]:
        with self._engine.connect() as connection:
            return builtins.list(connection.scalars(select(runs.c.run_id)))

    def _unknown(self, run_id: object) -> InputError:
        ids = self._ids()
        text = str(run_id)
        starting = [i for i in ids if i.startswith(text)] if text else []
        hint = f"did you mean {starting[0]!r}?" if len(starting) == 1 else suggest(text, ids)
        return InputError("run_id", run_id, f"the id of a run saved in {self.url}", hint=hint)

    def _row(self, run_id: str) -> Row[Any]:
        if not isinstance(run_id, str):
            raise InputError("run_id", run_id, "a run id (text)")
        with self._engine.connect() as connection:
            row = connection.execute(select(runs).where(runs.c.run_id == run_id)).first()
        if row is None:
            raise self._unknown(run_id)
        return row

    def _summary(self, row: Row[Any]) -> RunSummary:
        source = f"run {row.run_id}"
        record = _loads(row.record, source, "record")
        metrics = _loads(row.metrics, source, "metrics")
        try:
            return RunSummary(
                run_id=row.run_id,
                created_ns=row.created_ns,
                **{key: record[key] for key in _RECORD_KEYS},
                initial_cash=float_from_json(record["initial_cash"], source=source),
                final_equity=float_from_json(record["final_equity"], source=source),
                metrics=record_to_metrics(metrics, source=source),
                tags=tuple(_loads(row.tags, source, "tags")),
            )
        except (KeyError, TypeError) as exc:
            raise DataError(source, f"malformed run record: {exc!r}", field="record") from None


def _loads(text: str, source: str, column: str) -> Any:
    try:
        return json.loads(text)
    except (TypeError, ValueError) as exc:
        raise DataError(source, f"unreadable JSON: {exc}", field=column) from None


def _flatten(config: dict[str, Any], prefix: str = "") -> dict[str, object]:
    """Nested dicts as one level, keys joined by dots; other values (lists too) as they are."""
    out: dict[str, object] = {}
    for key, value in config.items():
        if isinstance(value, dict) and value:
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out
