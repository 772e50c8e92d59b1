"""`tickdeck strategy ...`: from-text, explain, schema and validate, through the Typer sub-app."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tickdeck.cli.strategy import app
from tickdeck.spec import json_schema, load_spec, template_spec

RUNNER = CliRunner()
ISSUE_EXAMPLE = (
    "buy when the 50-period SMA crosses above the 200-period SMA, "
    "sell when RSI(14) is above 70, stop loss 2%"
)


def test_from_text_prints_how_each_phrase_was_read_and_the_spec() -> None:
    result = RUNNER.invoke(app, ["from-text", ISSUE_EXAMPLE])
    assert result.exit_code == 0, result.output
    assert "long entry: the 50-period SMA crosses above the 200-period SMA" in result.output
    assert "stop-loss: exit when 2% against the entry" in result.output
    spec_text = result.output[result.output.index("{\n") :]
    spec = json.loads(spec_text)
    assert spec["risk"]["stop_loss_percent"] == 2.0
    assert sorted(spec["indicators"]) == ["rsi_14", "sma_200", "sma_50"]


def test_from_text_json_output_and_file(tmp_path: Path) -> None:
    target = tmp_path / "strategy.json"
    result = RUNNER.invoke(app, ["from-text", ISSUE_EXAMPLE, "--json", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == json.loads(target.read_text())
    assert load_spec(target).risk.stop_loss_percent == 2.0


def test_from_text_names_every_part_it_could_not_read() -> None:
    result = RUNNER.invoke(app, ["from-text", "buy when the moon is full, stop los 2%"])
    assert result.exit_code == 2
    assert "could not understand 2 parts of the text" in result.output
    assert "characters 0-25 'buy when the moon is full'" in result.output
    assert "'stop los 2%'" in result.output


def test_from_text_rejects_an_unknown_backend() -> None:
    result = RUNNER.invoke(app, ["from-text", ISSUE_EXAMPLE, "--backend", "oracle"])
    assert result.exit_code == 2
    assert "--backend: got 'oracle', expected grammar or llm" in result.output


def test_explain_says_what_a_spec_does_and_lists_its_parameters(tmp_path: Path) -> None:
    path = tmp_path / "sma.json"
    path.write_text(template_spec("sma_crossover").to_json())
    result = RUNNER.invoke(app, ["explain", str(path)])
    assert result.exit_code == 0, result.output
    assert "buy when the 20-period SMA crosses above the 100-period SMA" in result.output
    assert "fast.period" in result.output
    assert "sizing.quantity" in result.output


def test_schema_prints_the_json_schema(tmp_path: Path) -> None:
    result = RUNNER.invoke(app, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.output) == json_schema()
    target = tmp_path / "schema.json"
    assert RUNNER.invoke(app, ["schema", "-o", str(target)]).exit_code == 0
    assert json.loads(target.read_text()) == json_schema()


def test_validate_accepts_a_good_spec_and_lists_the_problems_of_a_bad_one(tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(template_spec("rsi_mean_reversion").to_json())
    result = RUNNER.invoke(app, ["validate", str(good)])
    assert result.exit_code == 0
    assert "valid spec 'rsi_mean_reversion'" in result.output
    data = json.loads(good.read_text())
    data["indicators"]["rsi"]["period"] = 0
    data["sizing"]["quantity"] = "lots"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    result = RUNNER.invoke(app, ["validate", str(bad)])
    assert result.exit_code == 2
    assert "(2 problems)" in result.output
    assert "indicators.rsi.period: got 0, expected at least 1" in result.output
    assert "sizing.quantity: got 'lots', expected a number" in result.output
