"""The kernels' records as a `RunResult`, the same value the event-driven engine returns.

Orders, fills and round trips become `tickdeck.core` and `tickdeck.results`
records, made when first read (`_Lazy`); the equity curve and the marks are
the kernel's samples.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, TypeVar, overload

import numpy as np
import numpy.typing as npt

import tickdeck
from tickdeck.core import (
    Fill,
    FillBasis,
    Instrument,
    Liquidity,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    RejectReason,
    Side,
    TimeInForce,
)
from tickdeck.engine import BacktestConfig
from tickdeck.results.run import EquityArrays, PriceMarks, RoundTrip, RunResult
from tickdeck.spec._kernel import _layout as layout
from tickdeck.spec._kernel._trip_kernels import (
    T_ENTRY_NS,
    T_EXIT_NS,
    T_SIDE,
    TF_ENTRY_PRICE,
    TF_EXIT_PRICE,
    TF_FEES,
    TF_GROSS,
    TF_QUANTITY,
)

__all__ = ["KernelRecords", "run_result"]

_A = TypeVar("_A", bound="np.ndarray[Any, Any]")
_E = TypeVar("_E", bound=IntEnum)
_R = TypeVar("_R")


@dataclass(frozen=True)
class KernelRecords:
    """The used rows of the kernel's record regions after a run."""

    orders_i: npt.NDArray[np.int64]
    orders_f: npt.NDArray[np.float64]
    fills_i: npt.NDArray[np.int64]
    fills_f: npt.NDArray[np.float64]
    sample_ts: npt.NDArray[np.int64]
    samples: npt.NDArray[np.float64]
    trips_i: npt.NDArray[np.int64]
    trips_f: npt.NDArray[np.float64]


