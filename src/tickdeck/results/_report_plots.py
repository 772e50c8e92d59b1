"""The report's charts of one run: equity, drawdown, and each instrument's price with its orders,
fills and round trips.

Each function returns the chart's HTML (an inline SVG, a legend and notes)
and the hover data the page's script reads for it. All charts of a report
share one time range, so that they line up.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import numpy.typing as npt

from tickdeck.core import Fill, Order, OrderStatus, RejectReason, Side
from tickdeck.core.timestamps import format_timestamp
from tickdeck.results._charts import (
    MAX_MARKERS,
    Frame,
    Marker,
    downsample,
    hover_series,
    markers_svg,
    path_data,
    plot_svg,
    step_decimals,
    value_ticks,
)
from tickdeck.results._report_format import format_money, format_price, format_quantity
from tickdeck.results.run import RoundTrip, RunResult

__all__ = [
    "MAX_DRAWN_TRIPS",
    "Chart",
    "drawdown_chart",
    "equity_chart",
    "price_chart",
    "time_range",
]

#: Round trips drawn as entry-to-exit lines at most, per instrument; beyond, none are drawn.
MAX_DRAWN_TRIPS = 500
WIDTH = 960
#: Where an order's mark sits from the price line, in SVG units: buys below, sells above.
ORDER_OFFSET = 10.0


@dataclass
class Chart:
    """A chart's HTML, and its hover data keyed by the chart's name."""

    html: str
    hover: dict[str, dict[str, object]] = field(default_factory=dict)


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def time_range(result: RunResult) -> tuple[int, int] | None:
    """The span every chart shows: the equity curve, the price marks, orders and fills."""
    times = [result.equity.ts, result.marks.ts]
    times.append(np.array([f.ts for f in result.fills], dtype=np.int64))
    times.append(np.array([o.ts_created for o in result.orders], dtype=np.int64))
    every = np.concatenate(times)
    if every.size == 0:
        return None
    return int(every.min()), int(every.max())


def _padded(low: float, high: float) -> tuple[float, float]:
    """A value range with 6 % of room on each side; a flat range gets room of its own."""
    if high > low:
        room = (high - low) * 0.06
        return low - room, high + room
    room = max(abs(low) * 0.001, 1e-9)
    return low - room, high + room


def _hover(frame: Frame, series: list[dict[str, object]]) -> dict[str, object]:
    return {
        "t0": frame.t0 // 1_000_000,
        "t1": frame.t1 // 1_000_000,
        "left": frame.plot_left,
        "right": frame.plot_right,
        "series": series,
    }


def _empty(frame: Frame, chart: str, label: str, message: str) -> str:
    body = (
        f'<text class="empty" x="{WIDTH / 2}" y="{frame.height / 2}" text-anchor="middle">'
        f"{_e(message)}</text>"
    )
    return plot_svg(frame, body, chart=chart, label=label, y_labels=[])


def _labels(ticks: Sequence[float], kind: str) -> list[tuple[float, str]]:
    decimals = step_decimals(ticks)
    if kind == "percent":
        decimals = step_decimals([t * 100 for t in ticks])
        return [(t, f"{t * 100:.{decimals}f} %") for t in ticks]
    if kind == "money":
        return [(t, f"{t:,.{decimals}f}") for t in ticks]
    return [(t, f"{t:.{decimals}f}") for t in ticks]


def equity_chart(result: RunResult, span: tuple[int, int], currency: str) -> Chart:
    """The equity curve, with the initial cash as a dashed line."""
    ts, equity = result.equity.ts, result.equity.equity
    finite = equity[np.isfinite(equity)]
    label = f"Equity ({currency})" if currency else "Equity"
    if finite.size == 0:
        frame = Frame(WIDTH, 280, span[0], span[1], 0.0, 1.0)
        return Chart(_empty(frame, "equity", label, "no equity samples"))
    low = min(float(finite.min()), result.initial_cash)
    high = max(float(finite.max()), result.initial_cash)
    frame = Frame(WIDTH, 280, span[0], span[1], *_padded(low, high))
    drawn_ts, drawn = downsample(ts, equity, t0=span[0], t1=span[1], buckets=frame.columns)
    cash_y = float(frame.y(np.array([result.initial_cash]))[0])
    body = (
        f'<line class="reference" x1="{frame.plot_left}" x2="{frame.plot_right}" '
        f'y1="{cash_y:.1f}" y2="{cash_y:.1f}"/>'
        f'<path class="line equity" d="{path_data(frame.x(drawn_ts), frame.y(drawn))}"/>'
    )
    ticks = value_ticks(frame.y0, frame.y1)
    svg = plot_svg(frame, body, chart="equity", label=label, y_labels=_labels(ticks, "money"))
    hover = _hover(frame, [hover_series("equity", "money", drawn_ts, drawn)])
    return Chart(svg, {"equity": hover})


def drawdown_series(equity: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Drawdown at each sample as a negative fraction: equity / running peak - 1."""
    peak = np.maximum.accumulate(np.where(np.isfinite(equity), equity, -np.inf))
    with np.errstate(divide="ignore", invalid="ignore"):
        return equity / peak - 1.0


