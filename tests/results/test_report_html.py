"""The HTML report of a run: what it shows, how it writes numbers, and that it is safe and whole.

Runs come from the real engine over real catalogs on disk (tests/results/report_runs.py
and the sample vendor files); pages are read back with the standard library's HTML parser.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import fields, replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.results.report_runs import (
    MAX_ORDER_QUANTITY,
    REAL_QUOTES,
    SYNTHETIC_QUOTES,
    Element,
    HtmlTree,
    probe_catalog,
    probe_run,
    table_rows,
)
from tests.strategy.templates.templates_catalog import EURUSD, sample_catalog

from tickdeck.core import InputError, format_timestamp
from tickdeck.data.catalog import Catalog
from tickdeck.engine import BacktestConfig, run_backtest
from tickdeck.results import Metrics
from tickdeck.results._charts import downsample
from tickdeck.results._report_format import (
    format_duration,
    format_metric,
    format_money,
    format_percent,
    format_price,
    format_quantity,
)
from tickdeck.results.analysis import run_metrics
from tickdeck.results.report import render_report, write_report
from tickdeck.results.run import PriceMarks, RunResult
from tickdeck.results.store import RunStore
from tickdeck.strategy.templates import SMACrossover

DOC = Path(__file__).resolve().parents[2] / "docs" / "report.md"
HOSTILE = (
    "</title></style></script><script>window.pwned = 1</script>"
    '<img src=x onerror="window.pwned = 2"> & "quoted" \u2028'
)
#: The size a report of any length must stay under (docs/report.md).
SIZE_BUDGET_BYTES = 2_000_000

# -- runs ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    return probe_catalog(tmp_path_factory.mktemp("probe") / "catalog")


@pytest.fixture(scope="module")
def probe(catalog: Catalog) -> RunResult:
    return probe_run(catalog)


@pytest.fixture(scope="module")
def long_run(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    """Two sample days of EURUSD quotes (about 115,000), equity sampled on every quote."""
    sample = sample_catalog(tmp_path_factory.mktemp("long"), eurusd=True, days=2)
    config = BacktestConfig(instruments=(EURUSD,), equity_interval_ns=1_000_000)
    return run_backtest(sample, SMACrossover, config, {"fast": 20, "slow": 100, "quantity": 1000})


@pytest.fixture(scope="module")
def long_page(long_run: RunResult) -> str:
    return render_report(long_run)


def page_of(result: RunResult, **options: object) -> Element:
    return HtmlTree(render_report(result, **options)).root  # type: ignore[arg-type]


# -- numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (format_percent(0.1234), "12.34 %"),
        (format_percent(-0.5), "-50.00 %"),
        (format_percent(-0.0000965), "-0.00965 %"),  # under 0.1 %: three significant digits
        (format_percent(0.0), "0.00 %"),
        (format_money(-1234.5, "USD"), "-1,234.50 USD"),
        (format_money(-0.00012), "-0.000120"),  # under a cent: three significant digits
        (format_money(float("nan")), "—"),
        (format_price(1.10234), "1.10234"),
        (format_price(45012.5), "45012.5"),
        (format_quantity(1000.0), "1,000"),
        (format_quantity(0.25), "0.25"),
        (format_duration(850), "850 ns"),
        (format_duration(1_500_000), "1.5 ms"),
        (format_duration(42_300_000_000), "42.3 s"),
        (format_duration(90 * 10**9), "1m 30s"),
        (format_duration(3_600 * 10**9), "1h"),
        (format_duration((3 * 24 + 4) * 3_600 * 10**9), "3d 04h"),
        (format_metric("turnover", 1.6859), "1.69×"),
        (format_metric("average_slippage_bps", 0.589), "0.59 bps"),
        (format_metric("sharpe_ratio", math.inf), "∞"),
        (format_metric("calmar_ratio", -math.inf), "-∞"),
        (format_metric("win_rate", math.nan), "—"),
        (format_metric("trade_count", None), "—"),
        (format_metric("trade_count", 1100), "1,100"),
        (format_metric("periods_per_year", 6048.0), "6,048"),
        (format_metric("expectancy", -0.1267, currency="USD"), "-0.13 USD"),
        (format_metric("average_latency_ns", 2_500_000.0), "2.5 ms"),
    ],
)
def test_numbers_are_written_by_the_documented_rules(text: str, expected: str) -> None:
    assert text == expected


#: How each metric must read: its kind of value (docs/report.md).
METRIC_KINDS = {
    "percent": {
        "total_return",
        "annual_return",
        "annual_volatility",
        "max_drawdown",
        "risk_free_rate",
        "win_rate",
        "time_in_market",
        "limit_fill_rate",
    },
    "ratio": {"sharpe_ratio", "sortino_ratio", "calmar_ratio", "profit_factor"},
    "duration": {"max_drawdown_duration_ns", "return_period_ns", "average_latency_ns"},
    "count": {"return_count", "trade_count"},
    "number": {"periods_per_year"},
    "money": {"expectancy", "average_win", "average_loss"},
    "multiple": {"turnover"},
    "bps": {"average_slippage_bps"},
}
_DURATION_UNITS = {"ns": 1, "µs": 1e3, "ms": 1e6, "s": 1e9, "m": 60e9, "h": 3600e9, "d": 86400e9}


def read_back(text: str, kind: str) -> float:
    """The number a reader takes from a shown metric, checking its unit."""
    suffix = {"percent": " %", "money": " USD", "multiple": "×", "bps": " bps"}.get(kind, "")
    assert text.endswith(suffix), (text, kind)
    body = text.removesuffix(suffix).replace(",", "")
    if body in ("∞", "-∞"):
        return math.inf if body == "∞" else -math.inf
    if kind == "duration":
        total = 0.0
        for amount, unit in re.findall(r"([\d.]+) ?(ns|µs|ms|s|m|h|d)", body):
            total += float(amount) * _DURATION_UNITS[unit]
        return total
    number = float(body)
    return number / 100 if kind == "percent" else number


def duration_resolution(ns: float) -> float:
    """How far off a shown duration may be: the smaller unit of ``3d 04h``, ``2h 05m``..."""
    for unit, smaller in ((86_400e9, 3_600e9), (3_600e9, 60e9), (60e9, 1e9)):
        if ns >= unit:
            return smaller
    return 0.0


def test_every_metric_is_shown_with_its_unit(probe: RunResult) -> None:
    metrics = run_metrics(probe)
    page = page_of(probe, metrics=metrics)
    table = page.by_id("metrics-table")
    rows = {row.attrs["data-key"]: row for row in table.find_all("tr") if row.attrs}
    assert set(rows) == {f.name for f in fields(Metrics)}
    assert set(rows) == set().union(*METRIC_KINDS.values())
    kinds = {name: kind for kind, names in METRIC_KINDS.items() for name in names}
    checked = 0
    for name, row in rows.items():
        shown = row.find_all("td")[1].text()
        value = getattr(metrics, name)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            assert shown == "—", name
            continue
        number = read_back(shown, kinds[name])
        # Two decimals (or three significant digits); durations to their smaller unit.
        tolerance = {"percent": 5e-5, "duration": duration_resolution(value)}
        assert number == pytest.approx(value, rel=5e-3, abs=tolerance.get(kinds[name], 5e-3)), name
        checked += 1
    assert checked >= 15  # the probe trades, so most metrics are defined


# -- content -------------------------------------------------------------------------


def test_the_fidelity_statement_says_what_was_real_and_what_was_modelled(probe: RunResult) -> None:
    page = page_of(probe)
    assert page.by_id("fidelity-statement").text() == probe.fidelity.statement()
    events = {row[0]: row[1] for row in table_rows(page.by_id("fidelity-events"))}
    assert events == {"real data": f"{REAL_QUOTES:,}", "synthetic": f"{SYNTHETIC_QUOTES:,}"}
    by_basis = table_rows(page.by_id("fidelity-fills"))
    assert sum(int(row[2]) for row in by_basis) == len(probe.fills)
    assert "66.7% of 600 events from real data" in page.by_id("fidelity-statement").text()


def test_the_header_names_the_run(probe: RunResult) -> None:
    page = page_of(probe, run_id="0193a4f2-6c1e-7b3a-9d2f-4e8a1c0b7d55")
    facts = page.by_id("run-facts")
    terms = [e.text() for e in facts.find_all("dt")]
    values = dict(zip(terms, (e.text() for e in facts.find_all("dd")), strict=True))
    assert values["Strategy"] == "Probe"
    assert values["Run id"] == "0193a4f2-6c1e-7b3a-9d2f-4e8a1c0b7d55"
    assert values["Seed"] == str(probe.seed)
    assert values["tickdeck version"] == probe.version
    assert values["Data fingerprint"] == probe.data_fingerprint
    assert values["Period (UTC)"].startswith(format_timestamp(int(probe.equity.ts[0])))
    assert format_timestamp(int(probe.equity.ts[-1])) in values["Period (UTC)"]
    assert "stop_at=0" in values["Parameters"]
    assert "trade=true" in values["Parameters"]
    assert page.find_all("title")[0].text() == "Probe 0193a4f2-6c1e-7b3a-9d2f-4e8a1c0b7d55"


def test_the_trades_table_lists_every_round_trip(probe: RunResult) -> None:
    rows = table_rows(page_of(probe).by_id("trades-table"))
    assert len(rows) == len(probe.trades) > 0
    for number, (row, trip) in enumerate(zip(rows, probe.trades, strict=True), start=1):
        assert row[0] == str(number)
        assert row[1] == trip.instrument
        assert row[2] == ("long" if trip.side > 0 else "short")
        assert row[4] == format_timestamp(trip.entry_ns)
        assert row[6] == format_timestamp(trip.exit_ns)
        assert float(row[5]) == pytest.approx(trip.entry_price, rel=1e-9)
        assert float(row[7]) == pytest.approx(trip.exit_price, rel=1e-9)
        assert float(row[11].replace(",", "")) == pytest.approx(trip.net_pnl, rel=5e-3, abs=5e-3)


def test_a_long_trade_list_shows_its_first_and_last_rows(
    long_run: RunResult, long_page: str
) -> None:
    trips = len(long_run.trades)
    assert trips > 1_000
    body = HtmlTree(long_page).root.by_id("trades-table").find_all("tbody")[0]
    rows = body.find_all("tr")
    gaps = [row for row in rows if "gap" in row.classes]
    listed = [row for row in rows if "gap" not in row.classes]
    assert len(listed) == 1_000
    assert len(gaps) == 1
    numbers = [int(row.find_all("td")[0].text().replace(",", "")) for row in listed]
    assert numbers == [*range(1, 501), *range(trips - 499, trips + 1)]
    assert gaps[0].text().startswith(f"{trips - 1_000:,} round trips not shown")


def test_the_orders_summary_counts_by_type_and_status_and_lists_rejections(
    probe: RunResult,
) -> None:
    page = page_of(probe)
    summary = page.by_id("orders-by-status")
    heads = [th.text() for th in summary.find_all("th")]
    rows = {row[0]: dict(zip(heads[1:], row[1:], strict=True)) for row in table_rows(summary)}
    assert rows["all"]["total"] == str(len(probe.orders))
    assert rows["market"]["rejected"] == "1"  # the oversized buy
    assert rows["limit"]["rejected"] == "1"  # the post-only sell that would take
    reasons = {row[0]: row[1] for row in table_rows(page.by_id("rejections"))}
    assert reasons == {"max order size": "1", "post only would take": "1"}
    rejected = table_rows(page.by_id("rejected-orders"))
    oversized = next(row for row in rejected if row[6] == "max order size")
    assert float(oversized[5].replace(",", "")) == MAX_ORDER_QUANTITY * 10


def flatten(values: dict[str, object], prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in values.items():
        if isinstance(value, dict) and value:
            out.update(flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def test_the_config_and_parameters_are_shown_in_full(probe: RunResult) -> None:
    result = replace(probe, config=probe.config | {"nested": {"depth": {"levels": 5}}})
    page = page_of(result)
    shown = {row[0]: row[1] for row in table_rows(page.by_id("config-table"))}
    expected = flatten(result.config)
    assert set(shown) == set(expected)
    assert "nested.depth.levels" in shown
    for key, value in expected.items():
        text = value if isinstance(value, str) else json.dumps(value)
        assert shown[key].startswith(text), key
    params = {row[0]: row[1] for row in table_rows(page.by_id("params-table"))}
    assert params == {"stop_at": "0", "trade": "true"}
    raw = json.loads(page.find_all("pre")[0].text())
    assert raw["config"] == result.config
    assert raw["params"] == result.params


def test_a_price_chart_marks_every_order_and_fill(probe: RunResult) -> None:
    charts = page_of(probe).find_all("svg", "chart")
    assert [c.attrs["data-chart"] for c in charts] == ["equity", "drawdown", "price-0"]
    price = charts[2]
    assert len(price.find_all(css_class="fill")) == len(probe.fills)
    buys = sum(1 for f in probe.fills if f.side > 0)
    assert len(price.find_all("circle", "buy")) == buys
    assert len(price.find_all(css_class="order")) == len(probe.orders)
    assert len(price.find_all("line", "trip")) == len(probe.trades)


def test_an_interrupted_run_says_so_before_anything_else(catalog: Catalog) -> None:
    result = probe_run(catalog, stop_at=250)
    assert not result.complete
    page = page_of(result)
    status = page.by_id("run-status")
    assert "incomplete" in status.classes
    assert status.attrs.get("role") == "alert"
    assert status.text().startswith("Incomplete run")
    assert "after 250 events" in status.text()
    header = page.find_all("header")[0]
    assert header.children.index(status) < header.children.index(page.by_id("run-facts"))


def test_a_complete_run_has_no_warning(probe: RunResult) -> None:
    status = page_of(probe).by_id("run-status")
    assert "complete" in status.classes
    assert "incomplete" not in status.classes
    assert "Incomplete" not in status.text()


def test_a_run_without_orders_renders_sensibly(catalog: Catalog) -> None:
    result = probe_run(catalog, trade=False)
    assert not result.orders
    assert not result.fills
    assert not result.trades
    page = page_of(result)
    assert page.by_id("fidelity-statement").text().endswith("no fills.")
    assert (
        page.by_id("trades").text().endswith("No round trips: no position was opened and closed.")
    )
    assert "The strategy sent no orders." in page.by_id("orders").text()
    table = page.by_id("metrics-table")
    rows = {row.attrs["data-key"]: row.text() for row in table.find_all("tr")[1:]}
    assert rows["win_rate"].startswith("Win rate—")
    charts = page.find_all("svg", "chart")
    assert len(charts) == 3  # equity, drawdown, and the price the run still recorded
    assert not charts[2].find_all(css_class="fill")


# -- safety --------------------------------------------------------------------------


def hostile(result: RunResult) -> RunResult:
    """`result` with user-controlled text (names, params, config, instrument) set to markup."""
    name = HOSTILE
    marks = PriceMarks(
        np.full(result.marks.instrument.size, name), result.marks.ts, result.marks.price
    )
    return replace(
        result,
        strategy=name,
        params={name: name, "plain": name},
        config=result.config | {"instruments": [name], "note": name, name: {"inner": name}},
        extra={"why": name},
        data_fingerprint=name,
        marks=marks,
        fills=tuple(replace(f, instrument=name) for f in result.fills),
        orders=tuple(
            replace(o, request=replace(o.request, instrument=name)) for o in result.orders
        ),
        trades=tuple(replace(t, instrument=name) for t in result.trades),
    )


def test_hostile_text_is_shown_as_text_and_never_runs(probe: RunResult) -> None:
    text = render_report(hostile(probe), run_id=HOSTILE, title=HOSTILE)
    page = HtmlTree(text).root
    scripts = page.find_all("script")
    assert len(scripts) == 2
    assert scripts[0].attrs == {"type": "application/json", "id": "chart-data"}
    assert scripts[1].attrs == {}
    assert "pwned" not in scripts[1].text()
    assert not page.find_all("img")
    for element in page.iter()[1:]:
        assert not [a for a in element.attrs if a.startswith("on")], element.tag
    assert page.find_all("title")[0].text() == HOSTILE
    facts = page.by_id("run-facts")
    values = dict(
        zip(
            (e.text() for e in facts.find_all("dt")),
            (e.text() for e in facts.find_all("dd")),
            strict=True,
        )
    )
    assert values["Strategy"] == values["Run id"] == values["Data fingerprint"] == HOSTILE
    assert HOSTILE in [row[0] for row in table_rows(page.by_id("params-table"))]
    assert f"{HOSTILE}.inner" in [row[0] for row in table_rows(page.by_id("config-table"))]
    assert page.by_id("prices").find_all("h3")[0].text() == HOSTILE
    data = scripts[0].text()
    assert "<" not in data
    assert "\u2028" not in data
    labels = [s["label"] for chart in json.loads(data).values() for s in chart["series"]]
    assert HOSTILE in labels
    tips = [e.attrs["data-tip"] for e in page.iter() if "data-tip" in e.attrs]
    assert tips
    assert all("window.pwned" not in tip for tip in tips)


def test_the_page_loads_nothing_from_outside(long_page: str) -> None:
    page = HtmlTree(long_page).root
    for scheme in ("http:", "https:", "ftp:", "file:", "data:", "javascript:"):
        assert scheme not in long_page.lower(), scheme
    assert "@import" not in long_page
    assert "@font-face" not in long_page
    assert re.findall(r"url\(([^)]*)\)", long_page) == [
        f"#clip-{chart}" for chart in ("equity", "drawdown", "price-0")
    ]
    fetching = {"img", "link", "iframe", "object", "embed", "audio", "video", "source", "base"}
    for element in page.iter()[1:]:
        assert element.tag not in fetching, element.tag
        assert not {"src", "srcset"} & set(element.attrs), element.tag
        href = element.attrs.get("href")
        assert href is None or href.startswith("#"), href
    policy = next(
        m.attrs["content"]
        for m in page.find_all("meta")
        if m.attrs.get("http-equiv") == "Content-Security-Policy"
    )
    assert policy.startswith("default-src 'none';")


# -- size, determinism, files ----------------------------------------------------------


def test_a_long_run_is_drawn_small_and_keeps_its_extremes(
    long_run: RunResult, long_page: str
) -> None:
    points = long_run.equity.ts.size
    assert points > 100_000
    assert len(long_page.encode("utf-8")) < SIZE_BUDGET_BYTES
    page = HtmlTree(long_page).root
    data = json.loads(page.by_id("chart-data").text())
    equity = data["equity"]["series"][0]
    drawdown = data["drawdown"]["series"][0]
    columns = data["equity"]["right"] - data["equity"]["left"]
    assert len(equity["v"]) <= 2 * columns + 2 < points / 50
    full = long_run.equity.equity
    assert max(equity["v"]) == full.max()
    assert min(equity["v"]) == full.min()
    deepest = float(np.min(full / np.maximum.accumulate(full) - 1))
    assert min(drawdown["v"]) == deepest
    # The price line's extremes lie inside the run, where only per-column extremes keep them.
    marks = long_run.marks.price
    assert 0 < int(marks.argmax()) < marks.size - 1
    assert 0 < int(marks.argmin()) < marks.size - 1
    price_line = data["price-0"]["series"][0]["v"]
    assert marks.size > 50 * len(price_line)
    assert max(price_line) == marks.max()
    assert min(price_line) == marks.min()
    # More than 1,000 fills of a side: merged per pixel column, each mark counting its fills.
    price = page.find_all("svg", "chart")[2]
    for side in ("buy", "sell"):
        marks = [e for e in price.find_all("circle") if {"fill", side} <= e.classes]
        assert sum(int(e.attrs.get("data-n", "1")) for e in marks) == sum(
            1 for f in long_run.fills if f.side.label == side
        )
        assert len(marks) < columns


@given(
    values=st.lists(st.floats(-1e6, 1e6), min_size=30, max_size=400),
    buckets=st.integers(1, 12),
    spread=st.integers(1, 10**12),
)
def test_downsampling_keeps_each_buckets_lowest_and_highest_point(
    values: list[float], buckets: int, spread: int
) -> None:
    v = np.array(values)
    ts = np.sort(np.random.default_rng(len(values)).integers(0, spread, v.size)).astype(np.int64)
    t0, t1 = int(ts[0]), int(ts[-1])
    kept_ts, kept = downsample(ts, v, t0=t0, t1=t1, buckets=buckets)
    assert kept.size <= 2 * buckets + 2 < v.size  # always reduced here
    assert np.all(np.diff(kept_ts) >= 0)
    assert kept[0] == v[0]
    assert kept[-1] == v[-1]
    # Reference: every bucket's extremes are among the kept points of that bucket.
    width = max(t1 - t0, 1)
    bucket = np.minimum(((ts - t0) / width * buckets).astype(np.int64), buckets - 1)
    kept_bucket = np.minimum(((kept_ts - t0) / width * buckets).astype(np.int64), buckets - 1)
    for b in np.unique(bucket):
        inside = kept[kept_bucket == b]
        assert inside.min() == v[bucket == b].min()
        assert inside.max() == v[bucket == b].max()


def test_the_same_run_renders_to_the_same_bytes(
    catalog: Catalog, probe: RunResult, tmp_path: Path
) -> None:
    again = probe_run(catalog)  # a second run of the same inputs and seed
    assert render_report(again) == render_report(probe)
    with RunStore(root=tmp_path / "runs") as store:
        run_id = store.save(probe)
        loaded, saved = store.load(run_id), store.show(run_id).metrics
    assert render_report(loaded, saved, run_id=run_id) == render_report(
        probe, run_metrics(probe), run_id=run_id
    )


def test_write_report_writes_the_page_whole(probe: RunResult, tmp_path: Path) -> None:
    target = tmp_path / "deep" / "folder" / "report.html"
    assert write_report(target, probe, run_id="a") == target
    target.write_text("an older report")
    write_report(target, probe, run_id="a")
    assert target.read_text(encoding="utf-8") == render_report(probe, run_id="a")
    assert [p.name for p in target.parent.iterdir()] == ["report.html"]  # no temporary left
    with pytest.raises(InputError, match="not a folder"):
        write_report(tmp_path, probe)


def test_bad_arguments_are_named(probe: RunResult) -> None:
    with pytest.raises(InputError, match="result"):
        render_report(probe.equity)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="metrics"):
        render_report(probe, probe.params)  # type: ignore[arg-type]


# -- docs ----------------------------------------------------------------------------


def test_the_examples_in_docs_report_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    examples = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert len(examples) >= 2
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    for code in examples:
        exec(compile(code, str(DOC), "exec"), namespace)
