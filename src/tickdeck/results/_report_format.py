"""How a report writes numbers: one rule per kind of value, stated in docs/report.md.

Every function returns plain text (never markup) and writes a missing value
(None) or an undefined one (NaN) as an em dash, so that a reader never has to
tell "not computed" from "nan". Formats do not depend on the locale.
"""

from __future__ import annotations

import math
from dataclasses import fields
from typing import Literal

from tickdeck.core.errors import InvariantError
from tickdeck.results.metrics.summary import Metrics

__all__ = [
    "MISSING",
    "format_duration",
    "format_metric",
    "format_money",
    "format_percent",
    "format_price",
    "format_quantity",
    "metric_rows",
]

#: What a missing or undefined value is written as.
MISSING = "—"

Kind = Literal["percent", "ratio", "duration", "count", "number", "money", "multiple", "bps"]

#: Each metric's label, kind of value, and a short reading of its formula (docs/metrics.md).
METRIC_FORMATS: dict[str, tuple[str, Kind, str]] = {
    "total_return": ("Total return", "percent", "last equity / first equity - 1"),
    "annual_return": ("Annual return (CAGR)", "percent", "compounded over calendar time"),
    "annual_volatility": ("Annual volatility", "percent", "std of period returns * sqrt(P)"),
    "sharpe_ratio": ("Sharpe ratio", "ratio", "mean excess return / std * sqrt(P)"),
    "sortino_ratio": ("Sortino ratio", "ratio", "mean excess return / downside dev * sqrt(P)"),
    "max_drawdown": ("Max drawdown", "percent", "deepest fall from a running peak"),
    "max_drawdown_duration_ns": ("Max drawdown duration", "duration", "longest time under water"),
    "calmar_ratio": ("Calmar ratio", "ratio", "annual return / max drawdown"),
    "return_period_ns": ("Return period", "duration", "period of the returns above"),
    "return_count": ("Returns", "count", "number of period returns"),
    "periods_per_year": ("Periods per year", "number", "P, used to annualise"),
    "risk_free_rate": ("Risk-free rate", "percent", "yearly, for Sharpe and Sortino"),
    "trade_count": ("Round trips", "count", "closed trades"),
    "win_rate": ("Win rate", "percent", "share of round trips with net PnL > 0"),
    "profit_factor": ("Profit factor", "ratio", "gross wins / gross losses"),
    "expectancy": ("Expectancy", "money", "mean net PnL per round trip"),
    "average_win": ("Average win", "money", "mean net PnL of winners"),
    "average_loss": ("Average loss", "money", "mean net PnL of losers"),
    "time_in_market": ("Time in market", "percent", "share of time with a position"),
    "turnover": ("Turnover", "multiple", "traded notional / mean equity, whole run"),
    "limit_fill_rate": ("Limit fill rate", "percent", "filled / ordered quantity of limits"),
    "average_slippage_bps": ("Average slippage", "bps", "against the mid, notional-weighted"),
    "average_latency_ns": ("Average latency", "duration", "order submission to first fill"),
}

_UNITS_NS = (("d", 86_400_000_000_000), ("h", 3_600_000_000_000), ("m", 60_000_000_000))
_SUBSECOND = ((1e9, "s"), (1e6, "ms"), (1e3, "µs"))


def _infinite(value: float) -> str | None:
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    return None


def format_duration(ns: float | None) -> str:
    """A duration in ns as a person reads it: ``850 ns``, ``1.5 ms``, ``42.3 s``, ``12m 03s``,
    ``2h 05m``, ``3d 04h``; whole units drop a zero second part (``1h``, ``1d``)."""
    if ns is None or math.isnan(ns):
        return MISSING
    if math.isinf(ns):
        return _infinite(float(ns)) or MISSING
    sign = "-" if ns < 0 else ""
    size = abs(ns)
    if size < 60e9:
        for scale, unit in _SUBSECOND:
            if size >= scale:
                return f"{sign}{size / scale:.3g} {unit}"
        return f"{sign}{size:.0f} ns"
    whole = round(size)
    for index, (unit, scale) in enumerate(_UNITS_NS):
        if whole >= scale:
            major, rest = divmod(whole, scale)
            minor_unit, minor_scale = (
                _UNITS_NS[index + 1] if index + 1 < len(_UNITS_NS) else ("s", 1_000_000_000)
            )
            minor = rest // minor_scale
            return f"{sign}{major}{unit}" + (f" {minor:02d}{minor_unit}" if minor else "")
    raise InvariantError(f"no unit for a duration of {ns} ns")  # pragma: no cover


def format_money(value: float | None, currency: str = "") -> str:
    """Money with two decimals and thousands separators (``-1,234.50``), then the currency if
    known; below a cent in size, with three significant digits (``-0.000120``)."""
    if value is None or math.isnan(value):
        return MISSING
    text = _infinite(value) or _small(value, 0.01) or f"{value:,.2f}"
    return f"{text} {currency}" if currency else text


def _small(value: float, below: float) -> str | None:
    """`value` with three significant digits if it is not zero and smaller than `below`."""
    if value == 0 or abs(value) >= below:
        return None
    decimals = min(2 - math.floor(math.log10(abs(value))), 15)
    return f"{value:.{decimals}f}"


def format_price(value: float | None) -> str:
    """A price to 10 significant digits, no separators (``1.10234``, ``45012.5``)."""
    if value is None or math.isnan(value):
        return MISSING
    return _infinite(value) or f"{value:.10g}"


def format_quantity(value: float | None) -> str:
    """A quantity to 10 significant digits with thousands separators (``1,000``, ``0.25``)."""
    if value is None or math.isnan(value):
        return MISSING
    return _infinite(value) or f"{value:,.10g}"


def format_percent(fraction: float) -> str:
    """A fraction as a percentage with two decimals (``12.34 %``); below 0.1 % in size, with
    three significant digits (``-0.00965 %``) so that a small number does not read as zero."""
    percent = fraction * 100
    return f"{_small(percent, 0.1) or f'{percent:,.2f}'} %"


def format_metric(name: str, value: float | int | None, *, currency: str = "") -> str:
    """The text of metric `name` (a `Metrics` field) by its kind, as docs/report.md lists."""
    try:
        _, kind, _ = METRIC_FORMATS[name]
    except KeyError:
        raise InvariantError(f"the report has no format for the metric {name!r}") from None
    if value is None or math.isnan(value):
        return MISSING
    if kind == "duration":
        return format_duration(value)
    if kind == "count":
        return f"{int(value):,}"
    if kind == "money":
        return format_money(float(value), currency)
    number = float(value)
    infinite = _infinite(number)
    if kind == "percent":
        return f"{infinite} %" if infinite else format_percent(number)
    if infinite:
        return infinite
    if kind == "ratio":
        return f"{number:,.2f}"
    if kind == "multiple":
        return f"{number:,.2f}×"
    if kind == "bps":
        return f"{number:,.2f} bps"
    return f"{number:,.6g}"  # "number"


def metric_rows(metrics: Metrics, *, currency: str = "") -> list[tuple[str, str, str, str]]:
    """(field name, label, formatted value, what it is) for every metric, in declaration order."""
    rows = []
    for field in fields(metrics):
        text = format_metric(field.name, getattr(metrics, field.name), currency=currency)
        label, _, meaning = METRIC_FORMATS[field.name]
        rows.append((field.name, label, text, meaning))
    return rows
