"""A compiled spec runs in the engine exactly like hand-written code.

The shipped template specs give the same orders and fills as the template
classes on the sample data, with and without random latency; spec numbers are
parameters a sweep can vary; risk rules, sizing and limit orders do what
docs/spec.md says on price paths built for the purpose; and generated specs
run end to end, deterministically, never holding more than their size.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.strategy.templates.templates_catalog import ACME, EURUSD, sample_catalog

from tickdeck.core import DataKind, InputError, Instrument, OrderType, Side
from tickdeck.data.catalog import Catalog
from tickdeck.engine import BacktestConfig, run_backtest
from tickdeck.execution import ConstantLatency, LatencyProfile, LogNormalLatency
from tickdeck.results.run import RunResult
from tickdeck.spec import (
    SpecStrategy,
    backtest_config,
    compile_strategy,
    parse_spec,
    run_spec,
    template_spec,
)
from tickdeck.strategy.templates import TEMPLATES

T0 = 1_704_186_000_000_000_000
SECOND = 1_000_000_000
STOCK = Instrument("STOCK", "TEST", "0.01")


def trading_record(result: RunResult) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Orders and fills as comparable tuples (the order tag is a label, not behaviour)."""
    orders = [
        (
            o.order_id,
            o.request.instrument,
            o.request.side,
            o.request.quantity,
            o.request.order_type,
            o.request.limit_price,
            o.request.time_in_force,
            o.status,
            o.ts_created,
            o.ts_updated,
            o.filled_quantity,
            o.average_price,
        )
        for o in result.orders
    ]
    fills = [
        (f.order_id, f.instrument, f.ts, f.side, f.quantity, f.price, f.fee, f.liquidity)
        for f in result.fills
    ]
    return orders, fills


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    root = Path(tmp_path_factory.mktemp("spec_sample"))
    return sample_catalog(root, eurusd=True, acme_bars=True)


TEMPLATE_RUNS = [
    ("sma_crossover", EURUSD, DataKind.QUOTE),
    ("rsi_mean_reversion", EURUSD, DataKind.QUOTE),
    ("bollinger_breakout", EURUSD, DataKind.QUOTE),
    ("time_series_momentum", ACME, DataKind.BAR),
]


@pytest.mark.parametrize(("name", "instrument", "kind"), TEMPLATE_RUNS)
def test_a_template_spec_trades_exactly_like_its_hand_written_class(
    sample: Catalog, name: str, instrument: str, kind: DataKind
) -> None:
    config = BacktestConfig(instruments=(instrument,), kinds=(kind,))
    by_hand = run_backtest(sample, TEMPLATES[name], config)
    by_spec = run_backtest(sample, compile_strategy(template_spec(name)), config)
    assert len(by_hand.orders) >= 10, "the comparison must cover many orders"
    assert trading_record(by_spec) == trading_record(by_hand)
    assert by_spec.final_equity == by_hand.final_equity
    assert np.array_equal(by_spec.equity.equity, by_hand.equity.equity)


@pytest.mark.parametrize(("name", "instrument", "kind"), TEMPLATE_RUNS[:3])
def test_the_equivalence_holds_under_random_latency(
    sample: Catalog, name: str, instrument: str, kind: DataKind
) -> None:
    latency = LatencyProfile(
        market_data=ConstantLatency(2_000_000),
        order_entry=LogNormalLatency(50_000_000, sigma=1.0),
        report=LogNormalLatency(30_000_000, sigma=1.0),
    )
    config = BacktestConfig(instruments=(instrument,), kinds=(kind,), latency=latency, seed=11)
    by_hand = run_backtest(sample, TEMPLATES[name], config)
    by_spec = run_backtest(sample, compile_strategy(template_spec(name)), config)
    assert trading_record(by_spec) == trading_record(by_hand)


