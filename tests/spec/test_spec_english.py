"""English to spec with the grammar, and back: every phrase accounted for, nothing dropped.

Specs generated within the grammar's coverage go to English and back to the
same rules, and the text is a fixed point after one round.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.strategy.templates.templates_catalog import ACME, EURUSD, sample_catalog

from tickdeck.core import DataKind, InputError
from tickdeck.engine import BacktestConfig, run_backtest
from tickdeck.spec import (
    TextError,
    compile_strategy,
    describe,
    from_text,
    parse_spec,
    template_names,
    template_spec,
)
from tickdeck.spec._conditions import IndicatorOperand
from tickdeck.strategy.templates import TEMPLATES

ISSUE_EXAMPLE = (
    "buy when the 50-period SMA crosses above the 200-period SMA, "
    "sell when RSI(14) is above 70, stop loss 2%"
)


def indicator_operand(key: str, output: str | None = None) -> dict[str, Any]:
    return {"type": "indicator", "id": key, "output": output}


def test_the_issue_example_gives_a_valid_spec_and_explains_each_phrase() -> None:
    result = from_text(ISSUE_EXAMPLE)
    spec = result.spec
    assert result.backend == "grammar"
    assert {k: v.model_dump() for k, v in spec.indicators.items()} == {
        "sma_50": {"kind": "sma", "period": 50, "input": "price"},
        "sma_200": {"kind": "sma", "period": 200, "input": "price"},
        "rsi_14": {"kind": "rsi", "period": 14, "input": "price"},
    }
    assert spec.long is not None
    assert spec.long.exit is not None
    assert spec.long.entry.model_dump() == {
        "type": "cross",
        "left": indicator_operand("sma_50"),
        "direction": "above",
        "right": indicator_operand("sma_200"),
    }
    assert spec.long.exit.model_dump() == {
        "type": "compare",
        "left": indicator_operand("rsi_14"),
        "op": ">",
        "right": {"type": "constant", "value": 70.0, "name": None},
    }
    assert spec.short is None
    assert spec.risk.stop_loss_percent == 2.0
    meanings = {e.phrase: e.meaning for e in result.explanations}
    assert meanings["stop loss 2%"].startswith("stop-loss: exit when 2%")
    assert meanings["sell when RSI(14) is above 70"] == ("long exit: the 14-period RSI is above 70")
    assert "indicator sma_50: simple moving average (period 50)" in meanings["the 50-period SMA"]
    for item in result.explanations:
        assert ISSUE_EXAMPLE[item.start : item.end] == item.phrase


def test_every_word_of_the_text_belongs_to_an_explained_phrase() -> None:
    text = (
        "On 5-minute bars, on EURUSD.DUKA, go long when the 20-period EMA rises above the "
        "upper Bollinger band (20, 2.5) and RSI(7) < 60; short 300 units when the MACD "
        "histogram falls below 0 then cover when the 10-period z-score is at least 0. "
        "Trailing stop 1.5%, exit after 2 hours, max position 600"
    )
    result = from_text(text)
    covered: set[int] = set()
    for item in result.explanations:
        covered.update(range(item.start, item.end))
    separators = {",", ";", ".", "then", "and"}
    for match in re.finditer(r"[A-Za-z0-9%.()<>_-]+", text):
        word = match.group().strip(".,")
        if word.lower() in separators or not word:
            continue
        assert match.start() in covered, f"{word!r} was not explained"


@pytest.mark.parametrize(
    "phrase",
    [
        "the 50-period SMA",
        "SMA(50)",
        "the 50 day moving average",
        "the 50-bar simple moving average",
        "MA(50)",
        "the 50 SMA",
    ],
)
def test_many_ways_to_name_an_indicator_give_one_spec(phrase: str) -> None:
    spec = from_text(f"buy when the price crosses above {phrase}").spec
    assert list(spec.indicators) == ["sma_50"]
    assert spec.indicators["sma_50"].period == 50  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "kind", "output"),
    [
        ("buy when the MACD signal line is above 0", "macd", "signal"),
        ("buy when MACD(5, 10, 3) crosses above 0", "macd", "line"),
        ("buy when the lower Bollinger band (30, 3) is above the price", "bollinger", "lower"),
        ("buy when the 20-period z-score is below -2", "zscore", None),
        ("buy when the 30-period return is above 0", "return", None),
        ("buy when the price crosses above the 55-period high", "max", None),
        ("buy when the price falls below min(55)", "min", None),
        ("buy when the 10-period standard deviation is below 0.5", "std", None),
        ("on every trade, buy when the price is above the VWAP", "vwap", None),
        ("on daily bars, buy when the 14-period ATR is below 2", "atr", None),
        ("buy when the 9-period WMA of the 14-period RSI is above 50", "wma", None),
    ],
)
def test_the_grammar_covers_the_spec_indicators(text: str, kind: str, output: str | None) -> None:
    spec = from_text(text).spec
    assert spec.long is not None
    left = spec.long.entry.left  # type: ignore[union-attr]
    right = spec.long.entry.right  # type: ignore[union-attr]
    operand = left if isinstance(left, IndicatorOperand) else right
    assert isinstance(operand, IndicatorOperand)
    assert spec.indicators[operand.id].kind == kind
    assert operand.output == output


def test_risk_sizing_data_execution_and_costs_are_read() -> None:
    spec = from_text(
        "on 1-hour bars built from trades, on ACME.XNAS, short when the price crosses below "
        "the 20-period SMA, risk 0.5% of equity per trade in lots of 100, stop loss 1%, "
        "take profit 3%, exit after 12 bars, use limit orders 2 ticks from the price, "
        "tick size 0.01, immediate or cancel, maker fee -0.2 bps taker fee 0.3 bps, "
        "slippage 0.5 of the spread, market data latency 200 us, report latency from 1 ms to "
        "3 ms"
    ).spec
    assert spec.data.model_dump() == {"type": "bars", "seconds": 3600, "source": "trades"}
    assert spec.instrument == "ACME.XNAS"
    assert spec.sizing.model_dump() == {"type": "risk_percent", "percent": 0.5, "lot": 100.0}
    assert (spec.risk.stop_loss_percent, spec.risk.take_profit_percent) == (1.0, 3.0)
    assert spec.risk.exit_after_bars == 12
    assert spec.execution.model_dump() == {
        "order_type": "limit",
        "limit_offset_ticks": 2,
        "tick_size": 0.01,
        "time_in_force": "ioc",
    }
    assert spec.simulation.fees.model_dump() == {
        "type": "maker_taker",
        "maker_bps": -0.2,
        "taker_bps": 0.3,
    }
    assert spec.simulation.slippage.model_dump() == {"type": "spread_fraction", "fraction": 0.5}
    assert spec.simulation.latency.market_data.model_dump() == {"type": "constant", "ns": 200_000}
    assert spec.simulation.latency.report.model_dump() == {
        "type": "uniform",
        "low_ns": 1_000_000,
        "high_ns": 3_000_000,
    }


def test_exit_when_closes_both_sides_and_an_amount_sets_the_size() -> None:
    spec = from_text(
        "buy 500 shares when RSI(14) < 30, short 500 shares when RSI(14) > 70, "
        "exit when the 14-period RSI crosses above 50 or the 14-period RSI crosses below 50"
    ).spec
    assert spec.long is not None
    assert spec.short is not None
    assert spec.long.exit == spec.short.exit
    assert spec.long.exit is not None
    assert spec.long.exit.type == "any"
    assert spec.sizing.model_dump() == {"type": "fixed", "quantity": 500.0}
    assert len(spec.indicators) == 1


def problems(text: str) -> list[tuple[str, int, int, str]]:
    with pytest.raises(TextError) as caught:
        from_text(text)
    return [(p.phrase, p.start, p.end, p.expected) for p in caught.value.problems]


def test_a_part_the_grammar_cannot_read_is_named_with_its_span_and_expectation() -> None:
    text = "buy when the 50-period SMA crosses above the 200-period SMA, stop los 2%"
    [(phrase, start, end, expected)] = problems(text)
    assert (phrase, text[start:end]) == ("stop los 2%", "stop los 2%")
    assert "'loss'" in expected
    assert "at 'los 2%'" in expected


def test_every_part_not_understood_is_reported_never_dropped() -> None:
    text = "buy when the moon is full, stop loss 2%, sell when RSI(14) is above 70, hodl forever"
    found = problems(text)
    assert [p[0] for p in found] == ["buy when the moon is full", "hodl forever"]
    assert all(text[start:end] == phrase for phrase, start, end, _ in found)
    with pytest.raises(InputError, match="could not understand 2 parts of the text"):
        from_text(text)


@pytest.mark.parametrize(
    ("text", "phrase", "expected"),
    [
        ("buy when the SMA crosses above 3", "SMA", "a period for SMA"),
        ("buy when the 20-period SMA(30) is above 3", "20-period SMA(30)", "not 20 and 30"),
        ("buy when MACD(1, 2) is above 0", "MACD(1, 2)", "three periods"),
        (
            "buy when RSI(14) < 30, buy when RSI(14) < 20",
            "buy when RSI(14) < 20",
            "one setting of long.entry",
        ),
        ("exit when RSI(14) > 50", "exit when RSI(14) > 50", "an entry rule"),
        (
            "buy 10 units when RSI(14) < 30, trade 20 units",
            "10 units",
            "one setting of sizing (already set by 'trade 20 units')",
        ),
        ("buy when the 14-period ATR is above 2", "the 14-period ATR", "bar data"),
        ("buy when the high is above 2", "buy when the high is above 2", "bar data"),
    ],
)
def test_a_phrase_that_parses_but_means_nothing_valid_is_an_error(
    text: str, phrase: str, expected: str
) -> None:
    [(found, start, end, message)] = problems(text)
    assert found == phrase == text[start:end]
    assert expected in message


def test_empty_text_is_an_error() -> None:
    assert problems("   ")[0][3].startswith("a strategy, e.g.")


# -- spec to English and back ---------------------------------------------------------------


def test_describe_reads_like_the_grammar_and_parses_back() -> None:
    spec = from_text(ISSUE_EXAMPLE).spec
    text = describe(spec)
    assert text == (
        "On every quote, buy when the 50-period SMA crosses above the 200-period SMA, "
        "sell when the 14-period RSI is above 70, trade 1 unit, stop loss 2%."
    )
    assert from_text(text).spec == spec
    assert spec.description == text


@pytest.mark.parametrize("name", template_names())
def test_a_template_described_in_english_trades_like_the_template(
    tmp_path_factory: pytest.TempPathFactory, name: str
) -> None:
    root = Path(tmp_path_factory.mktemp(f"english_{name}"))
    catalog = sample_catalog(root, eurusd=name != "time_series_momentum", acme_bars=True)
    instrument, kind = (
        (ACME, DataKind.BAR) if name == "time_series_momentum" else (EURUSD, DataKind.QUOTE)
    )
    config = BacktestConfig(instruments=(instrument,), kinds=(kind,))
    spoken = from_text(describe(template_spec(name))).spec
    by_hand = run_backtest(catalog, TEMPLATES[name], config)
    by_text = run_backtest(catalog, compile_strategy(spoken), config)
    assert [(f.ts, f.side, f.quantity, f.price) for f in by_text.fills] == [
        (f.ts, f.side, f.quantity, f.price) for f in by_hand.fills
    ]
    assert by_hand.fills


PERIODS = st.integers(2, 400)
NUMBERS = st.one_of(
    st.integers(-1000, 1000).map(float),
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
    st.sampled_from([0.5, 1e-05, 0.00001, 2.5e-7, 1234.5678]),
)


@st.composite
def indicator_pool(draw: st.DrawFn, bars: bool) -> dict[str, dict[str, Any]]:
    pool: dict[str, dict[str, Any]] = {
        "a": {
            "kind": draw(st.sampled_from(["sma", "ema", "wma", "max", "min", "return"])),
            "period": draw(PERIODS),
        },
        "b": {"kind": "rsi", "period": draw(PERIODS)},
        "c": {
            "kind": "macd",
            "fast": draw(st.integers(2, 10)),
            "slow": draw(st.integers(11, 40)),
            "signal": draw(st.integers(2, 12)),
        },
        "d": {
            "kind": "bollinger",
            "period": draw(PERIODS),
            "k": draw(st.sampled_from([1.0, 1.5, 2.0, 2.25, 3.0])),
        },
        "e": {"kind": draw(st.sampled_from(["std", "zscore"])), "period": draw(PERIODS)},
        "f": {
            "kind": draw(st.sampled_from(["sma", "ema"])),
            "period": draw(PERIODS),
            "input": draw(st.sampled_from(["b", "d.upper", "c.histogram"])),
        },
    }
    if bars:
        pool["g"] = {"kind": "atr", "period": draw(PERIODS)}
        pool["h"] = {"kind": "vwap", "period": draw(st.one_of(st.none(), PERIODS))}
        pool["i"] = {
            "kind": "sma",
            "period": draw(PERIODS),
            "input": draw(st.sampled_from(["high", "low", "volume", "open"])),
        }
    return pool


def operand(draw: st.DrawFn, pool: dict[str, dict[str, Any]], bars: bool) -> dict[str, Any]:
    choice = draw(st.sampled_from(["price", "indicator", "indicator"]))
    if choice == "price":
        fields = ["price", "open", "high", "low", "close", "volume"] if bars else ["price"]
        return {"type": "price", "field": draw(st.sampled_from(fields))}
    key = draw(st.sampled_from(sorted(pool)))
    outputs = {"macd": ["line", "signal", "histogram"], "bollinger": ["middle", "upper", "lower"]}
    output = draw(st.sampled_from(outputs.get(pool[key]["kind"], [None])))
    return {"type": "indicator", "id": key, "output": output}


@st.composite
def condition(
    draw: st.DrawFn, pool: dict[str, dict[str, Any]], bars: bool, depth: int = 0
) -> dict[str, Any]:
    kind = draw(
        st.sampled_from(["compare", "cross"] + (["all", "any", "not"] if depth < 2 else []))
    )
    if kind in ("all", "any"):
        parts = [draw(condition(pool, bars, depth + 1)) for _ in range(draw(st.integers(2, 3)))]
        return {"type": kind, "conditions": parts}
    if kind == "not":
        return {"type": "not", "condition": draw(condition(pool, bars, depth + 1))}
    left = operand(draw, pool, bars)
    right = (
        {"type": "constant", "value": draw(NUMBERS)}
        if draw(st.booleans())
        else operand(draw, pool, bars)
    )
    if kind == "compare":
        return {
            "type": "compare",
            "left": left,
            "op": draw(st.sampled_from([">", "<", ">=", "<="])),
            "right": right,
        }
    return {
        "type": "cross",
        "left": left,
        "direction": draw(st.sampled_from(["above", "below"])),
        "right": right,
    }


@st.composite
def specs(draw: st.DrawFn) -> dict[str, Any]:
    bars = draw(st.booleans())
    data = (
        {
            "type": "bars",
            "seconds": draw(st.sampled_from([1, 30, 60, 300, 3600, 86400, 90])),
            "source": draw(st.sampled_from(["quotes", "trades", "bars"])),
        }
        if bars
        else {"type": draw(st.sampled_from(["quotes", "trades"]))}
    )
    pool = indicator_pool(bars=bars)
    indicators = draw(pool)
    if data["type"] == "quotes":
        indicators.pop("h", None)
    sides = draw(st.sampled_from([("long",), ("short",), ("long", "short")]))
    body: dict[str, Any] = {"spec_version": "1", "data": data, "indicators": indicators}
    for side in sides:
        rule = {"entry": draw(condition(indicators, bars))}
        if draw(st.booleans()):
            rule["exit"] = draw(condition(indicators, bars))
        body[side] = rule
    risk = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "stop_loss_percent": st.sampled_from([0.5, 2.0, 7.25]),
                "take_profit_percent": st.sampled_from([1.0, 12.5]),
                "trailing_stop_percent": st.sampled_from([0.75, 3.0]),
                "max_position": st.sampled_from([10.0, 2500.0]),
                "exit_after_bars": st.integers(1, 500),
                "exit_after_seconds": st.sampled_from([1.0, 90.0, 7200.0]),
            },
        )
    )
    body["risk"] = risk
    sizing = draw(
        st.sampled_from(["fixed", "percent_of_equity", "risk_percent", "volatility_target"])
    )
    if sizing == "risk_percent" and "stop_loss_percent" not in risk:
        sizing = "fixed"
    body["sizing"] = {
        "fixed": {"type": "fixed", "quantity": draw(st.sampled_from([1.0, 100.0, 2.5]))},
        "percent_of_equity": {"type": "percent_of_equity", "percent": 10.0, "lot": 100.0},
        "risk_percent": {"type": "risk_percent", "percent": 1.5},
        "volatility_target": {
            "type": "volatility_target",
            "annual_percent": 15.0,
            "period": 30,
            "periods_per_year": 8760.0,
            "lot": 1.0,
        },
    }[sizing]
    if draw(st.booleans()):
        body["instrument"] = draw(st.sampled_from(["EURUSD.DUKA", "ACME.XNAS", "BTC-USD"]))
    if draw(st.booleans()):
        body["execution"] = {
            "order_type": "limit",
            "limit_offset_ticks": draw(st.integers(-3, 9)),
            "tick_size": 0.00001,
            "time_in_force": draw(st.sampled_from(["gtc", "day", "ioc", "fok"])),
        }
    if draw(st.booleans()):
        body["simulation"] = {
            "fees": draw(
                st.sampled_from(
                    [
                        {"type": "bps", "bps": 0.5},
                        {"type": "per_unit", "per_unit": 0.005, "minimum": 1},
                        {"type": "maker_taker", "maker_bps": -0.25, "taker_bps": 0.5},
                    ]
                )
            ),
            "slippage": draw(
                st.sampled_from(
                    [
                        {"type": "bps", "bps": 1},
                        {"type": "spread_fraction", "fraction": 0.5},
                        {"type": "square_root", "coefficient": 0.8, "volatility": 0.02},
                        {
                            "type": "square_root",
                            "coefficient": 1,
                            "volatility": 0.01,
                            "default_volume": 1e6,
                        },
                    ]
                )
            ),
            "latency": {
                "order_entry": draw(
                    st.sampled_from(
                        [
                            {"type": "constant", "ns": 5_000_000},
                            {"type": "uniform", "low_ns": 1000, "high_ns": 3000},
                            {
                                "type": "lognormal",
                                "median_ns": 2_000_000,
                                "sigma": 0.7,
                                "floor_ns": 500,
                            },
                        ]
                    )
                )
            },
        }
    return body


@given(specs())
def test_spec_to_text_to_spec_is_stable(body: dict[str, Any]) -> None:
    original = parse_spec(body)
    text = describe(original)
    first = from_text(text).spec
    again = describe(first)
    assert again == text, "the English of the parsed spec is the English it was parsed from"
    assert from_text(again).spec == first, "text -> spec -> text -> spec is a fixed point"
    # The same rules as the original: everything but labels (ids, names, description).
    for section in ("data", "sizing", "risk", "execution", "simulation"):
        assert getattr(first, section) == getattr(original, section)
    assert first.instrument == original.instrument
    assert len(first.indicators) <= len(original.indicators)
