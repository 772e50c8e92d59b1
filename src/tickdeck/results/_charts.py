"""Inline SVG charts for the HTML report, drawn in Python from a run's arrays.

The report must work offline and stay small, so charts are plain SVG text
(no library, no script needed to see them) and long series are reduced
before drawing by `downsample`: per pixel column of the plot, the lowest and
the highest point are kept, in time order, so that a spike one sample wide
still shows. Markers (orders, fills) beyond `MAX_MARKERS` of one kind are
merged per pixel column into one marker that carries its count.

Every piece of text that reaches the SVG goes through `html.escape`; hover
data for the page's script is returned separately as plain values.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from tickdeck.core.timestamps import format_timestamp

__all__ = [
    "MAX_MARKERS",
    "Frame",
    "Marker",
    "downsample",
    "hover_series",
    "markers_svg",
    "path_data",
    "plot_svg",
    "step_decimals",
    "time_ticks",
    "value_ticks",
]

#: Markers of one kind (say, sell fills of one instrument) drawn one by one at most;
#: beyond this they are merged per pixel column.
MAX_MARKERS = 1_000

_NS_PER_MS = 1_000_000
_S = 1_000_000_000
_MINUTE = 60 * _S
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR
_TIME_STEPS = (
    (_S, 1),
    (2 * _S, 1),
    (5 * _S, 1),
    (10 * _S, 1),
    (15 * _S, 1),
    (30 * _S, 1),
    (_MINUTE, 2),
    (2 * _MINUTE, 2),
    (5 * _MINUTE, 2),
    (10 * _MINUTE, 2),
    (15 * _MINUTE, 2),
    (30 * _MINUTE, 2),
    (_HOUR, 2),
    (2 * _HOUR, 2),
    (3 * _HOUR, 2),
    (6 * _HOUR, 2),
    (12 * _HOUR, 2),
    (_DAY, 3),
    (2 * _DAY, 3),
    (7 * _DAY, 3),
    (14 * _DAY, 3),
)


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


@dataclass(frozen=True, slots=True)
class Frame:
    """A chart's size in SVG units, its plot area, and the time and value ranges it shows."""

    width: int
    height: int
    t0: int
    t1: int
    y0: float
    y1: float
    left: int = 78
    right: int = 14
    top: int = 10
    bottom: int = 26

    @property
    def plot_left(self) -> float:
        return float(self.left)

    @property
    def plot_right(self) -> float:
        return float(self.width - self.right)

    @property
    def plot_top(self) -> float:
        return float(self.top)

    @property
    def plot_bottom(self) -> float:
        return float(self.height - self.bottom)

    @property
    def columns(self) -> int:
        """Pixel columns of the plot area: the buckets of `downsample`."""
        return max(int(self.plot_right - self.plot_left), 1)

    def x(self, ts: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        span = max(self.t1 - self.t0, 1)
        share = (ts - self.t0).astype(np.float64) / span
        return self.plot_left + share * (self.plot_right - self.plot_left)

    def y(self, values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        span = self.y1 - self.y0
        share = (values - self.y0) / span if span > 0 else np.full(values.shape, 0.5)
        return self.plot_bottom - share * (self.plot_bottom - self.plot_top)


def downsample(
    ts: npt.NDArray[np.int64], values: npt.NDArray[np.float64], *, t0: int, t1: int, buckets: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """The points to draw of a series in time order: per time bucket its min and its max.

    The range [t0, t1] is cut into `buckets` equal buckets (one per pixel
    column); each keeps its lowest and highest point (the first of equal
    ones), and the series keeps its first and last point, so that at most
    ``2 * buckets + 2`` points remain and no extreme is lost. Non-finite
    values are dropped. A series with few enough points is returned whole.
    """
    finite = np.isfinite(values)
    ts, values = ts[finite], values[finite]
    if ts.size <= 2 * buckets + 2:
        return ts, values
    span = max(t1 - t0, 1)
    bucket = np.clip(
        ((ts - t0).astype(np.float64) / span * buckets).astype(np.int64), 0, buckets - 1
    )
    order = np.lexsort((values, bucket))  # stable: equal values keep time order
    ordered = bucket[order]
    edges = np.flatnonzero(np.diff(ordered)) + 1
    lowest = order[np.concatenate([[0], edges])]
    highest = order[np.concatenate([edges - 1, [order.size - 1]])]
    keep = np.unique(np.concatenate([lowest, highest, [0, ts.size - 1]]))
    return ts[keep], values[keep]


def _nice_step(span: float, target: int) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten that cuts `span` in at most target + 1."""
    power = 10.0 ** math.floor(math.log10(span / (target + 1)))
    for factor in (1.0, 2.0, 2.5, 5.0, 10.0):
        if span / (factor * power) <= target + 1:
            return factor * power
    return 10.0 * power  # pragma: no cover - span / (10 * power) <= target + 1 always


def value_ticks(y0: float, y1: float, *, target: int = 5) -> list[float]:
    """Round values between `y0` and `y1` (1, 2, 2.5 or 5 times a power of ten apart)."""
    if not (math.isfinite(y0) and math.isfinite(y1)) or y1 <= y0:
        return [y0] if math.isfinite(y0) else []
    step = _nice_step(y1 - y0, target)
    first = math.ceil(y0 / step)
    last = math.floor(y1 / step)
    return [round(k * step, 12) for k in range(first, last + 1)]


def step_decimals(ticks: Sequence[float]) -> int:
    """How many decimals the labels of evenly spaced `ticks` need to tell them apart."""
    if len(ticks) < 2:
        return 2
    step = abs(ticks[1] - ticks[0])
    decimals = max(0, -math.floor(math.log10(step)))
    if round(step * 10**decimals, 9) % 1:  # 2.5 times a power of ten needs one more
        decimals += 1
    return decimals


def time_ticks(t0: int, t1: int, *, target: int = 9) -> list[tuple[int, str]]:
    """(time ns, label) of round UTC times across [t0, t1], labelled by the step's scale."""
    span = t1 - t0
    if span <= 0:
        return [(t0, format_timestamp(t0))]
    chosen = next((pair for pair in _TIME_STEPS if span / pair[0] <= target), None)
    if chosen is None:
        return _calendar_ticks(t0, t1, target)
    step, scale = chosen
    first = -(-t0 // step) * step
    ticks = []
    previous_day = None
    for ns in range(first, t1 + 1, step):
        moment = datetime.fromtimestamp(ns // _S, tz=UTC)
        if scale == 1:
            label = moment.strftime("%H:%M:%S")
        elif scale == 2:
            day = moment.date()
            label = moment.strftime("%H:%M" if day == previous_day else "%m-%d %H:%M")
            previous_day = day
        else:
            label = moment.strftime("%Y-%m-%d")
        ticks.append((ns, label))
    return ticks


def _calendar_ticks(t0: int, t1: int, target: int) -> list[tuple[int, str]]:
    """Month or year starts for spans of more than about three months."""
    start = datetime.fromtimestamp(t0 // _S, tz=UTC)
    end = datetime.fromtimestamp(t1 // _S, tz=UTC)
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    for every in (1, 2, 3, 6, 12, 24, 60, 120):
        if months / every <= target:
            break
    ticks = []
    index = start.year * 12 + start.month  # the month after `start` (months are 1-based)
    while True:
        year, month = divmod(index, 12)
        moment = datetime(year, month + 1, 1, tzinfo=UTC)
        ns = int(moment.timestamp()) * _S
        if ns > t1:
            break
        if (year * 12 + month) % every == 0:
            ticks.append((ns, moment.strftime("%Y" if every >= 12 else "%Y-%m")))
        index += 1
    return ticks


def _number(value: float) -> str:
    return f"{value:.1f}"


def path_data(xs: npt.NDArray[np.float64], ys: npt.NDArray[np.float64]) -> str:
    """An SVG path through the points, one decimal per coordinate."""
    if xs.size == 0:
        return ""
    points = [f"{x:.1f},{y:.1f}" for x, y in zip(xs.tolist(), ys.tolist(), strict=True)]
    return "M" + "L".join(points)


def plot_svg(
    frame: Frame,
    body: str,
    *,
    chart: str,
    label: str,
    y_labels: Sequence[tuple[float, str]],
) -> str:
    """The whole `<svg>`: grid, axes, labels, then `body` (drawn by the caller) clipped to the plot.

    `chart` names the chart for the page's script (its hover data);
    `y_labels` are (value, text) pairs of the value axis.
    """
    left, right = frame.plot_left, frame.plot_right
    top, bottom = frame.plot_top, frame.plot_bottom
    parts = [
        f'<svg class="chart" data-chart="{_e(chart)}" viewBox="0 0 {frame.width} {frame.height}" '
        f'role="img" aria-label="{_e(label)}">',
        f'<defs><clipPath id="clip-{_e(chart)}"><rect x="{left}" y="{top - 6}" '
        f'width="{right - left}" height="{bottom - top + 12}"/></clipPath></defs>',
        '<g class="grid">',
    ]
    for value, text in y_labels:
        y = float(frame.y(np.array([value]))[0])
        parts.append(f'<line x1="{left}" x2="{right}" y1="{_number(y)}" y2="{_number(y)}"/>')
        parts.append(
            f'<text class="ylabel" x="{left - 6}" y="{_number(y + 4)}" text-anchor="end">'
            f"{_e(text)}</text>"
        )
    for ns, text in time_ticks(frame.t0, frame.t1):
        x = float(frame.x(np.array([ns], dtype=np.int64))[0])
        parts.append(f'<line x1="{_number(x)}" x2="{_number(x)}" y1="{top}" y2="{bottom}"/>')
        parts.append(
            f'<text class="xlabel" x="{_number(x)}" y="{bottom + 17}" text-anchor="middle">'
            f"{_e(text)}</text>"
        )
    parts.append("</g>")
    parts.append(
        f'<rect class="frame" x="{left}" y="{top}" width="{right - left}" height="{bottom - top}"/>'
    )
    parts.append(f'<g clip-path="url(#clip-{_e(chart)})">{body}</g>')
    parts.append(
        f'<line class="cursor" x1="{left}" x2="{left}" y1="{top}" y2="{bottom}" '
        'visibility="hidden"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


def hover_series(
    label: str, kind: str, ts: npt.NDArray[np.int64], values: npt.NDArray[np.float64]
) -> dict[str, object]:
    """One drawn series as the page's script reads it: times in ms since the epoch and values."""
    return {
        "label": label,
        "format": kind,
        "t": (ts // _NS_PER_MS).tolist(),
        "v": values.tolist(),
    }


@dataclass(frozen=True, slots=True)
class Marker:
    """One event to mark: time, value, and what hovering it says (made only if drawn alone)."""

    ts: int
    value: float
    tip: Callable[[], str]


def markers_svg(
    frame: Frame,
    markers: Sequence[Marker],
    *,
    css_class: str,
    shape: str,
    noun: str,
    offset: float = 0.0,
) -> str:
    """SVG elements marking `markers`, one each or merged per pixel column beyond `MAX_MARKERS`.

    `shape` is ``circle``, ``up`` or ``down`` (triangles); `offset` moves the
    marks down (positive) or up in SVG units, so that an order's mark does not
    hide the fill at the same place. A merged mark sits at the mean value of
    the column, carries ``data-n`` (how many it stands for) and says so on hover,
    naming the events by `noun`.
    """
    if not markers:
        return ""
    ts = np.array([m.ts for m in markers], dtype=np.int64)
    values = np.array([m.value for m in markers], dtype=np.float64)
    xs = frame.x(ts)
    ys = frame.y(values) + offset
    if len(markers) <= MAX_MARKERS:
        return "".join(
            _mark(shape, css_class, x, y, m.tip(), None)
            for x, y, m in zip(xs.tolist(), ys.tolist(), markers, strict=True)
        )
    column = np.floor(xs).astype(np.int64)
    order = np.argsort(column, kind="stable")
    edges = np.flatnonzero(np.diff(column[order])) + 1
    parts = []
    for group in np.split(order, edges):
        first, last = int(ts[group].min()), int(ts[group].max())
        low, high = float(values[group].min()), float(values[group].max())
        when = (
            f"at {format_timestamp(first)}"
            if first == last
            else f"from {format_timestamp(first)} to {format_timestamp(last)}"
        )
        prices = f"{low:.10g}" if low == high else f"{low:.10g} to {high:.10g}"
        tip = f"{group.size:,} {noun}\n{when}\n{prices}"
        x = float(xs[group].mean())
        y = float(ys[group].mean())
        parts.append(_mark(shape, f"{css_class} group", x, y, tip, int(group.size)))
    return "".join(parts)


def _mark(shape: str, css_class: str, x: float, y: float, tip: str, count: int | None) -> str:
    extra = f' data-n="{count}"' if count is not None else ""
    attributes = f'class="{_e(css_class)}" data-tip="{_e(tip)}"{extra}'
    if shape == "circle":
        return f'<circle {attributes} cx="{x:.1f}" cy="{y:.1f}" r="{4.5 if count else 3.5}"/>'
    size = 5.0
    tip_y = y - size if shape == "up" else y + size
    base_y = y + size if shape == "up" else y - size
    return (
        f'<path {attributes} d="M{x:.1f},{tip_y:.1f}L{x - size:.1f},{base_y:.1f}'
        f'L{x + size:.1f},{base_y:.1f}Z"/>'
    )
