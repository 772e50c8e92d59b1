"""CSV to catalog: parse, clean and commit L1 quotes (target: at least 2M rows/s).

The input is a 2M-row quote CSV with epoch-millisecond times (and a variant
with ISO 8601 times); each repeat ingests it into a fresh catalog, so the
figure includes parsing, cleaning, sorting, Parquet encoding and the commit.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks._harness import Result, median_rate, time_repeats
from tickdeck.core import Instrument
from tickdeck.data.catalog import Catalog
from tickdeck.data.ingest.pipeline import ingest

EURUSD = Instrument("EURUSD", "DUKA", "0.00001", asset_class="fx")


def _write_csv(path: Path, rows: int, *, iso: bool) -> None:
    rng = np.random.default_rng(1)
    ts = 1_704_153_600_000 + np.cumsum(rng.integers(1, 80, rows))
    mid = 110_000 + np.cumsum(rng.integers(-1, 2, rows))
    spread = rng.integers(1, 6, rows)
    frame = pd.DataFrame(
        {
            "ts_event": pd.to_datetime(ts, unit="ms", utc=True).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            if iso
            else ts,
            "bid_price": EURUSD.ticks_to_prices(mid),
            "ask_price": EURUSD.ticks_to_prices(mid + spread),
            "bid_size": rng.integers(1, 30, rows) / 10,
            "ask_size": rng.integers(1, 30, rows) / 10,
        }
    )
    frame.to_csv(path, index=False)


def run(*, quick: bool = False) -> list[Result]:
    rows = 500_000 if quick else 2_000_000
    results = []
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for iso in (False, True):
            csv = root / f"quotes_{'iso' if iso else 'ms'}.csv"
            _write_csv(csv, rows, iso=iso)

            def once(csv: Path = csv) -> None:
                target = root / "catalog"
                ingest(Catalog(target), [csv], instrument=EURUSD, kind="quotes", quarantine=False)
                shutil.rmtree(target)

            seconds = time_repeats(once, repeats=3 if quick else 5)
            label = "ISO 8601 times" if iso else "epoch ms times"
            results.append(
                median_rate(
                    f"CSV -> catalog, {rows / 1e6:g}M quotes, {label}",
                    rows,
                    seconds,
                    unit="M rows/s",
                    target=None if iso else 2.0,
                )
            )
    return results


if __name__ == "__main__":
    for result in run():
        print(result)
