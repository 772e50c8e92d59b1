"""Stylized facts: the statistical fingerprints real markets share, measured on ticks.

`stylized_facts` measures them on any trades and quotes, real or generated,
so a synthetic market can be set beside a real one. The formulas (also in
docs/synth.md):

- returns ``r_k = log(P_k / P_(k-1))`` where ``P_k`` is the last trade price
  in the k-th interval of `return_interval_ns` (intervals counted from the
  epoch), for consecutive intervals that both hold a trade;
- kurtosis ``mean((r - mean r)**4) / var(r)**2``: 3 for a normal law, more
  for heavy tails;
- autocorrelation at lag L, ``sum((x_t - m)(x_(t+L) - m)) / sum((x_t - m)**2)``,
  of the returns (close to 0 in liquid markets), of their absolute values
  (positive and slowly decaying: volatility clustering) and of the trade
  signs (positive: order flow is persistent);
- the spread in ticks, from the quotes;
- the activity profile: each day's trades placed by their position between
  that day's first and last trade, counted in `PROFILE_BINS` bins, summed over
  days and scaled to mean 1; the U-shape ratio is the mean of the two outer
  bins over the mean of the two central ones (above 1: a U);
- the dispersion index of trade counts in windows of `count_window_ns`,
  variance over mean (1 for a homogeneous Poisson process, above 1 for
  clustered or seasonal arrivals);
- the tail index of trade sizes, Hill's estimator on the largest 5%.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from tickdeck.core import InputError, Instrument

__all__ = ["PROFILE_BINS", "StylizedFacts", "autocorrelation", "stylized_facts"]

PROFILE_BINS = 10
_DAY_NS = 86_400_000_000_000
_F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class StylizedFacts:
    """Stylized facts of one instrument's ticks (NaN where the data is too thin)."""

    trades: int
    quotes: int
    return_interval_ns: int
    returns: int
    kurtosis: float
    return_acf: tuple[float, ...]
    abs_return_acf: tuple[float, ...]
    sign_acf: tuple[float, ...]
    spread_mean_ticks: float
    spread_median_ticks: float
    spread_p90_ticks: float
    spread_one_tick_share: float
    activity_profile: tuple[float, ...]
    u_shape_ratio: float
    count_dispersion: float
    size_tail_index: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values (NaN as None)."""

        def clean(value: Any) -> Any:
            if isinstance(value, float) and not math.isfinite(value):
                return None
            if isinstance(value, tuple | list):
                return [clean(v) for v in value]
            return value

        return {key: clean(value) for key, value in asdict(self).items()}


def autocorrelation(values: npt.ArrayLike, max_lag: int) -> tuple[float, ...]:
    """Sample autocorrelations at lags 1..max_lag (NaN where undefined)."""
    x = np.asarray(values, dtype=np.float64)
    x = x - x.mean() if x.size else x
    denominator = float(np.dot(x, x))
    result = []
    for lag in range(1, max_lag + 1):
        if x.size <= lag + 1 or denominator == 0.0:
            result.append(math.nan)
        else:
            result.append(float(np.dot(x[:-lag], x[lag:]) / denominator))
    return tuple(result)


def _returns(ts: npt.NDArray[np.int64], prices: _F64, interval: int) -> _F64:
    if ts.size == 0:
        return np.empty(0)
    order = np.argsort(ts, kind="stable")
    ts, prices = ts[order], prices[order]
    bucket = ts // interval
    last = np.flatnonzero(np.append(bucket[1:] != bucket[:-1], True))
    buckets, closes = bucket[last], prices[last]
    adjacent = buckets[1:] == buckets[:-1] + 1
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log(closes)
    returns: _F64 = (logs[1:] - logs[:-1])[adjacent]
    return returns[np.isfinite(returns)]


def _kurtosis(r: _F64) -> float:
    if r.size < 4:
        return math.nan
    centred = r - r.mean()
    variance = float(np.mean(centred**2))
    return float(np.mean(centred**4) / variance**2) if variance > 0 else math.nan


def _profile(ts: npt.NDArray[np.int64]) -> tuple[tuple[float, ...], float]:
    counts = np.zeros(PROFILE_BINS)
    if ts.size:
        days = ts // _DAY_NS
        for day in np.unique(days):
            stamps = ts[days == day]
            if stamps.size < 2 * PROFILE_BINS:
                continue
            first, last = int(stamps.min()), int(stamps.max())
            if last == first:
                continue
            position = (stamps - first) / (last - first)
            bins = np.minimum((position * PROFILE_BINS).astype(np.int64), PROFILE_BINS - 1)
            counts += np.bincount(bins, minlength=PROFILE_BINS)
    if counts.sum() == 0:
        return tuple([math.nan] * PROFILE_BINS), math.nan
    profile = counts / counts.mean()
    middle = PROFILE_BINS // 2
    centre = (profile[middle - 1] + profile[middle]) / 2
    outer = (profile[0] + profile[-1]) / 2
    ratio = float(outer / centre) if centre > 0 else math.nan
    return tuple(float(p) for p in profile), ratio


def _dispersion(ts: npt.NDArray[np.int64], window: int) -> float:
    if ts.size < 2:
        return math.nan
    first = int(ts.min())
    counts = np.bincount((ts - first) // window)
    if counts.size < 2 or counts.mean() == 0:
        return math.nan
    return float(counts.var() / counts.mean())


def _hill(sizes: _F64) -> float:
    positive = np.sort(sizes[sizes > 0])[::-1]
    k = positive.size // 20
    if k < 5:
        return math.nan
    logs = np.log(positive[:k] / positive[k])
    mean = float(logs.mean())
    return 1.0 / mean if mean > 0 else math.nan


def stylized_facts(
    trades: pa.Table,
    quotes: pa.Table | None,
    instrument: Instrument,
    *,
    return_interval_ns: int = 60_000_000_000,
    count_window_ns: int = 10_000_000_000,
    max_lag: int = 10,
) -> StylizedFacts:
    """Measure the stylized facts of one instrument's trades (and quotes, for spreads).

    Tables are in the TRADE and QUOTE layouts (extra columns are ignored).
    Without trades, returns come from quote mid prices and the trade-based
    facts are NaN.
    """
    for name, value in (
        ("return_interval_ns", return_interval_ns),
        ("count_window_ns", count_window_ns),
        ("max_lag", max_lag),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise InputError(name, value, "a positive whole number")
    for label, table, needed in (
        ("trades", trades, ("ts_event", "price", "size", "aggressor")),
        ("quotes", quotes, ("ts_event", "bid_price", "ask_price")),
    ):
        if table is None:
            continue
        missing = [c for c in needed if c not in table.column_names]
        if missing:
            raise InputError(label, table.column_names, f"the columns {list(needed)}")
    ts = trades.column("ts_event").to_numpy().astype(np.int64)
    prices = trades.column("price").to_numpy().astype(np.float64)
    quote_count = 0 if quotes is None else quotes.num_rows
    if ts.size == 0 and quotes is not None and quote_count:
        q_ts = quotes.column("ts_event").to_numpy().astype(np.int64)
        mid = (quotes.column("bid_price").to_numpy() + quotes.column("ask_price").to_numpy()) / 2
        returns = _returns(q_ts, mid, return_interval_ns)
    else:
        returns = _returns(ts, prices, return_interval_ns)
    signs = trades.column("aggressor").to_numpy().astype(np.float64)
    signs = signs[signs != 0]
    spread_stats = [math.nan] * 4
    if quotes is not None and quote_count:
        bid = quotes.column("bid_price").to_numpy().astype(np.float64)
        ask = quotes.column("ask_price").to_numpy().astype(np.float64)
        both = np.isfinite(bid) & np.isfinite(ask)
        if both.any():
            spread = instrument.prices_to_ticks(ask[both]) - instrument.prices_to_ticks(bid[both])
            spread_stats = [
                float(spread.mean()),
                float(np.median(spread)),
                float(np.percentile(spread, 90)),
                float(np.mean(spread == 1)),
            ]
    profile, ratio = _profile(ts)
    return StylizedFacts(
        trades=int(ts.size),
        quotes=int(quote_count),
        return_interval_ns=return_interval_ns,
        returns=int(returns.size),
        kurtosis=_kurtosis(returns),
        return_acf=autocorrelation(returns, max_lag),
        abs_return_acf=autocorrelation(np.abs(returns), max_lag),
        sign_acf=autocorrelation(signs, max_lag),
        spread_mean_ticks=spread_stats[0],
        spread_median_ticks=spread_stats[1],
        spread_p90_ticks=spread_stats[2],
        spread_one_tick_share=spread_stats[3],
        activity_profile=profile,
        u_shape_ratio=ratio,
        count_dispersion=_dispersion(ts, count_window_ns),
        size_tail_index=_hill(trades.column("size").to_numpy().astype(np.float64)),
    )
