"""Declared strategy parameters: typed, with defaults and ranges, and introspectable.

A strategy declares its parameters as class attributes::

    class Crossover(Strategy):
        fast = Param(20, minimum=2, doc="fast SMA length")
        slow = Param(100, minimum=3, doc="slow SMA length")

Sweeps, the JSON spec and the web form read them through `parameters(cls)`;
`bind(cls, values)` validates given values (types, ranges, unknown names with
a suggestion) and fills in the defaults.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, overload

from tickdeck.core import InputError
from tickdeck.core.errors import suggest

__all__ = ["Param", "ParamSpec", "bind", "parameters"]

T = TypeVar("T", int, float, bool, str)


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """A parameter as tools see it: name, type, default, range, choices, doc."""

    name: str
    type: type
    default: object
    minimum: float | None
    maximum: float | None
    choices: tuple[object, ...] | None
    doc: str

    def check(self, value: object) -> object:
        """`value` converted to the parameter's type, or an InputError naming the parameter."""
        field = f"param {self.name}"
        if self.type is bool:
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no"):
                return value.lower() in ("true", "1", "yes")
            raise InputError(field, value, "true or false")
        try:
            if self.type is int:
                if isinstance(value, float) and not value.is_integer():
                    raise ValueError
                converted: object = int(value)  # type: ignore[call-overload]
            elif self.type is float:
                number = float(value)  # type: ignore[arg-type]
                if not math.isfinite(number):
                    raise ValueError
                converted = number
            else:
                converted = str(value)
        except (TypeError, ValueError):
            raise InputError(field, value, f"a {self.type.__name__}") from None
        if self.choices is not None and converted not in self.choices:
            raise InputError(field, value, f"one of {list(self.choices)}")
        if self.minimum is not None and converted < self.minimum:  # type: ignore[operator]
            raise InputError(field, value, f"at least {self.minimum}")
        if self.maximum is not None and converted > self.maximum:  # type: ignore[operator]
            raise InputError(field, value, f"at most {self.maximum}")
        return converted


class Param(Generic[T]):
    """A strategy parameter; reading it on a strategy instance gives its bound value."""

    def __init__(
        self,
        default: T,
        *,
        minimum: float | None = None,
        maximum: float | None = None,
        choices: tuple[T, ...] | None = None,
        doc: str = "",
    ) -> None:
        self.default: T = default
        self.minimum = minimum
        self.maximum = maximum
        self.choices: tuple[T, ...] | None = choices
        self.doc = doc
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.spec().check(self.default)  # a bad default is the strategy author's bug: say so now

    def spec(self) -> ParamSpec:
        return ParamSpec(
            self.name,
            type(self.default),
            self.default,
            self.minimum,
            self.maximum,
            self.choices,
            self.doc,
        )

    @overload
    def __get__(self, instance: None, owner: type) -> Param[T]: ...

    @overload
    def __get__(self, instance: object, owner: type) -> T: ...

    def __get__(self, instance: object | None, owner: type) -> Param[T] | T:
        if instance is None:
            return self
        values: dict[str, Any] = instance.__dict__.get("_params", {})
        value: T = values.get(self.name, self.default)
        return value

    def __set__(self, instance: object, value: T) -> None:
        raise InputError(f"param {self.name}", value, "no assignment: parameters are fixed per run")


def parameters(cls: type) -> dict[str, ParamSpec]:
    """The declared parameters of a strategy class (inherited ones included), in order."""
    found: dict[str, ParamSpec] = {}
    for klass in reversed(cls.__mro__):
        for name, value in vars(klass).items():
            if isinstance(value, Param):
                found[name] = value.spec()
    return found


def bind(cls: type, values: Mapping[str, object] | None = None) -> dict[str, object]:
    """Every parameter of `cls` with its value: given ones checked, the rest defaulted."""
    specs = parameters(cls)
    given = dict(values or {})
    for name in given:
        if name not in specs:
            raise InputError(
                "param",
                name,
                f"a parameter of {cls.__name__}",
                hint=suggest(name, specs) or "it declares none",
            )
    return {name: spec.check(given.get(name, spec.default)) for name, spec in specs.items()}
