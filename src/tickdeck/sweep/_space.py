"""The parameter space of a sweep: which values each swept parameter may take.

A space maps a strategy parameter's name to its domain:

- a list of values (``[10, 20, 30]``), each checked against the declared `Param`;
- a `Range` (``Range(50, 200, step=50)``), inclusive at both ends;
- None: the parameter's declaration decides (its ``choices``, both booleans,
  or ``Range(minimum, maximum)`` when both bounds are declared).

`resolve_space` checks a space against the strategy's declared parameters
once, before any run: an unknown name gets a suggestion, a value outside a
declared range names the parameter. The searches then draw points from the
resolved dimensions: every combination (`grid_points`), seeded random draws
(`random_points`), or Optuna distributions (`optuna_distributions`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, TypeAlias

import numpy as np

from tickdeck.core import InputError
from tickdeck.core.errors import suggest
from tickdeck.strategy.params import ParamSpec

if TYPE_CHECKING:
    from optuna.distributions import BaseDistribution

__all__ = ["Domain", "Range", "grid_points", "random_points", "resolve_space"]


@dataclass(frozen=True, slots=True)
class Range:
    """Numbers from `low` to `high`, both included.

    `step` spaces the values (``Range(50, 200, step=50)`` is 50, 100, 150,
    200); an integer parameter without a step takes every integer. A float
    range needs a step for a grid; random and Optuna searches draw from the
    continuous interval without one. ``log=True`` draws uniformly in the
    logarithm (random and Optuna searches; `low` must be positive).
    """

    low: float
    high: float
    step: float | None = None
    log: bool = False


#: What a space gives for one parameter: values, a range, or None for the declaration.
Domain: TypeAlias = Range | Sequence[object] | None
Point: TypeAlias = dict[str, object]


@dataclass(frozen=True, slots=True)
class Dimension:
    """One swept parameter, checked: either finite `values` or a numeric interval."""

    name: str
    values: tuple[object, ...] | None
    low: float = 0.0
    high: float = 0.0
    step: float | None = None
    log: bool = False
    integer: bool = False
    spec: ParamSpec | None = None

    def grid(self) -> tuple[object, ...]:
        """Every value, for a grid; InputError for a float interval without a step."""
        if self.values is not None:
            return self.values
        if self.integer:
            step = int(self.step or 1)
            return tuple(range(int(self.low), int(self.high) + 1, step))
        if self.step is None:
            raise InputError(
                "space",
                self.name,
                "a list of values or a range with a step, for a grid",
                hint=f"e.g. Range({self.low}, {self.high}, step=...), or LOW:HIGH:STEP",
            )
        return tuple(self.check(v) for v in _stepped(self.low, self.high, self.step))

    def draw(self, rng: np.random.Generator) -> object:
        """One value, uniformly (in the logarithm with `log`)."""
        if self.values is not None:
            return self.values[int(rng.integers(len(self.values)))]
        if self.log:
            value = math.exp(rng.uniform(math.log(self.low), math.log(self.high)))
            value = min(max(value, self.low), self.high)  # exp(log(x)) may round past a bound
            return self.check(round(value) if self.integer else value)
        if self.integer:
            step = int(self.step or 1)
            count = (int(self.high) - int(self.low)) // step + 1
            return self.check(int(self.low) + step * int(rng.integers(count)))
        if self.step is not None:
            values = _stepped(self.low, self.high, self.step)
            return self.check(values[int(rng.integers(len(values)))])
        return self.check(float(rng.uniform(self.low, self.high)))

    def distribution(self) -> BaseDistribution:
        """The Optuna distribution of this dimension."""
        from optuna.distributions import (
            CategoricalDistribution,
            FloatDistribution,
            IntDistribution,
        )

        if self.values is not None:
            return CategoricalDistribution(self.values)  # type: ignore[arg-type]
        if self.integer:
            step = int(self.step or 1)
            # Optuna warns and trims a high that the step does not reach: trim it first.
            high = int(self.low) + (int(self.high) - int(self.low)) // step * step
            return IntDistribution(int(self.low), high, log=self.log, step=step)
        if self.step is not None:
            last = _stepped(self.low, self.high, self.step)[-1]
            return FloatDistribution(self.low, last, step=self.step)
        return FloatDistribution(self.low, self.high, log=self.log)

    def check(self, value: object) -> object:
        """`value` as the parameter's type (its declaration checks it)."""
        return value if self.spec is None else self.spec.check(value)


def _stepped(low: float, high: float, step: float) -> list[float]:
    # Decimal steps from the numbers as written: 0.1:0.3:0.1 gives 0.3, not 0.30000000000000004.
    start, stop, by = (Decimal(repr(float(x))) for x in (low, high, step))
    count = int((stop - start) / by) + 1
    return [float(start + i * by) for i in range(count)]


