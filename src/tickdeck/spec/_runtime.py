"""The evaluation program of a spec: indicator updates and condition tests over value slots.

Every value a spec reads lives in one flat list of floats (the slots): the
event's fields first, then each indicator output, then the constants. An
evaluation writes the event's fields, runs the indicator steps in order,
updates the crossover trackers, and then the rules read conditions, which
are plain closures over the slots. Nothing allocates per evaluation except
the floats themselves.

An indicator skips a reading whose input is undefined (NaN: its source is
still warming up, or a z-score of a flat window); its own value is then
undefined for that evaluation.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from typing import Any

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
from tickdeck.spec._model import PRICE_FIELDS, StrategySpec
from tickdeck.strategy.indicators import (
    ATR,
    EMA,
    MACD,
    RSI,
    SMA,
    VWAP,
    WMA,
    BollingerBands,
    Cross,
    Crossing,
    RollingMax,
    RollingMin,
    RollingStd,
    ZScore,
)

__all__ = ["TOLERANCE", "Program", "SimpleReturn"]

TOLERANCE = 1e-12
"""Values closer than this times the larger magnitude are equal (float rounding noise)."""

_NAN = math.nan
Test = Callable[[], bool | None]
Step = Callable[[], None]

PRICE, OPEN, HIGH, LOW, CLOSE, VOLUME = range(6)


class SimpleReturn:
    """``x[t] / x[t - period] - 1``: NaN for the first `period` values (or a zero base)."""

    __slots__ = ("_values", "period")

    def __init__(self, period: int) -> None:
        self.period = period
        self._values: deque[float] = deque(maxlen=period + 1)

    def update(self, value: float) -> float:
        values = self._values
        values.append(value)
        if len(values) <= self.period or values[0] == 0.0:
            return _NAN
        return value / values[0] - 1.0


class Program:
    """The compiled indicators and conditions of one spec, evaluated in place."""

    def __init__(self, spec: StrategySpec) -> None:
        self.slots: list[float] = [_NAN] * len(PRICE_FIELDS)
        self._where: dict[str, int] = {name: i for i, name in enumerate(PRICE_FIELDS)}
        self._steps: list[Step] = []
        self._crosses: list[Step] = []
        for key, indicator in spec.indicators.items():
            self._add_indicator(key, indicator)
        self.long_entry = self.long_exit = self.short_entry = self.short_exit = _never
        if spec.long is not None:
            self.long_entry = self._test(spec.long.entry)
            if spec.long.exit is not None:
                self.long_exit = self._test(spec.long.exit)
        if spec.short is not None:
            self.short_entry = self._test(spec.short.entry)
            if spec.short.exit is not None:
                self.short_exit = self._test(spec.short.exit)

    def update(self) -> None:
        """Run the indicator steps and crossover trackers on the event in the slots."""
        for step in self._steps:
            step()
        for cross in self._crosses:
            cross()

    # -- indicators -------------------------------------------------------------

    def _slot(self, value: float = _NAN) -> int:
        self.slots.append(value)
        return len(self.slots) - 1

    def _add_indicator(self, key: str, indicator: object) -> None:
        kind: str = getattr(indicator, "kind")  # noqa: B009 (every indicator model has it)
        outputs = outputs_of(kind)
        out = [self._slot() for _ in outputs]
        for name, index in zip(outputs, out, strict=True):
            self._where[f"{key}.{name}"] = index
        self._where[key] = out[0]
        source = self._where.get(getattr(indicator, "input", "price"), PRICE)
        period: int | None = getattr(indicator, "period", None)
        slots = self.slots
        if kind in ("sma", "ema", "wma", "rsi", "std", "zscore", "max", "min", "return"):
            maker: Callable[[int], Any] = {
                "sma": SMA,
                "ema": EMA,
                "wma": WMA,
                "rsi": RSI,
                "std": RollingStd,
                "zscore": ZScore,
                "max": RollingMax,
                "min": RollingMin,
                "return": SimpleReturn,
            }[kind]
            self._steps.append(_single(maker(period or 1).update, source, out[0], slots))
        elif kind == "macd":
            macd = MACD(
                fast_window=getattr(indicator, "fast"),  # noqa: B009
                slow_window=getattr(indicator, "slow"),  # noqa: B009
                signal_window=getattr(indicator, "signal"),  # noqa: B009
            )
            self._steps.append(_triple(macd.update, source, out, slots))
        elif kind == "bollinger":
            bands = BollingerBands(period or 20, k=getattr(indicator, "k"))  # noqa: B009
            self._steps.append(_triple(bands.update, source, out, slots))
        elif kind == "atr":
            self._steps.append(_atr(ATR(period or 14).update, out[0], slots))
        elif kind == "vwap":
            self._steps.append(_vwap(VWAP(period).update, out[0], slots))
        else:  # pragma: no cover - the model admits no other kind
            raise InvariantError(f"no runtime for indicator kind {kind!r}")

    # -- conditions -------------------------------------------------------------

    def _operand(self, operand: Operand) -> int:
        if isinstance(operand, ConstantOperand):
            return self._slot(operand.value)
        if isinstance(operand, IndicatorOperand):
            name = operand.id if operand.output is None else f"{operand.id}.{operand.output}"
            return self._where[name]
        return self._where[operand.field]

    def _test(self, condition: ConditionSpec) -> Test:
        if isinstance(condition, CompareSpec):
            return _compare(
                self._operand(condition.left),
                condition.op,
                self._operand(condition.right),
                self.slots,
            )
        if isinstance(condition, CrossSpec):
            state: list[bool | None] = [None]
            self._crosses.append(
                _cross(
                    self._operand(condition.left),
                    self._operand(condition.right),
                    Crossing.ABOVE if condition.direction == "above" else Crossing.BELOW,
                    state,
                    self.slots,
                )
            )
            return lambda: state[0]
        if isinstance(condition, NotSpec):
            inner = self._test(condition.condition)
            return lambda: _negate(inner())
        parts = tuple(self._test(part) for part in condition.conditions)
        return _all(parts) if isinstance(condition, AllSpec) else _any(parts)


def _never() -> bool | None:
    return False


def _negate(value: bool | None) -> bool | None:
    return None if value is None else not value


def _all(parts: tuple[Test, ...]) -> Test:
    def test() -> bool | None:
        unknown = False
        for part in parts:
            value = part()
            if value is False:
                return False
            if value is None:
                unknown = True
        return None if unknown else True

    return test


def _any(parts: tuple[Test, ...]) -> Test:
    def test() -> bool | None:
        unknown = False
        for part in parts:
            value = part()
            if value is True:
                return True
            if value is None:
                unknown = True
        return None if unknown else False

    return test


def _compare(left: int, op: str, right: int, slots: list[float]) -> Test:
    # One closure per operator: the operator is decided once, not per evaluation.
    def difference() -> tuple[float, float]:
        a = slots[left]
        b = slots[right]
        return a - b, TOLERANCE * max(abs(a), abs(b))

    def above() -> bool | None:
        d, tol = difference()
        return None if d != d else d > tol

    def below() -> bool | None:
        d, tol = difference()
        return None if d != d else d < -tol

    def at_least() -> bool | None:
        d, tol = difference()
        return None if d != d else d >= -tol

    def at_most() -> bool | None:
        d, tol = difference()
        return None if d != d else d <= tol

    return {">": above, "<": below, ">=": at_least, "<=": at_most}[op]


def _cross(
    left: int, right: int, wanted: Crossing, state: list[bool | None], slots: list[float]
) -> Step:
    update = Cross().update

    def step() -> None:
        a = slots[left]
        b = slots[right]
        d = a - b
        if d != d:
            update(d, 0.0)  # a NaN reading keeps the side, and is no crossing
            state[0] = None
            return
        if -TOLERANCE * max(abs(a), abs(b)) <= d <= TOLERANCE * max(abs(a), abs(b)):
            d = 0.0
        state[0] = update(d, 0.0) == wanted

    return step


def _single(update: Callable[[float], float], source: int, out: int, slots: list[float]) -> Step:
    def step() -> None:
        value = slots[source]
        slots[out] = _NAN if value != value else update(value)

    return step


def _triple(
    update: Callable[[float], tuple[float, float, float]],
    source: int,
    out: list[int],
    slots: list[float],
) -> Step:
    first, second, third = out

    def step() -> None:
        value = slots[source]
        if value != value:
            slots[first] = slots[second] = slots[third] = _NAN
            return
        slots[first], slots[second], slots[third] = update(value)

    return step


def _atr(update: Callable[[float, float, float], float], out: int, slots: list[float]) -> Step:
    def step() -> None:
        slots[out] = update(slots[HIGH], slots[LOW], slots[CLOSE])

    return step


def _vwap(update: Callable[[float, float], float], out: int, slots: list[float]) -> Step:
    def step() -> None:
        slots[out] = update(slots[PRICE], slots[VOLUME])

    return step
