"""A backtest described in a TOML file: what to run, over which data, under which assumptions.

The same settings the ``tickdeck backtest`` options give, as a file a quant
keeps next to the strategy. Command-line options override the file. The
strategy is named the way the command names it: ``FILE.py:Class``,
``module:Class``, a template name, or a JSON spec file.

Example::

    strategy = "sma_crossover"
    instruments = ["EURUSD.DUKA"]
    start = "2024-01-02"
    cash = 100_000
    seed = 7

    [params]
    fast = 20
    slow = 100

    [simulation.fees]
    type = "bps"
    bps = 0.2

    [simulation.latency]
    order_entry = "5ms"          # a duration is a constant latency

    [fills]
    queue = "probabilistic"

    [risk]
    max_position = 1_000_000
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tickdeck.core import DataKind, InputError, parse_duration, parse_timestamp
from tickdeck.engine import BacktestConfig, load_strategy
from tickdeck.execution import LatencyProfile
from tickdeck.execution.config import ExchangeConfig, RiskLimits, SameBarRule
from tickdeck.execution.matching import SyntheticDepth
from tickdeck.execution.queue import ConservativeQueue, ProbabilisticQueue
from tickdeck.spec._compile import compile_strategy
from tickdeck.spec._config import _fees, _latency, _slippage
from tickdeck.spec._errors import SpecError, problems_from
from tickdeck.spec._load import load_spec
from tickdeck.spec._sections import SimulationSpec
from tickdeck.strategy.base import Strategy
from tickdeck.strategy.templates import TEMPLATES

__all__ = ["RunFile", "load_run_file", "resolve_strategy"]

_CONFIG = ConfigDict(extra="forbid", frozen=True)
_Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
_KINDS = Literal["quotes", "trades", "bars", "book_deltas", "book_snapshots"]


class FillsSection(BaseModel):
    """Fill assumptions beyond fees, slippage and latency (docs/fills.md)."""

    model_config = _CONFIG
    queue: Literal["conservative", "probabilistic"] = "conservative"
    queue_power: _Positive = 1.0
    same_bar: Literal["stop_first", "target_first", "path"] = "stop_first"
    depth_levels: Annotated[int, Field(ge=1, le=1000)] = 5
    depth_step_ticks: Annotated[int, Field(ge=1)] = 1
    depth_size_multiple: _Positive = 1.0


class RiskSection(BaseModel):
    """Pre-trade limits; absent means no limit."""

    model_config = _CONFIG
    max_position: _Positive | None = None
    max_order_quantity: _Positive | None = None
    max_order_notional: _Positive | None = None
    max_leverage: _Positive | None = None


class RunFile(BaseModel):
    """Everything a backtest needs but the catalog."""

    model_config = _CONFIG
    strategy: str | None = None
    instruments: list[str] = []
    kinds: list[_KINDS] = ["quotes"]
    start: str | None = None
    end: str | None = None
    cash: _Positive = 1_000_000.0
    base_currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "USD"
    seed: Annotated[int, Field(ge=0, lt=2**63)] = 0
    equity_interval: str = "1m"
    params: dict[str, bool | int | float | str] = {}
    simulation: SimulationSpec = SimulationSpec()
    fills: FillsSection = FillsSection()
    risk: RiskSection = RiskSection()

    def backtest_config(self) -> BacktestConfig:
        """The engine's config for these settings (InputError naming a bad value)."""
        latency = self.simulation.latency
        queue = (
            ProbabilisticQueue(self.fills.queue_power)
            if self.fills.queue == "probabilistic"
            else ConservativeQueue()
        )
        return BacktestConfig(
            instruments=tuple(self.instruments),
            kinds=tuple(DataKind.parse(k, field="kinds") for k in self.kinds),
            start=parse_timestamp(self.start, field="start") if self.start else None,
            end=parse_timestamp(self.end, field="end") if self.end else None,
            initial_cash=self.cash,
            base_currency=self.base_currency,
            seed=self.seed,
            equity_interval_ns=parse_duration(self.equity_interval, field="equity_interval"),
            exchange=ExchangeConfig(
                depth=SyntheticDepth(
                    self.fills.depth_levels,
                    self.fills.depth_step_ticks,
                    self.fills.depth_size_multiple,
                ),
                fees=_fees(self.simulation.fees),
                slippage=_slippage(self.simulation.slippage),
                queue=queue,
                same_bar=SameBarRule[self.fills.same_bar.upper()],
                risk=RiskLimits(**self.risk.model_dump()),
            ),
            latency=LatencyProfile(
                market_data=_latency(latency.market_data),
                order_entry=_latency(latency.order_entry),
                report=_latency(latency.report),
            ),
        )


def _durations_as_latencies(data: dict[str, Any], source: str) -> dict[str, Any]:
    # "5ms" reads better in a file than {type = "constant", ns = 5000000}.
    simulation = data.get("simulation")
    if not isinstance(simulation, dict) or not isinstance(simulation.get("latency"), dict):
        return data
    legs = dict(simulation["latency"])
    for leg, setting in legs.items():
        if isinstance(setting, str):
            try:
                ns = 0 if setting.strip() == "0" else parse_duration(setting)
            except InputError:
                expected = "a duration such as 500us, 5ms or 1s, or a latency table"
                raise SpecError(
                    [(f"simulation.latency.{leg}", setting, expected, None)], source=source
                ) from None
            legs[leg] = {"type": "constant", "ns": ns}
    return {**data, "simulation": {**simulation, "latency": legs}}


def parse_run_file(data: dict[str, Any], *, source: str = "run file") -> RunFile:
    """Validated settings from a decoded TOML document; SpecError names each bad key.

    A latency given as a duration string (``order_entry = "5ms"``) is a
    constant latency.
    """
    data = _durations_as_latencies(data, source)
    try:
        return RunFile.model_validate(data)
    except ValidationError as exc:
        raise SpecError(problems_from(exc, RunFile), source=source) from None


def load_run_file(path: str | Path) -> RunFile:
    """The settings in a TOML file; errors name the file, and the line or the key."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError("--config", str(file), "a readable TOML file", hint=exc.strerror) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError("--config", str(file), "valid TOML", hint=str(exc)) from None
    return parse_run_file(data, source=str(file))


def resolve_strategy(name: str) -> type[Strategy]:
    """The strategy class `name` stands for: a template, a JSON spec file, or a class path."""
    if name in TEMPLATES:
        return TEMPLATES[name]
    if name.endswith(".json"):
        return compile_strategy(load_spec(name))
    if ":" not in name:
        raise InputError(
            "strategy",
            name,
            "FILE.py:ClassName, module:ClassName, a spec .json file or a template name",
            hint=f"templates: {', '.join(sorted(TEMPLATES))}",
        )
    return load_strategy(name)
