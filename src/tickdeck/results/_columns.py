"""A run's fills and price marks as typed columns; fills read as a sequence of records.

A long backtest makes millions of fills. Kept as Python objects, each one
(with its boxed ints and floats) costs about a kilobyte; kept as one slot of
a few typed columns (`array.array`: int64, float64, int8 enum codes, an
index into a short list of instrument ids) it costs about 60 bytes. The
engine appends to these logs as the run goes, and `RunResult` exposes them
as they are: `FillColumns` is a `Sequence[Fill]` that builds each `Fill`
when it is read (nothing is cached), compares equal to a tuple of the same
fills, and hands its columns to `tickdeck.results.serialize` without any
object in between.

Exactness. A record is read back equal to what was written and with fields
of the same types. A record whose fields are not of the columns' types (an
``int`` price, a numpy integer time, an enum given as a plain int) is kept
as the object itself, in a side table; the columns hold zeros in its row.

A log is written by one owner and then frozen (`freeze`): after that it is
read-only, as a value inside a `RunResult` must be. Orders and round trips
have their logs beside this one (`_order_columns`, `_trips`), built on
`RecordLog`.
"""

from __future__ import annotations

import math
import struct
from array import array
from collections.abc import Iterator, Sequence
from enum import IntEnum
from typing import Any, TypeVar, overload

import numpy as np
import numpy.typing as npt

from tickdeck.core import FillBasis, InvariantError, Liquidity, Side
from tickdeck.core.fills import Fill
from tickdeck.results.run import PriceMarks

__all__ = [
    "FillColumns",
    "MarkColumns",
    "Names",
    "RecordLog",
    "as_numpy",
    "codes",
    "int64",
    "nan_as_singleton",
    "same_bits",
]

_I64_MIN = -(2**63)
_I64_MAX = 2**63 - 1
_NAN_BITS = struct.unpack("<Q", struct.pack("<d", math.nan))[0]
_E = TypeVar("_E", bound=IntEnum)
_R = TypeVar("_R")


def int64(value: object) -> bool:
    """Whether `value` is a plain ``int`` an int64 column holds exactly."""
    return type(value) is int and _I64_MIN <= value <= _I64_MAX


def codes(enum: type[_E]) -> dict[int, _E]:
    """Members by code: a dict lookup is several times cheaper than calling the enum."""
    return {int(member): member for member in enum}


def nan_as_singleton(value: float) -> float:
    """`math.nan` itself for the plain quiet NaN, `value` otherwise.

    The exchange writes ``math.nan`` where a value is missing (the average
    price of an unfilled order). Tuples compare members by identity first,
    so records holding that one object compare equal; a record read back
    from a column keeps that property by getting the same object.
    """
    if value == value or struct.unpack("<Q", struct.pack("<d", value))[0] != _NAN_BITS:
        return value
    return math.nan


def as_numpy(column: array[Any], dtype: type[np.generic]) -> npt.NDArray[Any]:
    """A read-only numpy view of a column (no copy); only of a frozen log, which never resizes."""
    view = np.frombuffer(column, dtype=dtype)
    view.flags.writeable = False
    return view


class Names:
    """Distinct strings in order of first appearance; columns hold their indices."""

    __slots__ = ("_index", "names")

    def __init__(self) -> None:
        self.names: list[str] = []
        self._index: dict[str, int] = {}

    def index(self, name: str) -> int:
        found = self._index.get(name)
        if found is None:
            found = self._index[name] = len(self.names)
            self.names.append(name)
        return found


