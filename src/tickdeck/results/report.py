"""A run as one self-contained HTML file: charts, metrics, trades, orders and config.

`render_report` returns the page as text and `write_report` writes it to a
file atomically. The page needs nothing but itself: CSS and the small
script are inline, the charts are inline SVG drawn here in Python, there are
no fonts, images or links to fetch, and a Content-Security-Policy forbids
the browser to load anything (only this page's own style and script, by
hash, may run). It reads the same offline, from a mail attachment, or years
later.

Sections: the run (strategy, parameters, id, period, version, seed, data
fingerprint, and a banner when the run was interrupted), the data-fidelity
statement, every metric, the equity and drawdown charts, one price chart per
instrument with the strategy's orders (when it sent them), its fills and
round trips, the round-trip table, an orders summary with rejections, and
the config. docs/report.md describes each, and the size rules: long series
are reduced to the lowest and highest point per pixel column, markers beyond
1,000 of a kind are merged per pixel column, and at most 1,000 round trips
are listed, so a report stays about a megabyte or less however long the run.

The same result renders to the same bytes: nothing in the page depends on
when or where it was made.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
from importlib import resources
from pathlib import Path

from tickdeck.core.errors import InputError
from tickdeck.core.files import durable_replace
from tickdeck.core.timestamps import format_timestamp
from tickdeck.results._report_format import (
    METRIC_FORMATS,
    format_duration,
    format_metric,
    format_money,
)
from tickdeck.results._report_plots import (
    Chart,
    drawdown_chart,
    equity_chart,
    price_chart,
    time_range,
)
from tickdeck.results._report_tables import (
    config_section,
    fidelity_section,
    metrics_table,
    orders_section,
    trades_section,
)
from tickdeck.results.analysis import run_metrics
from tickdeck.results.metrics.summary import Metrics
from tickdeck.results.run import RunResult

__all__ = ["METRIC_LABELS", "format_metric", "render_report", "write_report"]

#: Each metric's human label, by `Metrics` field name.
METRIC_LABELS: dict[str, str] = {name: label for name, (label, _, _) in METRIC_FORMATS.items()}

_CSS = resources.files("tickdeck.results").joinpath("_report.css").read_text("utf-8")
_JS = resources.files("tickdeck.results").joinpath("_report.js").read_text("utf-8")

_SECTIONS = (
    ("fidelity", "Data fidelity"),
    ("metrics", "Metrics"),
    ("equity", "Equity and drawdown"),
    ("prices", "Prices, orders and fills"),
    ("trades", "Round trips"),
    ("orders", "Orders"),
    ("config", "Configuration"),
)


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _script_json(value: object) -> str:
    """JSON safe inside a <script> element: no "</script>", no "<!--", no line separators."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for raw, escaped in (
        ("&", "\\u0026"),
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(raw, escaped)
    return text


def _currency(result: RunResult) -> str:
    currency = result.config.get("base_currency")
    return currency if isinstance(currency, str) else ""


def _instruments(result: RunResult) -> list[str]:
    """The instruments to chart: the configured ones first, then any other the run touched."""
    configured = result.config.get("instruments")
    named = [i for i in configured if isinstance(i, str)] if isinstance(configured, list) else []
    seen = {str(i) for i in result.marks.instrument.tolist()}
    seen.update(f.instrument for f in result.fills)
    seen.update(o.request.instrument for o in result.orders)
    ordered = [i for i in dict.fromkeys(named) if i in seen]
    return ordered + sorted(seen.difference(ordered))


def _header(result: RunResult, run_id: str | None, title: str, currency: str) -> str:
    ts = result.equity.ts
    if ts.size:
        first, last = int(ts[0]), int(ts[-1])
        period = (
            f"{format_timestamp(first)} to {format_timestamp(last)} "
            f"({format_duration(last - first)})"
        )
    else:
        period = "—"
    params = ", ".join(
        f"{name}={json.dumps(v, ensure_ascii=False, default=str)}"
        for name, v in result.params.items()
    )
    facts = [
        ("Strategy", result.strategy),
        ("Parameters", params or "none"),
        ("Run id", run_id or "not saved"),
        ("Period (UTC)", period),
        ("Events replayed", f"{result.events:,}"),
        (
            "Equity",
            f"{format_money(result.initial_cash, currency)} at the start, "
            f"{format_money(result.final_equity, currency)} at the end",
        ),
        (
            "Orders, fills, round trips",
            f"{len(result.orders):,}, {len(result.fills):,}, {len(result.trades):,}",
        ),
        ("Seed", str(result.seed)),
        ("tickdeck version", result.version),
        ("Data fingerprint", result.data_fingerprint),
    ]
    if result.complete:
        banner = (
            '<div class="banner complete" id="run-status">Complete run: every event in the '
            "requested range was replayed.</div>"
        )
    else:
        banner = (
            '<div class="banner incomplete" id="run-status" role="alert">Incomplete run: it was '
            f"interrupted after {result.events:,} events, before the end of its data. Everything "
            "below covers only the part that was replayed.</div>"
        )
    items = "".join(f"<dt>{_e(name)}</dt><dd>{_e(value)}</dd>" for name, value in facts)
    links = "".join(f'<a href="#{key}">{_e(name)}</a>' for key, name in _SECTIONS)
    return (
        f"<header><h1>{_e(title)}</h1>"
        f'<p class="subtitle">Backtest report of {_e(result.strategy)}</p>'
        f'{banner}<dl class="facts" id="run-facts">{items}</dl><nav>{links}</nav></header>'
    )


