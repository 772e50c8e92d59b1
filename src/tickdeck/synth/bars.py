"""Ticks from OHLC bars: trades, quotes and book snapshots that resample back to the bars.

For each bar, `ticks_from_bars` draws a seeded intra-bar path on the tick
grid that opens at the open, closes at the close and touches the high and the
low exactly (in the order of `ExtremeOrder`), trade times strictly inside the
bar, and whole-lot trade sizes that add up to the bar's volume. So
resampling the trades back to the bar interval with
`tickdeck.data.resample.resample_time` reproduces every bar's open, high, low,
close and volume exactly (the tests check it on real bar files).

Randomness: bars are processed in blocks of at most `BLOCK_BARS` bars and
about `BLOCK_TRADES` expected trades (which bounds memory); the blocks depend
only on the bars and the config, and block b draws from
``numpy.random.default_rng(SeedSequence(seed, spawn_key=(b,)))``. Output is
therefore byte-identical for a seed whether it is produced at once or block by
block (`iter_ticks_from_bars`), and independent of numba's global state.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from tickdeck.core import InputError, Instrument, InvariantError
from tickdeck.synth import _kernels, _path_kernels
from tickdeck.synth._arrivals import draw_positions
from tickdeck.synth._assemble import book_snapshots, lots_to_sizes, quotes_table, trades_table
from tickdeck.synth._bar_input import BarArrays, BarsInput, read_bars
from tickdeck.synth.config import BarsConfig, ExtremeOrder
from tickdeck.synth.ticks import SyntheticTicks

__all__ = [
    "BLOCK_BARS",
    "BLOCK_TRADES",
    "BarsBlock",
    "iter_ticks_from_bars",
    "low_first",
    "ticks_from_bars",
]

#: Most bars drawn from one child generator of the seed.
BLOCK_BARS = 8192
#: A block ends before the bar that would take its expected trades past this.
BLOCK_TRADES = 2_000_000
_DAY_NS = 86_400_000_000_000
_I64 = npt.NDArray[np.int64]
_F64 = npt.NDArray[np.float64]
_B = npt.NDArray[np.bool_]


def check_seed(seed: object) -> int:
    """A seed as a non-negative int, or an InputError."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InputError("seed", seed, "a whole number >= 0")
    return int(seed)


def low_first(
    o: _I64, h: _I64, low: _I64, c: _I64, order: ExtremeOrder, uniforms: _F64 | None = None
) -> _B:
    """Whether each bar touches its low before its high (`ExtremeOrder` states the rule).

    A bar that opens on one of its extremes touches that one first, whatever
    the rule. RANDOM needs one uniform in [0, 1) per bar.
    """
    low_path = (o - low) + (h - low) + np.abs(h - c)  # open -> low -> high -> close
    high_path = (h - o) + (h - low) + np.abs(c - low)  # open -> high -> low -> close
    if order == ExtremeOrder.SHORTEST:
        rule = (low_path < high_path) | ((low_path == high_path) & (o - low <= h - o))
    elif uniforms is None:
        raise InputError("uniforms", None, "one uniform per bar for ExtremeOrder.RANDOM")
    else:
        total = low_path + high_path
        rule = uniforms < np.where(total > 0, high_path / np.maximum(total, 1), 0.5)
    result: _B = np.where(o == low, True, np.where(o == h, False, rule))
    return result


def ticks_from_bars(
    bars: BarsInput,
    instrument: Instrument,
    *,
    seed: int,
    config: BarsConfig | None = None,
    interval_ns: int | None = None,
) -> SyntheticTicks:
    """Trades, quotes and book snapshots inside `bars`, on `instrument`'s grids.

    `bars` is a table or DataFrame in the BAR layout (``ts_event`` is the
    bar's close; its open is ``ts_event - interval_ns``) or a `SourceTable`.
    `interval_ns` overrides the bars' own. Raises `DataError` naming the row
    of a bar that cannot be drawn (see `tickdeck.synth._bar_input`).
    """
    blocks = iter_ticks_from_bars(
        bars, instrument, seed=seed, config=config, interval_ns=interval_ns
    )
    return SyntheticTicks.concat(block.ticks for block in blocks)


