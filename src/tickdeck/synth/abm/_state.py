"""The Python side of the kernels: parameter arrays, output buffers, and conversion.

Kernels write int64 rows in ticks and lots (`_kernels` documents the
columns); `Buffers` owns those rows, drains them when full, and `convert`
turns them into the record layouts of `tickdeck.core.schema`, with prices
and sizes put on the instrument's exact decimal grids.
"""

from __future__ import annotations

import functools
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from tickdeck.core import DataKind, Instrument, layout
from tickdeck.core.instrument import grid_of
from tickdeck.synth.abm import _agents as agents
from tickdeck.synth.abm import _kernels as kernels
from tickdeck.synth.abm.config import AbmConfig

__all__ = ["KINDS", "Buffers", "agent_parameters", "convert", "lots_to_sizes", "step_margin"]

_I64 = npt.NDArray[np.int64]
#: Which layout each kind of log row becomes (fill rows become `Fill`s instead).
KINDS = {
    kernels.R_L3: DataKind.ORDER_EVENT,
    kernels.R_TRADE: DataKind.TRADE,
    kernels.R_QUOTE: DataKind.QUOTE,
    kernels.R_DELTA: DataKind.BOOK_DELTA,
}


def agent_parameters(config: AbmConfig) -> tuple[npt.NDArray[np.float64], _I64]:
    """The ``fp`` and ``ip`` arrays of `_agents` for a config."""
    noise, makers = config.noise, config.market_makers
    momentum, value = config.momentum, config.fundamental
    fp = np.zeros(agents.FP_SIZE, dtype=np.float64)
    fp[agents.NL_RATE] = noise.limit_rate_per_s
    fp[agents.NM_RATE] = noise.market_rate_per_s
    fp[agents.NC_RATE] = noise.cancel_rate_per_s
    fp[agents.OFFSET_SCALE] = noise.offset_scale_ticks
    fp[agents.SIZE_MEAN] = noise.size_mean_lots
    fp[agents.MM_RATE] = makers.refresh_rate_per_s
    fp[agents.MM_HALF] = makers.half_spread_ticks
    fp[agents.MM_SKEW] = makers.inventory_skew_ticks
    fp[agents.MO_RATE] = momentum.rate_per_s
    fp[agents.MO_LOOKBACK] = float(momentum.lookback_ns)
    fp[agents.MO_THRESHOLD] = momentum.threshold_ticks
    fp[agents.FU_RATE] = value.rate_per_s
    fp[agents.FU_THRESHOLD] = value.threshold_ticks
    fp[agents.FU_VOL] = value.volatility_ticks_per_sqrt_s
    fp[agents.FU_JUMP_RATE] = value.jump_rate_per_s
    fp[agents.FU_JUMP_SIZE] = value.jump_size_ticks
    ip = np.zeros(agents.IP_SIZE, dtype=np.int64)
    ip[agents.SIZE_MAX] = noise.size_max_lots
    ip[agents.MM_COUNT] = makers.count
    ip[agents.MM_SIZE] = makers.quote_size_lots
    ip[agents.MM_MAX_INV] = makers.max_inventory_lots
    ip[agents.MO_SIZE] = momentum.size_lots
    ip[agents.FU_SIZE] = value.size_lots
    ip[agents.FU_INTERVAL] = value.update_interval_ns
    return fp, ip


def step_margin(config: AbmConfig) -> int:
    """Log rows one agent event can write: per lot executed at most an L3 row, a
    trade and a fill, plus a delta per level, and a few more for cancels and quotes."""
    largest = max(
        config.noise.size_max_lots,
        config.market_makers.quote_size_lots,
        config.momentum.size_lots,
        config.fundamental.size_lots,
    )
    return 4 * largest + 16