def _section(key: str, body: str) -> str:
    name = dict(_SECTIONS)[key]
    return f'<section id="{key}"><h2>{_e(name)}</h2>{body}</section>'


def render_report(
    result: RunResult,
    metrics: Metrics | None = None,
    *,
    run_id: str | None = None,
    title: str | None = None,
) -> str:
    """The report of `result` as one HTML page that loads nothing from anywhere.

    Args:
        result: The run.
        metrics: Its metrics; None computes them with `run_metrics` (pass the
            saved ones for a stored run, so that the report shows the same).
        run_id: The id the run was saved under, shown in the header.
        title: The page title; by default the strategy's name and the run id.

    Returns:
        The page, deterministic: the same arguments give the same text.
    """
    if not isinstance(result, RunResult):
        raise InputError("result", type(result).__name__, "a RunResult")
    if metrics is None:
        metrics = run_metrics(result)
    elif not isinstance(metrics, Metrics):
        raise InputError("metrics", type(metrics).__name__, "a Metrics value or None")
    currency = _currency(result)
    heading = title or (f"{result.strategy} {run_id}" if run_id else result.strategy)
    span = time_range(result)
    charts: list[Chart] = []
    if span is None:
        equity = '<p class="note">The run recorded no equity samples and no prices.</p>'
        prices = '<p class="note">No prices were recorded.</p>'
    else:
        curve, drawdown = equity_chart(result, span, currency), drawdown_chart(result, span)
        charts += [curve, drawdown]
        equity = (
            curve.html
            + '<div class="legend"><span>─ equity</span><span>╌ initial cash</span></div>'
            + drawdown.html
        )
        per_instrument = [
            price_chart(result, instrument, index, span, currency)
            for index, instrument in enumerate(_instruments(result))
        ]
        charts += per_instrument
        prices = "".join(chart.html for chart in per_instrument) or (
            '<p class="note">No prices were recorded.</p>'
        )
        prices = (
            '<p class="note">Prices are the mid (or last trade) sampled with the equity curve and '
            "at every fill. An order is marked on the price line when it was sent (a triangle "
            "below the line for a buy, above for a sell); fills are dots at their price; dashed "
            "lines join each round trip's entry to its exit. Hover for details.</p>" + prices
        )
    hover: dict[str, object] = {}
    for chart in charts:
        hover.update(chart.hover)
    body = "".join(
        [
            _header(result, run_id, heading, currency),
            _section("fidelity", fidelity_section(result)),
            _section("metrics", metrics_table(metrics, currency)),
            _section("equity", equity),
            _section("prices", prices),
            _section("trades", trades_section(result, currency)),
            _section("orders", orders_section(result)),
            _section("config", config_section(result)),
        ]
    )
    policy = f"default-src 'none'; style-src {_hash(_CSS)}; script-src {_hash(_JS)}"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(heading)}</title><style>{_CSS}</style></head>"
        f"<body><main>{body}"
        "<footer>Made by tickdeck from the run's own records. This file is self-contained: "
        "it loads nothing from the network.</footer></main>"
        '<div class="tooltip" id="tooltip" hidden></div>'
        f'<script type="application/json" id="chart-data">{_script_json(hover)}</script>'
        f"<script>{_JS}</script></body></html>\n"
    )


def write_report(
    path: Path | str,
    result: RunResult,
    metrics: Metrics | None = None,
    *,
    run_id: str | None = None,
    title: str | None = None,
) -> Path:
    """Write the report of `result` (see `render_report`) to `path`; return the path.

    The file appears whole or not at all (written under a temporary name,
    flushed, then renamed); missing parent folders are created.
    """
    target = Path(path)
    if target.is_dir():
        raise InputError("path", str(target), "a file to write the report to, not a folder")
    text = render_report(result, metrics, run_id=run_id, title=title)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        durable_replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
