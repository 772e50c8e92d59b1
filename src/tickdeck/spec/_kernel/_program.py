"""A spec, its run's config and its instrument, lowered to the kernels' parameter arrays.

Every number is the one the event-driven path would use: the fee and
slippage models' fields as `backtest_config` builds them, the exchange's
depth and session end from the config, the instrument's exact tick grid
(`grid_of`), and the spec's sizing, risk and execution sections.
"""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from tickdeck.core import Instrument, TimeInForce
from tickdeck.core.instrument import grid_of
from tickdeck.engine import BacktestConfig
from tickdeck.spec._kernel import _layout as layout
from tickdeck.spec._model import StrategySpec
from tickdeck.spec._sections import (
    BpsFees,
    BpsSlippage,
    ConstantLatencySpec,
    FixedSizing,
    MakerTakerFees,
    PercentOfEquitySizing,
    PerUnitFees,
    RiskPercentSizing,
    SpreadFractionSlippage,
    SquareRootSlippage,
    VolatilityTargetSizing,
)

__all__ = ["parameters"]

_F64 = npt.NDArray[np.float64]
_I64 = npt.NDArray[np.int64]
_NS_PER_SECOND = 1e9


def _latency_ns(spec: object) -> int:
    assert isinstance(spec, ConstantLatencySpec)  # the support check refuses the others
    return int(spec.ns)


def _decimals(tick: float | None) -> int:
    """Decimals of the spec's tick size, as `Orders` computes them."""
    if tick is None:
        return 0
    exponent = Decimal(repr(tick)).as_tuple().exponent
    return max(0, -int(exponent)) if isinstance(exponent, int) else 0


def _costs(spec: StrategySpec, pi: _I64, pf: _F64) -> None:
    fees = spec.simulation.fees
    if isinstance(fees, BpsFees):
        pi[layout.PI_FEES], pf[layout.PF_FEE_A] = layout.FEES_BPS, fees.bps
    elif isinstance(fees, PerUnitFees):
        pi[layout.PI_FEES] = layout.FEES_PER_UNIT
        pf[layout.PF_FEE_A], pf[layout.PF_FEE_B] = fees.per_unit, fees.minimum
    elif isinstance(fees, MakerTakerFees):
        pi[layout.PI_FEES] = layout.FEES_MAKER_TAKER
        pf[layout.PF_FEE_A], pf[layout.PF_FEE_B] = fees.maker_bps, fees.taker_bps
    slippage = spec.simulation.slippage
    if isinstance(slippage, BpsSlippage):
        pi[layout.PI_SLIPPAGE], pf[layout.PF_SLIP_A] = layout.SLIPPAGE_BPS, slippage.bps
    elif isinstance(slippage, SpreadFractionSlippage):
        pi[layout.PI_SLIPPAGE], pf[layout.PF_SLIP_A] = layout.SLIPPAGE_SPREAD, slippage.fraction
    elif isinstance(slippage, SquareRootSlippage):
        pi[layout.PI_SLIPPAGE] = layout.SLIPPAGE_SQUARE_ROOT
        pf[layout.PF_SLIP_A], pf[layout.PF_SLIP_B] = slippage.coefficient, slippage.volatility
        volume = slippage.default_volume
        pf[layout.PF_SLIP_C] = math.nan if volume is None else volume


def _sizing(spec: StrategySpec, pi: _I64, pf: _F64) -> None:
    sizing = spec.sizing
    if isinstance(sizing, FixedSizing):
        pi[layout.PI_SIZING], pf[layout.PF_QUANTITY] = layout.SIZING_FIXED, sizing.quantity
        return
    if isinstance(sizing, PercentOfEquitySizing):
        pi[layout.PI_SIZING], pf[layout.PF_PERCENT] = layout.SIZING_PERCENT, sizing.percent
    elif isinstance(sizing, RiskPercentSizing):
        pi[layout.PI_SIZING], pf[layout.PF_PERCENT] = layout.SIZING_RISK, sizing.percent
    elif isinstance(sizing, VolatilityTargetSizing):
        pi[layout.PI_SIZING] = layout.SIZING_VOLATILITY
        pf[layout.PF_PERCENT] = sizing.annual_percent
        pf[layout.PF_PERIODS_PER_YEAR] = sizing.periods_per_year
    pf[layout.PF_SIZE_LOT] = sizing.lot
    pf[layout.PF_RISK_STOP] = spec.risk.stop_loss_percent or math.inf