def _number(name: str, label: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"space {name}", value, f"a number for the range's {label}")
    if not math.isfinite(value):
        raise InputError(f"space {name}", value, f"a finite {label}")
    return float(value)


def _from_range(name: str, spec: ParamSpec, domain: Range) -> Dimension:
    if spec.type not in (int, float):
        raise InputError(
            f"space {name}",
            domain,
            f"a list of values ({name} is a {spec.type.__name__} parameter)",
        )
    low, high = _number(name, "low", domain.low), _number(name, "high", domain.high)
    integer = spec.type is int
    if integer and not (low.is_integer() and high.is_integer()):
        raise InputError(f"space {name}", domain, f"whole-number bounds ({name} is an int)")
    spec.check(int(low) if integer else low)  # within the declared minimum and maximum
    spec.check(int(high) if integer else high)
    if low > high:
        raise InputError(f"space {name}", domain, "low <= high")
    step = None
    if domain.step is not None:
        step = _number(name, "step", domain.step)
        if step <= 0 or (integer and not step.is_integer()):
            expected = "a positive whole step" if integer else "a positive step"
            raise InputError(f"space {name}", domain.step, expected)
    if domain.log:
        if low <= 0:
            raise InputError(f"space {name}", domain, "a positive low for a log range")
        if step is not None and step != 1:
            raise InputError(f"space {name}", domain, "either log or a step, not both")
        step = None
    return Dimension(name, None, low, high, step, domain.log, integer, spec)


def _from_values(name: str, spec: ParamSpec, values: Sequence[object]) -> Dimension:
    checked = [spec.check(v) for v in values]
    if not checked:
        raise InputError(f"space {name}", list(values), "at least one value")
    return Dimension(name, tuple(dict.fromkeys(checked)), spec=spec)  # once each, first order


def _declared(name: str, spec: ParamSpec) -> Dimension:
    if spec.choices is not None:
        return Dimension(name, tuple(spec.choices), spec=spec)
    if spec.type is bool:
        return Dimension(name, (False, True), spec=spec)
    if spec.type in (int, float) and spec.minimum is not None and spec.maximum is not None:
        return _from_range(name, spec, Range(spec.minimum, spec.maximum))
    missing = "no choices" if spec.type is str else "no minimum and maximum"
    raise InputError(
        f"space {name}",
        None,
        "values or a range",
        hint=f"{name} declares {missing}: give them, e.g. {name}=LOW:HIGH or {name}=A,B",
    )


def resolve_space(
    space: Mapping[str, Domain], specs: Mapping[str, ParamSpec], owner: str
) -> list[Dimension]:
    """The dimensions of `space`, checked against the parameters `specs` of `owner`.

    Raises:
        InputError: An unknown parameter (with the closest name), a value the
            parameter refuses, a malformed range, or an empty space.
    """
    if not space:
        raise InputError("space", {}, "at least one parameter to sweep")
    dimensions = []
    for name, domain in space.items():
        if name not in specs:
            raise InputError(
                "space",
                name,
                f"a parameter of {owner}",
                hint=suggest(name, specs) or "it declares none",
            )
        spec = specs[name]
        if domain is None:
            dimensions.append(_declared(name, spec))
        elif isinstance(domain, Range):
            dimensions.append(_from_range(name, spec, domain))
        elif isinstance(domain, str | bytes) or not isinstance(domain, Sequence):
            raise InputError(
                f"space {name}",
                domain,
                "a list of values, a Range or None",
                hint=f"one value is [{domain!r}]" if isinstance(domain, str) else None,
            )
        else:
            dimensions.append(_from_values(name, spec, domain))
    return dimensions


def grid_points(dimensions: Sequence[Dimension]) -> list[Point]:
    """Every combination, the first dimension varying slowest."""
    names = [d.name for d in dimensions]
    combos = itertools.product(*(d.grid() for d in dimensions))
    return [dict(zip(names, combo, strict=True)) for combo in combos]


def random_points(dimensions: Sequence[Dimension], n: int, seed: int) -> list[Point]:
    """`n` draws from one generator seeded with `seed`; a repeated point is kept once."""
    rng = np.random.default_rng(seed)
    points: dict[tuple[object, ...], Point] = {}
    for _ in range(n):
        point = {d.name: d.draw(rng) for d in dimensions}
        points.setdefault(tuple(point.values()), point)
    return list(points.values())


def optuna_distributions(dimensions: Sequence[Dimension]) -> dict[str, BaseDistribution]:
    """The space as Optuna distributions, by parameter name."""
    return {d.name: d.distribution() for d in dimensions}
