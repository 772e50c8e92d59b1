"""Orders in their final state as typed columns, one row per order id.

The exchange writes each order here once it is final (filled, cancelled,
expired, rejected), so that it can still answer a late cancel with the
order as it ended while holding no object for it; the engine writes the
orders still open when the run ends, and the run's result reads the rows
in order id order as a `Sequence[Order]` (see `tickdeck.results._columns`
for how records are read, compared and kept exact).

Row ``i`` is order id ``i + 1``: the engine numbers orders 1, 2, 3... A row
costs about 60 bytes; the optional fields (limit, stop and trail prices,
expiry, parent, OCO group, current stop) go to a second set of columns that
only the orders having one of them use. Ids that do not fit this scheme
(zero, negative, or far beyond the ids seen so far) are kept as objects.
"""

from __future__ import annotations

import operator
from array import array
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from tickdeck.core import InvariantError, OrderStatus, OrderType, RejectReason, Side, TimeInForce
from tickdeck.core.orders import Order, OrderRequest
from tickdeck.results._columns import Names, RecordLog, codes, int64, nan_as_singleton, same_bits

__all__ = ["OrderColumns"]

_PRESENT = 1
_OBJECT = 2
_POST_ONLY = 4
_REDUCE_ONLY = 8
_LIMIT = 16
_STOP = 32
_TRAIL = 64
_EXPIRE = 128
_PARENT = 256
_OCO = 512
_CURRENT_STOP = 1024
_INT_QUANTITY = 2048
_OPTIONAL = _LIMIT | _STOP | _TRAIL | _EXPIRE | _PARENT | _OCO | _CURRENT_STOP

_SIDES = codes(Side)
_TYPES = codes(OrderType)
_TIFS = codes(TimeInForce)
_STATUSES = codes(OrderStatus)
_REASONS = codes(RejectReason)
# An int quantity is kept in a float column only where every int is a float.
_EXACT_INT = 2**53
# Ids up to this far past the rows in use grow the columns; beyond, they are kept as objects.
_ID_HEADROOM = 65_536


class _Layout(NamedTuple):
    """Where the rows are, in id order."""

    rows: npt.NDArray[np.intp] | None  # rows in use; None when they are rows 0..size-1
    size: int  # rows in use
    far: list[int]  # ids kept apart, sorted
    merged: list[int] | None  # with far ids: position -> row, or ~index into far


def _optional_float(value: object) -> bool:
    return value is None or type(value) is float


def _optional_int(value: object) -> bool:
    return value is None or int64(value)


def _exact(order: Order) -> bool:
    """Whether the columns hold `order` exactly (fields of the columns' types)."""
    request = order.request
    quantity = request.quantity
    return (
        type(order) is Order
        and type(request) is OrderRequest
        and type(request.instrument) is str
        and type(request.side) is Side
        and type(request.order_type) is OrderType
        and type(request.time_in_force) is TimeInForce
        and (
            type(quantity) is float
            or (type(quantity) is int and -_EXACT_INT <= quantity <= _EXACT_INT)
        )
        and _optional_float(request.limit_price)
        and _optional_float(request.stop_price)
        and _optional_float(request.trail)
        and _optional_int(request.expire_ns)
        and type(request.post_only) is bool
        and type(request.reduce_only) is bool
        and type(request.tag) is str
        and _optional_int(request.parent_id)
        and _optional_int(request.oco_group)
        and type(order.status) is OrderStatus
        and int64(order.ts_created)
        and int64(order.ts_updated)
        and type(order.filled_quantity) is float
        and type(order.average_price) is float
        and type(order.reject_reason) is RejectReason
        and _optional_float(order.stop_price)
    )


