"""The compiled path of a strategy spec: the whole backtest in numba kernels, one result.

`run_spec_compiled(catalog, spec, ...)` returns the `RunResult` that
`tickdeck.spec.run_spec` returns for the same spec and data (the same
orders, fills, round trips, equity curve and marks), without a Python call
per event. It covers a defined subset of the spec (`compiled_unsupported`
lists what a given spec needs beyond it) and refuses everything else up
front. docs/spec-compiled.md states the subset, how identity is kept and
tested, and the figures.

Modules: `_support` (the subset), `_data` (events from the catalog),
`_signals` and `_signal_kernels` (indicators and conditions over every
evaluation), `_program` (parameters), `_fill_kernels`, `_exchange_kernels`,
`_strategy_kernels`, `_portfolio_kernels`, `_trip_kernels` and
`_loop_kernels` (the event loop),
`_arena` (its memory), `_result` (the `RunResult`), `_run` (the shell),
`_layout` (the numbers they share), `_cache` (numba's cache kept consistent).
"""

from pathlib import Path

from tickdeck.spec._kernel._cache import refresh_cache

refresh_cache(Path(__file__).parent)  # before any kernel is loaded from numba's cache

from tickdeck.spec._kernel._run import run_spec_compiled  # noqa: E402
from tickdeck.spec._kernel._support import compiled_unsupported  # noqa: E402

__all__ = ["compiled_unsupported", "run_spec_compiled"]
