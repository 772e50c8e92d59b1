"""Built-in sample data: small, deterministic vendor files for demos and tests.

`write_sample_files` writes, from one seed, the kinds of file a quant gets from
real vendors, so the demo exercises the same ingestion path as real data:

- ``EURUSD`` quotes as Dukascopy hourly ``.bi5`` files (2 days);
- ``USDJPY`` quotes as a Dukascopy CSV export;
- ``ACME`` trades as a generic CSV with ISO 8601 times in New York time;
- ``ACME`` daily bars as a Yahoo Finance CSV export.

The files contain a few deliberate defects (a duplicate, a crossed quote, a
price spike, a zero-size trade, rows out of order) so that the cleaning report
has something to show. Prices follow a random walk on each instrument's tick
grid with a U-shaped intraday activity; it is plausible, not realistic — the
synthetic data generator is where realism lives.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from tickdeck.core import AssetClass, Instrument
from tickdeck.data.ingest.dukascopy import write_bi5

__all__ = ["SAMPLE_INSTRUMENTS", "SampleFiles", "write_sample_files"]

_NS = 1_000_000_000
_HOUR_NS = 3600 * _NS
_DAY_NS = 24 * _HOUR_NS

SAMPLE_INSTRUMENTS: dict[str, Instrument] = {
    "EURUSD.DUKA": Instrument(
        "EURUSD", "DUKA", "0.00001", "1000", currency="USD", asset_class=AssetClass.FX
    ),
    "USDJPY.DUKA": Instrument(
        "USDJPY", "DUKA", "0.001", "1000", currency="JPY", asset_class=AssetClass.FX
    ),
    "ACME.XNAS": Instrument(
        "ACME", "XNAS", "0.01", "1", currency="USD", asset_class=AssetClass.EQUITY
    ),
}


@dataclass(frozen=True)
class SampleFiles:
    """Where each sample file went, grouped as they are ingested."""

    eurusd_bi5: tuple[Path, ...]
    usdjpy_csv: Path
    acme_trades_csv: Path
    acme_bars_csv: Path


def _arrivals(
    rng: np.random.Generator, start_ns: int, end_ns: int, per_hour: float
) -> npt.NDArray[np.int64]:
    """Poisson arrival times with a U-shaped (busier at both ends) intensity."""
    hours = (end_ns - start_ns) / _HOUR_NS
    count = int(rng.poisson(per_hour * hours))
    # Inverse-transform sampling of a density proportional to 1 + 2 * (2u - 1)**2 on [0, 1).
    grid = np.linspace(0.0, 1.0, 1025)
    density = 1.0 + 2.0 * (2.0 * grid - 1.0) ** 2
    cdf = np.concatenate([[0.0], np.cumsum((density[1:] + density[:-1]) / 2)])
    cdf /= cdf[-1]
    u = np.sort(rng.random(count))
    position = np.interp(u, cdf, grid)
    return (start_ns + position * (end_ns - start_ns)).astype(np.int64)


def _walk(
    rng: np.random.Generator, n: int, start_ticks: int, step_prob: float
) -> npt.NDArray[np.int64]:
    moves = rng.choice(np.array([-2, -1, 1, 2]), size=n, p=[0.1, 0.4, 0.4, 0.1])
    moves = np.where(rng.random(n) < step_prob, moves, 0)
    return start_ticks + np.cumsum(moves)


def _quotes(
    rng: np.random.Generator,
    instrument: Instrument,
    start_ns: int,
    days: int,
    per_hour: float,
    start_price: float,
) -> pd.DataFrame:
    ts = _arrivals(rng, start_ns, start_ns + days * _DAY_NS, per_hour)
    mid = _walk(rng, ts.size, int(instrument.prices_to_ticks(start_price)), 0.35)
    spread = rng.integers(2, 9, ts.size)
    bid = mid - spread // 2
    ask = bid + spread
    return pd.DataFrame(
        {
            "ts": ts,
            "bid": instrument.ticks_to_prices(bid),
            "ask": instrument.ticks_to_prices(ask),
            "bid_volume": np.round(rng.gamma(2.0, 0.6, ts.size) + 0.1, 2),
            "ask_volume": np.round(rng.gamma(2.0, 0.6, ts.size) + 0.1, 2),
        }
    )


def _write_eurusd(
    rng: np.random.Generator, folder: Path, start_ns: int, days: int
) -> tuple[Path, ...]:
    quotes = _quotes(rng, SAMPLE_INSTRUMENTS["EURUSD.DUKA"], start_ns, days, 2400.0, 1.10432)
    # Defects for the cleaning report: one duplicate, one crossed quote, one spike.
    third = len(quotes) // 3
    bid, ask = quotes["bid"].to_numpy().copy(), quotes["ask"].to_numpy().copy()
    bid[third], ask[third] = ask[third], bid[third]
    bid[2 * third] += 0.0150
    ask[2 * third] += 0.0150
    quotes["bid"], quotes["ask"] = bid, ask
    quotes = pd.concat([quotes, quotes.iloc[[third + 7]]]).sort_values("ts", kind="stable")
    paths = []
    hours = (quotes["ts"].to_numpy() - start_ns) // _HOUR_NS
    for hour in range(days * 24):
        hour_start = start_ns + hour * _HOUR_NS
        chunk = quotes[hours == hour]
        stamp = pd.Timestamp(hour_start, unit="ns")
        # Dukascopy's own layout: SYMBOL/YYYY/MM/DD/HHh_ticks.bi5 with a 0-based month.
        path = (
            folder
            / "EURUSD"
            / f"{stamp.year:04d}"
            / f"{stamp.month - 1:02d}"
            / f"{stamp.day:02d}"
            / f"{stamp.hour:02d}h_ticks.bi5"
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bi5(
            path,
            offsets_ms=(chunk["ts"].to_numpy() - hour_start) // 1_000_000,
            ask=chunk["ask"].to_numpy(),
            bid=chunk["bid"].to_numpy(),
            ask_volume=chunk["ask_volume"].to_numpy(),
            bid_volume=chunk["bid_volume"].to_numpy(),
            decimals=5,
        )
        paths.append(path)
    return tuple(paths)


def _write_usdjpy(rng: np.random.Generator, folder: Path, start_ns: int, days: int) -> Path:
    quotes = _quotes(rng, SAMPLE_INSTRUMENTS["USDJPY.DUKA"], start_ns, days, 1500.0, 141.872)
    stamps = pd.to_datetime(quotes["ts"], unit="ns").dt.strftime("%d.%m.%Y %H:%M:%S.%f").str[:-3]
    frame = pd.DataFrame(
        {
            "Gmt time": stamps,
            "Ask": quotes["ask"].map("{:.3f}".format),
            "Bid": quotes["bid"].map("{:.3f}".format),
            "AskVolume": quotes["ask_volume"],
            "BidVolume": quotes["bid_volume"],
        }
    )
    path = folder / "USDJPY_Ticks_dukascopy.csv"
    frame.to_csv(path, index=False)
    return path


def _write_acme_trades(rng: np.random.Generator, folder: Path, start_ns: int, days: int) -> Path:
    instrument = SAMPLE_INSTRUMENTS["ACME.XNAS"]
    frames = []
    for day in range(days):
        # 09:30-16:00 New York is 14:30-21:00 UTC in January.
        open_ns = start_ns + day * _DAY_NS + 14 * _HOUR_NS + 30 * 60 * _NS
        ts = _arrivals(rng, open_ns, open_ns + 6 * _HOUR_NS + 30 * 60 * _NS, 1800.0)
        price = _walk(rng, ts.size, int(instrument.prices_to_ticks(187.25)), 0.5)
        frames.append(
            pd.DataFrame(
                {
                    "timestamp": pd.to_datetime(ts, unit="ns", utc=True)
                    .tz_convert("America/New_York")
                    .strftime("%Y-%m-%dT%H:%M:%S.%f%z"),
                    "price": instrument.ticks_to_prices(price),
                    "size": rng.zipf(2.2, ts.size) * 100,
                    "side": np.where(rng.random(ts.size) < 0.5, "B", "S"),
                    "trade_id": np.arange(ts.size) + 1_000_000 * (day + 1),
                }
            )
        )
    trades = pd.concat(frames, ignore_index=True)
    trades["size"] = trades["size"].clip(upper=50_000)
    trades.loc[len(trades) // 2, "size"] = 0  # a zero-size print
    swap = len(trades) // 4
    trades.iloc[[swap, swap + 1]] = trades.iloc[[swap + 1, swap]].to_numpy()  # out of order
    path = folder / "acme_trades.csv"
    trades.to_csv(path, index=False)
    return path


def _write_acme_bars(rng: np.random.Generator, folder: Path, end_ns: int) -> Path:
    days = pd.bdate_range(
        end=pd.Timestamp(end_ns, unit="ns").normalize() - pd.Timedelta(days=1), periods=250
    )
    close = 150.0 * np.exp(np.cumsum(rng.normal(0.0004, 0.015, days.size)))
    open_ = close * np.exp(rng.normal(0, 0.006, days.size))
    high = np.maximum(open_, close) * np.exp(np.abs(rng.normal(0, 0.008, days.size)))
    low = np.minimum(open_, close) * np.exp(-np.abs(rng.normal(0, 0.008, days.size)))
    frame = pd.DataFrame(
        {
            "Date": days.strftime("%Y-%m-%d"),
            "Open": np.round(open_, 2),
            "High": np.round(high, 2),
            "Low": np.round(low, 2),
            "Close": np.round(close, 2),
            "Adj Close": np.round(close * 0.98, 2),
            "Volume": rng.integers(2_000_000, 9_000_000, days.size),
        }
    )
    frame["High"] = frame[["Open", "High", "Close"]].max(axis=1)
    frame["Low"] = frame[["Open", "Low", "Close"]].min(axis=1)
    path = folder / "ACME.csv"
    frame.to_csv(path, index=False)
    return path


def write_sample_files(folder: str | Path, *, seed: int = 7, days: int = 2) -> SampleFiles:
    """Write the sample vendor files under `folder`; the same seed writes the same bytes."""
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    start_ns = int(pd.Timestamp("2024-01-02", tz="UTC").value)
    return SampleFiles(
        eurusd_bi5=_write_eurusd(rng, root / "dukascopy", start_ns, days),
        usdjpy_csv=_write_usdjpy(rng, root, start_ns, days),
        acme_trades_csv=_write_acme_trades(rng, root, start_ns, days),
        acme_bars_csv=_write_acme_bars(rng, root, start_ns),
    )
