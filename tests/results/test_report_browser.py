"""The report in a real browser: Debian's Chromium, headless, with every network request blocked.

The page must load nothing but itself, run without a console error (a
Content-Security-Policy violation is one), draw its charts with one mark per
order and fill, show values on hover, and look like something on screen.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Route, sync_playwright
from tests.results.report_runs import probe_catalog, probe_run
from tests.strategy.templates.templates_catalog import EURUSD, sample_catalog

from tickdeck.engine import BacktestConfig, run_backtest
from tickdeck.results.report import write_report
from tickdeck.results.run import RunResult
from tickdeck.strategy.templates import SMACrossover

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
HOSTILE = '<script>window.pwned = 1</script><img src="https://example.invalid/x.png">'
RUN_ID = "0193a4f2-6c1e-7b3a-9d2f-4e8a1c0b7d55"
VIEWBOX_WIDTH = 960
BUY_RGB, SELL_RGB, EQUITY_RGB = (0x1A, 0x7F, 0x37), (0xCF, 0x22, 0x2E), (0x09, 0x69, 0xDA)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunResult, Path]:
    """The probe run, its strategy renamed to markup, and its report on disk."""
    folder = tmp_path_factory.mktemp("browser")
    result = replace(probe_run(probe_catalog(folder / "catalog")), strategy=HOSTILE)
    return result, write_report(folder / "report.html", result, run_id=RUN_ID)


@dataclass
class Loaded:
    page: Page
    requests: list[str]
    errors: list[str]


def load(browser: Browser, path: Path) -> Loaded:
    """Open `path` in a new context where only that file may load; record everything asked for."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    allowed = path.resolve().as_uri()
    requests: list[str] = []
    errors: list[str] = []

    def route(route: Route) -> None:
        if route.request.url == allowed:
            route.continue_()
        else:
            route.abort()

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    context.route("**/*", route)
    page = context.new_page()
    page.on("request", lambda request: requests.append(request.url))
    page.on("requestfailed", lambda request: errors.append(f"failed: {request.url}"))
    page.on("console", console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(allowed)
    page.wait_for_load_state("load")
    return Loaded(page, requests, errors)


@pytest.fixture
def loaded(browser: Browser, probe: tuple[RunResult, Path]) -> Iterator[Loaded]:
    opened = load(browser, probe[1])
    yield opened
    opened.page.context.close()


def test_the_page_loads_nothing_but_itself_and_runs_cleanly(
    loaded: Loaded, probe: tuple[RunResult, Path]
) -> None:
    page = loaded.page
    assert loaded.requests == [probe[1].resolve().as_uri()]
    assert loaded.errors == []
    assert page.evaluate("document.images.length") == 0
    assert page.evaluate("window.pwned === undefined")
    assert page.locator("#run-facts dd").first.text_content() == HOSTILE
    # The style ran under the page's Content-Security-Policy: the banner has its colour.
    colour = page.evaluate(
        "getComputedStyle(document.querySelector('#run-status')).backgroundColor"
    )
    assert colour == "rgb(218, 251, 225)"


def test_the_charts_are_drawn_with_a_mark_per_order_fill_and_round_trip(
    loaded: Loaded, probe: tuple[RunResult, Path]
) -> None:
    result = probe[0]
    page = loaded.page
    sizes = page.evaluate(
        """() => Array.from(document.querySelectorAll('svg.chart')).map(svg => {
            const box = svg.getBoundingClientRect();
            const line = svg.querySelector('path.line, path.area');
            return [svg.dataset.chart, box.width, box.height, line.getTotalLength()];
        })"""
    )
    assert [s[0] for s in sizes] == ["equity", "drawdown", "price-0"]
    for _, width, height, length in sizes:
        assert width > 900
        assert height > 150
        assert length > 900  # the line crosses the plot
    marks = page.evaluate(
        """() => {
            const chart = document.querySelector('svg[data-chart="price-0"]');
            const price = chart.getBoundingClientRect();
            const inside = el => { const b = el.getBoundingClientRect();
                return b.width > 0 && b.height > 0 && b.left >= price.left - 6
                    && b.right <= price.right + 6 && b.top >= price.top - 6
                    && b.bottom <= price.bottom + 6; };
            const all = css => Array.from(document.querySelectorAll(css));
            return {
                fills: all('svg .fill').filter(inside).length,
                orders: all('svg .order').filter(inside).length,
                trips: all('svg .trip').filter(inside).length,
                buyY: all('svg circle.fill.buy').map(el => el.getBoundingClientRect().top),
            };
        }"""
    )
    assert marks["fills"] == len(result.fills)
    assert marks["orders"] == len(result.orders)
    assert marks["trips"] == len(result.trades)
    # Higher prices are drawn higher up: the screen order of buy fills is their price order.
    prices = np.array([f.price for f in result.fills if f.side.label == "buy"])
    tops = np.array(marks["buyY"])
    assert np.all((prices[:, None] - prices[None, :]) * (tops[:, None] - tops[None, :]) <= 1e-9)


def iso_ms(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def to_page(page: Page, chart: str, x: float, y: float) -> tuple[float, float]:
    """Viewport coordinates of the point (x, y) of a chart's SVG units."""
    svg = page.locator(f'svg[data-chart="{chart}"]')
    svg.scroll_into_view_if_needed()
    box = svg.bounding_box()
    assert box is not None
    scale = box["width"] / VIEWBOX_WIDTH
    return box["x"] + x * scale, box["y"] + y * scale


def test_hovering_shows_the_value_under_the_pointer_and_what_a_mark_is(
    loaded: Loaded, probe: tuple[RunResult, Path]
) -> None:
    page = loaded.page
    spec: dict[str, Any] = page.evaluate(
        "JSON.parse(document.getElementById('chart-data').textContent)['equity']"
    )
    series = spec["series"][0]
    times = np.array(series["t"], dtype=np.float64)
    width = spec["right"] - spec["left"]
    xs = spec["left"] + (times - spec["t0"]) / (spec["t1"] - spec["t0"]) * width
    gaps = np.minimum(np.diff(xs, prepend=-1e9), np.diff(xs, append=1e9))
    index = int(np.flatnonzero(gaps > 8)[len(xs) // 4])  # a sample well apart from its neighbours
    page.mouse.move(*to_page(page, "equity", float(xs[index]), 150.0))
    tooltip = page.locator("#tooltip")
    assert tooltip.is_visible()
    value = series["v"][index]
    assert tooltip.text_content() == f"{iso_ms(series['t'][index])}\nequity: {value:,.2f}"
    cursor = page.locator('svg[data-chart="equity"] .cursor')
    assert cursor.get_attribute("visibility") == "visible"

    first = probe[0].fills[0]
    page.locator("svg circle.fill").first.hover()
    text = tooltip.text_content() or ""
    assert text.startswith(
        f"fill of order {first.order_id}: {first.side.label} 1 @ {first.price:.10g}"
    )
    page.mouse.move(2, 2)
    assert not tooltip.is_visible()
    assert loaded.errors == []


def png_rgb(data: bytes) -> np.ndarray:
    """The pixels of an 8-bit, non-interlaced RGB or RGBA PNG, as a (height, width, 3) array."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, compressed = 8, b""
    width = height = channels = 0
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        position += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8
            assert interlace == 0
            assert colour in (2, 6)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            compressed += body
    raw = zlib.decompress(compressed)
    stride = width * channels
    rows: list[list[int]] = []
    previous = [0] * stride
    for y in range(height):
        start = y * (stride + 1)
        kind_of_filter, line = raw[start], list(raw[start + 1 : start + 1 + stride])
        row = [0] * stride
        for i in range(stride):
            left = row[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind_of_filter == 0:
                predicted = 0
            elif kind_of_filter == 1:
                predicted = left
            elif kind_of_filter == 2:
                predicted = up
            elif kind_of_filter == 3:
                predicted = (left + up) // 2
            else:
                guess = left + up - corner
                distances = (abs(guess - left), abs(guess - up), abs(guess - corner))
                predicted = (left, up, corner)[distances.index(min(distances))]
            row[i] = (line[i] + predicted) & 0xFF
        rows.append(row)
        previous = row
    return np.array(rows, dtype=np.uint8).reshape(height, width, channels)[:, :, :3]


def pixels_near(image: np.ndarray, rgb: tuple[int, int, int], tolerance: int = 40) -> int:
    distance = np.abs(image.astype(np.int32) - np.array(rgb)).sum(axis=2)
    return int((distance <= tolerance).sum())


def test_a_screenshot_of_the_charts_is_not_blank(loaded: Loaded, tmp_path: Path) -> None:
    page = loaded.page
    price = tmp_path / "price.png"
    page.locator('svg[data-chart="price-0"]').screenshot(path=str(price))
    image = png_rgb(price.read_bytes())
    assert image.shape[1] > 900
    assert image.std() > 10
    assert pixels_near(image, BUY_RGB) > 50  # buy fills and orders
    assert pixels_near(image, SELL_RGB) > 50
    equity = tmp_path / "equity.png"
    page.locator('svg[data-chart="equity"]').screenshot(path=str(equity))
    assert pixels_near(png_rgb(equity.read_bytes()), EQUITY_RGB) > 500  # the equity line


def test_a_busy_run_renders_its_merged_marks(browser: Browser, tmp_path: Path) -> None:
    catalog = sample_catalog(tmp_path, eurusd=True)
    result = run_backtest(
        catalog, SMACrossover, BacktestConfig(instruments=(EURUSD,)), {"fast": 20, "slow": 100}
    )
    assert len(result.fills) > 2_000  # more than 1,000 of each side: marks are merged
    opened = load(browser, write_report(tmp_path / "busy.html", result))
    try:
        counted = opened.page.evaluate(
            """() => Array.from(document.querySelectorAll('svg .fill'))
                .reduce((total, el) => total + Number(el.dataset.n || 1), 0)"""
        )
        assert counted == len(result.fills)
        assert opened.page.locator("svg .fill.group").count() > 0
        assert opened.errors == []
        assert len(opened.requests) == 1
    finally:
        opened.page.context.close()