class RecordLog(Sequence[_R]):
    """What every log shares: rows, a side table of objects, freezing, sequence reads."""

    __slots__ = ("_frozen", "_hash", "_objects")

    def __init__(self) -> None:
        self._objects: dict[int, _R] = {}  # row -> a record the columns cannot hold exactly
        self._frozen = False
        self._hash: int | None = None

    def freeze(self) -> None:
        """Make the log read-only (appends raise from now on)."""
        self._frozen = True

    @property
    def frozen(self) -> bool:
        return self._frozen

    @property
    def exact_columns(self) -> bool:
        """Whether every row is in the columns (none kept as an object)."""
        return not self._objects

    def _writable(self) -> None:
        if self._frozen:
            raise InvariantError(f"{type(self).__name__} is frozen: a finished run's log")

    def _row(self, row: int) -> _R:
        raise NotImplementedError

    def _same_columns(self, other: Any) -> bool:
        raise NotImplementedError

    @overload
    def __getitem__(self, index: int) -> _R: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[_R, ...]: ...

    def __getitem__(self, index: int | slice) -> _R | tuple[_R, ...]:
        size = len(self)
        if isinstance(index, slice):
            return tuple(self._read(i) for i in range(*index.indices(size)))
        row = index.__index__()
        if row < 0:
            row += size
        if not 0 <= row < size:
            raise IndexError(f"{type(self).__name__} index {index} out of range ({size} rows)")
        return self._read(row)

    def _read(self, row: int) -> _R:
        if self._objects:
            kept = self._objects.get(row)
            if kept is not None:
                return kept
        return self._row(row)

    def __iter__(self) -> Iterator[_R]:
        for row in range(len(self)):
            yield self._read(row)

    def __eq__(self, other: object) -> bool:
        """Equal to a tuple or a log of equal records, in the same order (like a tuple)."""
        if isinstance(other, type(self)):
            if len(self) != len(other):
                return False
            if self._same_columns(other):
                return True
        elif not isinstance(other, tuple):
            return NotImplemented
        elif len(self) != len(other):
            return False
        return all(a == b for a, b in zip(self, other, strict=True))

    def __hash__(self) -> int:
        """The hash of the tuple of the same records (a frozen log only: equal, equal hash)."""
        if not self._frozen:
            raise TypeError(f"unhashable: a {type(self).__name__} still being written")
        if self._hash is None:
            self._hash = hash(tuple(self))
        return self._hash

    def __repr__(self) -> str:
        size = len(self)
        if size <= 6:
            return f"{type(self).__name__}({tuple(self)!r})"
        return f"{type(self).__name__}(<{size:,} rows>, first={self._read(0)!r})"


def same_bits(
    left: Sequence[array[Any]], right: Sequence[array[Any]], *, rows: int | None = None
) -> bool:
    """Whether two lists of columns hold the same bytes (floats bit for bit).

    With `rows`, only the first `rows` values of each column count.
    """
    for a, b in zip(left, right, strict=True):
        if a.typecode != b.typecode:
            return False
        if rows is None and len(a) != len(b):
            return False
        end = (len(a) if rows is None else rows) * a.itemsize
        mine = np.frombuffer(a, dtype=np.uint8)[:end]
        theirs = np.frombuffer(b, dtype=np.uint8)[:end]
        if mine.size != end or theirs.size != end or not np.array_equal(mine, theirs):
            return False
    return True


_SIDES = codes(Side)
_LIQUIDITIES = codes(Liquidity)
_BASES = codes(FillBasis)


