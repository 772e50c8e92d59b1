"""`describe`: a spec in the English of `english.lark`, which `from_text` reads back.

The text is canonical: one clause per setting, in a fixed order, with the
phrases the grammar reads (``the 50-period SMA``, ``crosses above``, ``stop
loss 2%``). So for any spec the grammar can express, ``from_text(describe(s))``
gives a spec equal to `s` up to indicator ids and constant names (which the
English does not carry), and describing that spec again gives the same text.
"""

from __future__ import annotations

from decimal import Decimal

from tickdeck.core import InputError
from tickdeck.spec._conditions import (
    AllSpec,
    AnySpec,
    CompareSpec,
    ConditionSpec,
    ConstantOperand,
    CrossSpec,
    IndicatorOperand,
    NotSpec,
    Operand,
    PriceOperand,
)
from tickdeck.spec._indicators import IndicatorSpec, outputs_of
from tickdeck.spec._model import PRICE_FIELDS, StrategySpec
from tickdeck.spec._sections import (
    BarsData,
    BpsFees,
    BpsSlippage,
    ConstantLatencySpec,
    FixedSizing,
    LatencySpec,
    MakerTakerFees,
    PercentOfEquitySizing,
    PerUnitFees,
    QuotesData,
    RiskPercentSizing,
    SpreadFractionSlippage,
    SquareRootSlippage,
    UniformLatencySpec,
    VolatilityTargetSizing,
)

__all__ = ["describe", "describe_condition", "describe_indicator", "number"]

_COMPARATORS = {">": "is above", "<": "is below", ">=": "is at least", "<=": "is at most"}
_NAMES = {
    "sma": "SMA",
    "ema": "EMA",
    "wma": "WMA",
    "rsi": "RSI",
    "atr": "ATR",
    "vwap": "VWAP",
    "std": "standard deviation",
    "zscore": "z-score",
    "max": "high",
    "min": "low",
    "return": "return",
}
_TIME_IN_FORCE = {"day": "day orders", "ioc": "immediate or cancel", "fok": "fill or kill"}
_UNITS = ((86_400, "day"), (3_600, "hour"), (60, "minute"), (1, "second"))
_NS_UNITS = ((1_000_000_000, "s"), (1_000_000, "ms"), (1_000, "us"), (1, "ns"))


def number(value: float) -> str:
    """A number as the grammar reads it: no exponent, no trailing ``.0``."""
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = repr(float(value))
    return format(Decimal(text), "f") if "e" in text or "E" in text else text


def describe_indicator(spec: StrategySpec, key: str, output: str | None = None) -> str:
    """The phrase for indicator `key` of `spec` (and one of its outputs)."""
    indicator = spec.indicators[key]
    phrase = _indicator_phrase(indicator, output)
    source = getattr(indicator, "input", "price")
    if source != "price":
        phrase += " of " + _source_phrase(spec, source)
    return phrase


def _indicator_phrase(indicator: IndicatorSpec, output: str | None) -> str:
    kind = indicator.kind
    period = getattr(indicator, "period", None)
    if kind == "macd":
        chosen = output or "line"
        label = "signal line" if chosen == "signal" else chosen
        fast, slow, signal = indicator.fast, indicator.slow, indicator.signal  # type: ignore[union-attr]
        return f"the MACD({fast}, {slow}, {signal}) {label}"
    if kind == "bollinger":
        band = output or "middle"
        return f"the {band} Bollinger band ({period}, {number(indicator.k)})"  # type: ignore[union-attr]
    if kind == "vwap" and period is None:
        return "the VWAP"
    return f"the {period}-period {_NAMES[kind]}"


def _source_phrase(spec: StrategySpec, source: str) -> str:
    if source in PRICE_FIELDS:
        return f"the {source}"
    key, _, output = source.partition(".")
    return describe_indicator(spec, key, output or None)


def _operand(spec: StrategySpec, operand: Operand) -> str:
    if isinstance(operand, ConstantOperand):
        return number(operand.value)
    if isinstance(operand, PriceOperand):
        return f"the {operand.field}"
    if isinstance(operand, IndicatorOperand):
        return describe_indicator(spec, operand.id, operand.output)
    raise InputError("operand", operand, "a price, an indicator or a constant")


def describe_condition(spec: StrategySpec, condition: ConditionSpec) -> str:
    """A condition as an English phrase; nested and/or groups get parentheses."""
    if isinstance(condition, CompareSpec):
        return (
            f"{_operand(spec, condition.left)} {_COMPARATORS[condition.op]} "
            f"{_operand(spec, condition.right)}"
        )
    if isinstance(condition, CrossSpec):
        return (
            f"{_operand(spec, condition.left)} crosses {condition.direction} "
            f"{_operand(spec, condition.right)}"
        )
    if isinstance(condition, NotSpec):
        return "not " + _grouped(spec, condition.condition)
    joiner = " and " if isinstance(condition, AllSpec) else " or "
    return joiner.join(_grouped(spec, part) for part in condition.conditions)


def _grouped(spec: StrategySpec, condition: ConditionSpec) -> str:
    text = describe_condition(spec, condition)
    return f"({text})" if isinstance(condition, AllSpec | AnySpec) else text


