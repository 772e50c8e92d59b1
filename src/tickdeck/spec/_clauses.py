"""The setting clauses of the English grammar: each parse-tree node to the spec fields it sets.

A rule clause ("buy when ...") builds conditions and lives in `_english`;
everything else (risk, sizing, data, execution, costs) is one node that sets
one or a few fields, listed here as ``(path, value, meaning)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lark import Token, Tree

from tickdeck.spec._describe import number

__all__ = ["ClauseError", "find", "settings", "subtrees", "tokens"]

_SECONDS = {"unit_seconds": 1, "unit_minutes": 60, "unit_hours": 3_600, "unit_days": 86_400}
_NANOSECONDS = {"unit_ns": 1, "unit_us": 1_000, "unit_ms": 1_000_000, "unit_s": 1_000_000_000}
_LEGS = {"leg_order_entry": "order_entry", "leg_market_data": "market_data", "leg_report": "report"}
_TIME_IN_FORCE = {
    "tif_gtc": ("gtc", "good till cancelled"),
    "tif_day": ("day", "expire at the session end"),
    "tif_ioc": ("ioc", "immediate or cancel"),
    "tif_fok": ("fok", "fill or kill"),
}
_SOURCES = {"from_quotes": "quotes", "from_trades": "trades", "from_bars": "bars"}

Setting = tuple[str, Any, str]


class ClauseError(Exception):
    """A clause that parsed but means nothing valid; the message says what was expected."""


def tokens(tree: Tree[Any]) -> list[Token]:
    return [child for child in tree.children if isinstance(child, Token)]


def subtrees(tree: Tree[Any]) -> list[Tree[Any]]:
    return [child for child in tree.children if isinstance(child, Tree)]


def find(tree: Tree[Any], *names: str) -> Tree[Any] | None:
    return next((child for child in subtrees(tree) if child.data in names), None)


def _number(tree: Tree[Any], index: int = 0) -> float:
    return float(tokens(tree)[index])


def _percent(tree: Tree[Any]) -> float:
    found = find(tree, "percent")
    if found is None:
        raise ClauseError("a percentage, e.g. 2%")
    return _number(found)


def _lot(tree: Tree[Any]) -> dict[str, float]:
    found = find(tree, "lots")
    return {} if found is None else {"lot": _number(found)}


def _duration_ns(tree: Tree[Any]) -> int:
    unit = subtrees(tree)[0].data
    return round(float(tokens(tree)[0]) * _NANOSECONDS[str(unit)])


def settings(tree: Tree[Any]) -> Iterator[Setting]:
    """The fields one setting clause sets; raises `ClauseError` when it cannot mean anything."""
    kind = str(tree.data)
    handler = _HANDLERS.get(kind)
    if handler is None:
        raise ClauseError(f"a clause tickdeck knows (got a {kind!r} node)")
    yield from handler(tree)


def _stop_loss(tree: Tree[Any]) -> Iterator[Setting]:
    value = _percent(tree)
    yield (
        "risk.stop_loss_percent",
        value,
        f"stop-loss: exit when {number(value)}% against the entry",
    )


def _take_profit(tree: Tree[Any]) -> Iterator[Setting]:
    value = _percent(tree)
    yield "risk.take_profit_percent", value, f"take-profit: exit when {number(value)}% in favour"


def _trailing_stop(tree: Tree[Any]) -> Iterator[Setting]:
    value = _percent(tree)
    yield (
        "risk.trailing_stop_percent",
        value,
        f"trailing stop: exit when {number(value)}% below the best price since entry",
    )


def _time_exit(tree: Tree[Any]) -> Iterator[Setting]:
    count = _number(tree)
    unit = str(subtrees(tree)[0].data)
    if unit == "unit_bars":
        if not count.is_integer():
            raise ClauseError("a whole number of bars")
        yield (
            "risk.exit_after_bars",
            int(count),
            f"time exit: close the position {int(count)} evaluations after it opened",
        )
        return
    seconds = count * _SECONDS[unit]
    yield (
        "risk.exit_after_seconds",
        seconds,
        f"time exit: close the position {number(seconds)} seconds after it opened",
    )


def _max_position(tree: Tree[Any]) -> Iterator[Setting]:
    value = _number(tree)
    yield "risk.max_position", value, f"maximum position: {number(value)} units"


def _fixed_size(tree: Tree[Any]) -> Iterator[Setting]:
    value = _number(tree)
    yield (
        "sizing",
        {"type": "fixed", "quantity": value},
        f"sizing: {number(value)} units per position",
    )


def _equity_size(tree: Tree[Any]) -> Iterator[Setting]:
    value = _percent(tree)
    yield (
        "sizing",
        {"type": "percent_of_equity", "percent": value, **_lot(tree)},
        f"sizing: positions worth {number(value)}% of equity at entry",
    )


def _risk_size(tree: Tree[Any]) -> Iterator[Setting]:
    value = _percent(tree)
    yield (
        "sizing",
        {"type": "risk_percent", "percent": value, **_lot(tree)},
        f"sizing: a position loses {number(value)}% of equity if the stop-loss is hit",
    )


def _volatility_size(tree: Tree[Any]) -> Iterator[Setting]:
    value = _percent(tree)
    sizing: dict[str, Any] = {"type": "volatility_target", "annual_percent": value, **_lot(tree)}
    window = find(tree, "volatility_window")
    if window is not None:
        sizing["period"] = int(_number(window))
    year = find(tree, "volatility_year")
    if year is not None:
        sizing["periods_per_year"] = _number(year)
    yield (
        "sizing",
        sizing,
        f"sizing: positions with {number(value)}% annualised volatility of equity",
    )


def _instrument(tree: Tree[Any]) -> Iterator[Setting]:
    symbol = str(tokens(tree)[0])
    yield "instrument", symbol, f"instrument: {symbol}"


def _quotes(tree: Tree[Any]) -> Iterator[Setting]:
    yield "data", {"type": "quotes"}, "data: evaluate on every quote, at the mid"


def _trades(tree: Tree[Any]) -> Iterator[Setting]:
    yield "data", {"type": "trades"}, "data: evaluate on every trade, at its price"


def _bars(tree: Tree[Any]) -> Iterator[Setting]:
    size = subtrees(tree)[0]
    if size.data == "daily":
        seconds = 86_400
    elif size.data == "hourly":
        seconds = 3_600
    else:
        seconds = int(_number(size)) * _SECONDS[str(subtrees(size)[0].data)]
    source_tree = find(tree, "from_quotes", "from_trades", "from_bars")
    source = "quotes" if source_tree is None else _SOURCES[str(source_tree.data)]
    origin = {
        "quotes": "built from quote mids",
        "trades": "built from trade prices",
        "bars": "replayed as stored",
    }[source]
    yield (
        "data",
        {"type": "bars", "seconds": seconds, "source": source},
        f"data: evaluate on bars of {seconds} seconds, {origin}, at the close",
    )


def _market_orders(tree: Tree[Any]) -> Iterator[Setting]:
    yield "execution.order_type", "market", "orders: market orders"


def _limit_orders(tree: Tree[Any]) -> Iterator[Setting]:
    found = tokens(tree)
    yield "execution.order_type", "limit", "orders: limit orders"
    if found:
        offset = int(found[0])
        yield (
            "execution.limit_offset_ticks",
            offset,
            f"limit price: {offset} ticks from the evaluation price, away from the market",
        )


def _tick_size(tree: Tree[Any]) -> Iterator[Setting]:
    value = _number(tree)
    yield "execution.tick_size", value, f"tick size: {number(value)}"


def _time_in_force(tree: Tree[Any]) -> Iterator[Setting]:
    code, meaning = _TIME_IN_FORCE[str(tree.data)]
    yield "execution.time_in_force", code, f"time in force: {meaning}"


def _fees_bps(tree: Tree[Any]) -> Iterator[Setting]:
    value = _number(tree)
    yield "simulation.fees", {"type": "bps", "bps": value}, f"fees: {number(value)} bps of notional"


def _fees_per_unit(tree: Tree[Any]) -> Iterator[Setting]:
    values = [float(t) for t in tokens(tree)]
    fees = {"type": "per_unit", "per_unit": values[0]}
    if len(values) > 1:
        fees["minimum"] = values[1]
    yield "simulation.fees", fees, f"fees: {number(values[0])} per unit"


def _fees_maker_taker(tree: Tree[Any]) -> Iterator[Setting]:
    maker, taker = (float(t) for t in tokens(tree))
    yield (
        "simulation.fees",
        {"type": "maker_taker", "maker_bps": maker, "taker_bps": taker},
        f"fees: {number(maker)} bps as maker, {number(taker)} bps as taker",
    )


def _fees_none(tree: Tree[Any]) -> Iterator[Setting]:
    yield "simulation.fees", {"type": "none"}, "fees: none"


def _slippage_bps(tree: Tree[Any]) -> Iterator[Setting]:
    value = _number(tree)
    yield "simulation.slippage", {"type": "bps", "bps": value}, f"slippage: {number(value)} bps"


def _slippage_spread(tree: Tree[Any]) -> Iterator[Setting]:
    value = _number(tree)
    yield (
        "simulation.slippage",
        {"type": "spread_fraction", "fraction": value},
        f"slippage: {number(value)} of the quoted spread",
    )


def _slippage_square_root(tree: Tree[Any]) -> Iterator[Setting]:
    slippage: dict[str, Any] = {"type": "square_root"}
    for child in subtrees(tree):
        slippage[_IMPACT_FIELDS[str(child.data)]] = _number(child)
    yield "simulation.slippage", slippage, "slippage: square-root market impact"


_IMPACT_FIELDS = {
    "impact_coefficient": "coefficient",
    "impact_volatility": "volatility",
    "impact_volume": "default_volume",
}


def _slippage_none(tree: Tree[Any]) -> Iterator[Setting]:
    yield "simulation.slippage", {"type": "none"}, "slippage: none"


def _leg(tree: Tree[Any]) -> str:
    found = find(tree, *_LEGS)
    return "order_entry" if found is None else _LEGS[str(found.data)]


def _latency_constant(tree: Tree[Any]) -> Iterator[Setting]:
    leg = _leg(tree)
    duration = find(tree, "duration")
    assert duration is not None  # the grammar requires it
    ns = _duration_ns(duration)
    yield (
        f"simulation.latency.{leg}",
        {"type": "constant", "ns": ns},
        f"{leg.replace('_', ' ')} latency: {ns} ns",
    )


def _latency_uniform(tree: Tree[Any]) -> Iterator[Setting]:
    leg = _leg(tree)
    low, high = (_duration_ns(d) for d in subtrees(tree) if d.data == "duration")
    yield (
        f"simulation.latency.{leg}",
        {"type": "uniform", "low_ns": low, "high_ns": high},
        f"{leg.replace('_', ' ')} latency: uniform from {low} to {high} ns",
    )


def _latency_lognormal(tree: Tree[Any]) -> Iterator[Setting]:
    leg = _leg(tree)
    durations = [_duration_ns(d) for d in subtrees(tree) if d.data == "duration"]
    latency: dict[str, Any] = {"type": "lognormal", "median_ns": durations[0]}
    sigma = tokens(tree)
    if sigma:
        latency["sigma"] = float(sigma[0])
    if len(durations) > 1:
        latency["floor_ns"] = durations[1]
    yield (
        f"simulation.latency.{leg}",
        latency,
        f"{leg.replace('_', ' ')} latency: log-normal, median {durations[0]} ns",
    )


_HANDLERS = {
    "stop_loss": _stop_loss,
    "take_profit": _take_profit,
    "trailing_stop": _trailing_stop,
    "time_exit": _time_exit,
    "max_position": _max_position,
    "fixed_size": _fixed_size,
    "equity_size": _equity_size,
    "risk_size": _risk_size,
    "volatility_size": _volatility_size,
    "instrument": _instrument,
    "quotes_data": _quotes,
    "trades_data": _trades,
    "bars_data": _bars,
    "market_orders": _market_orders,
    "limit_orders": _limit_orders,
    "tick_size": _tick_size,
    "tif_gtc": _time_in_force,
    "tif_day": _time_in_force,
    "tif_ioc": _time_in_force,
    "tif_fok": _time_in_force,
    "fees_bps": _fees_bps,
    "fees_per_unit": _fees_per_unit,
    "fees_maker_taker": _fees_maker_taker,
    "fees_none": _fees_none,
    "slippage_bps": _slippage_bps,
    "slippage_spread": _slippage_spread,
    "slippage_square_root": _slippage_square_root,
    "slippage_none": _slippage_none,
    "latency_constant": _latency_constant,
    "latency_uniform": _latency_uniform,
    "latency_lognormal": _latency_lognormal,
}
