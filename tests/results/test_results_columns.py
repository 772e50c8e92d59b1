"""Columnar logs of fills, orders and round trips read back as the records written into them.

The engine keeps a run's records as typed columns (`tickdeck.results._columns`)
and a `RunResult` exposes them as sequences: every record read back must be
the one written, field by field, of the same types, floats bit for bit; the
logs compare and hash like the tuple of their records; and the tables they
serialise to are the tables the records give.
"""

from __future__ import annotations

import math
import pickle
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.results.test_serialize_roundtrip import FILLS, ORDERS, TRADES, assert_same

from tickdeck.core import Fill, InputError, InvariantError, Order, OrderStatus, RejectReason, Side
from tickdeck.core.orders import OrderRequest
from tickdeck.results._columns import FillColumns
from tickdeck.results._order_columns import OrderColumns
from tickdeck.results._trips import TripColumns
from tickdeck.results.run import RoundTrip
from tickdeck.results.serialize import fills_table, orders_table, trades_table

INT64 = st.integers(-(2**63), 2**63 - 1)

# Records with a field of another type than the columns hold (an int price, a numpy
# integer time, a side given as a plain int): the log keeps these as the objects.
ODD_FILLS = st.one_of(
    FILLS.map(lambda f: replace(f, ts=np.int64(f.ts))),  # type: ignore[arg-type]
    FILLS.map(lambda f: replace(f, price=max(1, int(f.price)))),
    FILLS.map(lambda f: replace(f, side=int(f.side))),  # type: ignore[arg-type]
)
ODD_TRADES = st.one_of(
    TRADES.map(lambda t: replace(t, side=200)),
    TRADES.map(lambda t: replace(t, quantity=3)),
)


def with_int_quantity(order: Order, quantity: int) -> Order:
    return replace(order, request=replace(order.request, quantity=quantity))


ODD_ORDERS = st.one_of(
    st.builds(with_int_quantity, ORDERS, st.integers(1, 2**53)),  # held: an exact float
    st.builds(with_int_quantity, ORDERS, st.integers(2**53 + 1, 2**60)),  # not: the object
    ORDERS.map(lambda o: replace(o, ts_created=np.int64(o.ts_created))),  # type: ignore[arg-type]
)


def same_records(expected: Sequence[Any], actual: Sequence[Any]) -> None:
    """Equal record by record, of the same types, floats bit for bit."""
    assert len(actual) == len(expected)
    assert_same(tuple(expected), tuple(actual))


def table_rows(table: pa.Table) -> list[tuple[Any, ...]]:
    return [tuple(row.values()) for row in table.to_pylist()]


def same_tables(expected: pa.Table, actual: pa.Table) -> None:
    """The same schema (with its metadata) and the same values, floats bit for bit."""
    assert actual.schema.equals(expected.schema, check_metadata=True)
    assert_same(table_rows(expected), table_rows(actual))


def frozen(log: Any) -> Any:
    log.freeze()
    return log


# -- fills ------------------------------------------------------------------------------


@given(st.lists(FILLS | ODD_FILLS, max_size=12))
def test_fills_read_back_as_written(fills: list[Fill]) -> None:
    log = frozen(FillColumns(fills))
    same_records(fills, log)
    same_records(fills, [log[i] for i in range(len(fills))])
    same_records(fills[::-1], [log[-1 - i] for i in range(len(fills))])
    same_records(fills[1:-1:2], log[1:-1:2])


@given(st.lists(FILLS, max_size=12))
def test_a_fill_log_serialises_to_the_table_of_its_fills(fills: list[Fill]) -> None:
    same_tables(fills_table(tuple(fills)), fills_table(frozen(FillColumns(fills))))


@given(st.lists(FILLS | ODD_FILLS, min_size=1, max_size=12))
def test_a_fill_log_counts_fills_by_basis_as_the_fills_do(fills: list[Fill]) -> None:
    counts: dict[object, int] = {}
    for fill in fills:
        counts[fill.basis] = counts.get(fill.basis, 0) + 1
    assert list(frozen(FillColumns(fills)).basis_counts().items()) == list(counts.items())


# -- orders -----------------------------------------------------------------------------


@st.composite
def orders_by_id(draw: st.DrawFn) -> list[Order]:
    """Orders with distinct ids: mostly 1..n as the engine numbers them, some far away."""
    count = draw(st.integers(0, 10))
    ids = list(range(1, count + 1))
    ids = [i for i in ids if draw(st.booleans()) or i == count]  # holes: ids never written
    ids += draw(st.lists(INT64, max_size=3))  # zero, negative, huge: kept apart
    ids = list(dict.fromkeys(ids))
    made = draw(st.lists(ORDERS | ODD_ORDERS, min_size=len(ids), max_size=len(ids)))
    return [replace(order, order_id=i) for order, i in zip(made, ids, strict=True)]


@given(orders_by_id(), st.randoms(use_true_random=False))
def test_orders_read_back_in_id_order_whatever_the_order_they_were_written_in(
    orders: list[Order], random: Any
) -> None:
    shuffled = list(orders)
    random.shuffle(shuffled)
    log = OrderColumns()
    for order in shuffled:
        log.put(order)
    for order in orders:
        assert_same(order, log.get(order.order_id))
        assert log.status(order.order_id) is order.status
    log.freeze()
    same_records(sorted(orders, key=lambda o: o.order_id), log)


