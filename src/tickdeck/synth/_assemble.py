"""From tick-count arrays to catalog tables: trades, the quotes they hit, book snapshots."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from tickdeck.core import DataKind, Instrument
from tickdeck.core.instrument import grid_of
from tickdeck.synth import _kernels, _path_kernels
from tickdeck.synth.config import Microstructure
from tickdeck.synth.ticks import book_table, empty_table, table_of

__all__ = ["book_snapshots", "lots_to_sizes", "quotes_table", "ticks_to_prices", "trades_table"]

_I64 = npt.NDArray[np.int64]
_I8 = npt.NDArray[np.int8]
_F64 = npt.NDArray[np.float64]


def lots_to_sizes(lots: _I64, step: Decimal) -> _F64:
    """Whole numbers of size steps as the nearest doubles of the exact decimal sizes."""
    k, p = grid_of(step)
    sizes: _F64 = _kernels.grid_values(lots, k, float(10**p))
    return sizes


def ticks_to_prices(instrument: Instrument, ticks: _I64) -> _F64:
    """`Instrument.ticks_to_prices` in one compiled pass (bit-identical, fewer temporaries)."""
    return lots_to_sizes(ticks, instrument.tick_size)


def trades_table(
    instrument: Instrument,
    times: _I64,
    recv_delay_ns: int,
    ticks: _I64,
    sizes: _F64,
    signs: _I8,
    first_id: int,
) -> pa.Table:
    """Trades in the TRADE layout, with ids counting up from `first_id`."""
    return table_of(
        DataKind.TRADE,
        {
            "ts_event": times,
            "ts_recv": times + recv_delay_ns,
            "price": ticks_to_prices(instrument, ticks),
            "size": sizes,
            "aggressor": signs,
            "trade_id": np.arange(first_id, first_id + times.shape[0], dtype=np.int64),
        },
    )


def quotes_table(
    instrument: Instrument,
    times: _I64,
    recv_delay_ns: int,
    bid: _I64,
    ask: _I64,
    bid_lots: _I64,
    ask_lots: _I64,
    step: Decimal,
) -> pa.Table:
    """Quotes in the QUOTE layout."""
    return table_of(
        DataKind.QUOTE,
        {
            "ts_event": times,
            "ts_recv": times + recv_delay_ns,
            "bid_price": ticks_to_prices(instrument, bid),
            "ask_price": ticks_to_prices(instrument, ask),
            "bid_size": lots_to_sizes(bid_lots, step),
            "ask_size": lots_to_sizes(ask_lots, step),
        },
    )


def book_snapshots(
    rng: np.random.Generator,
    micro: Microstructure,
    instrument: Instrument,
    times: _I64,
    bid: _I64,
    ask: _I64,
    bid_lots: _I64,
    ask_lots: _I64,
    step: Decimal,
) -> pa.Table:
    """Book snapshots with every `micro.book_every`-th quote; empty when `book_levels` is 0."""
    levels = micro.book_levels
    if levels == 0:
        return empty_table(DataKind.BOOK_SNAPSHOT)
    chosen = np.arange(0, times.shape[0], micro.book_every)
    rows = chosen.shape[0]
    uniforms = rng.random(2 * levels * rows)
    exponentials = rng.standard_exponential(2 * levels * rows)
    out_ticks = np.empty((rows, 2 * levels), np.int64)
    out_lots = np.empty((rows, 2 * levels), np.int64)
    _path_kernels.book_levels(
        bid[chosen], ask[chosen], bid_lots[chosen], ask_lots[chosen],
        levels, uniforms, exponentials, out_ticks, out_lots,
    )  # fmt: skip
    prices = ticks_to_prices(instrument, out_ticks)
    sizes = lots_to_sizes(out_lots, step)
    stamps = times[chosen]
    return book_table(stamps, stamps + micro.recv_delay_ns, prices, sizes, levels)
