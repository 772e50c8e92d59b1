"""Catalogs for the template tests, built from the sample vendor files as the demo builds them.

Each test module builds its own (module-scoped fixture) and ingests only what
it needs. Helpers to read what the engine replays back as plain frames.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tickdeck.core import DataKind
from tickdeck.data.catalog import Catalog
from tickdeck.data.ingest.pipeline import ingest
from tickdeck.data.sample import SAMPLE_INSTRUMENTS, write_sample_files
from tickdeck.results.run import RunResult

EURUSD = "EURUSD.DUKA"
ACME = "ACME.XNAS"
MINUTE_NS = 60_000_000_000


def sample_catalog(
    root: Path,
    *,
    eurusd: bool = False,
    acme_trades: bool = False,
    acme_bars: bool = False,
    days: int = 1,
) -> Catalog:
    """A catalog under `root` holding the chosen sample files, ingested through `ingest`."""
    files = write_sample_files(root / "sample", days=days)
    catalog = Catalog(root / "catalog")
    if eurusd:
        ingest(catalog, list(files.eurusd_bi5), instrument=SAMPLE_INSTRUMENTS[EURUSD], format="bi5")
    if acme_trades:
        ingest(
            catalog,
            [files.acme_trades_csv],
            instrument=SAMPLE_INSTRUMENTS[ACME],
            format="csv",
            kind="trades",
        )
    if acme_bars:
        ingest(
            catalog, [files.acme_bars_csv], instrument=SAMPLE_INSTRUMENTS[ACME], format="yahoo-bars"
        )
    return catalog


def quotes(catalog: Catalog, instrument: str = EURUSD) -> pd.DataFrame:
    """The quotes the engine replays, in replay order, with their mid."""
    frame = catalog.read(DataKind.QUOTE, instrument).to_pandas()
    frame["mid"] = (frame["bid_price"] + frame["ask_price"]) * 0.5
    return frame.reset_index(drop=True)


def minute_closes(ticks: pd.DataFrame, price: str = "mid") -> pd.Series:
    """Bars as `subscribe_bars` builds them: the last price of each minute of receive time.

    Indexed by the bucket end. The last bucket is dropped: its bar is delivered
    only by a later tick, and there is none.
    """
    bucket_end = ticks["ts_recv"].to_numpy() // MINUTE_NS * MINUTE_NS + MINUTE_NS
    closes = ticks.groupby(bucket_end)[price].last()
    return closes.iloc[:-1]


def fills_of(result: RunResult) -> pd.DataFrame:
    """The fills with a signed quantity and nanosecond times."""
    frame = result.fills_frame()
    frame["ts"] = [f.ts for f in result.fills]
    frame["signed"] = frame["side"] * frame["quantity"]
    return frame


def positions(result: RunResult, instrument: str) -> np.ndarray:
    """The position in `instrument` after each of its fills."""
    fills = fills_of(result)
    return fills.loc[fills["instrument"] == instrument, "signed"].cumsum().to_numpy()


def positions_after_orders(result: RunResult, instrument: str) -> np.ndarray:
    """The position in `instrument` once each order's fills are all in (an order walks levels)."""
    fills = fills_of(result)
    fills = fills[fills["instrument"] == instrument].copy()
    fills["position"] = fills["signed"].cumsum()
    return fills.groupby("order_id", sort=False)["position"].last().to_numpy()


def orders_by_id(result: RunResult) -> pd.DataFrame:
    """The orders, oldest first, with their creation time in ns."""
    frame = result.orders_frame()
    frame["created_ns"] = [o.ts_created for o in result.orders]
    return frame.sort_values("order_id").reset_index(drop=True)
