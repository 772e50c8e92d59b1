"""Stochastic markets without input data: `simulate_market` runs a `MarketModel`.

The efficient log price of each instrument moves in steps of
`MarketModel.step_ns`; trades arrive (Poisson or Hawkes, seasonal, scaled by
the regime's activity) and each hits the quote standing around the efficient
price at its time, so trades, quotes and book snapshots come out in the
catalog's layouts.

Time is simulated one UTC day (a *block*) at a time; block b draws from
``default_rng(SeedSequence(seed, spawn_key=(b,)))`` and hands its state to the
next, so `iter_market` (block by block, for progress and streaming writes)
and `simulate_market` (all at once) give byte-identical output for a seed.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from tickdeck.core import InputError, Instrument
from tickdeck.synth import _kernels, _market_kernels
from tickdeck.synth._arrivals import draw_positions
from tickdeck.synth._assemble import book_snapshots, lots_to_sizes, quotes_table, trades_table
from tickdeck.synth.bars import check_seed
from tickdeck.synth.models import YEAR_NS, MarketModel
from tickdeck.synth.ticks import SyntheticTicks

__all__ = ["MarketBlock", "SyntheticMarket", "iter_market", "simulate_market"]

_DAY_NS = 86_400_000_000_000
_F64 = npt.NDArray[np.float64]
_REGIME_SCHEMA = pa.schema(
    [pa.field("ts_event", pa.int64(), nullable=False), pa.field("regime", pa.int8(), False)]
)


@dataclass(frozen=True)
class MarketBlock:
    """One simulated UTC day (or part of one): ticks per instrument id, and regime changes."""

    start_ns: int
    end_ns: int
    ticks: dict[str, SyntheticTicks]
    regimes: pa.Table


@dataclass(frozen=True)
class SyntheticMarket:
    """A whole simulation: ticks per instrument id, and when each regime began.

    `regimes` has columns ``ts_event`` (ns) and ``regime`` (an index into
    `regime_names`), one row at the start and one per change.
    """

    ticks: dict[str, SyntheticTicks]
    regimes: pa.Table
    regime_names: tuple[str, ...]


def simulate_market(
    model: MarketModel,
    instruments: Sequence[Instrument],
    *,
    start_ns: int,
    end_ns: int,
    seed: int,
    start_prices: Sequence[float],
) -> SyntheticMarket:
    """Simulate `model` for `instruments` over ``[start_ns, end_ns)``.

    `start_prices` gives each instrument's initial efficient price (> 0).
    """
    blocks = list(
        iter_market(
            model,
            instruments,
            start_ns=start_ns,
            end_ns=end_ns,
            seed=seed,
            start_prices=start_prices,
        )
    )
    ticks = {i.id: SyntheticTicks.concat(b.ticks[i.id] for b in blocks) for i in instruments}
    regimes = pa.concat_tables([b.regimes for b in blocks]).combine_chunks()
    names = tuple(r.name for r in model.regimes.regimes) if model.regimes else ("baseline",)
    return SyntheticMarket(ticks, regimes, names)


def iter_market(
    model: MarketModel,
    instruments: Sequence[Instrument],
    *,
    start_ns: int,
    end_ns: int,
    seed: int,
    start_prices: Sequence[float],
) -> Iterator[MarketBlock]:
    """`simulate_market` one UTC day at a time (arguments validated before the first)."""
    seed = check_seed(seed)
    if not isinstance(model, MarketModel):
        raise InputError("model", model, "a MarketModel")
    chosen = list(instruments)
    if not chosen or not all(isinstance(i, Instrument) for i in chosen):
        raise InputError("instruments", instruments, "one or more Instruments")
    if len({i.id for i in chosen}) != len(chosen):
        raise InputError("instruments", [i.id for i in chosen], "distinct instruments")
    factor = model.cholesky()
    if factor is not None and factor.shape[0] != len(chosen):
        raise InputError(
            "correlation",
            f"{factor.shape[0]}x{factor.shape[0]}",
            f"a {len(chosen)}x{len(chosen)} matrix",
        )
    prices = [float(p) for p in start_prices]
    if len(prices) != len(chosen) or not all(math.isfinite(p) and p > 0 for p in prices):
        raise InputError("start_prices", start_prices, f"{len(chosen)} positive prices")
    for name, value in (("start_ns", start_ns), ("end_ns", end_ns)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InputError(name, value, "a time in ns since 1970")
    if end_ns <= start_ns:
        raise InputError("end_ns", end_ns, f"a time after start_ns={start_ns}")
    return _blocks(model, chosen, factor, start_ns, end_ns, seed, prices)


class _Sim:
    """The state handed from one block to the next."""

    def __init__(self, model: MarketModel, instruments: list[Instrument], prices: list[float]):
        self.regime = model.regimes.initial if model.regimes else 0
        self.states = []
        for price in prices:
            state = np.zeros(_market_kernels.N_STATE)
            state[_market_kernels.X_LOG_PRICE] = math.log(price)
            state[_market_kernels.X_VARIANCE] = 1.0
            state[_market_kernels.X_LAST_MID] = np.nan
            self.states.append(state)
        self.next_ids = [1] * len(instruments)


def _blocks(
    model: MarketModel,
    instruments: list[Instrument],
    factor: _F64 | None,
    start_ns: int,
    end_ns: int,
    seed: int,
    prices: list[float],
) -> Iterator[MarketBlock]:
    sim = _Sim(model, instruments, prices)
    lo = start_ns
    block = 0
    while lo < end_ns:
        hi = min(end_ns, (lo // _DAY_NS + 1) * _DAY_NS)
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block,)))
        yield _block(model, instruments, factor, sim, rng, lo, hi, first=block == 0)
        lo = hi
        block += 1


def _step_activity(model: MarketModel, step_starts: npt.NDArray[np.int64], step_ns: int) -> _F64:
    """Expected trades per step in the baseline regime: the seasonal share of a day's trades."""
    session = model.microstructure.session
    s_open = 0 if session is None else session.open_ns
    s_close = _DAY_NS if session is None else session.close_ns
    day = (step_starts // _DAY_NS) * _DAY_NS
    span = float(s_close - s_open)
    u0 = np.clip((step_starts - day - s_open) / span, 0.0, 1.0)
    u1 = np.clip((step_starts + step_ns - day - s_open) / span, 0.0, 1.0)
    mass = _kernels.seasonal_mass(u0, u1, model.microstructure.seasonality.amplitude)
    activity: _F64 = model.trades_per_day * mass
    return activity


def _block(
    model: MarketModel,
    instruments: list[Instrument],
    factor: _F64 | None,
    sim: _Sim,
    rng: np.random.Generator,
    lo: int,
    hi: int,
    *,
    first: bool,
) -> MarketBlock:
    step = model.step_ns
    n_steps = -(-(hi - lo) // step)
    m = len(instruments)
    starts = lo + step * np.arange(n_steps, dtype=np.int64)
    regimes = np.zeros(n_steps, np.int8)
    entered = np.zeros(n_steps, np.bool_)
    if model.regimes is not None:
        spec = model.regimes.regimes
        exit_probability = np.array([-math.expm1(-step / r.mean_duration_ns) for r in spec])
        sim.regime = _market_kernels.regime_path(
            sim.regime, exit_probability, model.regimes.cumulative(),
            rng.random(2 * n_steps), regimes, entered,
        )  # fmt: skip
        vol_mult = np.array([r.volatility_multiplier for r in spec])
        act_mult = np.array([r.activity_multiplier for r in spec])
        entry_std = np.array([r.entry_jump_std for r in spec])
    else:
        vol_mult = act_mult = np.ones(1)
        entry_std = np.zeros(1)
    shocks = rng.standard_normal((n_steps, m))
    news = rng.standard_normal((n_steps, m))
    if factor is not None:
        shocks = shocks @ factor.T
        news = news @ factor.T
    jumps = news * (entry_std[regimes] * entered)[:, None]
    if model.jumps is not None:
        chance = model.jumps.per_day * step / _DAY_NS
        hit = rng.random((n_steps, m)) < chance
        jumps += hit * (model.jumps.mean + model.jumps.std * rng.standard_normal((n_steps, m)))
    alpha, persistence = (0.0, 1.0) if model.garch is None else model.garch.coefficients(step)
    sigma_step = model.volatility * math.sqrt(step / YEAR_NS)
    drift_step = model.drift * step / YEAR_NS
    activity = _step_activity(model, starts, step) * act_mult[regimes]
    cumulative = np.cumsum(activity)
    changes = np.flatnonzero(entered)
    if first:
        changes = np.concatenate([[0], changes[changes > 0]])
    regime_table = pa.Table.from_arrays(
        [pa.array(starts[changes]), pa.array(regimes[changes])], schema=_REGIME_SCHEMA
    )
    ticks = {}
    for i, instrument in enumerate(instruments):
        path = np.empty(n_steps)
        _market_kernels.log_prices(
            sim.states[i], np.ascontiguousarray(shocks[:, i]), np.ascontiguousarray(jumps[:, i]),
            regimes, vol_mult, sigma_step, drift_step, alpha, persistence, path,
        )  # fmt: skip
        ticks[instrument.id] = _trades(model, instrument, sim, i, rng, path, cumulative, lo, hi)
    return MarketBlock(lo, hi, ticks, regime_table)


def _trades(
    model: MarketModel,
    instrument: Instrument,
    sim: _Sim,
    index: int,
    rng: np.random.Generator,
    path: _F64,
    cumulative: _F64,
    lo: int,
    hi: int,
) -> SyntheticTicks:
    micro = model.microstructure
    total_activity = float(cumulative[-1]) if cumulative.size else 0.0
    zero = np.zeros(1, np.int64)
    cap = np.array([(hi - lo - 1) // 2], np.int64)
    positions, _ = draw_positions(rng, micro.arrivals, np.array([total_activity]), zero, cap)
    times = np.empty(positions.shape[0], np.int64)
    _market_kernels.operational_to_clock(
        positions * total_activity, cumulative, lo, model.step_ns, times
    )
    _kernels.space_out(times, lo, hi - lo)
    n = times.shape[0]
    blocks = model.blocks
    tail = micro.size_tail
    quote_lots = micro.quote_size_lots or 3.0 * model.mean_trade_lots
    prices, signs = np.empty(n, np.int64), np.empty(n, np.int8)
    lots, bid, ask = np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n, np.int64)
    bid_lots, ask_lots = np.empty(n, np.int64), np.empty(n, np.int64)
    k_ticks = float(instrument.ticks_to_prices(1)[()])
    spread = micro.spread
    _market_kernels.trades_on_path(
        sim.states[index], times, lo, model.step_ns, path, 1.0 / k_ticks,
        model.mean_trade_lots, rng.standard_exponential(n), tail,
        rng.random(n),
        1.0 if blocks is None else blocks.size_multiplier,
        0.0 if blocks is None else blocks.share,
        0.0 if blocks is None else blocks.impact_bps * 1e-4,
        rng.random(n), micro.sign_persistence,
        spread.min_ticks, spread.volatility_factor, spread.jitter_ticks, spread.smoothing,
        rng.standard_exponential(n), rng.standard_exponential(2 * n), quote_lots,
        prices, signs, lots, bid, ask, bid_lots, ask_lots,
    )  # fmt: skip
    first_id = sim.next_ids[index]
    sim.next_ids[index] += n
    step = instrument.lot_size
    quote_times = times - 1
    delay = micro.recv_delay_ns
    return SyntheticTicks(
        trades_table(instrument, times, delay, prices, lots_to_sizes(lots, step), signs, first_id),
        quotes_table(instrument, quote_times, delay, bid, ask, bid_lots, ask_lots, step),
        book_snapshots(rng, micro, instrument, quote_times, bid, ask, bid_lots, ask_lots, step),
    )
