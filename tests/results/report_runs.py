"""Runs for the report and `tickdeck runs` tests, made by the real engine, and an HTML reader.

`probe_catalog` holds ten minutes of EURUSD quotes, the last third written
as synthetic data; `Probe` trades them on a fixed schedule (market buys,
limit sells, an order the risk limits reject, a post-only order that would
take) and can interrupt itself as Ctrl-C would. `HtmlTree` turns a page into
nested elements with the standard library's parser, for tests to query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
from tests.conftest import EURUSD, quotes_table

from tickdeck.core import Quote
from tickdeck.data.catalog import Catalog
from tickdeck.engine import BacktestConfig, run_backtest
from tickdeck.execution.config import ExchangeConfig, RiskLimits
from tickdeck.results.run import RunResult
from tickdeck.strategy import Param, Strategy

T0 = 1_704_186_000_000_000_000  # 2024-01-02T09:00:00Z
SECOND = 1_000_000_000
REAL_QUOTES = 400
SYNTHETIC_QUOTES = 200
#: Orders above this quantity are rejected by the probe's risk limits.
MAX_ORDER_QUANTITY = 50.0


def probe_catalog(root: Path) -> Catalog:
    """EURUSD quotes one second apart: 400 real ones, then 200 a generator made."""
    catalog = Catalog(root)
    catalog.add_instrument(EURUSD)
    table = quotes_table(T0 + np.arange(REAL_QUOTES + SYNTHETIC_QUOTES, dtype=np.int64) * SECOND)
    catalog.write("quotes", EURUSD.id, table.slice(0, REAL_QUOTES))
    catalog.write("quotes", EURUSD.id, table.slice(REAL_QUOTES), synthetic=True)
    return catalog


class Probe(Strategy):
    """On the n-th quote: n % 50 == 10 buys 1 at market, n % 50 == 30 offers 1 at the bid;
    quote 77 buys too much (rejected), quote 99 posts a sell that would take (rejected).
    With `stop_at`, the run is interrupted on that quote, as by Ctrl-C; `trade` False
    sends nothing."""

    stop_at = Param(0, minimum=0)
    trade = Param(True)

    def on_start(self) -> None:
        self.count = 0

    def on_quote(self, quote: Quote) -> None:
        self.count += 1
        if self.stop_at and self.count == self.stop_at:
            raise KeyboardInterrupt
        if not self.trade:
            return
        if self.count % 50 == 10:
            self.buy(1)
        elif self.count % 50 == 30:
            self.sell(1, limit=quote.bid_price)
        elif self.count == 77:
            self.buy(MAX_ORDER_QUANTITY * 10)
        elif self.count == 99:
            self.sell(1, limit=quote.bid_price, post_only=True)


def probe_run(catalog: Catalog, **params: object) -> RunResult:
    exchange = ExchangeConfig(risk=RiskLimits(max_order_quantity=MAX_ORDER_QUANTITY))
    config = BacktestConfig(instruments=(EURUSD.id,), exchange=exchange)
    return run_backtest(catalog, Probe, config, params)


@dataclass
class Element:
    """One element of a parsed page: its tag, attributes, children and own text."""

    tag: str
    attrs: dict[str, str]
    children: list[Element] = field(default_factory=list)
    parts: list[str | Element] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def text(self) -> str:
        """The text inside, as a browser would show it (markup removed)."""
        return "".join(p if isinstance(p, str) else p.text() for p in self.parts)

    def iter(self) -> list[Element]:
        found = [self]
        for child in self.children:
            found.extend(child.iter())
        return found

    def find_all(self, tag: str | None = None, css_class: str | None = None) -> list[Element]:
        return [
            e
            for e in self.iter()[1:]
            if (tag is None or e.tag == tag) and (css_class is None or css_class in e.classes)
        ]

    def by_id(self, identity: str) -> Element:
        matches = [e for e in self.iter() if e.attrs.get("id") == identity]
        assert len(matches) == 1, f"{len(matches)} elements with id {identity!r}"
        return matches[0]


_VOID = {"meta", "link", "br", "hr", "img", "input", "area", "base", "col", "embed", "source"}


class HtmlTree(HTMLParser):
    """Parses a page into `Element`s; `root` holds the document."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self._stack = [self.root]
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {name: value or "" for name, value in attrs})
        parent = self._stack[-1]
        parent.children.append(element)
        parent.parts.append(element)
        if tag not in _VOID:
            self._stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {name: value or "" for name, value in attrs})
        self._stack[-1].children.append(element)
        self._stack[-1].parts.append(element)

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        assert self._stack[-1].tag == tag, f"</{tag}> closes <{self._stack[-1].tag}>"
        self._stack.pop()

    def handle_data(self, data: str) -> None:
        self._stack[-1].parts.append(data)


def table_rows(table: Element) -> list[list[str]]:
    """The body rows of a table as lists of cell texts."""
    body = table.find_all("tbody")[0]
    return [[cell.text() for cell in row.find_all("td")] for row in body.find_all("tr")]