@contextmanager
def _no_collection() -> Iterator[None]:
    """The cyclic garbage collector paused: records made by the thousand hold no cycles,
    and each pass it makes over the whole heap while they are made is wasted."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Lazy(Sequence[_R]):
    """A run's records of one kind, built all at once the first time they are read, then kept.

    A grid of runs often reads only a few numbers of each result; the
    records cost one Python object each, so they are not made until asked
    for. Compares equal to any sequence of equal records (a tuple, the
    engine's columnar logs).
    """

    __slots__ = ("_build", "_count", "_records")

    def __init__(self, count: int, build: Callable[[], tuple[_R, ...]]) -> None:
        self._count = count
        self._build: Callable[[], tuple[_R, ...]] | None = build
        self._records: tuple[_R, ...] | None = None

    def _all(self) -> tuple[_R, ...]:
        if self._records is None:
            assert self._build is not None  # set until the records are built
            with _no_collection():
                self._records = self._build()
            self._build = None
        return self._records

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> _R: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[_R, ...]: ...

    def __getitem__(self, index: int | slice) -> _R | tuple[_R, ...]:
        return self._all()[index]

    def __iter__(self) -> Iterator[_R]:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return NotImplemented
        return len(other) == self._count and all(a == b for a, b in zip(self, other, strict=True))

    def __hash__(self) -> int:
        return hash(self._all())

    def __repr__(self) -> str:
        return f"{type(self).__name__}(<{self._count:,} records>)"


def _codes(enum: type[_E]) -> dict[int, _E]:
    return {int(member): member for member in enum}


_SIDES = _codes(Side)
_TYPES = _codes(OrderType)
_TIFS = _codes(TimeInForce)
_STATUSES = _codes(OrderStatus)
_REASONS = _codes(RejectReason)
_LIQUIDITIES = _codes(Liquidity)
_BASES = _codes(FillBasis)


def _columns(values: npt.NDArray[Any]) -> list[list[Any]]:
    """Each column as a list of Python numbers (one list per column: few objects to track)."""
    return [values[:, column].tolist() for column in range(values.shape[1])]


def _orders(records: KernelRecords, instrument: str) -> tuple[Order, ...]:
    ints = _columns(records.orders_i)
    floats = _columns(records.orders_f)
    limits = floats[layout.OF_LIMIT]
    notional = floats[layout.OF_NOTIONAL]
    tags = layout.TAG_NAMES
    orders = []
    for index, (side, kind, tif, tag, status, created, updated, reason) in enumerate(
        zip(
            ints[layout.O_SIDE],
            ints[layout.O_TYPE],
            ints[layout.O_TIF],
            ints[layout.O_TAG],
            ints[layout.O_STATUS],
            ints[layout.O_CREATED],
            ints[layout.O_UPDATED],
            ints[layout.O_REASON],
            strict=True,
        )
    ):
        limit = limits[index]
        filled = floats[layout.OF_FILLED][index]
        request = OrderRequest(
            instrument,
            _SIDES[side],
            floats[layout.OF_QUANTITY][index],
            _TYPES[kind],
            limit_price=None if limit != limit else limit,
            time_in_force=_TIFS[tif],
            tag=tags[tag],
        )
        orders.append(
            Order(
                index + 1,
                request,
                _STATUSES[status],
                created,
                updated,
                filled,
                # `math.nan` itself, as the exchange writes it: records then compare equal.
                notional[index] / filled if filled else math.nan,
                _REASONS[reason],
            )
        )
    return tuple(orders)


def _fills(records: KernelRecords, instrument: str) -> tuple[Fill, ...]:
    ints = _columns(records.fills_i)
    floats = _columns(records.fills_f)
    sides = [_SIDES[side] for side in records.orders_i[:, layout.O_SIDE].tolist()]
    return tuple(
        Fill(
            order + 1,
            instrument,
            ts,
            sides[order],
            quantity,
            price,
            fee,
            _LIQUIDITIES[liquidity],
            slippage,
            _BASES[basis],
        )
        for order, ts, liquidity, basis, quantity, price, fee, slippage in zip(
            ints[layout.F_ORDER],
            ints[layout.F_TS],
            ints[layout.F_LIQUIDITY],
            ints[layout.F_BASIS],
            floats[layout.FF_QUANTITY],
            floats[layout.FF_PRICE],
            floats[layout.FF_FEE],
            floats[layout.FF_SLIPPAGE],
            strict=True,
        )
    )


def _trips(records: KernelRecords, instrument: str) -> tuple[RoundTrip, ...]:
    ints = _columns(records.trips_i)
    floats = _columns(records.trips_f)
    return tuple(
        RoundTrip(instrument, side, quantity, entry_ns, entry, exit_ns, exit_, gross, fees)
        for side, quantity, entry_ns, entry, exit_ns, exit_, gross, fees in zip(
            ints[T_SIDE],
            floats[TF_QUANTITY],
            ints[T_ENTRY_NS],
            floats[TF_ENTRY_PRICE],
            ints[T_EXIT_NS],
            floats[TF_EXIT_PRICE],
            floats[TF_GROSS],
            floats[TF_FEES],
            strict=True,
        )
    )


def _frozen(values: _A) -> _A:
    copy = values.copy()
    copy.setflags(write=False)
    return copy


def run_result(
    *,
    records: KernelRecords,
    config: BacktestConfig,
    strategy: str,
    params: Mapping[str, object],
    instrument: Instrument,
    events: int,
    fingerprint: str,
    synthetic_events: int,
) -> RunResult:
    """The `RunResult` of a compiled run, field for field as `_Engine.result` builds it."""
    name = instrument.id
    orders = _Lazy(len(records.orders_i), lambda: _orders(records, name))
    fills = _Lazy(len(records.fills_i), lambda: _fills(records, name))
    trips = _Lazy(len(records.trips_i), lambda: _trips(records, name))
    samples = records.samples
    marked = ~np.isnan(samples[:, layout.S_PRICE])
    count = int(marked.sum())
    return RunResult(
        strategy=strategy,
        params=dict(params),
        config=config.describe(),
        seed=config.seed,
        version=tickdeck.__version__,
        data_fingerprint=fingerprint,
        events=events,
        complete=True,
        orders=orders,
        fills=fills,
        trades=trips,
        equity=EquityArrays(
            _frozen(records.sample_ts),
            _frozen(samples[:, layout.S_EQUITY]),
            _frozen(samples[:, layout.S_CASH]),
            _frozen(samples[:, layout.S_GROSS]),
            _frozen(samples[:, layout.S_NET]),
        ),
        initial_cash=config.initial_cash,
        final_equity=float(samples[-1, layout.S_EQUITY]),
        synthetic_events=synthetic_events,
        marks=PriceMarks(
            # The engine's dtype: as wide as the ids recorded (one character when none is).
            np.full(count, name, dtype=f"<U{len(name) if count else 1}"),
            _frozen(records.sample_ts[marked]),
            _frozen(samples[marked, layout.S_PRICE]),
        ),
        extra={"engine": "compiled"},
    )
