"""`tickdeck synth ...` on real files and a real catalog (the sub-app, driven by Typer's runner)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.synth.synth_bars import DAY_NS, ohlcv, resampled
from typer.testing import CliRunner

from tickdeck.cli import run
from tickdeck.cli.synth import app
from tickdeck.core import DataKind, InputError
from tickdeck.data import SAMPLE_INSTRUMENTS, write_sample_files
from tickdeck.data.catalog import Catalog
from tickdeck.data.ingest import ingest, read_source

RUNNER = CliRunner()
NEW_ACME = ["--tick-size", "0.01", "--currency", "USD", "--asset-class", "equity"]


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("samples")
    write_sample_files(folder)
    return folder


def _invoke(*args: str) -> str:
    result = RUNNER.invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == 0, result.output
    return result.output


def test_from_bars_writes_ticks_that_resample_to_the_file(samples: Path, tmp_path: Path) -> None:
    catalog = tmp_path / "catalog"
    out = _invoke("from-bars", str(samples / "ACME.csv"), "-i", "ACME.XNAS", "-c", str(catalog),
                  *NEW_ACME, "--seed", "3", "--book-levels", "2")  # fmt: skip
    assert "ACME.XNAS-SYN" in out
    assert "trades" in out
    stored = Catalog(catalog)
    trades = stored.read(DataKind.TRADE, "ACME.XNAS-SYN")
    bars = read_source(samples / "ACME.csv").table
    assert ohlcv(resampled(trades, DAY_NS, stored.instrument("ACME.XNAS-SYN"))) == ohlcv(bars)
    assert stored.read(DataKind.BOOK_SNAPSHOT, "ACME.XNAS-SYN").num_rows == trades.num_rows


def test_from_bars_reads_bars_already_in_the_catalog(samples: Path, tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "catalog")
    ingest(catalog, [samples / "ACME.csv"], instrument=SAMPLE_INSTRUMENTS["ACME.XNAS"])
    out = _invoke("from-bars", "--from-catalog", "-i", "ACME.XNAS", "-c", str(catalog.root),
                  "--output", "ACME.TWIN", "--arrivals", "hawkes", "--json")  # fmt: skip
    summary = json.loads(out)
    assert summary["instrument"] == "ACME.TWIN"
    assert summary["rows"]["trades"] == summary["rows"]["quotes"] > 250
    trades = catalog.read(DataKind.TRADE, "ACME.TWIN")
    bars = catalog.read(DataKind.BAR, "ACME.XNAS")
    assert ohlcv(resampled(trades, DAY_NS, catalog.instrument("ACME.TWIN"))) == ohlcv(bars)


def test_gbm_simulates_correlated_instruments(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog"
    out = _invoke("gbm", "-i", "AAA.SIM", "-i", "BBB.SIM", "-c", str(catalog), *NEW_ACME,
                  "--days", "2", "--price", "100", "--price", "20", "--garch", "--regimes",
                  "--jumps-per-day", "2", "--blocks", "--correlation", "0.5",
                  "--trades-per-day", "3000", "--session", "14:30-21:00", "--json")  # fmt: skip
    reported = {part["instrument"]: part["rows"] for part in json.loads(out)["instruments"]}
    assert set(reported) == {"AAA.SIM-SYN", "BBB.SIM-SYN"}
    stored = Catalog(catalog)
    for instrument_id in ("AAA.SIM-SYN", "BBB.SIM-SYN"):
        trades = stored.read(DataKind.TRADE, instrument_id)
        assert 4_000 < trades.num_rows < 8_000
        assert reported[instrument_id]["trades"] == trades.num_rows
        time_of_day = trades.column("ts_event").to_numpy() % DAY_NS
        assert time_of_day.min() >= 14.5 * 3600e9
        assert time_of_day.max() < 21 * 3600e9
    first = stored.read(DataKind.TRADE, "BBB.SIM-SYN").column("price").to_numpy()[0]
    assert 19 < first < 21


def test_validate_prints_synthetic_beside_real(samples: Path, tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "catalog")
    ingest(catalog, [samples / "acme_trades.csv"], instrument=SAMPLE_INSTRUMENTS["ACME.XNAS"])
    _invoke("gbm", "-i", "ACME.XNAS", "-c", str(catalog.root), "--trades-per-day", "5000",
            "--price", "187", "--garch", "--session", "14:30-21:00")  # fmt: skip
    out = _invoke("validate", "ACME.XNAS-SYN", "--real", "ACME.XNAS", "-c", str(catalog.root))
    for label in ("kurtosis of returns", "acf(|r|)", "acf(sign)", "spread", "U-shape ratio",
                  "ACME.XNAS-SYN", "ACME.XNAS", "in real markets"):  # fmt: skip
        assert label in out
    report = json.loads(_invoke("validate", "ACME.XNAS-SYN", "--real", "ACME.XNAS",
                                "-c", str(catalog.root), "--json"))  # fmt: skip
    assert set(report) == {"ACME.XNAS-SYN", "ACME.XNAS"}
    assert report["ACME.XNAS-SYN"]["trades"] > 5_000
    assert report["ACME.XNAS"]["spread_mean_ticks"] is None  # the real file has no quotes


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["from-bars", "x.csv", "-i", "NEW.VENUE"], "--tick-size"),
        (["from-bars", "x.csv", "-i", "A.B", "--from-catalog"], "not both"),
        (
            [
                "gbm",
                "-i",
                "A.B",
                "--tick-size",
                "0.01",
                "--currency",
                "USD",
                "--asset-class",
                "equity",
                "--session",
                "9-17",
            ],
            "HH:MM-HH:MM",
        ),
        (["gbm", "-i", "A.B", "--tick-size", "0.01", "--currency", "USD"], "--asset-class"),
        (["validate", "A.B"], "a folder holding a catalog"),
    ],
)
def test_mistakes_are_named(args: list[str], message: str, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=message):
        _invoke(*args, "-c", str(tmp_path / "catalog"))


def test_a_second_generation_into_the_same_target_needs_a_mode(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog"
    args = ("gbm", "-i", "AAA.SIM", "-c", str(catalog), *NEW_ACME, "--days", "1",
            "--trades-per-day", "500", "--json")  # fmt: skip
    _invoke(*args, "--seed", "1")
    first = Catalog(catalog).read(DataKind.TRADE, "AAA.SIM-SYN")
    assert run(["synth", *args, "--seed", "2"]) == 2  # would interleave two paths
    assert Catalog(catalog).read(DataKind.TRADE, "AAA.SIM-SYN").equals(first)
    _invoke(*args, "--seed", "2", "--mode", "replace")
    second = Catalog(catalog).read(DataKind.TRADE, "AAA.SIM-SYN")
    assert not second.equals(first)
    assert second.column("trade_id").to_numpy().size == len(
        set(second.column("trade_id").to_numpy().tolist())
    )
    _invoke(*args, "--seed", "2", "--mode", "merge")  # the same path again: nothing new
    assert Catalog(catalog).read(DataKind.TRADE, "AAA.SIM-SYN").equals(second)
