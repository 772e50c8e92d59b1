"""SQL over the catalog: one view per kind, instruments, and clear errors."""

from __future__ import annotations

import numpy as np
import pytest
from tests.conftest import EURUSD, quotes_table

from tickdeck.core import InputError
from tickdeck.data.catalog import Catalog
from tickdeck.data.catalog.inspect import describe
from tickdeck.data.catalog.sql import query

T0 = 1_704_153_600_000_000_000
SECOND = 1_000_000_000


def test_views_expose_rows_with_instrument_date_and_time(catalog: Catalog) -> None:
    table = quotes_table(T0 + np.arange(100, dtype=np.int64) * 1000 * SECOND)
    catalog.write("quotes", EURUSD.id, table)
    result = query(
        catalog,
        "SELECT instrument, count(*) AS n, sum(bid_price) AS s, min(time) AS t "
        "FROM quotes GROUP BY 1",
    )
    row = result.to_pylist()[0]
    assert row["instrument"] == EURUSD.id
    assert row["n"] == 100
    assert row["s"] == pytest.approx(float(np.sum(table.column("bid_price").to_numpy())))
    assert str(row["t"]).startswith("2024-01-02")
    dates = query(catalog, "SELECT DISTINCT date FROM quotes ORDER BY 1").column(0).to_pylist()
    assert [str(d) for d in dates] == ["2024-01-02", "2024-01-03"]


def test_empty_kinds_are_empty_views(catalog: Catalog) -> None:
    assert query(catalog, "SELECT count(*) AS n FROM trades").to_pylist() == [{"n": 0}]
    assert "price" in query(catalog, "SELECT * FROM trades").column_names


def test_instruments_view_lists_metadata(catalog: Catalog) -> None:
    rows = query(catalog, "SELECT instrument, tick_size FROM instruments ORDER BY 1").to_pylist()
    assert rows == [
        {"instrument": "ACME.XNAS", "tick_size": "0.01"},
        {"instrument": "EURUSD.DUKA", "tick_size": "0.00001"},
    ]


@pytest.mark.parametrize("sql", ["SELEC 1", "SELECT * FROM quotez", ""])
def test_bad_sql_is_an_input_error_with_the_reason(catalog: Catalog, sql: str) -> None:
    with pytest.raises(InputError, match="query"):
        query(catalog, sql)


def test_describe_reports_gaps_and_spreads(catalog: Catalog) -> None:
    ts = T0 + np.array([0, 1, 2, 602, 603, 2000], dtype=np.int64) * SECOND
    table = quotes_table(ts)
    catalog.write("quotes", EURUSD.id, table)
    info = describe(catalog, EURUSD.id, gap_threshold_ns=300 * SECOND)
    (quotes,) = info.kinds
    assert quotes.rows == 6
    assert quotes.gap_count == 2
    assert quotes.largest_gaps == ((int(ts[4]), int(ts[5])), (int(ts[2]), int(ts[3])))
    spread_ticks = EURUSD.prices_to_ticks(
        table.column("ask_price").to_numpy()
    ) - EURUSD.prices_to_ticks(table.column("bid_price").to_numpy())
    assert info.spread is not None
    assert info.spread.mean_ticks == pytest.approx(spread_ticks.mean())
    assert info.spread.max_ticks == spread_ticks.max()
