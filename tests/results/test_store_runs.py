"""The run store saves runs exactly, lists, shows, compares and deletes them, and names faults.

Every test runs on SQLite and on a real PostgreSQL server (a throwaway
cluster, or the database TICKDECK_TEST_POSTGRES_URL names). Each test gets its
own schema there, dropped afterwards.
"""

from __future__ import annotations

import importlib.util
import math
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from tests.results.test_serialize_roundtrip import METRICS, RUN_RESULTS, assert_same, empty_run

from tickdeck.core import DataError, InputError
from tickdeck.results.analysis import run_metrics
from tickdeck.results.metrics import Metrics
from tickdeck.results.run import EquityArrays, RunResult
from tickdeck.results.serialize import TABLE_NAMES
from tickdeck.results.store import DATABASE_NAME, RunStore, RunSummary

DAY = 86_400_000_000_000
T0 = 1_704_067_200_000_000_000  # 2024-01-01T00:00:00Z


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """None (the default SQLite file under the root), or a fresh PostgreSQL schema's URL."""
    if request.param == "sqlite":
        yield None
        return
    base: str = request.getfixturevalue("postgres_url")
    from sqlalchemy import create_engine, make_url, text

    schema = f"tickdeck_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def store(tmp_path: Path, database_url: str | None) -> Iterator[RunStore]:
    with RunStore(database_url, root=tmp_path / "runs") as opened:
        yield opened


def a_run(
    *,
    strategy: str = "Crossover",
    growth: float = 0.01,
    params: dict[str, object] | None = None,
    config: dict[str, object] | None = None,
) -> RunResult:
    """A plausible run: a daily equity curve growing by `growth` a day over 30 days."""
    ts = T0 + np.arange(30, dtype=np.int64) * DAY
    equity = 1_000.0 * (1.0 + growth) ** np.arange(30) + np.sin(np.arange(30))
    zeros = np.zeros(30)
    return empty_run(
        strategy=strategy,
        params=params if params is not None else {"fast": 10, "slow": 50},
        config=config if config is not None else {"instruments": ["ACME"], "fees": {"bps": 1.0}},
        equity=EquityArrays(ts, equity, equity.copy(), zeros, zeros.copy()),
        initial_cash=1_000.0,
        final_equity=float(equity[-1]),
    )


# -- exact round trips ------------------------------------------------------------


def _storable(result: RunResult) -> bool:
    return all("\x00" not in t for t in (result.strategy, result.version, result.data_fingerprint))


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(result=RUN_RESULTS.filter(_storable), metrics=METRICS)
def test_a_saved_run_loads_identical(store: RunStore, result: RunResult, metrics: Metrics) -> None:
    run_id = store.save(result, metrics=metrics, tags=["property"])
    assert_same(result, store.load(run_id))
    shown = store.show(run_id)
    assert_same(metrics, shown.metrics)
    assert_same(result.params, shown.params)
    assert_same(result.config, shown.config)
    assert_same(result.final_equity, shown.final_equity)
    assert shown.tags == ("property",)


def test_an_empty_run_saves_and_loads(store: RunStore) -> None:
    result = empty_run()
    run_id = store.save(result)
    assert_same(result, store.load(run_id))
    assert math.isnan(store.show(run_id).metrics.total_return)


def test_metrics_default_to_those_of_the_run(store: RunStore) -> None:
    result = a_run()
    run_id = store.save(result)
    assert_same(run_metrics(result), store.show(run_id).metrics)


def test_the_run_folder_holds_one_parquet_file_per_table(store: RunStore) -> None:
    run_id = store.save(a_run())
    folder = store.root / run_id
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{n}.parquet" for n in TABLE_NAMES)
    assert pq.read_table(folder / "equity.parquet").num_rows == 30


def test_the_default_database_lives_in_the_root(tmp_path: Path) -> None:
    with RunStore(root=tmp_path) as store:
        store.save(a_run())
        assert store.url == f"sqlite:///{tmp_path / DATABASE_NAME}"
    assert (tmp_path / DATABASE_NAME).is_file()
    with RunStore(f"sqlite:///{tmp_path / 'elsewhere.db'}", root=tmp_path / "arrays") as other:
        run_id = other.save(a_run())
        assert (tmp_path / "arrays" / run_id).is_dir()
        assert (tmp_path / "elsewhere.db").is_file()


def test_two_stores_on_one_root_see_the_same_runs(tmp_path: Path) -> None:
    with RunStore(root=tmp_path) as first, RunStore(root=tmp_path) as second:
        run_id = first.save(a_run())
        assert [s.run_id for s in second.list()] == [run_id]