def _data(spec: StrategySpec) -> str:
    data = spec.data
    if isinstance(data, QuotesData):
        return "on every quote"
    if not isinstance(data, BarsData):
        return "on every trade"
    count, unit = next((data.seconds // s, u) for s, u in _UNITS if data.seconds % s == 0)
    source = {"quotes": "", "trades": " built from trades", "bars": " as stored"}[data.source]
    return f"on {count}-{unit} bars{source}"


def _sizing(spec: StrategySpec) -> str:
    sizing = spec.sizing
    lot = getattr(sizing, "lot", 1.0)
    lots = "" if lot == 1.0 else f" in lots of {number(lot)}"
    if isinstance(sizing, FixedSizing):
        unit = "unit" if sizing.quantity == 1 else "units"
        return f"trade {number(sizing.quantity)} {unit}"
    if isinstance(sizing, PercentOfEquitySizing):
        return f"use {number(sizing.percent)}% of equity{lots}"
    if isinstance(sizing, RiskPercentSizing):
        return f"risk {number(sizing.percent)}% of equity per trade{lots}"
    assert isinstance(sizing, VolatilityTargetSizing)  # the last member of the union
    return (
        f"target {number(sizing.annual_percent)}% annual volatility over {sizing.period} "
        f"returns with {number(sizing.periods_per_year)} periods a year{lots}"
    )


def _risk(spec: StrategySpec) -> list[str]:
    risk = spec.risk
    clauses = []
    if risk.stop_loss_percent is not None:
        clauses.append(f"stop loss {number(risk.stop_loss_percent)}%")
    if risk.take_profit_percent is not None:
        clauses.append(f"take profit {number(risk.take_profit_percent)}%")
    if risk.trailing_stop_percent is not None:
        clauses.append(f"trailing stop {number(risk.trailing_stop_percent)}%")
    if risk.exit_after_bars is not None:
        unit = (
            "bars"
            if isinstance(spec.data, BarsData)
            else ("quotes" if isinstance(spec.data, QuotesData) else "trades")
        )
        clauses.append(f"exit after {risk.exit_after_bars} {unit}")
    if risk.exit_after_seconds is not None:
        clauses.append(f"exit after {number(risk.exit_after_seconds)} seconds")
    if risk.max_position is not None:
        clauses.append(f"max position {number(risk.max_position)} units")
    return clauses


def _execution(spec: StrategySpec) -> list[str]:
    execution = spec.execution
    clauses = []
    if execution.order_type == "limit":
        clauses.append(f"use limit orders {execution.limit_offset_ticks} ticks from the price")
    if execution.tick_size is not None:
        clauses.append(f"tick size {number(execution.tick_size)}")
    if execution.time_in_force != "gtc":
        clauses.append(_TIME_IN_FORCE[execution.time_in_force])
    return clauses


def _duration(ns: int) -> str:
    if ns == 0:
        return "0 ms"
    return next(f"{ns // size} {unit}" for size, unit in _NS_UNITS if ns % size == 0)


def _latency(leg: str, spec: LatencySpec) -> str:
    if isinstance(spec, ConstantLatencySpec):
        return f"{leg} latency {_duration(spec.ns)}"
    if isinstance(spec, UniformLatencySpec):
        return f"{leg} latency from {_duration(spec.low_ns)} to {_duration(spec.high_ns)}"
    return (
        f"{leg} latency log-normal median {_duration(spec.median_ns)} sigma "
        f"{number(spec.sigma)} floor {_duration(spec.floor_ns)}"
    )


def _simulation(spec: StrategySpec) -> list[str]:
    simulation = spec.simulation
    clauses = []
    fees = simulation.fees
    if isinstance(fees, BpsFees):
        clauses.append(f"fees {number(fees.bps)} bps")
    elif isinstance(fees, PerUnitFees):
        clauses.append(f"fees {number(fees.per_unit)} per unit minimum {number(fees.minimum)}")
    elif isinstance(fees, MakerTakerFees):
        clauses.append(
            f"maker fee {number(fees.maker_bps)} bps taker fee {number(fees.taker_bps)} bps"
        )
    slippage = simulation.slippage
    if isinstance(slippage, BpsSlippage):
        clauses.append(f"slippage {number(slippage.bps)} bps")
    elif isinstance(slippage, SpreadFractionSlippage):
        clauses.append(f"slippage {number(slippage.fraction)} of the spread")
    elif isinstance(slippage, SquareRootSlippage):
        volume = (
            "" if slippage.default_volume is None else f" volume {number(slippage.default_volume)}"
        )
        clauses.append(
            f"square-root impact coefficient {number(slippage.coefficient)} "
            f"volatility {number(slippage.volatility)}{volume}"
        )
    legs = simulation.latency
    default = ConstantLatencySpec(type="constant", ns=0)
    for name, leg in (
        ("market data", legs.market_data),
        ("order entry", legs.order_entry),
        ("report", legs.report),
    ):
        if leg != default:
            clauses.append(_latency(name, leg))
    return clauses


def describe(spec: StrategySpec) -> str:
    """The spec as one English sentence that `from_text` reads back to the same rules.

    Everything that changes how the strategy trades is said: data, instrument,
    rules, sizing, risk, execution and simulation settings that differ from
    the defaults. Indicator ids, constant names, the name and the description
    are labels, not behaviour, and are left out.
    """
    clauses = [_data(spec)]
    if spec.instrument:
        clauses.append(f"on {spec.instrument}")
    for side, entry_word, exit_word in (("long", "buy", "sell"), ("short", "short", "cover")):
        rules = getattr(spec, side)
        if rules is None:
            continue
        clauses.append(f"{entry_word} when {describe_condition(spec, rules.entry)}")
        if rules.exit is not None:
            clauses.append(f"{exit_word} when {describe_condition(spec, rules.exit)}")
    clauses.append(_sizing(spec))
    clauses += _risk(spec) + _execution(spec) + _simulation(spec)
    text = ", ".join(clauses) + "."
    return text[0].upper() + text[1:]


def output_label(kind: str, output: str | None) -> str:
    """The output an operand reads, with the default made explicit."""
    return output or outputs_of(kind)[0]
