"""`SyntheticTicks`: generated trades, quotes and book snapshots, as the catalog stores them.

Every generator returns tables in the canonical layouts of `tickdeck.core`
(TRADE, QUOTE, BOOK_SNAPSHOT), so synthetic data takes exactly the path real
data takes: catalog, replay, resampling, the engine.

Until the catalog records provenance, synthetic data is told apart by its
instrument: `synthetic_instrument` appends ``-SYN`` to the venue
(``ACME.XNAS`` -> ``ACME.XNAS-SYN``), with the same tick and lot grids, and
`is_synthetic` recognises such ids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from tickdeck.core import BOOK_SNAPSHOT_DEPTH, DataKind, InputError, Instrument, layout
from tickdeck.data.catalog import Catalog, WriteSummary

__all__ = [
    "SYNTHETIC_VENUE_SUFFIX",
    "SyntheticTicks",
    "is_synthetic",
    "synthetic_instrument",
    "write_to_catalog",
]

#: Appended to the venue of an instrument whose data is generated.
SYNTHETIC_VENUE_SUFFIX = "-SYN"

_KINDS = (DataKind.TRADE, DataKind.QUOTE, DataKind.BOOK_SNAPSHOT)


def synthetic_instrument(instrument: Instrument) -> Instrument:
    """The instrument that holds generated data modelled on `instrument` (same grids)."""
    if is_synthetic(instrument.id):
        return instrument
    venue = instrument.venue + SYNTHETIC_VENUE_SUFFIX
    if len(venue) > 32:
        raise InputError("venue", instrument.venue, "at most 28 characters for a synthetic copy")
    return Instrument(
        instrument.symbol,
        venue,
        instrument.tick_size,
        instrument.lot_size,
        instrument.multiplier,
        instrument.currency,
        instrument.asset_class,
    )


def is_synthetic(instrument_id: str) -> bool:
    """Whether an instrument id names generated data (its venue ends in ``-SYN``)."""
    _, venue = Instrument.parse_id(instrument_id)
    return venue.upper().endswith(SYNTHETIC_VENUE_SUFFIX)


def empty_table(kind: DataKind) -> pa.Table:
    """A table of `kind` with no rows."""
    return layout(kind).arrow_schema.empty_table()


def table_of(kind: DataKind, columns: dict[str, npt.NDArray[np.generic]]) -> pa.Table:
    """A table of `kind` from numpy columns named as in its layout (zero-copy)."""
    schema = layout(kind).arrow_schema
    return pa.Table.from_arrays([pa.array(columns[name]) for name in schema.names], schema=schema)


def book_table(
    ts_event: npt.NDArray[np.int64],
    ts_recv: npt.NDArray[np.int64],
    prices: npt.NDArray[np.float64],
    sizes: npt.NDArray[np.float64],
    levels: int,
) -> pa.Table:
    """A BOOK_SNAPSHOT table from (rows, 2 * levels) prices and sizes, columns level-major.

    Column ``2 * level + side`` (side 0 bid, 1 ask); levels beyond `levels`
    are empty: NaN price, size 0, as the layout says.
    """
    rows = ts_event.shape[0]
    columns: dict[str, npt.NDArray[np.generic]] = {"ts_event": ts_event, "ts_recv": ts_recv}
    for side_index, side in enumerate(("bid", "ask")):
        for level in range(BOOK_SNAPSHOT_DEPTH):
            if level < levels:
                price = np.ascontiguousarray(prices[:, 2 * level + side_index])
                size = np.ascontiguousarray(sizes[:, 2 * level + side_index])
            else:
                price = np.full(rows, np.nan)
                size = np.zeros(rows)
            columns[f"{side}_price_{level}"] = price
            columns[f"{side}_size_{level}"] = size
    return table_of(DataKind.BOOK_SNAPSHOT, columns)


@dataclass(frozen=True)
class SyntheticTicks:
    """Generated data of one instrument: trades, quotes and (maybe empty) book snapshots.

    Each table is in its kind's canonical layout, sorted by ``ts_event``
    (``ts_recv`` is ``ts_event`` plus a constant delay, so also by receipt).
    """

    trades: pa.Table
    quotes: pa.Table
    book: pa.Table

    @staticmethod
    def empty() -> SyntheticTicks:
        return SyntheticTicks(*(empty_table(k) for k in _KINDS))

    @property
    def tables(self) -> dict[DataKind, pa.Table]:
        """The three tables by kind."""
        return {
            DataKind.TRADE: self.trades,
            DataKind.QUOTE: self.quotes,
            DataKind.BOOK_SNAPSHOT: self.book,
        }

    @property
    def num_ticks(self) -> int:
        """Trades plus quotes (book snapshots are not counted)."""
        return int(self.trades.num_rows + self.quotes.num_rows)

    @staticmethod
    def concat(parts: Iterable[SyntheticTicks]) -> SyntheticTicks:
        """The parts one after another (their times must not overlap), as chunked tables."""
        chunks = list(parts)
        if not chunks:
            return SyntheticTicks.empty()
        if len(chunks) == 1:
            return chunks[0]
        return SyntheticTicks(
            *(pa.concat_tables([getattr(c, name) for c in chunks])
              for name in ("trades", "quotes", "book"))
        )  # fmt: skip


Progress = Callable[[int], None]


def write_to_catalog(
    catalog: Catalog,
    parts: Iterable[Mapping[Instrument, SyntheticTicks]],
    *,
    progress: Progress | None = None,
) -> list[WriteSummary]:
    """Write generated data, instrument by instrument, in one catalog transaction.

    Each part maps instruments to their ticks (one block of `iter_market`, or
    ``{instrument: part}`` for `iter_ticks_from_bars`); instruments are
    registered if new. `parts` may be a generator: each part is written as
    it comes and ``progress(rows_written_so_far)`` is called after it.
    Nothing is committed if any part fails. Returns one summary per
    instrument and kind written, in order of first write.
    """
    totals: dict[tuple[str, DataKind], list[int]] = {}
    partitions: dict[tuple[str, DataKind], list[str]] = {}
    done = 0
    with catalog.transaction() as tx:
        for part in parts:
            for instrument, ticks in part.items():
                tx.add_instrument(instrument)
                for kind, table in ticks.tables.items():
                    if table.num_rows == 0:
                        continue
                    summary = tx.write(kind, instrument.id, table, synthetic=True)
                    key = (instrument.id, kind)
                    offered, added = totals.get(key, [0, 0])
                    totals[key] = [offered + summary.rows_offered, added + summary.rows_added]
                    partitions.setdefault(key, []).extend(summary.partitions)
                    done += table.num_rows
            if progress is not None:
                progress(done)
    return [
        WriteSummary(kind, name, offered, added, tuple(dict.fromkeys(partitions[name, kind])))
        for (name, kind), (offered, added) in totals.items()
    ]