def test_spec_numbers_are_parameters_that_a_sweep_can_vary(sample: Catalog) -> None:
    compiled = compile_strategy(template_spec("sma_crossover"))
    assert issubclass(compiled, SpecStrategy)
    declared = compiled.parameters()
    assert {"fast.period", "slow.period", "sizing.quantity", "instrument"} <= set(declared)
    assert declared["fast.period"].default == 20
    assert declared["fast.period"].minimum == 1
    config = BacktestConfig(instruments=(EURUSD,))
    by_hand = run_backtest(
        sample, TEMPLATES["sma_crossover"], config, {"fast": 10, "slow": 40, "quantity": 2000}
    )
    by_spec = run_backtest(
        sample, compiled, config, {"fast.period": 10, "slow.period": 40, "sizing.quantity": 2000}
    )
    assert trading_record(by_spec) == trading_record(by_hand)
    assert by_spec.params["fast.period"] == 10


def test_named_constants_are_parameters_too(sample: Catalog) -> None:
    compiled = compile_strategy(template_spec("rsi_mean_reversion"))
    assert compiled.parameters()["lower"].default == 30.0
    config = BacktestConfig(instruments=(EURUSD,))
    by_hand = run_backtest(sample, TEMPLATES["rsi_mean_reversion"], config, {"lower": 40.0})
    by_spec = run_backtest(sample, compiled, config, {"lower": 40.0})
    assert trading_record(by_spec) == trading_record(by_hand)


def test_a_bad_parameter_is_an_error_naming_it(sample: Catalog) -> None:
    compiled = compile_strategy(template_spec("sma_crossover"))
    config = BacktestConfig(instruments=(EURUSD,))
    with pytest.raises(InputError, match=r"did you mean 'fast\.period'"):
        run_backtest(sample, compiled, config, {"fast.perod": 5})
    with pytest.raises(InputError, match=r"param fast.period: got 0, expected at least 1"):
        run_backtest(sample, compiled, config, {"fast.period": 0})
    with_macd = template_spec("sma_crossover").model_dump()
    with_macd["indicators"]["m"] = {"kind": "macd"}
    compiled = compile_strategy(parse_spec(with_macd))
    # A rule between fields is checked again on the spec with the parameters written in.
    with pytest.raises(InputError, match=r"indicators.m.fast: got 40, expected fewer periods"):
        run_backtest(sample, compiled, config, {"m.fast": 40})
    with pytest.raises(InputError, match="one of the run's instruments"):
        run_backtest(sample, compiled, config, {"instrument": "GBPUSD.DUKA"})


# -- rules on price paths built for the purpose ------------------------------------------


def path_catalog(root: Path, mids: list[float], *, size: float = 1e9) -> Catalog:
    """Quotes one second apart around the given mids, one cent either side."""
    ts = T0 + np.arange(len(mids), dtype=np.int64) * SECOND
    mid = np.asarray(mids)
    table = pa.table(
        {
            "ts_event": ts,
            "ts_recv": ts,
            "bid_price": STOCK.snap_prices(mid - 0.01),
            "ask_price": STOCK.snap_prices(mid + 0.01),
            "bid_size": np.full(len(mids), size),
            "ask_size": np.full(len(mids), size),
        }
    )
    catalog = Catalog(root)
    catalog.add_instrument(STOCK)
    catalog.write("quotes", STOCK.id, table)
    return catalog


ALWAYS_LONG: dict[str, Any] = {
    "spec_version": "1",
    "long": {
        "entry": {
            "type": "compare",
            "left": {"type": "price"},
            "op": ">",
            "right": {"type": "constant", "value": 0},
        }
    },
    "sizing": {"type": "fixed", "quantity": 100},
}


def run_path(root: Path, mids: list[float], **changes: Any) -> RunResult:
    spec = parse_spec({**ALWAYS_LONG, **changes})
    return run_spec(path_catalog(root, mids), spec, instruments=[STOCK.id])