class Buffers:
    """The kernels' output rows: a log and a snapshot buffer, drained into chunks when full.

    The row counts live in the book's ``st`` (``N_LOG``, ``N_SN``) so that
    kernels update them without a second array.
    """

    def __init__(self, st: _I64, rows: int) -> None:
        self._st = st
        self._chunks: list[tuple[_I64, _I64]] = []
        self.log, self.sn = self._allocate(rows)

    @staticmethod
    def _allocate(rows: int) -> tuple[_I64, _I64]:
        return (
            np.zeros((rows, kernels.LOG_WIDTH), dtype=np.int64),
            np.zeros((max(rows // 64, 64), kernels.SN_WIDTH), dtype=np.int64),
        )

    def drain(self) -> None:
        """Move the rows written so far into the chunk list and empty the buffers."""
        st = self._st
        n_log, n_sn = int(st[kernels.N_LOG]), int(st[kernels.N_SN])
        if n_log or n_sn:
            self._chunks.append((self.log[:n_log].copy(), self.sn[:n_sn].copy()))
        st[kernels.N_LOG] = 0
        st[kernels.N_SN] = 0

    def ensure_room(self, rows: int) -> None:
        """Make room for `rows` more log rows and one more snapshot."""
        st = self._st
        full = st[kernels.N_LOG] + rows > self.log.shape[0]
        if full or st[kernels.N_SN] + 1 > self.sn.shape[0]:
            self.drain()
        if rows > self.log.shape[0]:
            self.log, self.sn = self._allocate(2 * rows)

    def fresh_rows(self, first: int) -> _I64:
        """The log rows written since row `first` of the current buffer."""
        return self.log[first : self._st[kernels.N_LOG]]

    @property
    def log_rows(self) -> int:
        return int(self._st[kernels.N_LOG])

    def take(self) -> tuple[_I64, _I64]:
        """Every log and snapshot row written since the last `take`, in order."""
        self.drain()
        chunks, self._chunks = self._chunks, []
        if not chunks:
            empty = np.zeros((0, kernels.LOG_WIDTH), dtype=np.int64)
            return empty, np.zeros((0, kernels.SN_WIDTH), dtype=np.int64)
        return (
            np.concatenate([c[0] for c in chunks]),
            np.concatenate([c[1] for c in chunks]),
        )


@functools.cache
def _lot_grid(lot_size: Decimal) -> tuple[int, int]:
    return grid_of(lot_size)


def lots_to_sizes(lot_size: Decimal, lots: _I64) -> npt.NDArray[np.float64]:
    """Lot counts to sizes, as the doubles nearest the exact decimal products."""
    k, p = _lot_grid(lot_size)
    result: npt.NDArray[np.float64] = (lots * k).astype(np.float64) / float(10**p)
    return result


def _prices(instrument: Instrument, ticks: _I64, lots: _I64) -> npt.NDArray[np.float64]:
    """Prices of levels; NaN where a level is empty (0 lots)."""
    prices = instrument.ticks_to_prices(ticks)
    prices[lots == 0] = np.nan
    return prices


def convert(instrument: Instrument, kind: DataKind, rows: _I64) -> npt.NDArray[np.void]:
    """Log rows of one kind (or snapshot rows) as records of the kind's layout."""
    records = np.zeros(rows.shape[0], dtype=layout(kind).numpy_dtype)
    if rows.shape[0] == 0:
        return records
    records["ts_event"] = rows[:, 1] if kind != DataKind.BOOK_SNAPSHOT else rows[:, 0]
    records["ts_recv"] = records["ts_event"]
    lot = instrument.lot_size
    if kind == DataKind.ORDER_EVENT:
        records["order_id"] = rows[:, 2]
        records["side"] = rows[:, 3]
        records["price"] = instrument.ticks_to_prices(rows[:, 4])
        records["size"] = lots_to_sizes(lot, rows[:, 5])
        records["action"] = rows[:, 6]
    elif kind == DataKind.TRADE:
        records["price"] = instrument.ticks_to_prices(rows[:, 2])
        records["size"] = lots_to_sizes(lot, rows[:, 3])
        records["aggressor"] = rows[:, 4]
        records["trade_id"] = rows[:, 5]
    elif kind == DataKind.QUOTE:
        records["bid_price"] = _prices(instrument, rows[:, 2], rows[:, 4])
        records["ask_price"] = _prices(instrument, rows[:, 3], rows[:, 5])
        records["bid_size"] = lots_to_sizes(lot, rows[:, 4])
        records["ask_size"] = lots_to_sizes(lot, rows[:, 5])
    elif kind == DataKind.BOOK_DELTA:
        records["side"] = rows[:, 2]
        records["price"] = instrument.ticks_to_prices(rows[:, 3])
        records["size"] = lots_to_sizes(lot, rows[:, 4])
        records["action"] = rows[:, 5]
    else:
        # Columns alternate tick, lots from column 1: convert all levels at once.
        lots = rows[:, 2::2]
        prices = _prices(instrument, rows[:, 1::2], lots)
        sizes = lots_to_sizes(lot, lots)
        for s, name in enumerate(("bid", "ask")):
            for i in range(kernels.SNAP_DEPTH):
                records[f"{name}_price_{i}"] = prices[:, s * kernels.SNAP_DEPTH + i]
                records[f"{name}_size_{i}"] = sizes[:, s * kernels.SNAP_DEPTH + i]
    return records
