"""The report's tables: fidelity, metrics, trades, orders, and the run's configuration.

Each function returns an HTML fragment; every value is written through
`html.escape`, since strategy names, parameters and config values come from
users and may hold markup.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from tickdeck.core import FillBasis, OrderStatus, OrderType, RejectReason
from tickdeck.core.timestamps import format_timestamp
from tickdeck.results._report_format import (
    format_duration,
    format_money,
    format_price,
    format_quantity,
    metric_rows,
)
from tickdeck.results.metrics.summary import Metrics
from tickdeck.results.run import RunResult

__all__ = [
    "MAX_REJECTION_EXAMPLES",
    "MAX_TRADE_ROWS",
    "config_section",
    "fidelity_section",
    "flatten",
    "metrics_table",
    "orders_section",
    "table",
    "trades_section",
]

#: Round trips listed at most: the first and the last half of this many.
MAX_TRADE_ROWS = 1_000
#: Rejected orders listed one by one at most (all are counted by reason).
MAX_REJECTION_EXAMPLES = 20

#: A table cell: its text, or (text, CSS class).
Cell = str | tuple[str, str]


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def table(
    head: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    *,
    numeric: Iterable[int] = (),
    table_id: str | None = None,
    row_keys: Sequence[str] | None = None,
) -> str:
    """An HTML table; columns in `numeric` are right-aligned, `row_keys` become ``data-key``."""
    right = set(numeric)
    body = "".join(
        _row(row, numeric=right, key=None if row_keys is None else row_keys[index])
        for index, row in enumerate(rows)
    )
    identity = f' id="{_e(table_id)}"' if table_id else ""
    return (
        f'<div class="scroll"><table{identity}><thead><tr>{_heads(head, right)}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def _heads(head: Sequence[str], numeric: set[int]) -> str:
    return "".join(
        f'<th class="num">{_e(h)}</th>' if i in numeric else f"<th>{_e(h)}</th>"
        for i, h in enumerate(head)
    )


def _row(cells: Sequence[Cell], *, numeric: set[int], key: str | None = None) -> str:
    out = []
    for column, cell in enumerate(cells):
        text, css = cell if isinstance(cell, tuple) else (cell, "")
        classes = " ".join(c for c in ("num" if column in numeric else "", css) if c)
        attribute = f' class="{classes}"' if classes else ""
        out.append(f"<td{attribute}>{_e(text)}</td>")
    data = f' data-key="{_e(key)}"' if key is not None else ""
    return f"<tr{data}>{''.join(out)}</tr>"


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "—"


def fidelity_section(result: RunResult) -> str:
    """The fidelity statement, then where events came from and what each fill rests on."""
    fidelity = result.fidelity
    events = fidelity.real_events + fidelity.synthetic_events
    sources = table(
        ["events", "count", "share"],
        [
            ["real data", f"{fidelity.real_events:,}", _share(fidelity.real_events, events)],
            [
                "synthetic",
                f"{fidelity.synthetic_events:,}",
                _share(fidelity.synthetic_events, events),
            ],
        ],
        numeric=(1, 2),
        table_id="fidelity-events",
    )
    fills = len(result.fills)
    rows = [
        [
            basis.label.replace("_", " "),
            "heuristic" if basis.is_heuristic else "book-driven",
            f"{count:,}",
            _share(count, fills),
        ]
        for basis, count in sorted(fidelity.fills_by_basis.items())
        if count
    ]
    bases = (
        table(
            ["fill basis", "kind", "fills", "share"],
            rows,
            numeric=(2, 3),
            table_id="fidelity-fills",
        )
        if rows
        else '<p class="note">No fills.</p>'
    )
    explain = (
        "Book-driven fills took liquidity the data showed (displayed levels, a quote or a "
        "trade reaching a resting order); heuristic fills rest on a model: "
        + ", ".join(b.label.replace("_", " ") for b in FillBasis if b.is_heuristic)
        + "."
    )
    return (
        f'<p class="fidelity" id="fidelity-statement">{_e(fidelity.statement())}</p>'
        f'{sources}{bases}<p class="note">{_e(explain)}</p>'
    )


def metrics_table(metrics: Metrics, currency: str) -> str:
    """Every metric with its unit, and what it measures."""
    rows = metric_rows(metrics, currency=currency)
    return table(
        ["metric", "value", "what it is"],
        [[label, text, meaning] for _, label, text, meaning in rows],
        numeric=(1,),
        table_id="metrics-table",
        row_keys=[name for name, _, _, _ in rows],
    )


def trades_section(result: RunResult, currency: str) -> str:
    """The round trips, in the order they closed; the first and last ones if there are many."""
    trips = result.trades
    if not trips:
        return '<p class="note">No round trips: no position was opened and closed.</p>'
    head = [
        "#",
        "instrument",
        "side",
        "quantity",
        "entry time",
        "entry price",
        "exit time",
        "exit price",
        "held",
        "gross PnL",
        "fees",
        "net PnL",
    ]
    half = MAX_TRADE_ROWS // 2
    numeric = {0, 3, 5, 7, 8, 9, 10, 11}
    shown = list(enumerate(trips))
    if len(trips) > MAX_TRADE_ROWS:
        shown = shown[:half] + shown[-half:]
    rows: list[str] = []
    previous = -1
    for number, trip in shown:
        if number != previous + 1:
            gap = number - previous - 1
            rows.append(
                f'<tr class="gap"><td colspan="{len(head)}">{gap:,} round trips not shown '
                f"(#{previous + 2:,} to #{number:,})</td></tr>"
            )
        previous = number
        sign = "pos" if trip.net_pnl > 0 else "neg" if trip.net_pnl < 0 else ""
        cells: list[Cell] = [
            f"{number + 1:,}",
            trip.instrument,
            "long" if trip.side > 0 else "short",
            format_quantity(trip.quantity),
            (format_timestamp(trip.entry_ns), "time"),
            format_price(trip.entry_price),
            (format_timestamp(trip.exit_ns), "time"),
            format_price(trip.exit_price),
            format_duration(trip.holding_ns),
            format_money(trip.gross_pnl),
            format_money(trip.fees),
            (format_money(trip.net_pnl), sign),
        ]
        rows.append(_row(cells, numeric=numeric))
    money = f" PnL and fees in {currency}." if currency else ""
    note = (
        f"All {len(trips):,} round trips, in the order they closed.{money}"
        if len(trips) <= MAX_TRADE_ROWS
        else f"{len(trips):,} round trips: the first and the last {half:,} are listed.{money}"
    )
    return (
        f'<p class="note">{_e(note)}</p><div class="scroll"><table id="trades-table">'
        f"<thead><tr>{_heads(head, numeric)}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def orders_section(result: RunResult) -> str:
    """Orders counted by type and final status, then rejections by reason, with examples."""
    orders = result.orders
    if not orders:
        return '<p class="note">The strategy sent no orders.</p>'
    counts = Counter((o.request.order_type, o.status) for o in orders)
    statuses = [s for s in OrderStatus if any(status == s for _, status in counts)]
    types = [t for t in OrderType if any(kind == t for kind, _ in counts)]
    rows = [
        [
            kind.label.replace("_", " "),
            *(f"{counts[(kind, status)]:,}" for status in statuses),
            f"{sum(counts[(kind, s)] for s in statuses):,}",
        ]
        for kind in types
    ]
    by_status = Counter(o.status for o in orders)
    rows.append(["all", *(f"{by_status[s]:,}" for s in statuses), f"{len(orders):,}"])
    summary = table(
        ["type", *(s.label.replace("_", " ") for s in statuses), "total"],
        rows,
        numeric=range(1, len(statuses) + 2),
        table_id="orders-by-status",
    )
    parts = [
        f'<p class="note">{len(orders):,} orders, by type and final status.</p>',
        summary,
    ]
    rejected = [o for o in orders if o.status == OrderStatus.REJECTED]
    if not rejected:
        parts.append('<p class="note">No order was rejected.</p>')
        return "".join(parts)
    reasons = Counter(o.reject_reason for o in rejected)
    parts.append("<h3>Rejections</h3>")
    parts.append(
        table(
            ["reason", "orders"],
            [[_reason(r), f"{n:,}"] for r, n in sorted(reasons.items())],
            numeric=(1,),
            table_id="rejections",
        )
    )
    examples = rejected[:MAX_REJECTION_EXAMPLES]
    parts.append(
        table(
            ["order", "sent", "instrument", "side", "type", "quantity", "reason"],
            [
                [
                    str(o.order_id),
                    (format_timestamp(o.ts_created), "time"),
                    o.request.instrument,
                    o.request.side.label,
                    o.request.order_type.label.replace("_", " "),
                    format_quantity(o.request.quantity),
                    _reason(o.reject_reason),
                ]
                for o in examples
            ],
            numeric=(0, 5),
            table_id="rejected-orders",
        )
    )
    if len(rejected) > len(examples):
        parts.append(
            f'<p class="note">The first {len(examples)} of {len(rejected):,} rejections.</p>'
        )
    return "".join(parts)


def _reason(reason: RejectReason) -> str:
    return reason.label.replace("_", " ")


def flatten(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dicts as one level, keys joined by dots (lists and other values as they are)."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, dict) and value:
            out.update(flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _value(key: str, value: Any) -> str:
    if isinstance(value, str):
        return value
    text = json.dumps(value, ensure_ascii=False, default=str)
    if key.rsplit(".", 1)[-1] in ("start", "end") and isinstance(value, int) and value > 0:
        text += f" ({format_timestamp(value)})"
    return text


def config_section(result: RunResult) -> str:
    """The parameters, the config and any extra values, as tables and as JSON."""
    parts = ["<h3>Parameters</h3>"]
    if result.params:
        parts.append(
            table(
                ["parameter", "value"],
                [[name, (_value(name, v), "value mono")] for name, v in result.params.items()],
                table_id="params-table",
            )
        )
    else:
        parts.append('<p class="note">No parameters.</p>')
    parts.append("<h3>Config</h3>")
    flat = flatten(result.config)
    parts.append(
        table(
            ["setting", "value"],
            [[key, (_value(key, v), "value mono")] for key, v in flat.items()],
            table_id="config-table",
        )
        if flat
        else '<p class="note">No config recorded.</p>'
    )
    if result.extra:
        extra = flatten(result.extra)
        parts.append("<h3>Extra</h3>")
        parts.append(
            table(
                ["name", "value"],
                [[key, (_value(key, v), "value mono")] for key, v in extra.items()],
                table_id="extra-table",
            )
        )
    record = {
        "strategy": result.strategy,
        "params": result.params,
        "config": result.config,
        "seed": result.seed,
        "version": result.version,
        "data_fingerprint": result.data_fingerprint,
    }
    text = json.dumps(record, indent=2, ensure_ascii=False, default=str)
    parts.append(f"<details><summary>As JSON</summary><pre>{_e(text)}</pre></details>")
    return "".join(parts)
