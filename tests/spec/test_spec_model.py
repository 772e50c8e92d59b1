"""The JSON strategy spec: a versioned schema; errors name the path, value and expectation."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tickdeck.core import InputError
from tickdeck.spec import (
    SPEC_VERSION,
    UNEXPRESSIBLE_TEMPLATES,
    SpecError,
    StrategySpec,
    json_schema,
    load_spec,
    parse_spec,
    template_names,
    template_spec,
)
from tickdeck.strategy.templates import TEMPLATES

ROOT = Path(__file__).resolve().parents[2]

CROSSOVER: dict[str, Any] = {
    "spec_version": "1",
    "name": "crossover",
    "data": {"type": "bars", "seconds": 60},
    "indicators": {
        "fast": {"kind": "ema", "period": 10},
        "slow": {"kind": "sma", "period": 50},
        "rsi": {"kind": "rsi"},
    },
    "long": {
        "entry": {
            "type": "all",
            "conditions": [
                {
                    "type": "cross",
                    "left": {"type": "indicator", "id": "fast"},
                    "direction": "above",
                    "right": {"type": "indicator", "id": "slow"},
                },
                {
                    "type": "compare",
                    "left": {"type": "indicator", "id": "rsi"},
                    "op": "<",
                    "right": {"type": "constant", "value": 70, "name": "ceiling"},
                },
            ],
        },
        "exit": {
            "type": "cross",
            "left": {"type": "price"},
            "direction": "below",
            "right": {"type": "indicator", "id": "slow"},
        },
    },
    "sizing": {"type": "percent_of_equity", "percent": 10, "lot": 100},
    "risk": {"stop_loss_percent": 2, "trailing_stop_percent": 1, "exit_after_bars": 30},
    "simulation": {"fees": {"type": "bps", "bps": 0.5}},
}


def problems_of(data: dict[str, Any]) -> list[tuple[str, object, str, str | None]]:
    with pytest.raises(SpecError) as caught:
        parse_spec(data)
    return list(caught.value.problems)


def changed(path: list[str | int], value: object) -> dict[str, Any]:
    data = copy.deepcopy(CROSSOVER)
    target: Any = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


def test_a_valid_spec_parses_with_its_defaults_and_round_trips_through_json() -> None:
    spec = parse_spec(CROSSOVER)
    assert spec.spec_version == SPEC_VERSION == "1"
    assert spec.indicators["rsi"].period == 14  # type: ignore[union-attr]
    assert spec.execution.order_type == "market"
    assert spec.simulation.latency.order_entry.ns == 0  # type: ignore[union-attr]
    again = parse_spec(spec.to_json())
    assert again == spec
    assert json.loads(again.to_json()) == json.loads(spec.to_json())


def test_the_model_is_frozen() -> None:
    spec = parse_spec(CROSSOVER)
    with pytest.raises(ValueError, match="frozen"):
        spec.name = "other"


def test_the_schema_is_versioned_and_the_committed_copy_is_current() -> None:
    schema = json_schema()
    assert schema["properties"]["spec_version"]["const"] == "1"
    assert schema["$id"].endswith(f"strategy-spec-{SPEC_VERSION}.json")
    assert "spec_version" in schema["required"]
    committed = json.loads((ROOT / "docs" / "strategy-spec.schema.json").read_text())
    assert committed == schema, (
        "regenerate docs/strategy-spec.schema.json (tickdeck strategy schema)"
    )


def test_the_schema_lists_every_indicator_condition_and_sizing_kind() -> None:
    definitions = json_schema()["$defs"]
    indicator_kinds = {
        d["properties"]["kind"]["const"] for d in definitions.values() if "kind" in d["properties"]
    }
    assert indicator_kinds == {
        "sma",
        "ema",
        "wma",
        "rsi",
        "macd",
        "bollinger",
        "atr",
        "vwap",
        "std",
        "zscore",
        "max",
        "min",
        "return",
    }
    types = {
        d["properties"]["type"]["const"]
        for d in definitions.values()
        if "type" in d.get("properties", {}) and "const" in d["properties"]["type"]
    }
    assert {"compare", "cross", "all", "any", "not"} <= types
    assert {"fixed", "percent_of_equity", "risk_percent", "volatility_target"} <= types


@pytest.mark.parametrize(
    ("path", "value", "where", "expected"),
    [
        (["indicators", "fast", "period"], 0, "indicators.fast.period", "at least 1"),
        (["indicators", "fast", "kind"], "emaa", "indicators.fast.kind", "one of 'sma'"),
        (
            ["long", "entry", "conditions", 1, "right", "value"],
            "high",
            "long.entry.conditions[1].right.value",
            "a number",
        ),
        (
            ["long", "entry", "conditions", 0, "direction"],
            "up",
            "long.entry.conditions[0].direction",
            "'above' or 'below'",
        ),
        (["sizing", "percent"], -5, "sizing.percent", "more than 0"),
        (["risk", "stop_loss_percent"], 150, "risk.stop_loss_percent", "less than 100"),
        (["data", "type"], "candles", "data.type", "one of 'quotes', 'trades', 'bars'"),
        (["spec_version"], "2", "spec_version", "'1'"),
        (["simulation", "fees", "bps"], "cheap", "simulation.fees.bps", "a number"),
    ],
)
def test_a_field_error_names_its_path_its_value_and_what_was_expected(
    path: list[str | int], value: object, where: str, expected: str
) -> None:
    problems = problems_of(changed(path, value))
    assert [p[0] for p in problems] == [where]
    assert problems[0][1] == value
    assert expected in problems[0][2]


def test_an_unknown_field_is_named_with_a_suggestion() -> None:
    data = changed(["indicators", "fast", "perod"], 5)
    problems = problems_of(data)
    assert problems == [
        (
            "indicators.fast.perod",
            "perod",
            "no field 'perod' here: one of ['kind', 'period', 'input']",
            "did you mean 'period'?",
        )
    ]


def test_an_unknown_indicator_kind_gets_a_suggestion() -> None:
    [(path, value, _, hint)] = problems_of(changed(["indicators", "fast", "kind"], "emaa"))
    assert (path, value, hint) == ("indicators.fast.kind", "emaa", "did you mean 'ema'?")


def test_rules_between_fields_name_the_exact_path() -> None:
    data = changed(["long", "entry", "conditions", 0, "left", "id"], "fsat")
    data["indicators"]["macd"] = {"kind": "macd", "fast": 30, "slow": 20}
    data["long"]["exit"]["left"] = {"type": "price", "field": "volume"}
    data["data"] = {"type": "quotes"}
    problems = {p[0]: p for p in problems_of(data)}
    assert problems["long.entry.conditions[0].left.id"][1:] == (
        "fsat",
        "the id of an indicator in `indicators`",
        "did you mean 'fast'?",
    )
    assert problems["indicators.macd.fast"][1] == 30
    assert "fewer periods than slow (20)" in problems["indicators.macd.fast"][2]
    assert "volume needs trade or bar data" in problems["long.exit.left.field"][2]


def test_indicator_inputs_must_come_before_their_readers() -> None:
    data = copy.deepcopy(CROSSOVER)
    data["indicators"] = {
        "smooth": {"kind": "sma", "period": 5, "input": "rsi"},
        "rsi": {"kind": "rsi"},
        "fast": {"kind": "ema", "period": 10},
        "slow": {"kind": "sma", "period": 50, "input": "fast.upper"},
    }
    problems = {p[0]: p for p in problems_of(data)}
    assert problems["indicators.smooth.input"][3] == (
        "indicators are updated in order: move it after its input"
    )
    assert "one of ['fast.value']" in problems["indicators.slow.input"][2]


def test_cross_field_rules_for_sizing_execution_and_latency() -> None:
    data = copy.deepcopy(CROSSOVER)
    data["sizing"] = {"type": "risk_percent", "percent": 1}
    data["risk"] = {}
    data["execution"] = {"order_type": "limit"}
    data["simulation"]["latency"] = {"report": {"type": "uniform", "low_ns": 10, "high_ns": 5}}
    paths = [p[0] for p in problems_of(data)]
    assert paths == [
        "risk.stop_loss_percent",
        "execution.tick_size",
        "simulation.latency.report.high_ns",
    ]


def test_a_spec_needs_a_side_and_distinct_constant_names() -> None:
    data = copy.deepcopy(CROSSOVER)
    data["short"] = {"entry": copy.deepcopy(data["long"]["entry"])}
    del data["long"]
    data["short"]["entry"]["conditions"][1]["right"]["name"] = "instrument"
    assert [p[0] for p in problems_of(data)] == ["short.entry.conditions[1].right.name"]
    assert [p[0] for p in problems_of({"spec_version": "1"})] == ["long"]


def test_the_error_message_lists_every_problem_and_is_an_input_error() -> None:
    data = changed(["indicators", "fast", "period"], 0)
    data["sizing"]["lot"] = 0
    with pytest.raises(InputError) as caught:
        parse_spec(data, source="my.json")
    message = str(caught.value)
    assert message.splitlines()[0] == "my.json is not valid (2 problems):"
    assert "  indicators.fast.period: got 0, expected at least 1" in message
    assert "  sizing.lot: got 0, expected more than 0" in message
    assert caught.value.field == "indicators.fast.period"


def test_bad_json_text_and_missing_files_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"line 1, column 2"):
        parse_spec("{oops")
    with pytest.raises(InputError, match="a JSON object"):
        parse_spec("[1, 2]")
    with pytest.raises(InputError, match="a readable JSON file"):
        load_spec(tmp_path / "missing.json")
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(CROSSOVER))
    assert load_spec(path) == parse_spec(CROSSOVER)


def test_every_expressible_template_ships_as_a_spec_with_a_description() -> None:
    names = template_names()
    assert set(names) | set(UNEXPRESSIBLE_TEMPLATES) == set(TEMPLATES)
    assert not set(names) & set(UNEXPRESSIBLE_TEMPLATES)
    for name in names:
        spec = template_spec(name)
        assert spec.name == name
        assert len(spec.description.split()) > 30, "a plain-English description of the rules"


def test_an_unexpressible_template_says_what_the_spec_lacks() -> None:
    with pytest.raises(InputError, match="two resting quotes"):
        template_spec("market_maker")
    with pytest.raises(InputError, match="did you mean 'sma_crossover'"):
        template_spec("sma_crosover")


def test_strategy_spec_is_the_pydantic_model_behind_parse_spec() -> None:
    assert isinstance(parse_spec(CROSSOVER), StrategySpec)
    assert StrategySpec.model_validate(CROSSOVER) == parse_spec(CROSSOVER)
