"""The compiled path gives the event-driven path's run, record for record, on generated specs.

Hypothesis writes specs across the compiled subset (every indicator, condition,
rule, sizing, risk exit, order type, time in force, fee and slippage model,
constant latencies) and runs each through `run_spec` (the event-driven
engine) and `run_spec_compiled` (the kernels) on small data sets built to
reach the exchange's corners: quotes with zero sizes, venue times before
receive times, equal receive times and a UTC midnight (DAY orders expire);
bars built from those quotes; stored bars of two intervals. Every order,
fill, round trip, equity sample and mark must be equal, and so must the
metrics; a run the engine refuses must be refused by the kernels too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.spec.kernel_compare import assert_same_run, outcome

from tickdeck.core import InputError, Instrument
from tickdeck.data.catalog import Catalog
from tickdeck.results.run import RunResult
from tickdeck.spec import StrategySpec, parse_spec, run_spec, run_spec_compiled

T = TypeVar("T")
SECOND = 1_000_000_000
MINUTE = 60 * SECOND
START = 1_704_239_910_000_000_000  # 2024-01-02T23:58:30Z: the quotes cross a UTC midnight
FX = Instrument("EURUSD", "KERN", "0.00001", lot_size="1000")
FUTURE = Instrument("ESH4", "KERN", "0.25", multiplier="50")
STOCK = Instrument("ACME", "KERN", "0.01")


def _quotes(instrument: Instrument, count: int, seed: int, base_ticks: int) -> pa.Table:
    """A random walk of quotes: 1-6 tick spreads, sizes 0-9 (0: no size shown), bursts
    of equal receive times, venue times up to 3 ms before receive times."""
    rng = np.random.default_rng(seed)
    gaps = rng.choice([0, 1_000_000, 40_000_000, 300_000_000], count, p=[0.15, 0.15, 0.5, 0.2])
    recv = START + np.cumsum(gaps).astype(np.int64)
    bid = base_ticks + np.cumsum(rng.choice([-2, -1, 0, 1, 2], count))
    ask = bid + rng.integers(1, 7, count)
    return pa.table(
        {
            "ts_event": recv - rng.integers(0, 3_000_000, count),
            "ts_recv": recv,
            "bid_price": instrument.ticks_to_prices(bid),
            "ask_price": instrument.ticks_to_prices(ask),
            "bid_size": rng.integers(0, 10, count).astype(np.float64),
            "ask_size": rng.integers(0, 10, count).astype(np.float64),
        }
    )


def _bars(instrument: Instrument, count: int, seed: int) -> pa.Table:
    """One-minute bars, with a five-minute bar after every fifth (another interval)."""
    rng = np.random.default_rng(seed)
    close = 10_000 + np.cumsum(rng.integers(-30, 31, count))
    open_ = np.concatenate([[10_000], close[:-1]]) + rng.integers(-3, 4, count)
    high = np.maximum(open_, close) + rng.integers(0, 15, count)
    low = np.minimum(open_, close) - rng.integers(0, 15, count)
    end = START + MINUTE * np.arange(1, count + 1, dtype=np.int64)
    columns: dict[str, Any] = {
        "ts_event": end,
        "ts_recv": end + 500_000_000,
        "open": instrument.ticks_to_prices(open_),
        "high": instrument.ticks_to_prices(high),
        "low": instrument.ticks_to_prices(low),
        "close": instrument.ticks_to_prices(close),
        "volume": rng.integers(0, 1000, count).astype(np.float64),
        "interval_ns": np.full(count, MINUTE, np.int64),
    }
    coarse = np.arange(4, count, 5)
    for name in columns:
        extra = columns[name][coarse]
        if name == "interval_ns":
            extra = np.full(coarse.size, 5 * MINUTE, np.int64)
        columns[name] = np.concatenate([columns[name], extra])
    return pa.table(columns)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    catalog = Catalog(Path(tmp_path_factory.mktemp("kernel_identity")) / "catalog")
    for instrument in (FX, FUTURE, STOCK):
        catalog.add_instrument(instrument)
    catalog.write("quotes", FX.id, _quotes(FX, 2500, seed=1, base_ticks=110_000))
    catalog.write("quotes", FUTURE.id, _quotes(FUTURE, 2500, seed=2, base_ticks=19_000))
    catalog.write("bars", STOCK.id, _bars(STOCK, 1500, seed=3))
    return catalog


# -- generated specs ------------------------------------------------------------------------

LEVEL_INDICATORS = ("sma", "ema", "wma", "bollinger")  # the price crosses them often
TICK_INDICATORS = (*LEVEL_INDICATORS, "max", "min", "rsi", "macd", "std", "zscore")
BAR_INDICATORS = (*TICK_INDICATORS, "return", "atr", "vwap")


def indicator(draw: st.DrawFn, kind: str, sources: list[str]) -> dict[str, Any]:
    settings: dict[str, Any] = {"kind": kind}
    if kind == "macd":
        fast = draw(st.integers(2, 10))
        settings |= {"fast": fast, "slow": fast + draw(st.integers(1, 15))}
        settings["signal"] = draw(st.integers(1, 8))
    elif kind == "bollinger":
        settings |= {"period": draw(st.integers(2, 25)), "k": draw(st.sampled_from([0.5, 2.0]))}
    elif kind == "vwap":
        settings["period"] = draw(st.one_of(st.none(), st.integers(1, 20)))
    else:
        settings["period"] = draw(st.integers(2, 30))
    if kind not in ("atr", "vwap"):
        settings["input"] = draw(st.sampled_from(sources))
    return settings


@st.composite
def indicators(draw: st.DrawFn, bars: bool) -> dict[str, dict[str, Any]]:
    """A price-level average first (rules crossing it fire often), then up to two more."""
    chosen = {"level": indicator(draw, draw(st.sampled_from(LEVEL_INDICATORS)), ["price"])}
    for index in range(draw(st.integers(0, 2))):
        kind = draw(st.sampled_from(BAR_INDICATORS if bars else TICK_INDICATORS))
        sources = ["price", *chosen]
        if bars:
            sources += ["open", "high", "low", "close", "volume"]
        chosen[f"i{index}"] = indicator(draw, kind, sources)
    return chosen


def operand(draw: st.DrawFn, names: list[str], level: float) -> dict[str, Any]:
    # Hypothesis leans to the first choices: the price, which crosses a level most often.
    kind = draw(st.sampled_from(["price", "indicator", "price", "constant"]))
    if kind == "indicator":
        return {"type": "indicator", "id": draw(st.sampled_from(names))}
    if kind == "price":
        return {"type": "price"}
    return {"type": "constant", "value": level * draw(st.sampled_from([0.0, 0.999, 1.0, 1.001]))}


@st.composite
def condition(draw: st.DrawFn, names: list[str], level: float, depth: int = 0) -> dict[str, Any]:
    kinds = ["cross", "cross", "compare"] + (["all", "any", "not"] if depth < 2 else [])
    kind = draw(st.sampled_from(kinds))
    if kind in ("all", "any"):
        parts = [draw(condition(names, level, depth + 1)) for _ in range(draw(st.integers(2, 3)))]
        return {"type": kind, "conditions": parts}
    if kind == "not":
        return {"type": "not", "condition": draw(condition(names, level, depth + 1))}
    right = {"type": "indicator", "id": draw(st.sampled_from(["level", "level", *names]))}
    left = operand(draw, names, level)
    if left == right:  # a series never crosses itself
        left = {"type": "price"}
    if kind == "cross":
        direction = draw(st.sampled_from(["above", "below"]))
        return {"type": "cross", "left": left, "direction": direction, "right": right}
    op = draw(st.sampled_from([">", "<", ">=", "<="]))
    return {"type": "compare", "left": left, "op": op, "right": right}


LATENCIES = [0, 1_000_000, 40_000_000, 500_000_000]


@st.composite
def specs(draw: st.DrawFn) -> tuple[StrategySpec, str]:
    instrument = draw(st.sampled_from([FX, FUTURE, STOCK]))
    bars = instrument is STOCK
    level = {FX: 1.1, FUTURE: 4750.0, STOCK: 100.0}[instrument]
    tick = float(instrument.tick_size)
    if bars:
        data: dict[str, Any] = {"type": "bars", "seconds": 60, "source": "bars"}
    else:
        seconds = draw(st.sampled_from([0, 1, 5]))
        data = {"type": "bars", "seconds": seconds} if seconds else {"type": "quotes"}
    chosen = draw(indicators(bars or data["type"] == "bars"))
    names = list(chosen)
    spec: dict[str, Any] = {
        "spec_version": "1",
        "name": "generated",
        "data": data,
        "indicators": chosen,
    }
    for side in draw(st.sampled_from([["long"], ["short"], ["long", "short"]])):
        rules: dict[str, Any] = {"entry": draw(condition(names, level))}
        if draw(st.booleans()):
            rules["exit"] = draw(condition(names, level))
        spec[side] = rules
    risk: dict[str, Any] = {}
    for field, values in (
        ("stop_loss_percent", [0.01, 0.1, 1.0]),
        ("take_profit_percent", [0.01, 0.1, 1.0]),
        ("trailing_stop_percent", [0.01, 0.1]),
        ("max_position", [1000.0, 5000.0]),
        ("exit_after_bars", [3, 50]),
        ("exit_after_seconds", [1.5, 30.0]),
    ):
        if draw(st.integers(0, 3)) == 0:
            risk[field] = draw(st.sampled_from(values))
    lot = float(instrument.lot_size)
    sizing = draw(
        st.sampled_from(
            [
                {"type": "fixed", "quantity": lot},
                {"type": "fixed", "quantity": 3 * lot},
                {"type": "fixed", "quantity": 1.5 * lot},  # off the lot grid: rejected orders
                {"type": "percent_of_equity", "percent": 2.0, "lot": lot},
                {"type": "percent_of_equity", "percent": 0.3, "lot": 0.1},
                {"type": "risk_percent", "percent": 0.5, "lot": lot},
                {"type": "volatility_target", "annual_percent": 0.5, "period": 5, "lot": lot},
            ]
        )
    )
    if sizing["type"] == "risk_percent":
        risk.setdefault("stop_loss_percent", 0.5)
    execution: dict[str, Any] = {
        "time_in_force": draw(st.sampled_from(["gtc", "day", "ioc", "fok"]))
    }
    if draw(st.booleans()):
        execution |= {
            "order_type": "limit",
            "limit_offset_ticks": draw(st.integers(-3, 3)),
            # A coarser grid, the instrument's, or one off it (rejected limit prices).
            "tick_size": draw(st.sampled_from([tick, 2 * tick, 1.5 * tick])),
        }
    simulation = {
        "fees": draw(
            st.sampled_from(
                [
                    {"type": "none"},
                    {"type": "bps", "bps": 0.7},
                    {"type": "per_unit", "per_unit": 0.002, "minimum": 1.0},
                    {"type": "maker_taker", "maker_bps": -0.2, "taker_bps": 0.5},
                ]
            )
        ),
        "slippage": draw(
            st.sampled_from(
                [
                    {"type": "none"},
                    {"type": "bps", "bps": 1.3},
                    {"type": "spread_fraction", "fraction": 0.5},
                    {"type": "square_root", "volatility": 0.02, "default_volume": 5000.0},
                ]
            )
        ),
        "latency": {
            leg: {"type": "constant", "ns": draw(st.sampled_from(LATENCIES))}
            for leg in ("market_data", "order_entry", "report")
        },
    }
    spec |= {"risk": risk, "sizing": sizing, "execution": execution, "simulation": simulation}
    return parse_spec(spec), instrument.id


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(case=specs())
def test_a_generated_spec_runs_the_same_in_the_kernels_as_in_the_engine(
    data: Catalog, case: tuple[StrategySpec, str]
) -> None:
    spec, instrument = case
    event = outcome(lambda: run_spec(data, spec, instruments=[instrument]))
    compiled = outcome(lambda: run_spec_compiled(data, spec, instruments=[instrument]))
    if isinstance(event, InputError):
        # The engine stopped on this run's data (a fill price off the grid's positive
        # side, time going backwards): the kernels must stop too, for the same field.
        assert isinstance(compiled, InputError)
        assert compiled.field == event.field
        return
    assert isinstance(compiled, RunResult), compiled
    assert_same_run(event, compiled)


def test_the_generated_runs_reach_the_exchanges_corners(data: Catalog) -> None:
    """The data and specs above do make what the comparison needs to see."""
    spec = parse_spec(
        {
            "spec_version": "1",
            "data": {"type": "quotes"},
            "indicators": {
                "fast": {"kind": "sma", "period": 3},
                "slow": {"kind": "sma", "period": 9},
            },
            "long": {
                "entry": {
                    "type": "cross",
                    "left": {"type": "indicator", "id": "fast"},
                    "direction": "above",
                    "right": {"type": "indicator", "id": "slow"},
                }
            },
            "short": {
                "entry": {
                    "type": "cross",
                    "left": {"type": "indicator", "id": "fast"},
                    "direction": "below",
                    "right": {"type": "indicator", "id": "slow"},
                }
            },
            "sizing": {"type": "fixed", "quantity": 20},
            "execution": {
                "order_type": "limit",
                "limit_offset_ticks": 1,
                "tick_size": 0.25,
                "time_in_force": "day",
            },
            "simulation": {"latency": {"order_entry": {"type": "constant", "ns": 40_000_000}}},
        }
    )
    event = run_spec(data, spec, instruments=[FUTURE.id])
    compiled = run_spec_compiled(data, spec, instruments=[FUTURE.id])
    statuses = {o.status.label for o in event.orders}
    assert {"filled", "canceled", "expired"} <= statuses, statuses
    assert any(f.quantity < o.request.quantity for o in event.orders for f in event.fills)
    assert_same_run(event, compiled)
