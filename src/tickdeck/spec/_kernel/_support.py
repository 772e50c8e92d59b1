"""What the compiled path runs, and the reasons it refuses the rest.

The compiled path restates the event-driven path for a defined subset;
anything outside it is refused before the run (`compiled_unsupported` lists
why), never run differently. The subset: one instrument; quotes, bars built
from quotes, or stored bars; every indicator, condition, sizing, risk exit,
order type, time in force, fee and slippage model of the spec; constant
latencies.
"""

from __future__ import annotations

from tickdeck.spec._model import StrategySpec
from tickdeck.spec._sections import (
    BarsData,
    ConstantLatencySpec,
    SquareRootSlippage,
    TradesData,
)

__all__ = ["compiled_unsupported"]


def compiled_unsupported(spec: StrategySpec) -> list[str]:
    """The features of `spec` the compiled path does not run, one sentence each (empty: none).

    `tickdeck.spec.run_spec_compiled` refuses a spec with any; `run_spec`
    runs every spec.
    """
    problems: list[str] = []
    data = spec.data
    if isinstance(data, TradesData):
        problems.append("data.type 'trades': the compiled path evaluates quotes or bars")
    elif isinstance(data, BarsData) and data.source == "trades":
        problems.append("data.source 'trades': bars built from trades (quotes or bars only)")
    for leg in ("market_data", "order_entry", "report"):
        latency = getattr(spec.simulation.latency, leg)
        if not isinstance(latency, ConstantLatencySpec):
            problems.append(
                f"simulation.latency.{leg}: {latency.type} latency "
                "(random draws; only constant latencies are compiled)"
            )
    slippage = spec.simulation.slippage
    if isinstance(slippage, SquareRootSlippage) and slippage.default_volume is None:
        problems.append(
            "simulation.slippage: square_root without default_volume "
            "(quotes and bars carry no traded volume to measure it)"
        )
    return problems