def iter_ticks_from_bars(
    bars: BarsInput,
    instrument: Instrument,
    *,
    seed: int,
    config: BarsConfig | None = None,
    interval_ns: int | None = None,
) -> Iterator[BarsBlock]:
    """`ticks_from_bars` one block of bars at a time (all bars are validated first)."""
    seed = check_seed(seed)
    config = config or BarsConfig()
    if not isinstance(config, BarsConfig):
        raise InputError("config", config, "a BarsConfig")
    step = config.size_step if config.size_step is not None else instrument.lot_size
    arrays = read_bars(bars, instrument, interval_ns=interval_ns, size_step=step)
    traded = arrays.volume > 0
    mean_volume = float(arrays.volume[traded].mean()) if traded.any() else 0.0
    return _blocks(arrays, instrument, config, step, seed, mean_volume)


@dataclass(frozen=True)
class BarsBlock:
    """The ticks of bars ``start`` to ``stop - 1`` (row numbers of the input)."""

    start: int
    stop: int
    ticks: SyntheticTicks


def _bounds(expected: _F64) -> list[tuple[int, int]]:
    """Blocks of at most BLOCK_BARS bars and about BLOCK_TRADES expected trades (at least 1 bar)."""
    total = np.cumsum(expected)
    bounds = []
    start = 0
    while start < expected.shape[0]:
        before = float(total[start - 1]) if start else 0.0
        stop = int(np.searchsorted(total, before + BLOCK_TRADES, side="right"))
        stop = min(max(stop, start + 1), start + BLOCK_BARS, expected.shape[0])
        bounds.append((start, stop))
        start = stop
    return bounds


def _blocks(
    arrays: BarArrays,
    instrument: Instrument,
    config: BarsConfig,
    step: Decimal,
    seed: int,
    mean_volume: float,
) -> Iterator[BarsBlock]:
    _, _, u0, u1 = _windows(arrays, config)
    first_id = 1
    for block, (start, stop) in enumerate(_bounds(_expected(arrays, config, u0, u1, mean_volume))):
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block,)))
        part = arrays.slice(start, stop)
        ticks = _block(part, instrument, config, step, rng, mean_volume, first_id)
        first_id += ticks.trades.num_rows
        yield BarsBlock(start, stop, ticks)


