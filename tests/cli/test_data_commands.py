"""`tickdeck data ...` on a real catalog: listing, inspection, SQL, and clear errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from tests.conftest import EURUSD, quotes_table

from tickdeck.cli import run
from tickdeck.data.catalog import Catalog

T0 = 1_704_153_600_000_000_000


@pytest.fixture
def filled(catalog: Catalog) -> Catalog:
    catalog.write("quotes", EURUSD.id, quotes_table(T0 + np.arange(2000, dtype=np.int64) * 10**9))
    return catalog


def test_ls_lists_instruments_and_kinds(
    filled: Catalog, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["data", "ls", "--catalog", str(filled.root)]) == 0
    out = capsys.readouterr().out
    assert "EURUSD.DUKA" in out
    assert "2,000" in out
    assert "2024-01-02T00:00:00Z" in out


def test_reading_a_missing_catalog_is_an_error(
    tmp_path: object, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["data", "ls", "--catalog", f"{tmp_path}/none"]) == 2
    assert "a folder holding a catalog" in capsys.readouterr().err


def test_ls_says_when_the_catalog_is_empty(
    catalog: Catalog, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["data", "ls", "--catalog", str(catalog.root)]) == 0
    assert "empty" in capsys.readouterr().out


def test_markup_in_data_is_printed_as_is(
    filled: Catalog, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["data", "query", "SELECT '[bold]hi[/b]' AS x", "--catalog", str(filled.root)]) == 0
    assert "[bold]hi[/b]" in capsys.readouterr().out
    assert run(["data", "info", "[/b]X.Y", "--catalog", str(filled.root)]) == 2
    assert "[/b]X.Y" in capsys.readouterr().err


def test_info_shows_rows_gaps_and_spread(
    filled: Catalog, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["data", "info", EURUSD.id, "--catalog", str(filled.root), "--gap", "1h"]) == 0
    out = capsys.readouterr().out
    assert "quotes" in out
    assert "2,000" in out
    assert "Quoted spread" in out
    table = filled.read("quotes", EURUSD.id)
    ticks = EURUSD.prices_to_ticks(table.column("ask_price").to_numpy()) - EURUSD.prices_to_ticks(
        table.column("bid_price").to_numpy()
    )
    assert f"{ticks.mean():.2f} ticks" in out
    assert f"{ticks.max():.0f} ticks" in out


def test_query_prints_json_and_csv(filled: Catalog, capsys: pytest.CaptureFixture[str]) -> None:
    sql = "SELECT instrument, count(*) AS n FROM quotes GROUP BY 1"
    assert run(["data", "query", sql, "--catalog", str(filled.root), "-o", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"instrument": EURUSD.id, "n": 2000}]
    assert run(["data", "query", sql, "--catalog", str(filled.root), "-o", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["instrument,n", f"{EURUSD.id},2000"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["data", "query", "SELEC 1"], "syntax error"),
        (["data", "info", "EURUSD.DUKAS"], "did you mean 'EURUSD.DUKA'"),
        (["data", "info", EURUSD.id, "--gap", "soon"], "--gap"),
        (["data", "query", "SELECT 1", "-o", "xml"], "--output"),
    ],
)
def test_bad_input_exits_2_with_one_clear_line(
    filled: Catalog, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    before = filled.manifest()
    assert run([*argv, "--catalog", str(filled.root)]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert Catalog(filled.root).manifest() == before


def test_vacuum_reports_orphans(filled: Catalog, capsys: pytest.CaptureFixture[str]) -> None:
    orphan = filled.root / "data" / "quotes" / "instrument=EURUSD.DUKA" / "stray.parquet"
    orphan.write_bytes(b"left by a killed writer")
    assert run(["data", "vacuum", "--catalog", str(filled.root)]) == 0
    assert "removed 1" in capsys.readouterr().out
    assert not orphan.exists()
