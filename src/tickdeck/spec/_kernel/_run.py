"""`run_spec_compiled`: a spec's whole backtest in compiled kernels, with `run_spec`'s result.

The shell validates (the spec is in the compiled subset, the run has one
instrument, the parameters and instrument are those `run_spec` would
accept), reads the events once, computes every evaluation's rules
(`_signals`), lowers the spec to parameter arrays (`_program`), and runs
the event loop (`_loop_kernels.run_loop`), growing its arenas whenever
the loop asks for room. The records then become a `RunResult`
(`_result`).

`prepare` and `run_prepared` split the same steps so that a grid of
parameter sets reads the data once (the benchmarks use them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tickdeck.core import InputError, Instrument
from tickdeck.data.catalog import Catalog
from tickdeck.engine import BacktestConfig

# The engine's own accounting of what a run read, reused so the two paths cannot drift.
from tickdeck.engine.backtest import _fingerprint, _synthetic_events
from tickdeck.portfolio import Portfolio
from tickdeck.results.run import RunResult
from tickdeck.spec._compile import SpecStrategy, compile_strategy
from tickdeck.spec._config import backtest_config
from tickdeck.spec._kernel import _layout as layout
from tickdeck.spec._kernel._arena import allocate, grow, rows
from tickdeck.spec._kernel._data import MarketEvents, load_events
from tickdeck.spec._kernel._loop_kernels import run_loop
from tickdeck.spec._kernel._program import parameters
from tickdeck.spec._kernel._result import KernelRecords, run_result
from tickdeck.spec._kernel._signal_kernels import frozen
from tickdeck.spec._kernel._signals import rule_bits, volatility
from tickdeck.spec._kernel._support import compiled_unsupported
from tickdeck.spec._kernel._trip_kernels import T_COLUMNS, TF_COLUMNS, round_trips
from tickdeck.spec._model import StrategySpec
from tickdeck.spec._parameters import with_parameters
from tickdeck.spec._sections import VolatilityTargetSizing
from tickdeck.strategy.params import bind

__all__ = ["Prepared", "prepare", "run_prepared", "run_spec_compiled"]

_F64 = npt.NDArray[np.float64]
_I64 = npt.NDArray[np.int64]
_NO_SIGMA = frozen(np.empty(0, np.float64))


@dataclass(frozen=True)
class Prepared:
    """A run's validated settings and its events, ready for one or more parameter sets."""

    spec: StrategySpec
    config: BacktestConfig
    instrument: Instrument
    events: MarketEvents
    strategy: type[SpecStrategy]
    fingerprint: str
    synthetic_events: int


def _refuse(spec: StrategySpec) -> None:
    problems = compiled_unsupported(spec)
    if problems:
        raise InputError(
            "spec",
            spec.name,
            "a spec within the compiled path's subset",
            hint="; ".join(problems) + " (run_spec runs it in the event-driven engine)",
        )


def _resolve(name: str, available: tuple[str, ...]) -> str:
    """`SpecStrategy._resolve`: the spec's instrument among the run's."""
    if not name:
        if len(available) != 1:
            raise InputError(
                "instrument",
                name,
                "an instrument id",
                hint=f"the run has {list(available)}: say which one the spec trades",
            )
        return available[0]
    if name not in available:
        raise InputError("instrument", name, f"one of the run's instruments {list(available)}")
    return name


def prepare(
    catalog: Catalog,
    spec: StrategySpec,
    *,
    instruments: Sequence[str] | None = None,
    start: int | None = None,
    end: int | None = None,
    seed: int = 0,
    initial_cash: float = 1_000_000.0,
) -> Prepared:
    """Check that `spec` can be compiled for this run and read its events once."""
    _refuse(spec)
    config = backtest_config(
        spec, instruments=instruments, start=start, end=end, seed=seed, initial_cash=initial_cash
    )
    if len(config.instruments) != 1:
        raise InputError(
            "instruments",
            list(config.instruments),
            "exactly one instrument (the compiled path replays one)",
            hint="run_spec replays several",
        )
    name = config.instruments[0]
    instrument = catalog.instrument(name)
    # The engine's account refuses what it cannot book (a foreign currency without fx).
    Portfolio({name: instrument}, initial_cash=initial_cash, base_currency=config.base_currency)
    events = load_events(catalog, config, spec, name)
    return Prepared(
        spec,
        config,
        instrument,
        events,
        compile_strategy(spec),
        _fingerprint(catalog, config),
        _synthetic_events(catalog, config, events.last_recv, True),
    )


def _initial_state(config: BacktestConfig, mi: _I64, mf: _F64) -> None:
    """The loop's state before the first event, written into the headers."""
    mi[: layout.PI_MODE] = 0
    mi[layout.SI_LAST_ARRIVAL] = layout.EARLIEST
    mi[layout.SI_LAST_REPORT] = layout.EARLIEST
    mi[layout.SI_NOW] = config.start or 0
    mi[layout.SI_NEXT_EXPIRY] = layout.NEVER
    mf[: layout.PF_LIMIT_TICK] = np.nan
    mf[layout.SF_CASH] = float(config.initial_cash)
    mf[layout.SF_POSITION] = 0.0
    mf[layout.SF_TARGET] = 0.0
    mf[layout.SF_BID_SIZE] = 0.0
    mf[layout.SF_ASK_SIZE] = 0.0