def _windows(bars: BarArrays, config: BarsConfig) -> tuple[_I64, _I64, _F64, _F64]:
    """Per bar: where its trades may fall (start, length in ns) and its session positions.

    Bars of a day or more trade inside the session of their first day, if it
    overlaps them, and their whole window is one session (positions 0 to 1).
    Shorter bars keep their interval and sit at their place in the session.
    """
    session = config.microstructure.session
    s_open = 0 if session is None else session.open_ns
    s_close = _DAY_NS if session is None else session.close_ns
    day = (bars.open_ns // _DAY_NS) * _DAY_NS
    length = bars.close_ns - bars.open_ns
    long_bar = length >= _DAY_NS
    lo = np.maximum(bars.open_ns, day + s_open)
    hi = np.minimum(bars.close_ns, day + s_close)
    use_session = long_bar & (hi - lo >= 9)
    start = np.where(use_session, lo, bars.open_ns)
    window = np.where(use_session, hi - lo, length)
    span = float(s_close - s_open)
    u0 = np.clip((bars.open_ns - day - s_open) / span, 0.0, 1.0)
    u1 = np.clip((bars.close_ns - day - s_open) / span, 0.0, 1.0)
    u0 = np.where(long_bar, 0.0, u0)
    u1 = np.where(long_bar, 1.0, u1)
    return start, window, u0, u1


def _expected(bars: BarArrays, config: BarsConfig, u0: _F64, u1: _F64, mean_volume: float) -> _F64:
    """Expected trades per bar: proportional to volume, or else to seasonal activity."""
    if mean_volume > 0:
        expected: _F64 = config.trades_per_bar * bars.volume / mean_volume
        return expected
    amplitude = config.microstructure.seasonality.amplitude
    mass = _kernels.seasonal_mass(u0, u1, amplitude)
    width = u1 - u0
    density = np.where(width > 0, mass / np.where(width > 0, width, 1.0), 1.0)
    scaled: _F64 = config.trades_per_bar * density
    return scaled


def _block(
    bars: BarArrays,
    instrument: Instrument,
    config: BarsConfig,
    step: Decimal,
    rng: np.random.Generator,
    mean_volume: float,
    first_id: int,
) -> SyntheticTicks:
    micro = config.microstructure
    nb = len(bars)
    order_uniforms = rng.random(nb) if config.extreme_order == ExtremeOrder.RANDOM else None
    first_low = low_first(bars.o, bars.h, bars.low, bars.c, config.extreme_order, order_uniforms)
    need = _path_kernels.needed_trades(bars.o, bars.h, bars.low, bars.c, first_low)
    start, window, u0, u1 = _windows(bars, config)
    # One lot per trade while the volume allows it; trades at least 2 ns apart in the window.
    by_volume = np.where(bars.volume_lots >= need, bars.volume_lots, need)
    cap = np.minimum(by_volume, (window - 1) // 2)
    expected = _expected(bars, config, u0, u1, mean_volume)
    positions, counts = draw_positions(rng, micro.arrivals, expected, need, cap)
    total = int(counts.sum())
    times = np.empty(total, np.int64)
    amplitude = micro.seasonality.amplitude
    table = _kernels.inverse_table(amplitude)
    _kernels.clock_times(positions, counts, u0, u1, amplitude, table, start, window, times)
    ticks = np.empty(total, np.int64)
    _path_kernels.bar_paths(
        bars.o, bars.h, bars.low, bars.c, first_low, counts,
        rng.standard_exponential(3 * nb), rng.standard_exponential(2 * total),
        config.path_roughness, ticks,
    )  # fmt: skip
    lots = np.empty(total, np.int64)
    _kernels.split_volume(
        counts, bars.volume_lots, rng.standard_exponential(total), micro.size_tail, lots
    )
    sizes = lots_to_sizes(lots, step)
    if _kernels.match_volume_sums(counts, bars.volume, sizes) < 0:
        raise InvariantError("trade sizes could not be made to add up to a bar's volume")
    signs = np.empty(total, np.int8)
    _path_kernels.aggressor_signs(ticks, rng.random(total), micro.sign_persistence, signs)
    if micro.quote_size_lots is not None:
        mean_lots = np.full(total, micro.quote_size_lots)
    else:
        per_bar = 3.0 * np.maximum(bars.volume_lots / np.maximum(counts, 1), 1.0)
        mean_lots = np.repeat(per_bar, counts)
    bid, ask = np.empty(total, np.int64), np.empty(total, np.int64)
    bid_lots, ask_lots = np.empty(total, np.int64), np.empty(total, np.int64)
    spread = micro.spread
    _path_kernels.quotes_at_trades(
        ticks, signs, lots, mean_lots, spread.min_ticks, spread.volatility_factor,
        spread.jitter_ticks, spread.smoothing, rng.standard_exponential(3 * total),
        bid, ask, bid_lots, ask_lots,
    )  # fmt: skip
    quote_times = times - 1
    delay = micro.recv_delay_ns
    return SyntheticTicks(
        trades_table(instrument, times, delay, ticks, sizes, signs, first_id),
        quotes_table(instrument, quote_times, delay, bid, ask, bid_lots, ask_lots, step),
        book_snapshots(rng, micro, instrument, quote_times, bid, ask, bid_lots, ask_lots, step),
    )