@given(orders_by_id(), st.lists(ORDERS, min_size=1, max_size=4))
def test_writing_an_order_again_replaces_it(orders: list[Order], later: list[Order]) -> None:
    log = OrderColumns(tuple(orders))
    replaced = {o.order_id: o for o in orders}
    for order, target in zip(later, orders or later, strict=False):
        replaced[target.order_id] = replace(order, order_id=target.order_id)
        log.put(replaced[target.order_id])
    log.freeze()
    same_records(sorted(replaced.values(), key=lambda o: o.order_id), log)


@given(st.lists(ORDERS, max_size=10))
def test_an_order_log_serialises_to_the_table_of_its_orders(made: list[Order]) -> None:
    orders = tuple(replace(order, order_id=i + 1) for i, order in enumerate(made))
    same_tables(orders_table(orders), orders_table(frozen(OrderColumns(orders))))


def test_an_id_never_written_has_no_order() -> None:
    request = OrderRequest("ACME.XNAS", Side.BUY, 5.0)
    log = OrderColumns((Order(3, request, OrderStatus.FILLED, 1, 2, 5.0, 10.0),))
    assert [log.get(i) for i in (0, 1, 2, 4, -3)] == [None] * 5
    assert log.status(2) is None
    assert log.status(3) is OrderStatus.FILLED


def test_an_unfilled_order_reads_back_the_very_nan_the_exchange_wrote() -> None:
    # Tuples compare members by identity first: records holding math.nan itself stay
    # equal to the exchange's own snapshots, which hold it too.
    request = OrderRequest("ACME.XNAS", Side.SELL, 2.0)
    canceled = Order(1, request, OrderStatus.CANCELED, 1, 2, 0.0, math.nan, RejectReason.NONE)
    log = frozen(OrderColumns((canceled,)))
    assert log[0].average_price is math.nan
    assert log == (canceled,)


# -- round trips ------------------------------------------------------------------------


@given(st.lists(TRADES | ODD_TRADES, max_size=12), st.randoms(use_true_random=False))
def test_round_trips_keep_their_reserved_rows_whatever_the_order_they_complete_in(
    trips: list[RoundTrip], random: Any
) -> None:
    log = TripColumns()
    rows = [log.reserve() for _ in trips]
    completion = list(zip(rows, trips, strict=True))
    random.shuffle(completion)
    for row, trip in completion:
        log.put(row, trip)
    same_records(trips, frozen(log))


@given(st.lists(TRADES, max_size=12))
def test_a_round_trip_log_serialises_to_the_table_of_its_round_trips(
    trips: list[RoundTrip],
) -> None:
    same_tables(trades_table(tuple(trips)), trades_table(frozen(TripColumns(trips))))


def test_a_round_trip_side_other_than_long_or_short_is_refused_from_columns_too() -> None:
    trip = RoundTrip("ACME.XNAS", 0, 1.0, 1, 10.0, 2, 11.0, 1.0, 0.0)
    with pytest.raises(InputError, match=r"trades\.side"):
        trades_table(frozen(TripColumns([trip])))


# -- as sequences -----------------------------------------------------------------------

FINITE_FILLS = st.lists(FILLS.filter(lambda f: math.isfinite(f.slippage)), min_size=1, max_size=8)


@given(FINITE_FILLS)
def test_a_log_is_equal_to_the_tuple_of_its_records_and_hashes_like_it(
    fills: list[Fill],
) -> None:
    log = frozen(FillColumns(fills))
    assert log == tuple(fills)
    assert tuple(fills) == log
    assert log == frozen(FillColumns(fills))
    assert hash(log) == hash(tuple(fills))
    assert len({log, tuple(fills)}) == 1
    assert log != tuple(fills[:-1])
    assert log != frozen(FillColumns(fills[:-1]))
    assert log != list(fills)  # like a tuple: a list is another kind of sequence
    other = replace(fills[-1], quantity=fills[-1].quantity * 2)
    assert log != frozen(FillColumns([*fills[:-1], other]))


def test_a_frozen_log_refuses_writes_and_an_open_one_refuses_hashing() -> None:
    fill = Fill(1, "ACME.XNAS", 5, Side.BUY, 1.0, 10.0)
    log = FillColumns([fill])
    with pytest.raises(TypeError, match="still being written"):
        hash(log)
    log.freeze()
    with pytest.raises(InvariantError, match="frozen"):
        log.append(fill)
    orders = frozen(OrderColumns())
    with pytest.raises(InvariantError, match="frozen"):
        orders.put(Order(1, OrderRequest("ACME.XNAS", Side.BUY, 1.0), OrderStatus.FILLED, 1, 1))
    with pytest.raises(IndexError):
        log[1]
    with pytest.raises(IndexError):
        log[-2]


@given(FINITE_FILLS, orders_by_id(), st.lists(TRADES, max_size=6))
def test_logs_cross_a_process_boundary_unchanged(
    fills: list[Fill], orders: list[Order], trips: list[RoundTrip]
) -> None:
    # A sweep sends results between processes: pickled, the logs stay what they were.
    for log in (FillColumns(fills), OrderColumns(tuple(orders)), TripColumns(trips)):
        log.freeze()
        back = pickle.loads(pickle.dumps(log))
        assert type(back) is type(log)
        assert back.frozen
        same_records(tuple(log), back)