def fill_indexes(result: RunResult) -> list[tuple[int, Side, float]]:
    return [((f.ts - T0) // SECOND, f.side, f.quantity) for f in result.fills]


def test_a_stop_loss_exits_at_the_first_price_that_far_below_the_entry(tmp_path: Path) -> None:
    mids = [100.0, 100.5, 99.5, 99.2, 98.9, 98.8, 97.0, 101.0]
    result = run_path(tmp_path, mids, risk={"stop_loss_percent": 1.0})
    entry = result.fills[0].price  # the first ask: 100.01
    first_below = next(i for i, m in enumerate(mids) if m <= entry * 0.99)
    # A level entry fires again on the next quote: the stop-loss, then re-entry.
    assert fill_indexes(result)[:3] == [
        (0, Side.BUY, 100.0),
        (first_below, Side.SELL, 100.0),
        (first_below + 1, Side.BUY, 100.0),
    ]
    assert [o.request.tag for o in result.orders[:2]] == ["long_entry", "stop_loss"]


def test_a_take_profit_and_a_trailing_stop_measure_from_entry_and_best(tmp_path: Path) -> None:
    mids = [100.0, 101.0, 102.5, 104.0, 103.0, 102.9, 101.0]
    take = run_path(tmp_path / "take", mids, risk={"take_profit_percent": 2.0})
    entry = take.fills[0].price
    assert fill_indexes(take)[1] == (
        next(i for i, m in enumerate(mids) if m >= entry * 1.02),
        Side.SELL,
        100.0,
    )
    trail = run_path(tmp_path / "trail", mids, risk={"trailing_stop_percent": 1.0})
    best = max(mids[:4])
    assert fill_indexes(trail)[1] == (
        next(i for i, m in enumerate(mids) if i > 3 and m <= best * 0.99),
        Side.SELL,
        100.0,
    )
    assert trail.orders[1].request.tag == "trailing_stop"


def test_a_time_exit_counts_evaluations_after_the_entry_fill(tmp_path: Path) -> None:
    mids = [100.0 + 0.1 * i for i in range(12)]
    result = run_path(tmp_path, mids, risk={"exit_after_bars": 3})
    # Entry at quote 0; quotes 1, 2, 3 are the three evaluations after it.
    assert fill_indexes(result)[:3] == [
        (0, Side.BUY, 100.0),
        (3, Side.SELL, 100.0),
        (4, Side.BUY, 100.0),
    ]
    seconds = run_path(tmp_path / "s", mids, risk={"exit_after_seconds": 5})
    assert fill_indexes(seconds)[1] == (5, Side.SELL, 100.0)


def test_percent_of_equity_sizing_rounds_down_to_the_lot(tmp_path: Path) -> None:
    result = run_path(
        tmp_path, [123.45] * 5, sizing={"type": "percent_of_equity", "percent": 10, "lot": 7}
    )
    raw = 1_000_000.0 * 0.10 / 123.45  # the initial equity, the first mid
    assert result.orders[0].request.quantity == math.floor(raw / 7) * 7
    capped = run_path(
        tmp_path / "cap",
        [123.45] * 5,
        sizing={"type": "percent_of_equity", "percent": 10},
        risk={"max_position": 50},
    )
    assert capped.orders[0].request.quantity == 50


def test_risk_percent_sizing_loses_the_stated_share_at_the_stop(tmp_path: Path) -> None:
    result = run_path(
        tmp_path,
        [200.0] * 3,
        sizing={"type": "risk_percent", "percent": 1},
        risk={"stop_loss_percent": 2},
    )
    # 1% of 1,000,000 lost over a 2% move of 200: 10,000 / 4 = 2,500 units.
    assert result.orders[0].request.quantity == 2500


def test_limit_orders_rest_on_the_grid_and_are_cancelled_when_the_target_changes(
    tmp_path: Path,
) -> None:
    mids = [100.0, 100.0, 100.0, 101.0, 101.0]
    spec = {
        **ALWAYS_LONG,
        "long": {
            "entry": {
                "type": "compare",
                "left": {"type": "price"},
                "op": "<=",
                "right": {"type": "constant", "value": 100},
            },
            "exit": {
                "type": "compare",
                "left": {"type": "price"},
                "op": ">",
                "right": {"type": "constant", "value": 100.5},
            },
        },
        "execution": {"order_type": "limit", "limit_offset_ticks": 3, "tick_size": 0.01},
    }
    result = run_spec(path_catalog(tmp_path, mids), parse_spec(spec), instruments=[STOCK.id])
    [first] = result.orders  # the entry rule fired again at quotes 1 and 2: no second order
    assert first.request.order_type == OrderType.LIMIT
    assert first.request.limit_price == 99.97  # 3 ticks below the mid, on the grid
    assert first.status.label == "canceled"  # the market rose away; the exit cancelled it
    assert (first.ts_created, first.ts_updated) == (T0, T0 + 3 * SECOND)
    assert result.fills == ()


def test_a_spec_without_an_instrument_needs_one_from_the_run(tmp_path: Path) -> None:
    spec = parse_spec(ALWAYS_LONG)
    with pytest.raises(InputError, match="pass instruments="):
        backtest_config(spec)
    config = backtest_config(parse_spec({**ALWAYS_LONG, "instrument": STOCK.id}), seed=3)
    assert config.instruments == (STOCK.id,)
    assert config.seed == 3
    assert config.kinds == (DataKind.QUOTE,)


def test_the_simulation_section_becomes_the_exchange_config(tmp_path: Path) -> None:
    spec = parse_spec(
        {
            **ALWAYS_LONG,
            "data": {"type": "bars", "seconds": 60, "source": "bars"},
            "simulation": {
                "fees": {"type": "per_unit", "per_unit": 0.01, "minimum": 1},
                "slippage": {"type": "bps", "bps": 2},
                "latency": {"order_entry": {"type": "uniform", "low_ns": 5, "high_ns": 9}},
            },
        }
    )
    config = backtest_config(spec, instruments=["X"])
    assert config.kinds == (DataKind.BAR,)
    assert repr(config.exchange.fees) == "PerUnitFee(per_unit=0.01, minimum=1.0)"
    assert repr(config.exchange.slippage) == "FixedBpsSlippage(bps=2.0)"
    assert repr(config.latency.order_entry) == "UniformLatency(low_ns=5, high_ns=9)"
    fees = run_path(tmp_path, [100.0] * 3, simulation={"fees": {"type": "bps", "bps": 10}})
    assert fees.fills[0].fee == pytest.approx(fees.fills[0].price * 100 * 10e-4)


# -- generated specs --------------------------------------------------------------------

INDICATORS = {
    "sma": {"kind": "sma", "period": 5},
    "ema": {"kind": "ema", "period": 8},
    "wma": {"kind": "wma", "period": 4},
    "rsi": {"kind": "rsi", "period": 6},
    "macd": {"kind": "macd", "fast": 3, "slow": 7, "signal": 3},
    "bands": {"kind": "bollinger", "period": 10, "k": 1.5},
    "std": {"kind": "std", "period": 6},
    "z": {"kind": "zscore", "period": 12},
    "top": {"kind": "max", "period": 9},
    "bottom": {"kind": "min", "period": 9},
    "change": {"kind": "return", "period": 4},
    "smooth_rsi": {"kind": "ema", "period": 3, "input": "rsi"},
}
OUTPUTS = {"macd": ["line", "signal", "histogram"], "bands": ["upper", "middle", "lower"]}

operands = st.one_of(
    st.just({"type": "price"}),
    st.sampled_from(sorted(INDICATORS)).flatmap(
        lambda key: st.sampled_from([None, *OUTPUTS.get(key, [])]).map(
            lambda output: {"type": "indicator", "id": key, "output": output}
        )
    ),
)
constants = st.floats(-3, 120, allow_nan=False).map(lambda v: {"type": "constant", "value": v})
leaves = st.one_of(
    st.builds(
        lambda left, op, right: {"type": "compare", "left": left, "op": op, "right": right},
        operands,
        st.sampled_from([">", "<", ">=", "<="]),
        st.one_of(operands, constants),
    ),
    st.builds(
        lambda left, direction, right: {
            "type": "cross",
            "left": left,
            "direction": direction,
            "right": right,
        },
        operands,
        st.sampled_from(["above", "below"]),
        st.one_of(operands, constants),
    ),
)
conditions = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, min_size=2, max_size=3).map(lambda c: {"type": "all", "conditions": c}),
        st.lists(inner, min_size=2, max_size=3).map(lambda c: {"type": "any", "conditions": c}),
        inner.map(lambda c: {"type": "not", "condition": c}),
    ),
    max_leaves=4,
)
sides = st.one_of(
    st.none(),
    st.builds(
        lambda entry, exit: {"entry": entry, "exit": exit},
        conditions,
        st.one_of(st.none(), conditions),
    ),
)
risks = st.fixed_dictionaries(
    {},
    optional={
        "stop_loss_percent": st.floats(0.01, 2),
        "take_profit_percent": st.floats(0.01, 2),
        "trailing_stop_percent": st.floats(0.01, 2),
        "exit_after_bars": st.integers(1, 50),
        "max_position": st.sampled_from([100.0, 300.0]),
    },
)
sizings = st.one_of(
    st.sampled_from([100.0, 200.0]).map(lambda q: {"type": "fixed", "quantity": q}),
    st.just({"type": "percent_of_equity", "percent": 1, "lot": 100}),
    st.just({"type": "volatility_target", "annual_percent": 5, "period": 10, "lot": 100}),
)
data_kinds = st.sampled_from(
    [{"type": "quotes"}, {"type": "bars", "seconds": 5}, {"type": "bars", "seconds": 20}]
)