def _risk(spec: StrategySpec, pi: _I64, pf: _F64) -> None:
    risk = spec.risk
    for flag, slot, value in (
        (layout.PI_STOP, layout.PF_STOP, risk.stop_loss_percent),
        (layout.PI_TAKE, layout.PF_TAKE, risk.take_profit_percent),
        (layout.PI_TRAIL, layout.PF_TRAIL, risk.trailing_stop_percent),
        (layout.PI_CAP, layout.PF_CAP, risk.max_position),
    ):
        if value is not None:
            pi[flag], pf[slot] = 1, value
    pi[layout.PI_MAX_BARS] = risk.exit_after_bars or 0
    pi[layout.PI_MAX_NS] = layout.NEVER
    if risk.exit_after_seconds is not None:
        # `now - entry >= seconds * 1e9` in Python compares an int with a float exactly:
        # for whole ns that is `>= ceil(seconds * 1e9)`.
        threshold = math.ceil(risk.exit_after_seconds * _NS_PER_SECOND)
        pi[layout.PI_MAX_NS] = min(threshold, layout.NEVER - 1)
    pi[layout.PI_HAS_RISK] = int(
        any(
            v is not None
            for v in (
                risk.stop_loss_percent,
                risk.take_profit_percent,
                risk.trailing_stop_percent,
                risk.exit_after_bars,
                risk.exit_after_seconds,
            )
        )
    )


def parameters(
    spec: StrategySpec, config: BacktestConfig, instrument: Instrument, mode: int
) -> tuple[_I64, _F64]:
    """The arenas' headers with the run's parameters (`PI_*`, `PF_*`) written in."""
    pi = np.zeros(layout.HEADER_I, np.int64)
    pf = np.full(layout.HEADER_F, math.nan)
    k, p = grid_of(instrument.tick_size)
    execution = spec.execution
    depth = config.exchange.depth
    latency = spec.simulation.latency
    pi[layout.PI_MODE] = mode
    pi[layout.PI_EVERY] = int(mode == layout.MODE_QUOTES)
    pi[layout.PI_LIMIT] = int(execution.order_type == "limit")
    pi[layout.PI_TIF] = int(TimeInForce.parse(execution.time_in_force))
    pi[layout.PI_OFFSET] = execution.limit_offset_ticks
    pi[layout.PI_DECIMALS] = _decimals(execution.tick_size)
    pi[layout.PI_LEVELS] = depth.levels
    pi[layout.PI_STEP_TICKS] = depth.step_ticks
    pi[layout.PI_K] = k
    pi[layout.PI_ORDER_LATENCY] = _latency_ns(latency.order_entry)
    pi[layout.PI_REPORT_LATENCY] = _latency_ns(latency.report)
    pi[layout.PI_EQUITY_INTERVAL] = config.equity_interval_ns
    pi[layout.PI_SESSION_END] = config.exchange.session_end_ns
    pf[layout.PF_LIMIT_TICK] = math.nan if execution.tick_size is None else execution.tick_size
    pf[layout.PF_TICK] = float(instrument.tick_size)
    pf[layout.PF_SCALE] = float(10**p)
    pf[layout.PF_KF] = float(k)
    pf[layout.PF_LOT] = float(instrument.lot_size)
    pf[layout.PF_MULTIPLIER] = float(instrument.multiplier)
    pf[layout.PF_FLAT] = float(instrument.lot_size) * 1e-9
    pf[layout.PF_DEPTH_MULTIPLE] = depth.size_multiple
    pf[layout.PF_INITIAL_CASH] = float(config.initial_cash)
    _costs(spec, pi, pf)
    _sizing(spec, pi, pf)
    _risk(spec, pi, pf)
    return pi, pf
