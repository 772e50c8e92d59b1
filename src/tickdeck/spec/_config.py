"""From a spec's data and simulation sections to a `BacktestConfig`, and a one-call run."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tickdeck.core import DataKind, InputError
from tickdeck.data.catalog import Catalog
from tickdeck.engine import BacktestConfig, run_backtest
from tickdeck.execution import (
    BpsFee,
    ConstantLatency,
    FeeModel,
    FixedBpsSlippage,
    LatencyModel,
    LatencyProfile,
    LogNormalLatency,
    MakerTakerFee,
    NoFee,
    NoSlippage,
    PerUnitFee,
    SlippageModel,
    SpreadFractionSlippage,
    SquareRootImpact,
    UniformLatency,
)
from tickdeck.execution.config import ExchangeConfig
from tickdeck.results.run import RunResult
from tickdeck.spec._compile import compile_strategy
from tickdeck.spec._model import StrategySpec
from tickdeck.spec._sections import (
    BarsData,
    BpsFees,
    BpsSlippage,
    ConstantLatencySpec,
    FeesSpec,
    LatencySpec,
    MakerTakerFees,
    PerUnitFees,
    QuotesData,
    SlippageSpec,
    SquareRootSlippage,
    UniformLatencySpec,
)
from tickdeck.spec._sections import SpreadFractionSlippage as SpreadFractionSpec

__all__ = ["backtest_config", "run_spec"]


def _fees(spec: FeesSpec) -> FeeModel:
    if isinstance(spec, BpsFees):
        return BpsFee(spec.bps)
    if isinstance(spec, PerUnitFees):
        return PerUnitFee(spec.per_unit, spec.minimum)
    if isinstance(spec, MakerTakerFees):
        return MakerTakerFee(spec.maker_bps, spec.taker_bps)
    return NoFee()


def _slippage(spec: SlippageSpec) -> SlippageModel:
    if isinstance(spec, BpsSlippage):
        return FixedBpsSlippage(spec.bps)
    if isinstance(spec, SpreadFractionSpec):
        return SpreadFractionSlippage(spec.fraction)
    if isinstance(spec, SquareRootSlippage):
        return SquareRootImpact(spec.coefficient, spec.volatility, spec.default_volume)
    return NoSlippage()


def _latency(spec: LatencySpec) -> LatencyModel:
    if isinstance(spec, ConstantLatencySpec):
        return ConstantLatency(spec.ns)
    if isinstance(spec, UniformLatencySpec):
        return UniformLatency(spec.low_ns, spec.high_ns)
    return LogNormalLatency(spec.median_ns, spec.sigma, spec.floor_ns)


def _kinds(spec: StrategySpec) -> tuple[DataKind, ...]:
    data = spec.data
    if isinstance(data, QuotesData):
        return (DataKind.QUOTE,)
    if isinstance(data, BarsData):
        return {"quotes": (DataKind.QUOTE,), "trades": (DataKind.TRADE,), "bars": (DataKind.BAR,)}[
            data.source
        ]
    return (DataKind.TRADE,)


def backtest_config(
    spec: StrategySpec,
    *,
    instruments: Sequence[str] | None = None,
    start: int | None = None,
    end: int | None = None,
    seed: int = 0,
    initial_cash: float = 1_000_000.0,
    base_currency: str = "USD",
    kinds: Sequence[DataKind] | None = None,
) -> BacktestConfig:
    """The `BacktestConfig` the spec asks for: its data kinds, fees, slippage and latency.

    `instruments` defaults to the spec's instrument; `kinds` to what its data
    section replays (quotes, trades or stored bars). The rest of the exchange
    (depth, queue, risk limits) keeps the engine's defaults.
    """
    names = tuple(instruments) if instruments else ((spec.instrument,) if spec.instrument else ())
    if not names:
        raise InputError(
            "instruments", [], "an instrument id", hint="the spec names none: pass instruments="
        )
    simulation = spec.simulation
    latency = simulation.latency
    return BacktestConfig(
        instruments=names,
        kinds=tuple(kinds) if kinds else _kinds(spec),
        start=start,
        end=end,
        initial_cash=initial_cash,
        base_currency=base_currency,
        seed=seed,
        exchange=ExchangeConfig(
            fees=_fees(simulation.fees), slippage=_slippage(simulation.slippage)
        ),
        latency=LatencyProfile(
            market_data=_latency(latency.market_data),
            order_entry=_latency(latency.order_entry),
            report=_latency(latency.report),
        ),
    )


def run_spec(
    catalog: Catalog,
    spec: StrategySpec,
    *,
    params: Mapping[str, object] | None = None,
    instruments: Sequence[str] | None = None,
    start: int | None = None,
    end: int | None = None,
    seed: int = 0,
    initial_cash: float = 1_000_000.0,
) -> RunResult:
    """Compile `spec` and run it over the catalog with the config it asks for."""
    config = backtest_config(
        spec, instruments=instruments, start=start, end=end, seed=seed, initial_cash=initial_cash
    )
    return run_backtest(catalog, compile_strategy(spec), config, params)