@pytest.fixture(scope="module")
def walk(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    rng = np.random.default_rng(5)
    mids = 50.0 + np.cumsum(rng.normal(0, 0.05, 1500))
    return path_catalog(Path(tmp_path_factory.mktemp("walk")), mids.tolist(), size=1e9)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=40)
@given(data=data_kinds, long=sides, short=sides, sizing=sizings, risk=risks)
def test_generated_specs_run_end_to_end_within_their_size(
    walk: Catalog,
    data: dict[str, Any],
    long: dict[str, Any] | None,
    short: dict[str, Any] | None,
    sizing: dict[str, Any],
    risk: dict[str, Any],
) -> None:
    if long is None and short is None:
        long = {
            "entry": {
                "type": "compare",
                "left": {"type": "price"},
                "op": ">",
                "right": {"type": "indicator", "id": "sma"},
            }
        }
    body: dict[str, Any] = {
        "spec_version": "1",
        "instrument": STOCK.id,
        "data": data,
        "indicators": INDICATORS,
        "long": long,
        "short": short,
        "sizing": sizing,
        "risk": risk,
    }
    spec = parse_spec(body)
    result = run_spec(walk, spec)
    assert result.complete
    cap = risk.get("max_position", math.inf)
    largest = sizing.get("quantity", math.inf)
    position = 0.0
    for fill in result.fills:
        position += fill.signed_quantity
        assert abs(position) <= min(cap, largest) + 1e-9
        if long is None:
            assert position <= 1e-9
        if short is None:
            assert position >= -1e-9
    tags = {o.request.tag for o in result.orders}
    assert tags <= {
        "long_entry",
        "short_entry",
        "long_exit",
        "short_exit",
        "stop_loss",
        "take_profit",
        "trailing_stop",
        "time_exit",
    }
    again = run_spec(walk, spec)
    assert trading_record(again) == trading_record(result)


def test_generated_specs_trade_somewhere(walk: Catalog) -> None:
    """The generated family is not vacuous: a plain crossover of two of its averages trades."""
    spec = parse_spec(
        {
            "spec_version": "1",
            "instrument": STOCK.id,
            "indicators": INDICATORS,
            "long": {
                "entry": {
                    "type": "cross",
                    "left": {"type": "indicator", "id": "wma"},
                    "direction": "above",
                    "right": {"type": "indicator", "id": "ema"},
                }
            },
            "short": {
                "entry": {
                    "type": "cross",
                    "left": {"type": "indicator", "id": "wma"},
                    "direction": "below",
                    "right": {"type": "indicator", "id": "ema"},
                }
            },
            "sizing": {"type": "fixed", "quantity": 100},
        }
    )
    result = run_spec(walk, spec)
    assert len(result.fills) > 20
    assert max(abs(f.quantity) for f in result.fills) == 200  # reversals: short to long
    assert isinstance(result.strategy, str)
    assert result.strategy == "spec:strategy"
    assert result.config["latency"] == repr(LatencyProfile())