class FillColumns(RecordLog[Fill]):
    """Fills in the order they happened, one row each (see the module docstring)."""

    __slots__ = (
        "_basis",
        "_fee",
        "_instrument",
        "_liquidity",
        "_order_id",
        "_price",
        "_quantity",
        "_side",
        "_slippage",
        "_ts",
        "instruments",
    )

    def __init__(self, fills: Sequence[Fill] = ()) -> None:
        super().__init__()
        self.instruments = Names()
        self._order_id = array("q")
        self._instrument = array("i")
        self._ts = array("q")
        self._side = array("b")
        self._quantity = array("d")
        self._price = array("d")
        self._fee = array("d")
        self._liquidity = array("b")
        self._slippage = array("d")
        self._basis = array("b")
        for fill in fills:
            self.append(fill)

    def __len__(self) -> int:
        return len(self._ts)

    def append(self, fill: Fill) -> None:
        """Add one fill as the last row."""
        self._writable()
        exact = (
            int64(fill.order_id)
            and int64(fill.ts)
            and type(fill.instrument) is str
            and type(fill.side) is Side
            and type(fill.quantity) is float
            and type(fill.price) is float
            and type(fill.fee) is float
            and type(fill.liquidity) is Liquidity
            and type(fill.slippage) is float
            and type(fill.basis) is FillBasis
        )
        if not exact:
            self._objects[len(self._ts)] = fill
            self._append(0, 0, 0, 0, 0.0, 0.0, 0.0, 0, 0.0, 0)
            return
        self._append(
            fill.order_id,
            self.instruments.index(fill.instrument),
            fill.ts,
            fill.side,
            fill.quantity,
            fill.price,
            fill.fee,
            fill.liquidity,
            fill.slippage,
            fill.basis,
        )

    def _append(
        self,
        order_id: int,
        instrument: int,
        ts: int,
        side: int,
        quantity: float,
        price: float,
        fee: float,
        liquidity: int,
        slippage: float,
        basis: int,
    ) -> None:
        self._order_id.append(order_id)
        self._instrument.append(instrument)
        self._ts.append(ts)
        self._side.append(side)
        self._quantity.append(quantity)
        self._price.append(price)
        self._fee.append(fee)
        self._liquidity.append(liquidity)
        self._slippage.append(slippage)
        self._basis.append(basis)

    def _row(self, row: int) -> Fill:
        return Fill(
            self._order_id[row],
            self.instruments.names[self._instrument[row]],
            self._ts[row],
            _SIDES[self._side[row]],
            self._quantity[row],
            self._price[row],
            self._fee[row],
            _LIQUIDITIES[self._liquidity[row]],
            self._slippage[row],
            _BASES[self._basis[row]],
        )

    def _columns(self) -> list[array[Any]]:
        return [
            self._order_id,
            self._ts,
            self._side,
            self._quantity,
            self._price,
            self._fee,
            self._liquidity,
            self._slippage,
            self._basis,
        ]

    def _same_columns(self, other: Any) -> bool:
        return (
            not self._objects
            and not other._objects
            and self.instruments.names == other.instruments.names
            and same_bits(
                [*self._columns(), self._instrument], [*other._columns(), other._instrument]
            )
        )

    def basis_counts(self) -> dict[FillBasis, int]:
        """How many fills of each basis, in order of each basis's first fill."""
        if self._objects:
            counts: dict[FillBasis, int] = {}
            for fill in self:
                counts[fill.basis] = counts.get(fill.basis, 0) + 1
            return counts
        bases = np.frombuffer(self._basis, dtype=np.int8)
        present, first, number = np.unique(bases, return_index=True, return_counts=True)
        order = np.argsort(first)
        return {_BASES[int(present[i])]: int(number[i]) for i in order}

    def numpy(self) -> dict[str, npt.NDArray[Any]]:
        """Read-only views of the columns by field name (a frozen log only).

        Enums are their int8 codes; ``instrument`` is an int32 index into
        `instruments.names`.
        """
        if not self._frozen:
            raise InvariantError("FillColumns.numpy() of a log still being written")
        return {
            "order_id": as_numpy(self._order_id, np.int64),
            "instrument": as_numpy(self._instrument, np.int32),
            "ts": as_numpy(self._ts, np.int64),
            "side": as_numpy(self._side, np.int8),
            "quantity": as_numpy(self._quantity, np.float64),
            "price": as_numpy(self._price, np.float64),
            "fee": as_numpy(self._fee, np.float64),
            "liquidity": as_numpy(self._liquidity, np.int8),
            "slippage": as_numpy(self._slippage, np.float64),
            "basis": as_numpy(self._basis, np.int8),
        }


class MarkColumns:
    """Each instrument's valuation price at each sample: the rows of `PriceMarks`, as columns.

    `instruments` are the run's instrument ids; a row names one by its index.
    """

    __slots__ = ("_index", "_instruments", "_price", "_ts")

    def __init__(self, instruments: Sequence[str]) -> None:
        self._instruments = tuple(instruments)
        self._index = array("i")
        self._ts = array("q")
        self._price = array("d")

    def __len__(self) -> int:
        return len(self._ts)

    def append(self, instrument: int, ts: int, price: float) -> None:
        """One mark: the index of its instrument, its time (ns UTC) and its price."""
        self._index.append(instrument)
        self._ts.append(ts)
        self._price.append(price)

    def marks(self) -> PriceMarks:
        """The rows as `PriceMarks`; the arrays are views of the columns (append no more)."""
        index = np.frombuffer(self._index, dtype=np.int32)
        used = [self._instruments[i] for i in np.unique(index)]
        # Strings as wide as the widest id recorded, as np.array(list_of_ids) would make
        # them (ids never recorded may be cut short here: no row points to them).
        width = max(map(len, used), default=1)
        names = np.array(self._instruments, dtype=f"<U{width}")
        return PriceMarks(
            names[index],
            np.frombuffer(self._ts, dtype=np.int64),
            np.frombuffer(self._price, dtype=np.float64),
        )