def _expected_rows(
    events: MarketEvents, rules: npt.NDArray[np.uint8], config: BacktestConfig
) -> dict[str, int]:
    """A guess of the rows the run's regions need: an order per rule that fires, a few
    fills each, a sample per fill and per sampling interval the data spans."""
    orders = int(np.count_nonzero(rules)) + 64
    span = int(events.delivery[-1] - events.delivery[0]) if events.count else 0
    samples = min(events.count, span // config.equity_interval_ns + 2) + 3 * orders
    return {"orders": orders, "fills": 3 * orders, "closed": 3 * orders, "samples": samples}


def _failure(mi: _I64, mf: _F64) -> InputError:
    """The error the event-driven path raises where the kernel stopped."""
    where = f"at event {int(mi[layout.SI_ERROR_AT])}"
    if mi[layout.SI_ERROR] == layout.ERROR_SAMPLE_TIME:
        return InputError(
            "ts",
            int(mi[layout.SI_NOW]),
            "a time at or after the previous sample",
            hint=f"a report reached the strategy before an earlier delivery {where}",
        )
    return InputError(
        "fill.price", float(mf[layout.SF_ERROR_VALUE]), "a positive finite price", hint=where
    )


def execute(prepared: Prepared, spec: StrategySpec) -> KernelRecords:
    """Run `spec` (the prepared spec with its parameters written in) over the prepared events."""
    events = prepared.events
    fields = events.evaluations
    rules = rule_bits(spec, fields)
    sizing = spec.sizing
    sigma = (
        volatility(fields.price, sizing.period)
        if isinstance(sizing, VolatilityTargetSizing)
        else _NO_SIGMA
    )
    header_i, header_f = parameters(spec, prepared.config, prepared.instrument, events.mode)
    _initial_state(prepared.config, header_i, header_f)
    levels = int(header_i[layout.PI_LEVELS])
    arenas = allocate(header_i, header_f, levels, _expected_rows(events, rules, prepared.config))
    while True:
        status = run_loop(
            events.venue,
            events.delivery,
            *events.columns,
            events.evaluation_at,
            fields.price,
            rules,
            sigma,
            *arenas,
        )
        if status == layout.DONE:
            break
        if status == layout.FAILED:
            raise _failure(*arenas)
        arenas = grow(arenas, levels)
    mi, _mf = arenas
    orders = int(mi[layout.SI_ORDERS])
    fills = int(mi[layout.SI_FILLS])
    samples = int(mi[layout.SI_SAMPLES])
    closed = int(mi[layout.SI_CLOSED])
    trips = np.empty((closed, T_COLUMNS), np.int64)
    trips_f = np.empty((closed, TF_COLUMNS), np.float64)
    count = round_trips(
        np.ascontiguousarray(
            rows(arenas, layout.SI_CLOSED_AT, layout.C_COLUMNS, closed, floats=False)
        ),
        np.ascontiguousarray(
            rows(arenas, layout.SI_CLOSED_F_AT, layout.CF_COLUMNS, closed, floats=True)
        ),
        trips,
        trips_f,
    )
    return KernelRecords(
        orders_i=rows(arenas, layout.SI_ORDERS_AT, layout.O_COLUMNS, orders, floats=False),
        orders_f=rows(arenas, layout.SI_ORDERS_F_AT, layout.OF_COLUMNS, orders, floats=True),
        fills_i=rows(arenas, layout.SI_FILLS_AT, layout.F_COLUMNS, fills, floats=False),
        fills_f=rows(arenas, layout.SI_FILLS_F_AT, layout.FF_COLUMNS, fills, floats=True),
        sample_ts=rows(arenas, layout.SI_SAMPLES_AT, 1, samples, floats=False)[:, 0],
        samples=rows(arenas, layout.SI_SAMPLES_F_AT, layout.S_COLUMNS, samples, floats=True),
        trips_i=trips[:count],
        trips_f=trips_f[:count],
    )


def run_prepared(prepared: Prepared, params: Mapping[str, object] | None = None) -> RunResult:
    """The `RunResult` of the prepared run with `params` (the spec's parameter names)."""
    strategy = prepared.strategy
    bound = bind(strategy, params)
    active = with_parameters(prepared.spec, bound)
    _refuse(active)
    _resolve(active.instrument, prepared.config.instruments)
    records = execute(prepared, active)
    return run_result(
        records=records,
        config=prepared.config,
        strategy=strategy.__qualname__,
        params=bound,
        instrument=prepared.instrument,
        events=prepared.events.count,
        fingerprint=prepared.fingerprint,
        synthetic_events=prepared.synthetic_events,
    )


def run_spec_compiled(
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
    """`run_spec`'s result, computed by compiled kernels without a Python call per event.

    Same arguments and the same `RunResult` (orders, fills, round trips,
    equity, marks) as `tickdeck.spec.run_spec`, for specs within the compiled
    subset (`compiled_unsupported` lists what a spec needs beyond it); any
    other spec, or a run of several instruments, is refused with an
    `InputError` naming the reasons. docs/spec-compiled.md describes the subset.
    """
    prepared = prepare(
        catalog,
        spec,
        instruments=instruments,
        start=start,
        end=end,
        seed=seed,
        initial_cash=initial_cash,
    )
    return run_prepared(prepared, params)
