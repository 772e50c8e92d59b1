"""Run settings from `--config FILE.toml` with the command line's options on top.

Shared by `tickdeck backtest` and `tickdeck sweep`, so that both read the
same file the same way and name a bad option the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tickdeck.core import InputError, parse_duration
from tickdeck.spec import RunFile, load_run_file, parse_run_file

__all__ = ["parse_params", "run_settings"]

_LATENCY_OPTIONS = {
    "order_entry": "--latency",
    "market_data": "--market-data-latency",
    "report": "--report-latency",
}


def parse_params(pairs: list[str] | None) -> dict[str, str]:
    """``--param NAME=VALUE`` options as a mapping (values are parsed by the strategy)."""
    values: dict[str, str] = {}
    for pair in pairs or []:
        name, equals, value = pair.partition("=")
        if not equals or not name.strip():
            raise InputError("--param", pair, "NAME=VALUE, e.g. --param fast=20")
        values[name.strip()] = value.strip()
    return values


def run_settings(
    config: Path | None,
    overrides: dict[str, Any],
    *,
    fee_bps: float | None = None,
    fee_per_unit: float | None = None,
    slippage_bps: float | None = None,
    latencies: dict[str, str | None] | None = None,
) -> tuple[str, RunFile]:
    """The strategy reference and the settings: the file's (defaults without one) with
    every option given on top.

    `overrides` maps settings (``"fills.queue"`` for a nested one) to option
    values, None meaning not given. The fee, slippage and latency options
    replace the simulation's models; a latency is a constant duration.
    Raises InputError when no strategy or no instrument is named anywhere.
    """
    if fee_bps is not None and fee_per_unit is not None:
        raise InputError("--fee-bps", fee_bps, "either --fee-bps or --fee-per-unit, not both")
    merged = (load_run_file(config) if config is not None else RunFile()).model_dump()
    for key, value in overrides.items():
        if value is None:
            continue
        section, _, name = key.partition(".")
        if name:
            merged[section] = {**merged[section], name: value}
        else:
            merged[key] = value
    simulation = merged["simulation"]
    if fee_bps is not None:
        simulation["fees"] = {"type": "bps", "bps": fee_bps}
    if fee_per_unit is not None:
        simulation["fees"] = {"type": "per_unit", "per_unit": fee_per_unit}
    if slippage_bps is not None:
        simulation["slippage"] = {"type": "bps", "bps": slippage_bps}
    for leg, value in (latencies or {}).items():
        if value is not None:
            field = _LATENCY_OPTIONS[leg]
            ns = 0 if value.strip() == "0" else parse_duration(value, field=field)
            simulation["latency"][leg] = {"type": "constant", "ns": ns}
    settings = parse_run_file(merged, source="command line and config")
    if settings.strategy is None:
        raise InputError("strategy", None, "a strategy argument, or `strategy =` in --config")
    if not settings.instruments:
        raise InputError("--instrument", None, "at least one instrument (or `instruments =`)")
    return settings.strategy, settings
