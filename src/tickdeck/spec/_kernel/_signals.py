"""A spec's indicators and rules over every evaluation at once, as the runtime computes them.

Indicators and conditions never depend on trading: at evaluation e they
read the evaluation's fields and the indicators' state after e. So the
compiled path computes them over whole arrays before the event loop, with
the indicators' array faces (`tickdeck.strategy.indicators`, bit-identical
to the incremental objects `tickdeck.spec._runtime` updates) and the
condition kernels of `_signal_kernels`.

An indicator skips a reading whose input is undefined (NaN), as the
runtime's steps do: it runs over the defined readings only, and its outputs
are NaN at the others.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tickdeck.core import InvariantError
from tickdeck.spec._conditions import (
    AllSpec,
    CompareSpec,
    ConditionSpec,
    ConstantOperand,
    CrossSpec,
    IndicatorOperand,
    NotSpec,
    Operand,
)
from tickdeck.spec._indicators import outputs_of
from tickdeck.spec._kernel._signal_kernels import (
    OPERATORS,
    compare_codes,
    cross_codes,
    frozen,
    pack_rules,
)
from tickdeck.spec._model import StrategySpec
from tickdeck.strategy.indicators import (
    atr,
    bollinger_bands,
    ema,
    macd,
    rolling_max,
    rolling_min,
    rolling_std,
    rsi,
    sma,
    vwap,
    wma,
    zscore,
)

__all__ = ["Evaluations", "rule_bits", "volatility"]

_F64 = npt.NDArray[np.float64]
_I8 = npt.NDArray[np.int8]
_U8 = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class Evaluations:
    """The fields of every evaluation: `price` always, bar fields and volume where they exist.

    Fields the data does not have are None (the spec model refuses to read them).
    """

    price: _F64
    open: _F64 | None = None
    high: _F64 | None = None
    low: _F64 | None = None
    close: _F64 | None = None
    volume: _F64 | None = None

    def field(self, name: str) -> _F64:
        values: _F64 | None = getattr(self, name)
        if values is None:
            raise InvariantError(f"the spec reads {name!r}, which this data has not")
        return values


def _on_defined(
    values: _F64, compute: Callable[[_F64], Sequence[_F64]], outputs_count: int = 1
) -> list[_F64]:
    """`compute` over the defined readings of `values`, NaN where a reading is undefined."""
    defined = ~np.isnan(values)
    if defined.all():
        return [np.asarray(out, dtype=np.float64) for out in compute(values)]
    outputs = [np.full(values.shape[0], np.nan) for _ in range(outputs_count)]
    if defined.any():
        for full, part in zip(outputs, compute(values[defined]), strict=True):
            full[defined] = part
    return outputs


def _simple_return(values: _F64, period: int) -> _F64:
    """`SimpleReturn`: ``x[t] / x[t - period] - 1``, NaN for the first `period` or a zero base."""
    out = np.full(values.shape[0], np.nan)
    if values.shape[0] > period:
        base = values[:-period]
        now = values[period:]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = now / base - 1.0
        out[period:] = np.where(base != 0.0, ratio, np.nan)
    return out


def _indicator(kind: str, settings: object, source: _F64, fields: Evaluations) -> list[_F64]:
    period: int | None = getattr(settings, "period", None)
    n = period or 1
    if kind == "sma":
        return _on_defined(source, lambda x: [sma(x, n)])
    if kind == "ema":
        return _on_defined(source, lambda x: [ema(x, n)])
    if kind == "wma":
        return _on_defined(source, lambda x: [wma(x, n)])
    if kind == "rsi":
        return _on_defined(source, lambda x: [rsi(x, n)])
    if kind == "std":
        return _on_defined(source, lambda x: [rolling_std(x, n)])
    if kind == "zscore":
        return _on_defined(source, lambda x: [zscore(x, n)])
    if kind == "max":
        return _on_defined(source, lambda x: [rolling_max(x, n)])
    if kind == "min":
        return _on_defined(source, lambda x: [rolling_min(x, n)])
    if kind == "return":
        return _on_defined(source, lambda x: [_simple_return(x, n)])
    if kind == "macd":
        fast, slow, signal = (getattr(settings, name) for name in ("fast", "slow", "signal"))
        return _on_defined(
            source,
            lambda x: list(macd(x, fast_window=fast, slow_window=slow, signal_window=signal)),
            3,
        )
    if kind == "bollinger":
        k = float(getattr(settings, "k"))  # noqa: B009 (every bollinger model has it)
        return _on_defined(source, lambda x: list(bollinger_bands(x, period or 20, k=k)), 3)
    if kind == "atr":
        return [atr(fields.field("high"), fields.field("low"), fields.field("close"), period or 14)]
    if kind == "vwap":
        return [vwap(fields.price, fields.field("volume"), window=period)]
    raise InvariantError(f"no array face for indicator kind {kind!r}")  # pragma: no cover


class _Values:
    """Every named series a condition can read: fields, then indicator outputs."""

    def __init__(self, spec: StrategySpec, fields: Evaluations) -> None:
        self.count = fields.price.shape[0]
        self._series: dict[str, _F64] = {"price": fields.price}
        for name in ("open", "high", "low", "close", "volume"):
            values = getattr(fields, name)
            if values is not None:
                self._series[name] = values
        for key, settings in spec.indicators.items():
            kind: str = getattr(settings, "kind")  # noqa: B009 (every indicator model has it)
            source_name = getattr(settings, "input", "price")
            source = self._series.get(source_name, fields.price)
            outputs = _indicator(kind, settings, source, fields)
            for name, values in zip(outputs_of(kind), outputs, strict=True):
                self._series[f"{key}.{name}"] = values
            self._series[key] = outputs[0]

    def operand(self, operand: Operand) -> _F64:
        if isinstance(operand, ConstantOperand):
            return np.full(self.count, float(operand.value))
        if isinstance(operand, IndicatorOperand):
            name = operand.id if operand.output is None else f"{operand.id}.{operand.output}"
            return self._series[name]
        return self._series[operand.field]


def _codes(condition: ConditionSpec, values: _Values) -> _I8:
    out = np.empty(values.count, np.int8)
    if isinstance(condition, CompareSpec):
        left = frozen(values.operand(condition.left))
        right = frozen(values.operand(condition.right))
        compare_codes(left, right, OPERATORS.index(condition.op), out)
        return out
    if isinstance(condition, CrossSpec):
        left = frozen(values.operand(condition.left))
        right = frozen(values.operand(condition.right))
        cross_codes(left, right, condition.direction == "above", out)
        return out
    if isinstance(condition, NotSpec):
        inner = _codes(condition.condition, values)
        return np.subtract(2, inner, dtype=np.int8)
    parts = [_codes(part, values) for part in condition.conditions]
    combine = np.minimum if isinstance(condition, AllSpec) else np.maximum
    result = parts[0]
    for part in parts[1:]:
        result = combine(result, part)
    return result


def rule_bits(spec: StrategySpec, fields: Evaluations) -> _U8:
    """The rules that fire at each evaluation, as `RULE_*` bits."""
    values = _Values(spec, fields)
    never = frozen(np.empty(0, np.int8))
    sides = []
    for side in (spec.long, spec.short):
        entry = never if side is None else frozen(_codes(side.entry, values))
        exit_ = never if side is None or side.exit is None else frozen(_codes(side.exit, values))
        sides.append((entry, exit_))
    (long_entry, long_exit), (short_entry, short_exit) = sides
    out = np.empty(values.count, np.uint8)
    pack_rules(long_entry, short_entry, long_exit, short_exit, out)
    return frozen(out)


def volatility(prices: _F64, period: int) -> _F64:
    """The volatility sizing's deviation at each evaluation (`RollingStd` of simple returns).

    The strategy adds ``price / last - 1`` at every evaluation after the first
    whose previous price is not zero, and reads the deviation's latest value.
    """
    count = prices.shape[0]
    if count < 2:
        return frozen(np.full(count, np.nan))
    previous = prices[:-1]
    updated = np.flatnonzero(previous != 0.0) + 1
    if updated.shape[0] == 0:
        return frozen(np.full(count, np.nan))
    returns = prices[updated] / prices[updated - 1] - 1.0
    deviation = rolling_std(returns, period)
    latest = np.searchsorted(updated, np.arange(count), side="right") - 1
    return frozen(np.where(latest >= 0, deviation[np.maximum(latest, 0)], np.nan))
