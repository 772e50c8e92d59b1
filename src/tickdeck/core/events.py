"""Market data events as Python sees them: immutable named tuples.

Field order is the record layout's (see `tickdeck.core.schema`) with the
instrument id first, so the replay feed can build events from columns in C
(``tuple.__new__`` over ``zip``) without a Python call per event. Enumerated
fields hold plain ints that compare equal to their `IntEnum` members.
"""

from __future__ import annotations

from typing import NamedTuple

from tickdeck.core.enums import DataKind

__all__ = [
    "EVENT_TYPES",
    "Bar",
    "BookDelta",
    "BookSnapshot",
    "Event",
    "OrderEvent",
    "Quote",
    "Trade",
]


class Quote(NamedTuple):
    """Top of book: best bid and ask with their sizes."""

    instrument: str
    ts_event: int
    ts_recv: int
    bid_price: float
    ask_price: float
    bid_size: float
    ask_size: float

    @property
    def kind(self) -> DataKind:
        return DataKind.QUOTE

    @property
    def mid(self) -> float:
        return (self.bid_price + self.ask_price) / 2.0

    @property
    def spread(self) -> float:
        return self.ask_price - self.bid_price


class Trade(NamedTuple):
    """A print: price, size, aggressor code (`Aggressor`) and venue trade id."""

    instrument: str
    ts_event: int
    ts_recv: int
    price: float
    size: float
    aggressor: int
    trade_id: int

    @property
    def kind(self) -> DataKind:
        return DataKind.TRADE


class Bar(NamedTuple):
    """An OHLCV bar; ``ts_event`` is its close time, ``interval_ns`` 0 for tick or volume bars."""

    instrument: str
    ts_event: int
    ts_recv: int
    open: float
    high: float
    low: float
    close: float
    volume: float
    interval_ns: int

    @property
    def kind(self) -> DataKind:
        return DataKind.BAR


class BookDelta(NamedTuple):
    """An L2 change: the new total size at one price level of one side (`Side` code)."""

    instrument: str
    ts_event: int
    ts_recv: int
    side: int
    price: float
    size: float
    action: int

    @property
    def kind(self) -> DataKind:
        return DataKind.BOOK_DELTA


class BookSnapshot(NamedTuple):
    """The top N levels of both sides; empty levels have NaN price and 0 size."""

    instrument: str
    ts_event: int
    ts_recv: int
    bid_prices: tuple[float, ...]
    bid_sizes: tuple[float, ...]
    ask_prices: tuple[float, ...]
    ask_sizes: tuple[float, ...]

    @property
    def kind(self) -> DataKind:
        return DataKind.BOOK_SNAPSHOT


class OrderEvent(NamedTuple):
    """An L3 event on one venue order (`OrderAction` code)."""

    instrument: str
    ts_event: int
    ts_recv: int
    order_id: int
    side: int
    price: float
    size: float
    action: int

    @property
    def kind(self) -> DataKind:
        return DataKind.ORDER_EVENT


Event = Quote | Trade | Bar | BookDelta | BookSnapshot | OrderEvent

EVENT_TYPES: dict[DataKind, type[Event]] = {
    DataKind.QUOTE: Quote,
    DataKind.TRADE: Trade,
    DataKind.BAR: Bar,
    DataKind.BOOK_DELTA: BookDelta,
    DataKind.BOOK_SNAPSHOT: BookSnapshot,
    DataKind.ORDER_EVENT: OrderEvent,
}