class OrderColumns(RecordLog[Order]):
    """Orders by id: `put` writes (or overwrites) an order's row, reads go by id or in id order."""

    __slots__ = (
        "_average",
        "_current_stop",
        "_expire",
        "_extra",
        "_far",
        "_filled",
        "_flags",
        "_instrument",
        "_layout",
        "_limit",
        "_oco",
        "_parent",
        "_quantity",
        "_reason",
        "_side",
        "_status",
        "_stop",
        "_tag",
        "_tif",
        "_trail",
        "_ts_created",
        "_ts_updated",
        "_type",
        "instruments",
        "tags",
    )

    def __init__(self, orders: Sequence[Order] = ()) -> None:
        super().__init__()
        self.instruments = Names()
        self.tags = Names()
        self._flags = array("H")
        self._instrument = array("i")
        self._side = array("b")
        self._type = array("b")
        self._tif = array("b")
        self._status = array("b")
        self._reason = array("b")
        self._tag = array("i")
        self._quantity = array("d")
        self._ts_created = array("q")
        self._ts_updated = array("q")
        self._filled = array("d")
        self._average = array("d")
        self._extra = array("i")  # row in the optional columns, -1 for none
        self._limit = array("d")
        self._stop = array("d")
        self._trail = array("d")
        self._expire = array("q")
        self._parent = array("q")
        self._oco = array("q")
        self._current_stop = array("d")
        self._far: dict[int, Order] = {}  # ids outside the rows, by id
        self._layout: _Layout | None = None
        for order in orders:
            self.put(order)

    def _main(self) -> list[array[Any]]:
        return [
            self._flags,
            self._instrument,
            self._side,
            self._type,
            self._tif,
            self._status,
            self._reason,
            self._tag,
            self._quantity,
            self._ts_created,
            self._ts_updated,
            self._filled,
            self._average,
            self._extra,
        ]

    def _optional(self) -> list[array[Any]]:
        return [
            self._limit,
            self._stop,
            self._trail,
            self._expire,
            self._parent,
            self._oco,
            self._current_stop,
        ]

    # -- writes -----------------------------------------------------------------

    def put(self, order: Order) -> None:
        """Write `order` as the state of its id, replacing what was there."""
        self._writable()
        self._layout = None
        order_id = order.order_id
        if self._far and order_id in self._far:
            self._far[order_id] = order
            return
        rows = len(self._flags)
        if not (int64(order_id) and 1 <= order_id <= 2 * rows + _ID_HEADROOM):
            self._far[order_id] = order
            return
        row = order_id - 1
        if row >= rows:
            grow = max(row + 1 - rows, rows // 8 + 64)
            for column in self._main():
                column.frombytes(bytes(grow * column.itemsize))
            self._extra[rows:] = array("i", [-1]) * grow
        if not _exact(order):
            self._objects[row] = order
            self._flags[row] = _PRESENT | _OBJECT
            return
        if self._objects:
            self._objects.pop(row, None)
        request = order.request
        quantity = request.quantity
        flags = _PRESENT
        if type(quantity) is int:
            flags |= _INT_QUANTITY
        if request.post_only:
            flags |= _POST_ONLY
        if request.reduce_only:
            flags |= _REDUCE_ONLY
        optional = (
            request.limit_price,
            request.stop_price,
            request.trail,
            request.expire_ns,
            request.parent_id,
            request.oco_group,
            order.stop_price,
        )
        if optional != (None,) * 7:
            extra = self._extra[row]
            if extra < 0:
                extra = self._extra[row] = len(self._limit)
                for column in self._optional():
                    column.append(0)
            for bit, column, value in zip(
                (_LIMIT, _STOP, _TRAIL, _EXPIRE, _PARENT, _OCO, _CURRENT_STOP),
                self._optional(),
                optional,
                strict=True,
            ):
                if value is not None:
                    flags |= bit
                    column[extra] = value
        self._flags[row] = flags
        self._instrument[row] = self.instruments.index(request.instrument)
        self._side[row] = request.side
        self._type[row] = request.order_type
        self._tif[row] = request.time_in_force
        self._status[row] = order.status
        self._reason[row] = order.reject_reason
        self._tag[row] = self.tags.index(request.tag)
        self._quantity[row] = quantity
        self._ts_created[row] = order.ts_created
        self._ts_updated[row] = order.ts_updated
        self._filled[row] = order.filled_quantity
        self._average[row] = order.average_price

    # -- reads by id ------------------------------------------------------------

    def _row_of(self, order_id: int) -> int:
        """The row holding `order_id`, -1 if none."""
        try:
            row = operator.index(order_id) - 1
        except TypeError:
            return -1
        return row if 0 <= row < len(self._flags) and self._flags[row] & _PRESENT else -1

    def get(self, order_id: int) -> Order | None:
        """The order with id `order_id`, None if there is none."""
        if self._far:
            kept = self._far.get(order_id)
            if kept is not None:
                return kept
        row = self._row_of(order_id)
        return None if row < 0 else super()._read(row)

    def status(self, order_id: int) -> OrderStatus | None:
        """The status of order `order_id` (without building it), None if there is none."""
        row = self._row_of(order_id)
        if row < 0 or self._flags[row] & _OBJECT:
            order = self.get(order_id)
            return None if order is None else order.status
        return _STATUSES[self._status[row]]

    # -- reads in id order ------------------------------------------------------

    def _rows(self) -> _Layout:
        if self._layout is None:
            flags = np.frombuffer(self._flags, dtype=np.uint16)
            used = np.flatnonzero(flags & _PRESENT)
            del flags  # the log may grow again once no view of it is left
            dense = used.size == 0 or int(used[-1]) == used.size - 1
            far = sorted(self._far)
            merged = None
            if far:
                # Rare (ids chosen by a test or a tool): position -> row, or ~index into far.
                keys = [(int(row) + 1, int(row)) for row in used]
                keys += [(order_id, ~i) for i, order_id in enumerate(far)]
                merged = [where for _, where in sorted(keys)]
            self._layout = _Layout(None if dense else used, int(used.size), far, merged)
        return self._layout

    def __len__(self) -> int:
        layout = self._rows()
        return layout.size + len(layout.far)

    def _read(self, position: int) -> Order:
        layout = self._rows()
        if layout.merged is not None:
            where = layout.merged[position]
            if where < 0:
                return self._far[layout.far[~where]]
            return super()._read(where)
        return super()._read(position if layout.rows is None else int(layout.rows[position]))

    def _row(self, row: int) -> Order:
        flags = self._flags[row]
        limit = stop = trail = current_stop = None
        expire = parent = oco = None
        if flags & _OPTIONAL:
            extra = self._extra[row]
            if flags & _LIMIT:
                limit = self._limit[extra]
            if flags & _STOP:
                stop = self._stop[extra]
            if flags & _TRAIL:
                trail = self._trail[extra]
            if flags & _EXPIRE:
                expire = self._expire[extra]
            if flags & _PARENT:
                parent = self._parent[extra]
            if flags & _OCO:
                oco = self._oco[extra]
            if flags & _CURRENT_STOP:
                current_stop = self._current_stop[extra]
        quantity: float = self._quantity[row]
        request = OrderRequest(
            self.instruments.names[self._instrument[row]],
            _SIDES[self._side[row]],
            int(quantity) if flags & _INT_QUANTITY else quantity,
            _TYPES[self._type[row]],
            limit,
            stop,
            trail,
            _TIFS[self._tif[row]],
            expire,
            bool(flags & _POST_ONLY),
            bool(flags & _REDUCE_ONLY),
            self.tags.names[self._tag[row]],
            parent,
            oco,
        )
        return Order(
            row + 1,
            request,
            _STATUSES[self._status[row]],
            self._ts_created[row],
            self._ts_updated[row],
            self._filled[row],
            nan_as_singleton(self._average[row]),
            _REASONS[self._reason[row]],
            current_stop,
        )

    def _same_columns(self, other: Any) -> bool:
        if self._objects or other._objects or self._far or other._far:
            return False
        mine, theirs = self._rows(), other._rows()
        if mine.rows is not None or theirs.rows is not None or mine.size != theirs.size:
            return False
        return (
            self.instruments.names == other.instruments.names
            and self.tags.names == other.tags.names
            and same_bits(self._main(), other._main(), rows=mine.size)
            and same_bits(self._optional(), other._optional())
        )

    # -- columns ----------------------------------------------------------------

    def numpy(self) -> dict[str, tuple[npt.NDArray[Any], npt.NDArray[np.bool_] | None]]:
        """Each field as (values, valid) in id order, by the orders table's column names.

        Only for a frozen log whose rows are all in the columns
        (`exact_columns`). `valid` is None for a required field, else True
        where the optional field is set. Enums are int8 codes, ``instrument``
        and ``tag`` int32 indices into `instruments.names` and `tags.names`.
        ``stop_price`` is the requested stop, ``current_stop_price`` the
        order's stop now.
        """
        if not (self._frozen and self.exact_columns):
            raise InvariantError("OrderColumns.numpy() of a log being written or holding objects")
        rows, size, _, _ = self._rows()

        def column(values: array[Any], dtype: type[np.generic]) -> npt.NDArray[Any]:
            data = np.frombuffer(values, dtype=dtype)[:size]
            return data.copy() if rows is None else data[rows]

        flags = column(self._flags, np.uint16)
        extra = column(self._extra, np.int32)
        out: dict[str, tuple[npt.NDArray[Any], npt.NDArray[np.bool_] | None]] = {
            "order_id": ((np.arange(size) if rows is None else rows).astype(np.int64) + 1, None),
            "instrument": (column(self._instrument, np.int32), None),
            "side": (column(self._side, np.int8), None),
            "order_type": (column(self._type, np.int8), None),
            "quantity": (column(self._quantity, np.float64), None),
            "time_in_force": (column(self._tif, np.int8), None),
            "post_only": ((flags & _POST_ONLY) != 0, None),
            "reduce_only": ((flags & _REDUCE_ONLY) != 0, None),
            "tag": (column(self._tag, np.int32), None),
            "status": (column(self._status, np.int8), None),
            "ts_created": (column(self._ts_created, np.int64), None),
            "ts_updated": (column(self._ts_updated, np.int64), None),
            "filled_quantity": (column(self._filled, np.float64), None),
            "average_price": (column(self._average, np.float64), None),
            "reject_reason": (column(self._reason, np.int8), None),
        }
        for name, bit, values, dtype in (
            ("limit_price", _LIMIT, self._limit, np.float64),
            ("stop_price", _STOP, self._stop, np.float64),
            ("trail", _TRAIL, self._trail, np.float64),
            ("expire_ns", _EXPIRE, self._expire, np.int64),
            ("parent_id", _PARENT, self._parent, np.int64),
            ("oco_group", _OCO, self._oco, np.int64),
            ("current_stop_price", _CURRENT_STOP, self._current_stop, np.float64),
        ):
            valid = (flags & bit) != 0
            gathered = np.zeros(size, dtype=dtype)
            gathered[valid] = np.frombuffer(values, dtype=dtype)[extra[valid]]
            out[name] = (gathered, valid)
        return out
