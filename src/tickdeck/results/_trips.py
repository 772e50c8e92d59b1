"""Round trips: closed lots grouped by (entry order, exit order), built as the run goes.

FIFO accounting closes one lot per entry fill, and an order filled in several
pieces (walking the book) makes several lots; a trader counts the order pair
once, at its quantity-weighted prices. `RoundTripLog` takes the lots each
fill closed (`tickdeck.portfolio.Portfolio.apply` returns them as
`ClosedLot` records; any record with their fields will do, see `Lot`) and
writes one `RoundTrip` per (instrument, entry order, exit order) into typed
columns, in the order the pairs were first seen.

A pair stays open, with its lots, only while its exit order can still fill:
`order_done` says when it cannot, and the pairs it closed are written and
forgotten. So the log holds a handful of lots at any time, whatever the
length of the run, and nothing per round trip but its row.

`TripColumns` holds the round trips as typed columns, read as a sequence of
`RoundTrip` records (see `tickdeck.results._columns` for how records are
read, compared and kept exact).
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from tickdeck.core import InvariantError
from tickdeck.results._columns import Names, RecordLog, as_numpy, int64, same_bits
from tickdeck.results.run import RoundTrip

__all__ = ["Lot", "RoundTripLog", "TripColumns"]


class Lot(Protocol):
    """A closed lot portion, as `tickdeck.portfolio.ClosedLot` has it (this layer is below)."""

    @property
    def instrument(self) -> str: ...
    @property
    def side(self) -> int: ...
    @property
    def quantity(self) -> float: ...
    @property
    def entry_ts(self) -> int: ...
    @property
    def entry_price(self) -> float: ...
    @property
    def entry_order_id(self) -> int: ...
    @property
    def exit_ts(self) -> int: ...
    @property
    def exit_price(self) -> float: ...
    @property
    def exit_order_id(self) -> int: ...
    @property
    def gross_pnl(self) -> float: ...
    @property
    def fees(self) -> float: ...


class TripColumns(RecordLog[RoundTrip]):
    """Round trips in the order they opened, one row each (see the module docstring).

    A row can be reserved before its values are known (`reserve`, then `put`),
    so that trips keep the order in which they were first seen even when a
    later one is complete first.
    """

    __slots__ = (
        "_entry_ns",
        "_entry_price",
        "_exit_ns",
        "_exit_price",
        "_fees",
        "_gross_pnl",
        "_instrument",
        "_quantity",
        "_side",
        "instruments",
    )

    def __init__(self, trips: Sequence[RoundTrip] = ()) -> None:
        super().__init__()
        self.instruments = Names()
        self._instrument = array("i")
        self._side = array("b")
        self._quantity = array("d")
        self._entry_ns = array("q")
        self._entry_price = array("d")
        self._exit_ns = array("q")
        self._exit_price = array("d")
        self._gross_pnl = array("d")
        self._fees = array("d")
        for trip in trips:
            self.put(self.reserve(), trip)

    def __len__(self) -> int:
        return len(self._side)

    def _all(self) -> list[array[Any]]:
        return [
            self._instrument,
            self._side,
            self._quantity,
            self._entry_ns,
            self._entry_price,
            self._exit_ns,
            self._exit_price,
            self._gross_pnl,
            self._fees,
        ]

    def reserve(self) -> int:
        """Add an empty row at the end and return its index; `put` fills it in."""
        self._writable()
        for column in self._all():
            column.append(0)
        return len(self._side) - 1

    def put(self, row: int, trip: RoundTrip) -> None:
        """Write `trip` into a reserved row."""
        self._writable()
        exact = (
            type(trip.instrument) is str
            and type(trip.side) is int
            and -128 <= trip.side <= 127
            and type(trip.quantity) is float
            and int64(trip.entry_ns)
            and type(trip.entry_price) is float
            and int64(trip.exit_ns)
            and type(trip.exit_price) is float
            and type(trip.gross_pnl) is float
            and type(trip.fees) is float
        )
        if not exact:
            self._objects[row] = trip
            return
        self._objects.pop(row, None)
        self._instrument[row] = self.instruments.index(trip.instrument)
        self._side[row] = trip.side
        self._quantity[row] = trip.quantity
        self._entry_ns[row] = trip.entry_ns
        self._entry_price[row] = trip.entry_price
        self._exit_ns[row] = trip.exit_ns
        self._exit_price[row] = trip.exit_price
        self._gross_pnl[row] = trip.gross_pnl
        self._fees[row] = trip.fees

    def _row(self, row: int) -> RoundTrip:
        return RoundTrip(
            self.instruments.names[self._instrument[row]],
            self._side[row],
            self._quantity[row],
            self._entry_ns[row],
            self._entry_price[row],
            self._exit_ns[row],
            self._exit_price[row],
            self._gross_pnl[row],
            self._fees[row],
        )

    def _same_columns(self, other: Any) -> bool:
        return (
            not self._objects
            and not other._objects
            and self.instruments.names == other.instruments.names
            and same_bits(self._all(), other._all())
        )

    def numpy(self) -> dict[str, npt.NDArray[Any]]:
        """Read-only views of the columns by field name (a frozen log only).

        ``side`` is the int8 entry side code; ``instrument`` an int32 index
        into `instruments.names`.
        """
        if not self._frozen:
            raise InvariantError("TripColumns.numpy() of a log still being written")
        return {
            "instrument": as_numpy(self._instrument, np.int32),
            "side": as_numpy(self._side, np.int8),
            "quantity": as_numpy(self._quantity, np.float64),
            "entry_ns": as_numpy(self._entry_ns, np.int64),
            "entry_price": as_numpy(self._entry_price, np.float64),
            "exit_ns": as_numpy(self._exit_ns, np.int64),
            "exit_price": as_numpy(self._exit_price, np.float64),
            "gross_pnl": as_numpy(self._gross_pnl, np.float64),
            "fees": as_numpy(self._fees, np.float64),
        }


class RoundTripLog:
    """Round trips of closed lots; `finish` returns them as a frozen `TripColumns`."""

    __slots__ = ("_open", "_trips")

    def __init__(self) -> None:
        self._trips = TripColumns()
        # exit order id -> (instrument, entry order id) -> (reserved row, its lots so far)
        self._open: dict[int, dict[tuple[str, int], tuple[int, list[Lot]]]] = {}

    def add(self, lots: Sequence[Lot]) -> None:
        """Lots closed by one fill, oldest first."""
        for lot in lots:
            pairs = self._open.setdefault(lot.exit_order_id, {})
            key = (lot.instrument, lot.entry_order_id)
            pair = pairs.get(key)
            if pair is None:
                pairs[key] = (self._trips.reserve(), [lot])
            else:
                pair[1].append(lot)

    def order_done(self, order_id: int) -> None:
        """Order `order_id` will not fill again: the pairs it exits are complete."""
        pairs = self._open.pop(order_id, None)
        if pairs:
            for row, lots in pairs.values():
                self._trips.put(row, _round_trip(lots))

    def finish(self) -> TripColumns:
        """Every round trip, including those of exit orders still open; the log ends here."""
        for order_id in list(self._open):
            self.order_done(order_id)
        self._trips.freeze()
        return self._trips


def _round_trip(parts: list[Lot]) -> RoundTrip:
    """One pair's lots as one round trip: summed quantity and PnL, weighted prices."""
    quantity = sum(p.quantity for p in parts)
    return RoundTrip(
        parts[0].instrument,
        int(parts[0].side),
        quantity,
        min(p.entry_ts for p in parts),
        sum(p.entry_price * p.quantity for p in parts) / quantity,
        max(p.exit_ts for p in parts),
        sum(p.exit_price * p.quantity for p in parts) / quantity,
        math.fsum(p.gross_pnl for p in parts),
        math.fsum(p.fees for p in parts),
    )