# -- list and show --------------------------------------------------------------------


def test_list_shows_newest_first_by_default(store: RunStore) -> None:
    ids = [store.save(a_run()) for _ in range(3)]
    listed = store.list()
    assert [s.run_id for s in listed] == ids[::-1]
    assert all(isinstance(s, RunSummary) for s in listed)
    assert [s.run_id for s in store.list(descending=False)] == ids


def test_a_run_id_is_a_uuid7_that_starts_with_its_save_time(store: RunStore) -> None:
    before_ms = time.time_ns() // 1_000_000
    run_id = store.save(a_run())
    after_ms = time.time_ns() // 1_000_000
    parsed = uuid.UUID(run_id)
    assert (str(parsed), parsed.version, parsed.variant) == (run_id, 7, uuid.RFC_4122)
    assert before_ms <= parsed.int >> 80 <= after_ms


def test_list_ranks_by_a_metric_with_undefined_values_last(store: RunStore) -> None:
    growth = {"flat": 0.0, "best": 0.02, "worst": -0.01, "middle": 0.01}
    ids = {name: store.save(a_run(growth=rate)) for name, rate in growth.items()}
    empty = store.save(empty_run())  # total return NaN
    by_return = [s.run_id for s in store.list(order_by="total_return")]
    assert by_return == [ids["best"], ids["middle"], ids["flat"], ids["worst"], empty]
    ascending = [s.run_id for s in store.list(order_by="total_return", descending=False)]
    assert ascending == [ids["worst"], ids["flat"], ids["middle"], ids["best"], empty]
    top_two = store.list(order_by="sharpe_ratio", limit=2)
    assert [s.run_id for s in top_two] == [ids["best"], ids["middle"]]
    ranked = [s.metrics.sharpe_ratio for s in store.list(order_by="sharpe_ratio")]
    assert ranked[:4] == sorted(ranked[:4], reverse=True)


