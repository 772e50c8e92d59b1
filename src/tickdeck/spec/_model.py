"""`StrategySpec`: a whole strategy as data, and the rules that tie its parts together.

Field types and ranges are checked by pydantic; the rules that span fields
(an operand names an existing indicator, a bar field needs bar data, MACD's
fast period is below its slow one...) are checked here, after, and each
problem names its exact path (``long.entry.conditions[1].left.id``) so that
`tickdeck.spec.parse_spec` can report it like a field error.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from tickdeck.core.errors import suggest
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
from tickdeck.spec._indicators import IndicatorSpec, MACDSpec, outputs_of
from tickdeck.spec._sections import (
    BarsData,
    DataSpec,
    ExecutionSpec,
    FixedSizing,
    QuotesData,
    RiskPercentSizing,
    RiskSpec,
    SimulationSpec,
    SizingSpec,
    TradesData,
    UniformLatencySpec,
)

__all__ = ["SPEC_VERSION", "SideRules", "SpecProblem", "StrategySpec", "walk_conditions"]

SPEC_VERSION = "1"

_CONFIG = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
_BAR_FIELDS = ("open", "high", "low", "close")
PRICE_FIELDS = ("price", *_BAR_FIELDS, "volume")

SpecProblem = tuple[str, object, str, str | None]
"""(field path, bad value, what was expected, hint or None)."""

Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", min_length=1, max_length=64)]


class SideRules(BaseModel):
    """When to open a position on one side, and when to close it."""

    model_config = _CONFIG
    entry: ConditionSpec
    exit: ConditionSpec | None = None


class StrategySpec(BaseModel):
    """A declarative strategy: what it watches, when it trades, how much, and under which costs.

    At every evaluation (a quote, a trade or a bar of `data`), indicators are
    updated in the order given, then risk exits are checked, then the rules:
    the long entry, else the short entry, else the exit of the side held.
    An entry sets the target position (`sizing`, capped by
    `risk.max_position`); an order is sent for the gap between the target and
    the position counting orders in flight. See docs/spec.md.
    """

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        allow_inf_nan=False,
        title="tickdeck strategy spec",
        json_schema_extra={
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"https://tickdeck.dev/schemas/strategy-spec-{SPEC_VERSION}.json",
        },
    )

    spec_version: Literal["1"] = Field(description="the version of this schema")
    name: Identifier = "strategy"
    description: str = ""
    instrument: Annotated[
        str, Field(max_length=128, description="instrument id; empty: the run's only instrument")
    ] = ""
    data: DataSpec = QuotesData(type="quotes")
    indicators: dict[Identifier, IndicatorSpec] = Field(default_factory=dict)
    long: SideRules | None = None
    short: SideRules | None = None
    sizing: SizingSpec = FixedSizing(type="fixed", quantity=1.0)
    risk: RiskSpec = RiskSpec()
    execution: ExecutionSpec = ExecutionSpec()
    simulation: SimulationSpec = SimulationSpec()

    @model_validator(mode="after")
    def _rules_between_fields(self) -> StrategySpec:
        problems = list(_problems(self))
        if problems:
            raise PydanticCustomError(
                "spec_rules",
                "{summary}",
                {"summary": "; ".join(f"{p[0]}: {p[2]}" for p in problems), "problems": problems},
            )
        return self

    def to_json(self, *, indent: int | None = 2) -> str:
        """The spec as JSON text (defaults included), ready to save and load again."""
        return self.model_dump_json(indent=indent)


def walk_conditions(spec: StrategySpec) -> Iterator[tuple[str, ConditionSpec]]:
    """Every condition of the rules with its path, parents before children."""
    for side_name in ("long", "short"):
        side = getattr(spec, side_name)
        if side is None:
            continue
        yield from _walk(f"{side_name}.entry", side.entry)
        if side.exit is not None:
            yield from _walk(f"{side_name}.exit", side.exit)


def _walk(path: str, condition: ConditionSpec) -> Iterator[tuple[str, ConditionSpec]]:
    yield path, condition
    if isinstance(condition, AllSpec | AnySpec):
        for index, part in enumerate(condition.conditions):
            yield from _walk(f"{path}.conditions[{index}]", part)
    elif isinstance(condition, NotSpec):
        yield from _walk(f"{path}.condition", condition.condition)


def _problems(spec: StrategySpec) -> Iterator[SpecProblem]:
    if spec.long is None and spec.short is None:
        yield ("long", None, "at least one side with an entry rule (long or short)", None)
    yield from _indicator_problems(spec)
    names: dict[str, str] = {}
    for path, condition in walk_conditions(spec):
        if isinstance(condition, CompareSpec | CrossSpec):
            if isinstance(condition.left, ConstantOperand) and isinstance(
                condition.right, ConstantOperand
            ):
                yield (
                    f"{path}.right",
                    condition.right.value,
                    "a price or an indicator (two constants never change)",
                    None,
                )
            for side in ("left", "right"):
                operand = getattr(condition, side)
                yield from _operand_problems(spec, f"{path}.{side}", operand)
                if isinstance(operand, ConstantOperand) and operand.name is not None:
                    if operand.name in names:
                        yield (
                            f"{path}.{side}.name",
                            operand.name,
                            f"a name not used before (also at {names[operand.name]})",
                            None,
                        )
                    elif operand.name == "instrument":
                        yield (
                            f"{path}.{side}.name",
                            operand.name,
                            "a name other than 'instrument' (a strategy parameter)",
                            None,
                        )
                    names[operand.name] = f"{path}.{side}"
    if isinstance(spec.sizing, RiskPercentSizing) and spec.risk.stop_loss_percent is None:
        yield (
            "risk.stop_loss_percent",
            None,
            "a stop-loss: risk_percent sizing risks a share of equity down to the stop",
            None,
        )
    if spec.execution.order_type == "limit" and spec.execution.tick_size is None:
        yield (
            "execution.tick_size",
            None,
            "the instrument's tick size: limit prices must lie on its grid",
            None,
        )
    for leg in ("market_data", "order_entry", "report"):
        latency = getattr(spec.simulation.latency, leg)
        if isinstance(latency, UniformLatencySpec) and latency.high_ns < latency.low_ns:
            yield (
                f"simulation.latency.{leg}.high_ns",
                latency.high_ns,
                f"at least low_ns ({latency.low_ns})",
                None,
            )


def _indicator_problems(spec: StrategySpec) -> Iterator[SpecProblem]:
    seen: dict[str, str] = {}
    for key, indicator in spec.indicators.items():
        path = f"indicators.{key}"
        if key in PRICE_FIELDS:
            yield (path, key, "an id that is not a price field name", None)
        if isinstance(indicator, MACDSpec) and indicator.fast >= indicator.slow:
            yield (
                f"{path}.fast",
                indicator.fast,
                f"fewer periods than slow ({indicator.slow})",
                "swap them?",
            )
        source = getattr(indicator, "input", None)
        if source is not None:
            yield from _input_problems(spec, f"{path}.input", source, seen)
        if indicator.kind == "atr" and not isinstance(spec.data, BarsData):
            yield (
                f"{path}.kind",
                "atr",
                "bar data: ATR reads each bar's high, low and close",
                None,
            )
        if indicator.kind == "vwap" and isinstance(spec.data, QuotesData):
            yield (f"{path}.kind", "vwap", "trade or bar data: quotes carry no volume", None)
        seen[key] = indicator.kind


def _input_problems(
    spec: StrategySpec, path: str, source: str, earlier: dict[str, str]
) -> Iterator[SpecProblem]:
    if source in PRICE_FIELDS:
        yield from _field_problems(spec, path, source)
        return
    key, dot, output = source.partition(".")
    if key not in earlier:
        later = key in spec.indicators
        yield (
            path,
            source,
            "a price field or the id of an indicator listed before this one",
            "indicators are updated in order: move it after its input"
            if later
            else suggest(key, [*PRICE_FIELDS, *earlier]),
        )
        return
    outputs = outputs_of(earlier[key])
    if dot and output not in outputs:
        yield (path, source, f"one of {[f'{key}.{o}' for o in outputs]}", None)


def _field_problems(spec: StrategySpec, path: str, field: str) -> Iterator[SpecProblem]:
    if field in _BAR_FIELDS and not isinstance(spec.data, BarsData):
        yield (path, field, "'price' (bar fields need bar data)", None)
    if field == "volume" and not isinstance(spec.data, BarsData | TradesData):
        yield (path, field, "'price' (volume needs trade or bar data)", None)


def _operand_problems(spec: StrategySpec, path: str, operand: Operand) -> Iterator[SpecProblem]:
    if isinstance(operand, PriceOperand):
        yield from _field_problems(spec, f"{path}.field", operand.field)
    elif isinstance(operand, IndicatorOperand):
        indicator = spec.indicators.get(operand.id)
        if indicator is None:
            yield (
                f"{path}.id",
                operand.id,
                "the id of an indicator in `indicators`",
                suggest(operand.id, spec.indicators) or "none is defined",
            )
        elif operand.output is not None and operand.output not in outputs_of(indicator.kind):
            yield (
                f"{path}.output",
                operand.output,
                f"one of {list(outputs_of(indicator.kind))} (or null)",
                None,
            )
