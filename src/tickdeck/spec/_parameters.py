"""A spec's numbers as strategy parameters, so that sweeps and forms can vary them.

Names are paths into the spec: ``fast.period`` (an indicator's field),
``sizing.quantity``, ``risk.stop_loss_percent`` (only the risk rules that are
set), ``instrument``, and the `name` of each named constant in a condition
(``lower`` for ``RSI < 30`` written with ``"name": "lower"``). Changing one
re-validates the whole spec, so a rule between fields (MACD's fast below
slow) is still enforced and a bad value names its path.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel

from tickdeck.spec._conditions import ConstantOperand
from tickdeck.spec._load import parse_spec
from tickdeck.spec._model import StrategySpec, walk_conditions
from tickdeck.strategy.params import Param

__all__ = ["spec_parameters", "with_parameters"]

_INDICATOR_FIELDS = ("period", "fast", "slow", "signal", "k")


def _minimum(model: BaseModel, field: str) -> float | None:
    for item in type(model).model_fields[field].metadata:
        bound = getattr(item, "ge", None)  # pydantic keeps `Field(ge=...)` as a Ge marker
        if isinstance(bound, int | float):
            return float(bound)
    return None


def _numbers(model: BaseModel, fields: tuple[str, ...] | None = None) -> Iterator[tuple[str, Any]]:
    for field in fields or tuple(type(model).model_fields):
        value = getattr(model, field, None)
        if isinstance(value, int | float) and not isinstance(value, bool):
            yield field, value


def spec_parameters(spec: StrategySpec) -> dict[str, Param[Any]]:
    """The spec's parameters, as `Param` declarations with the spec's values as defaults."""
    found: dict[str, Param[Any]] = {
        "instrument": Param(spec.instrument, doc="instrument id to trade; empty: the only one")
    }
    for key, indicator in spec.indicators.items():
        for field, value in _numbers(indicator, _INDICATOR_FIELDS):
            found[f"{key}.{field}"] = Param(
                value, minimum=_minimum(indicator, field), doc=f"{indicator.kind} {field}"
            )
    for field, value in _numbers(spec.sizing):
        found[f"sizing.{field}"] = Param(value, doc=f"{spec.sizing.type} sizing: {field}")
    for field, value in _numbers(spec.risk):
        found[f"risk.{field}"] = Param(value, doc=f"risk: {field}")
    for _, condition in walk_conditions(spec):
        for side in ("left", "right"):
            operand = getattr(condition, side, None)
            if isinstance(operand, ConstantOperand) and operand.name is not None:
                found[operand.name] = Param(float(operand.value), doc="a named constant")
    return found


def with_parameters(spec: StrategySpec, values: Mapping[str, object]) -> StrategySpec:
    """The spec with parameter `values` written in, validated again.

    Unchanged values return the same spec object, so a run with the defaults
    uses the spec exactly as given.
    """
    defaults = spec_parameters(spec)
    changed = {name: value for name, value in values.items() if defaults[name].default != value}
    if not changed:
        return spec
    data: dict[str, Any] = spec.model_dump(mode="python")
    for name, value in changed.items():
        if name == "instrument":
            data["instrument"] = value
        elif "." in name:
            section, field = name.split(".", 1)
            if section in ("sizing", "risk"):
                data[section][field] = value
            else:
                data["indicators"][section][field] = value
        else:
            for side in ("long", "short"):
                if data.get(side):
                    _set_constant(data[side], name, value)
    return parse_spec(data, source=f"{spec.name} with parameters {changed}")


def _set_constant(node: Any, name: str, value: object) -> None:
    if isinstance(node, dict):
        if node.get("type") == "constant" and node.get("name") == name:
            node["value"] = value
            return
        for child in node.values():
            _set_constant(child, name, value)
    elif isinstance(node, list | tuple):
        for child in node:
            _set_constant(child, name, value)
