"""The ingest pipeline: read, clean, and commit a batch of files all at once."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from tests.conftest import EURUSD

from tickdeck.core import DataError, DataKind, InputError
from tickdeck.data.catalog import Catalog
from tickdeck.data.ingest import ingest

HEADER = "ts_event,bid_price,ask_price,bid_size,ask_size\n"


def write(path: Path, rows: list[str], header: str = HEADER) -> Path:
    path.write_text(header + "".join(r + "\n" for r in rows))
    return path


@pytest.fixture
def files(tmp_path: Path) -> list[Path]:
    day1 = write(
        tmp_path / "day1.csv",
        [
            "1704186000000,1.10000,1.10002,1,2",
            "1704186000500,1.10001,1.10003,1,2",
            "1704186000500,1.10001,1.10003,1,2",  # exact duplicate
            "1704186000250,1.10002,1.10001,1,2",  # crossed, and out of order
        ],
    )
    day2 = write(tmp_path / "day2.csv", ["1704272400000,1.10010,1.10012,3,4"])
    return [day1, day2]


def test_ingest_cleans_each_file_and_commits_them_together(
    tmp_path: Path, files: list[Path]
) -> None:
    catalog = Catalog(tmp_path / "catalog")
    seen: list[tuple[int, int]] = []
    report = ingest(
        catalog,
        files,
        instrument=EURUSD,
        progress=lambda done, total, _: seen.append((done, total)),
    )
    assert report.kind is DataKind.QUOTE
    assert (report.rows_read, report.rows_kept, report.rows_added) == (5, 3, 3)
    assert report.cleaning[0].removed["duplicate"] == 1
    assert report.cleaning[0].removed["crossed"] == 1
    assert report.partitions == ("2024-01-02", "2024-01-03")
    assert seen[0] == (0, 2)
    assert seen[-1] == (2, 2)
    stored = catalog.read("quotes", EURUSD.id)
    assert stored.column("ts_recv").to_pylist() == [
        1704186000000_000000,
        1704186000500_000000,
        1704272400000_000000,
    ]


def test_removed_rows_are_kept_in_quarantine_with_rule_and_line(
    tmp_path: Path, files: list[Path]
) -> None:
    report = ingest(Catalog(tmp_path / "catalog"), files, instrument=EURUSD)
    assert report.quarantine is not None
    removed = pq.read_table(report.quarantine).to_pylist()
    assert sorted((r["rule"], r["origin"], Path(r["source"]).name) for r in removed) == [
        ("crossed", 5, "day1.csv"),
        ("duplicate", 4, "day1.csv"),
    ]


def test_ingesting_the_same_files_again_adds_nothing(tmp_path: Path, files: list[Path]) -> None:
    catalog = Catalog(tmp_path / "catalog")
    ingest(catalog, files, instrument=EURUSD)
    before = catalog.manifest()
    again = ingest(catalog, files, instrument=EURUSD)
    assert again.rows_added == 0
    assert catalog.manifest() == before


def test_one_bad_file_leaves_the_catalog_exactly_as_it_was(
    tmp_path: Path, files: list[Path]
) -> None:
    catalog = Catalog(tmp_path / "catalog")
    ingest(catalog, files[:1], instrument=EURUSD)
    before = catalog.manifest()
    bad = write(
        tmp_path / "bad.csv", ["1704186001000,1.10000,1.10002,1,2", "1704186002000,abc,1.1,1,2"]
    )
    with pytest.raises(DataError) as caught:
        ingest(catalog, [files[1], bad], instrument=EURUSD)
    assert "bad.csv" in str(caught.value)
    assert caught.value.line == 3
    assert "bid" in str(caught.value.field)
    assert catalog.manifest() == before
    assert (
        not (catalog.root / "quarantine").exists()
        or len(list((catalog.root / "quarantine").iterdir())) == 1
    )


def test_files_of_different_kinds_cannot_be_mixed(tmp_path: Path, files: list[Path]) -> None:
    trades = write(tmp_path / "t.csv", ["1704186000000,1.1,5"], header="timestamp,price,size\n")
    # The first file fixes the kind; a trades file after quotes lacks the quote columns.
    with pytest.raises(DataError, match=r"t\.csv, line 1, field 'bid_price'"):
        ingest(Catalog(tmp_path / "catalog"), [files[0], trades], instrument=EURUSD)
    bars = write(
        tmp_path / "b.csv",
        ["2024-01-02,1,2,0.5,1.5,1.5,10"],
        header="Date,Open,High,Low,Close,Adj Close,Volume\n",
    )
    with pytest.raises(InputError, match=r"b\.csv: kind: got 'quotes', expected bars"):
        ingest(Catalog(tmp_path / "catalog"), [files[0], bars], instrument=EURUSD)


def test_a_source_without_sizes_keeps_its_rows(tmp_path: Path) -> None:
    csv = write(tmp_path / "nosize.csv", ["1704186000000,1.10000,1.10002"], header="time,bid,ask\n")
    report = ingest(Catalog(tmp_path / "catalog"), [csv], instrument=EURUSD)
    assert report.rows_kept == 1


def test_unknown_instrument_id_and_missing_files_are_input_errors(
    tmp_path: Path, files: list[Path]
) -> None:
    catalog = Catalog(tmp_path / "catalog")
    with pytest.raises(InputError, match="instrument"):
        ingest(catalog, files, instrument="NOPE.X")
    with pytest.raises(InputError, match="existing file"):
        ingest(catalog, [tmp_path / "missing.csv"], instrument=EURUSD)
    with pytest.raises(InputError, match="at least one"):
        ingest(catalog, [], instrument=EURUSD)