def drawdown_chart(result: RunResult, span: tuple[int, int]) -> Chart:
    """The drawdown from the running peak, as a shaded area below zero."""
    ts = result.equity.ts
    drawdown = drawdown_series(result.equity.equity)
    finite = drawdown[np.isfinite(drawdown)]
    label = "Drawdown from the running peak"
    if finite.size == 0:
        frame = Frame(WIDTH, 170, span[0], span[1], -1.0, 0.0)
        return Chart(_empty(frame, "drawdown", label, "no equity samples"))
    deepest = min(float(finite.min()), -1e-4)
    frame = Frame(WIDTH, 170, span[0], span[1], deepest * 1.08, -deepest * 0.04)
    drawn_ts, drawn = downsample(ts, drawdown, t0=span[0], t1=span[1], buckets=frame.columns)
    xs, ys = frame.x(drawn_ts), frame.y(drawn)
    zero = float(frame.y(np.array([0.0]))[0])
    outline = path_data(xs, ys)
    area = f"{outline}L{xs[-1]:.1f},{zero:.1f}L{xs[0]:.1f},{zero:.1f}Z" if xs.size else ""
    body = f'<path class="area drawdown" d="{area}"/>'
    ticks = value_ticks(frame.y0, frame.y1, target=4)
    svg = plot_svg(frame, body, chart="drawdown", label=label, y_labels=_labels(ticks, "percent"))
    hover = _hover(frame, [hover_series("drawdown", "percent", drawn_ts, drawn)])
    return Chart(svg, {"drawdown": hover})


def _order_tip(order: Order) -> str:
    request = order.request
    kind = request.order_type.label.replace("_", " ")
    prices = "".join(
        f" {name} {format_price(value)}"
        for name, value in (("limit", request.limit_price), ("stop", request.stop_price))
        if value is not None
    )
    status = order.status.label.replace("_", " ")
    if order.reject_reason != RejectReason.NONE:
        status += f" ({order.reject_reason.label.replace('_', ' ')})"
    return (
        f"order {order.order_id}: {request.side.label} {kind} "
        f"{format_quantity(request.quantity)}{prices}\n"
        f"sent {format_timestamp(order.ts_created)}\n{status}"
    )


def _fill_tip(fill: Fill, currency: str) -> str:
    return (
        f"fill of order {fill.order_id}: {fill.side.label} {format_quantity(fill.quantity)} "
        f"@ {format_price(fill.price)}\n{format_timestamp(fill.ts)}\n"
        f"{fill.liquidity.label}, {fill.basis.label.replace('_', ' ')}, "
        f"fee {format_money(fill.fee, currency)}"
    )


def _trip_svg(frame: Frame, trips: Sequence[RoundTrip], currency: str) -> str:
    if not trips or len(trips) > MAX_DRAWN_TRIPS:
        return ""
    entry_x = frame.x(np.array([t.entry_ns for t in trips], dtype=np.int64)).tolist()
    exit_x = frame.x(np.array([t.exit_ns for t in trips], dtype=np.int64)).tolist()
    entry_y = frame.y(np.array([t.entry_price for t in trips])).tolist()
    exit_y = frame.y(np.array([t.exit_price for t in trips])).tolist()
    parts = []
    for index, trip in enumerate(trips):
        outcome = "win" if trip.net_pnl > 0 else "loss"
        side = "long" if trip.side > 0 else "short"
        tip = (
            f"{side} {format_quantity(trip.quantity)}: {format_price(trip.entry_price)} to "
            f"{format_price(trip.exit_price)}\n{format_timestamp(trip.entry_ns)} to "
            f"{format_timestamp(trip.exit_ns)}\nnet {format_money(trip.net_pnl, currency)}"
        )
        parts.append(
            f'<line class="trip {outcome}" x1="{entry_x[index]:.1f}" y1="{entry_y[index]:.1f}" '
            f'x2="{exit_x[index]:.1f}" y2="{exit_y[index]:.1f}" data-tip="{_e(tip)}"/>'
        )
    return "".join(parts)


def _order_values(
    orders: Sequence[Order], marks_ts: npt.NDArray[np.int64], marks: npt.NDArray[np.float64]
) -> list[float]:
    """Where each order's mark sits: the price line at its creation time, else its own price."""
    if marks.size:
        created = np.array([o.ts_created for o in orders], dtype=np.int64)
        placed = np.interp(created.astype(np.float64), marks_ts.astype(np.float64), marks)
        return [float(value) for value in placed]
    values = []
    for order in orders:
        own = order.request.limit_price or order.request.stop_price or order.average_price
        values.append(float(own) if own is not None else float("nan"))
    return values


