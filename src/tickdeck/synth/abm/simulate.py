"""`simulate_abm`: a whole agent-based session as catalog-ready tables.

The run is an `AbmMarket` warmed up before ``config.start_ns``, whose book is
recorded as events at the start (`AbmMarket.image`), then advanced to
``config.end_ns``. Every table is in its `tickdeck.core` layout, so
`write_abm_to_catalog` stores them through `Catalog.write` like ingested data:
``order_events`` (L3), ``trades``, ``quotes``, ``book_deltas`` (L2) and
``book_snapshots`` (depth 10). ``ts_recv`` equals ``ts_event``: the
simulated feed has no latency.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from tickdeck.core import DataKind, InputError, layout
from tickdeck.data.catalog import Catalog, WriteMode, WriteSummary
from tickdeck.synth.abm.config import AbmConfig
from tickdeck.synth.abm.market import AbmMarket

__all__ = ["AbmOutput", "simulate_abm", "write_abm_to_catalog"]

#: Data kinds an agent-based run produces, in the order they are written.
KINDS = (
    DataKind.ORDER_EVENT,
    DataKind.TRADE,
    DataKind.QUOTE,
    DataKind.BOOK_DELTA,
    DataKind.BOOK_SNAPSHOT,
)
#: How many `advance` calls a run is cut into (each reports progress once).
_STEPS = 100

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class AbmOutput:
    """A finished agent-based run: its config, seed and the records of each data kind."""

    config: AbmConfig
    seed: int
    order_events: npt.NDArray[np.void]
    trades: npt.NDArray[np.void]
    quotes: npt.NDArray[np.void]
    book_deltas: npt.NDArray[np.void]
    book_snapshots: npt.NDArray[np.void]
    dropped_orders: int

    def records(self, kind: DataKind | str) -> npt.NDArray[np.void]:
        """The records of one data kind (a structured array in its layout's dtype)."""
        kind = DataKind.parse(kind, field="kind")
        if kind not in KINDS:
            raise InputError("kind", kind.label, f"one of {[k.label for k in KINDS]}")
        return {
            DataKind.ORDER_EVENT: self.order_events,
            DataKind.TRADE: self.trades,
            DataKind.QUOTE: self.quotes,
            DataKind.BOOK_DELTA: self.book_deltas,
            DataKind.BOOK_SNAPSHOT: self.book_snapshots,
        }[kind]

    def table(self, kind: DataKind | str) -> pa.Table:
        """The records of one data kind as an Arrow table in the catalog's schema."""
        records = self.records(kind)
        schema = layout(kind).arrow_schema
        return pa.Table.from_arrays([pa.array(records[n]) for n in schema.names], schema=schema)


def simulate_abm(config: AbmConfig, seed: int, *, progress: Progress | None = None) -> AbmOutput:
    """Run the agent-based market of `config` with `seed` over its period.

    `progress`, if given, is called as ``progress(done_ns, total_ns)`` after
    each of about 100 steps of simulated time. The same config and seed give
    byte-identical records.
    """
    market = AbmMarket(config, seed)
    # Events stay as kernel rows until the end: one conversion instead of one per step.
    market._emit_image()
    total = config.duration_ns
    step = max(total // _STEPS, 1)
    done = 0
    while done < total:
        done = min(done + step, total)
        market._run(config.start_ns + done)
        if progress is not None:
            progress(done, total)
    events = market._collect()
    return AbmOutput(
        config=config,
        seed=int(seed),
        order_events=events.order_events,
        trades=events.trades,
        quotes=events.quotes,
        book_deltas=events.book_deltas,
        book_snapshots=events.book_snapshots,
        dropped_orders=market.dropped_orders,
    )


def write_abm_to_catalog(
    catalog: Catalog, output: AbmOutput, *, mode: WriteMode = "merge"
) -> list[WriteSummary]:
    """Store a run's instrument and its five tables in `catalog`, in one transaction."""
    instrument = output.config.instrument
    with catalog.transaction() as tx:
        tx.add_instrument(instrument)
        return [
            tx.write(k, instrument.id, output.table(k), mode=mode, synthetic=True) for k in KINDS
        ]
