"""`tickdeck data ingest` and `tickdeck data resample` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tickdeck.cli import run
from tickdeck.data.catalog import Catalog

CSV = (
    "Time;Bid;Ask\n"
    "2024-01-02 09:00:00.000;1.10000;1.10002\n"
    "2024-01-02 09:00:30.000;1.10001;1.10004\n"
    "2024-01-02 09:01:10.000;1.10003;1.10005\n"
)


@pytest.fixture
def csv(tmp_path: Path) -> Path:
    path = tmp_path / "eurusd.csv"
    path.write_text(CSV)
    return path


def ingest_argv(csv: Path, catalog: Path, *extra: str) -> list[str]:
    return [
        "data", "ingest", str(csv), "--instrument", "EURUSD.TEST", "--tick-size", "0.00001",
        "--asset-class", "fx", "--currency", "USD", "--delimiter", ";", "--tz", "Europe/Berlin",
        "--catalog", str(catalog),
        *extra,
    ]  # fmt: skip


def test_ingest_defines_the_instrument_and_reports(
    csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    catalog = tmp_path / "catalog"
    assert run(ingest_argv(csv, catalog, "--json")) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["rows_kept"] == 3
    assert report["cleaning"][0]["removed"]["crossed"] == 0
    stored = Catalog(catalog).read("quotes", "EURUSD.TEST")
    # 09:00 in Berlin is 08:00 UTC.
    assert stored.column("ts_event")[0].as_py() == 1_704_182_400_000_000_000
    assert Catalog(catalog).instrument("EURUSD.TEST").asset_class == "fx"


def test_explicit_mapping_and_time_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("when,b,a\n02/01/2024 09:00:00,1.1,1.10002\n")
    argv = [
        "data", "ingest", str(path), "--instrument", "EURUSD.TEST", "--tick-size", "0.00001",
        "--currency", "USD", "--asset-class", "fx",
        "--map", "ts_event=when,bid_price=b,ask_price=a", "--ts-format", "%d/%m/%Y %H:%M:%S",
        "--catalog", str(tmp_path / "catalog"),
    ]  # fmt: skip
    assert run(argv) == 0
    assert "kept 1" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "extra", "message"),
    [
        ("Time;Bid;Ask\n2024-01-02 09:00:00;x;1.1\n", (), "line 2"),
        ("Time;Bid;Ask\n", (), "eurusd.csv"),
        (CSV, ("--map", "bid_pryce=Bid"), "did you mean 'bid_price'"),
        (CSV, ("--mode", "upsert"), "mode"),
        (CSV, ("--format", "exel"), "format"),
    ],
)
def test_bad_input_leaves_the_catalog_as_it_was(
    csv: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: str,
    extra: tuple[str, ...],
    message: str,
) -> None:
    catalog = tmp_path / "catalog"
    assert run(ingest_argv(csv, catalog)) == 0
    before = Catalog(catalog).manifest()
    capsys.readouterr()
    csv.write_text(content)
    assert run(ingest_argv(csv, catalog, *extra)) == 2
    err = capsys.readouterr().err
    assert message in err
    assert Catalog(catalog).manifest() == before


def test_an_unknown_instrument_needs_a_tick_size(
    csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["data", "ingest", str(csv), "--instrument", "NEW.X", "--catalog", str(tmp_path / "c")]
    assert run(argv) == 2
    assert "--tick-size" in capsys.readouterr().err


def test_resample_writes_whole_minute_bars_and_is_idempotent(
    csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    catalog = tmp_path / "catalog"
    assert run(ingest_argv(csv, catalog)) == 0
    argv = ["data", "resample", "EURUSD.TEST", "--interval", "1m", "--catalog", str(catalog)]
    assert run(argv) == 0
    # 09:00 is whole; 09:01 may still be filling, so it is not stored yet.
    assert "-> 1 bars (1 new" in capsys.readouterr().out
    (bar,) = Catalog(catalog).read("bars", "EURUSD.TEST").to_pylist()
    assert bar["open"] == 1.10001  # the exact mid of the first quote, not a float sum
    assert bar["close"] == 1.100025
    assert bar["interval_ns"] == 60_000_000_000
    assert run(argv) == 0
    assert "(0 new" in capsys.readouterr().out
    assert run(["data", "resample", "EURUSD.TEST", "--catalog", str(catalog)]) == 2