def test_list_filters_by_strategy(store: RunStore) -> None:
    mine = store.save(a_run(strategy="Momentum"))
    store.save(a_run(strategy="Crossover"))
    assert [s.run_id for s in store.list(strategy="Momentum")] == [mine]
    assert store.list(strategy="Nothing") == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"order_by": "sharpe"}, "did you mean 'sharpe_ratio'"),
        ({"order_by": "created_at"}, "did you mean 'created_ns'"),
        ({"limit": 0}, "limit: got 0, expected a positive integer"),
        ({"limit": True}, "limit: got True"),
    ],
)
def test_list_names_a_bad_option(store: RunStore, options: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        store.list(**options)  # type: ignore[arg-type]


def test_show_gives_the_run_without_its_arrays(store: RunStore) -> None:
    result = a_run()
    run_id = store.save(result, tags=("baseline", "v2"))
    shown = store.show(run_id)
    assert (shown.run_id, shown.strategy, shown.seed, shown.events) == (run_id, "Crossover", 0, 0)
    assert shown.tags == ("baseline", "v2")
    assert shown.final_equity == result.final_equity


# -- compare ------------------------------------------------------------------------


def test_compare_puts_runs_side_by_side_with_only_config_differences(store: RunStore) -> None:
    first = store.save(a_run(params={"fast": 10}, config={"fees": {"bps": 1.0}, "venue": "X"}))
    second = store.save(
        a_run(
            growth=0.02,
            params={"fast": 20, "slow": 60},
            config={"fees": {"bps": 2.0}, "venue": "X"},
        )
    )
    table = store.compare([second, first])
    assert list(table.columns) == [second, first]
    assert table.loc[("params", "fast")].tolist() == [20, 10]
    assert table.loc[("params", "slow")].tolist() == [60, None]
    assert table.loc[("config", "fees.bps")].tolist() == [2.0, 1.0]
    assert ("config", "venue") not in table.index  # equal in both: not a difference
    total = table.loc[("metrics", "total_return")].tolist()
    assert total == [
        store.show(second).metrics.total_return,
        store.show(first).metrics.total_return,
    ]
    assert set(table.index.get_level_values("section")) == {"run", "params", "config", "metrics"}


def test_compare_of_one_run_shows_its_whole_config(store: RunStore) -> None:
    run_id = store.save(a_run(config={"venue": "X", "fees": {"bps": 1.0}}))
    table = store.compare([run_id])
    assert table.loc[("config", "venue"), run_id] == "X"
    assert table.loc[("config", "fees.bps"), run_id] == 1.0


@pytest.mark.parametrize("ids", [[], "0190"])
def test_compare_needs_a_list_of_ids(store: RunStore, ids: list[str]) -> None:
    with pytest.raises(InputError, match="run_ids"):
        store.compare(ids)


def test_compare_refuses_a_repeated_id(store: RunStore) -> None:
    run_id = store.save(a_run())
    with pytest.raises(InputError, match="each run id once"):
        store.compare([run_id, run_id])


# -- delete and unknown ids -----------------------------------------------------------


def test_delete_removes_the_row_and_the_folder(store: RunStore) -> None:
    kept = store.save(a_run())
    gone = store.save(a_run())
    store.delete(gone)
    assert [s.run_id for s in store.list()] == [kept]
    assert not (store.root / gone).exists()
    assert_same(a_run(), store.load(kept))


def test_deleting_twice_names_the_id_the_second_time(store: RunStore) -> None:
    run_id = store.save(a_run())
    store.delete(run_id)
    with pytest.raises(InputError, match=f"run_id: got '{run_id}'"):
        store.delete(run_id)


@pytest.mark.parametrize("verb", ["load", "show", "delete"])
def test_an_unknown_id_is_named_with_the_closest_one(store: RunStore, verb: str) -> None:
    run_id = store.save(a_run())
    typo = run_id[:-1] + ("0" if run_id[-1] != "0" else "1")
    with pytest.raises(InputError, match=f"got '{typo}'.*did you mean '{run_id}'") as caught:
        getattr(store, verb)(typo)
    assert caught.value.field == "run_id"
    with pytest.raises(InputError, match=f"did you mean '{run_id}'"):
        getattr(store, verb)(run_id[:8])  # a prefix, as a user copies it from a listing


def test_an_unknown_id_in_an_empty_store_is_named(store: RunStore) -> None:
    with pytest.raises(InputError, match="got 'nope', expected the id of a run saved in"):
        store.load("nope")


# -- bad files -------------------------------------------------------------------------


def test_a_missing_file_is_named(store: RunStore) -> None:
    run_id = store.save(a_run())
    path = store.root / run_id / "fills.parquet"
    path.unlink()
    with pytest.raises(
        DataError, match=re.escape("fills.parquet: missing file of a saved run")
    ) as caught:
        store.load(run_id)
    assert caught.value.source == str(path)


def test_a_corrupt_file_is_named(store: RunStore) -> None:
    run_id = store.save(a_run())
    path = store.root / run_id / "equity.parquet"
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(
        DataError, match=re.escape("equity.parquet: unreadable Parquet file")
    ) as caught:
        store.load(run_id)
    assert caught.value.source == str(path)


def test_a_file_with_the_wrong_columns_is_named(store: RunStore) -> None:
    run_id = store.save(a_run())
    path = store.root / run_id / "trades.parquet"
    pq.write_table(pa.table({"instrument": pa.array([], pa.string())}), path)
    with pytest.raises(DataError, match=re.escape("trades.parquet, field 'side': missing column")):
        store.load(run_id)


# -- what save refuses -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("result", "options", "field"),
    [
        (replace(a_run(), config={"instruments": ("ACME",)}), {}, "config['instruments']"),
        (replace(a_run(), seed=2**64), {}, "seed"),
        (a_run(), {"tags": "baseline"}, "tags"),
        (a_run(), {"tags": ["ok", ""]}, "tags"),
        (a_run(), {"metrics": {"total_return": 0.1}}, "metrics"),
    ],
)
def test_save_refuses_before_writing_anything(
    store: RunStore, result: RunResult, options: dict[str, object], field: str
) -> None:
    with pytest.raises(InputError) as caught:
        store.save(result, **options)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert store.list() == []
    assert [p for p in store.root.iterdir() if p.is_dir()] == []


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "url: got 'not a url', expected a database URL"),
        ("nosuchdb://host/db", "expected a database SQLAlchemy knows"),
    ],
)
def test_a_bad_url_is_named(tmp_path: Path, url: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        RunStore(url, root=tmp_path)


@pytest.mark.skipif(
    importlib.util.find_spec("MySQLdb") is not None, reason="needs a missing database driver"
)
def test_a_missing_driver_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"driver is installed.*install MySQLdb") as caught:
        RunStore("mysql+mysqldb://user:secret@localhost/runs", root=tmp_path)
    assert "secret" not in str(caught.value)


def test_text_a_database_cannot_hold_is_refused_by_name(store: RunStore) -> None:
    with pytest.raises(InputError, match="strategy"):
        store.save(replace(a_run(), strategy="Cross\x00over"))
    assert store.list() == []