def price_chart(
    result: RunResult, instrument: str, index: int, span: tuple[int, int], currency: str
) -> Chart:
    """One instrument's price line with its orders (signals), fills and round trips."""
    marks_ts, marks = result.marks.of(instrument)
    fills = [f for f in result.fills if f.instrument == instrument]
    orders = [o for o in result.orders if o.request.instrument == instrument]
    trips = [t for t in result.trades if t.instrument == instrument]
    order_values = _order_values(orders, marks_ts, marks)
    prices = np.concatenate(
        [marks, np.array([f.price for f in fills]), np.array(order_values, dtype=np.float64)]
    )
    prices = prices[np.isfinite(prices)]
    chart = f"price-{index}"
    label = f"{instrument} price"
    if prices.size == 0:
        frame = Frame(WIDTH, 300, span[0], span[1], 0.0, 1.0)
        return Chart(f"<h3>{_e(instrument)}</h3>" + _empty(frame, chart, label, "no prices"))
    frame = Frame(WIDTH, 300, span[0], span[1], *_padded(float(prices.min()), float(prices.max())))
    drawn_ts, drawn = downsample(marks_ts, marks, t0=span[0], t1=span[1], buckets=frame.columns)
    body = [f'<path class="line price" d="{path_data(frame.x(drawn_ts), frame.y(drawn))}"/>']
    body.append(_trip_svg(frame, trips, currency))
    for side, shape, offset in ((Side.BUY, "up", ORDER_OFFSET), (Side.SELL, "down", -ORDER_OFFSET)):
        chosen = [
            Marker(o.ts_created, value, partial(_order_tip, o))
            for o, value in zip(orders, order_values, strict=True)
            if o.request.side == side and np.isfinite(value)
        ]
        body.append(
            markers_svg(
                frame,
                chosen,
                css_class=f"order {side.label}",
                shape=shape,
                noun=f"{side.label} orders",
                offset=offset,
            )
        )
    for side in (Side.BUY, Side.SELL):
        chosen = [
            Marker(f.ts, f.price, partial(_fill_tip, f, currency)) for f in fills if f.side == side
        ]
        body.append(
            markers_svg(
                frame,
                chosen,
                css_class=f"fill {side.label}",
                shape="circle",
                noun=f"{side.label} fills",
            )
        )
    ticks = value_ticks(frame.y0, frame.y1)
    svg = plot_svg(frame, "".join(body), chart=chart, label=label, y_labels=_labels(ticks, "price"))
    hover = _hover(frame, [hover_series(instrument, "price", drawn_ts, drawn)])
    parts = [f"<h3>{_e(instrument)}</h3>", svg, _legend(orders, fills, trips)]
    parts.extend(f'<p class="note">{_e(note)}</p>' for note in _notes(orders, fills, trips))
    return Chart("".join(parts), {chart: hover})


def _legend(orders: Sequence[Order], fills: Sequence[Fill], trips: Sequence[RoundTrip]) -> str:
    def count(items: Sequence[Order] | Sequence[Fill], side: Side) -> int:
        return sum(1 for item in items if _side(item) == side)

    wins = sum(1 for t in trips if t.net_pnl > 0)
    entries = [
        ("buy", f"● {count(fills, Side.BUY):,} buy fills"),
        ("sell", f"● {count(fills, Side.SELL):,} sell fills"),
        ("buy", f"△ {count(orders, Side.BUY):,} buy orders (when sent)"),
        ("sell", f"▽ {count(orders, Side.SELL):,} sell orders (when sent)"),
        ("", f"╌ {len(trips):,} round trips ({wins:,} won, {len(trips) - wins:,} lost)"),
    ]
    spans = "".join(f'<span class="{css}">{_e(text)}</span>' for css, text in entries)
    return f'<div class="legend">{spans}</div>'


def _side(item: Order | Fill) -> Side:
    return item.request.side if isinstance(item, Order) else item.side


def _notes(orders: Sequence[Order], fills: Sequence[Fill], trips: Sequence[RoundTrip]) -> list[str]:
    notes = []
    if not orders and not fills:
        notes.append("The strategy sent no orders for this instrument.")
    crowded = [
        noun
        for noun, items in (("orders", orders), ("fills", fills))
        for side in (Side.BUY, Side.SELL)
        if sum(1 for item in items if _side(item) == side) > MAX_MARKERS
    ]
    if crowded:
        notes.append(
            f"More than {MAX_MARKERS:,} {' and '.join(sorted(set(crowded)))} of one side: "
            "those are merged per pixel column into larger marks (hover one for its count)."
        )
    if len(trips) > MAX_DRAWN_TRIPS:
        notes.append(
            f"{len(trips):,} round trips are too many to draw as lines (over "
            f"{MAX_DRAWN_TRIPS:,}); the trades table lists them."
        )
    rejected = sum(1 for o in orders if o.status == OrderStatus.REJECTED)
    if rejected:
        notes.append(f"{rejected:,} of the orders marked were rejected (see Orders).")
    return notes
