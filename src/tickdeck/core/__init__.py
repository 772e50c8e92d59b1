"""The shared vocabulary: enums, record layouts, events, instruments, errors, time."""

from tickdeck.core.enums import (
    Aggressor,
    AssetClass,
    BookAction,
    DataKind,
    FillBasis,
    Liquidity,
    OrderAction,
    OrderStatus,
    OrderType,
    RejectReason,
    Side,
    TimeInForce,
)
from tickdeck.core.errors import DataError, InputError, InvariantError, TickdeckError
from tickdeck.core.events import (
    EVENT_TYPES,
    Bar,
    BookDelta,
    BookSnapshot,
    Event,
    OrderEvent,
    Quote,
    Trade,
)
from tickdeck.core.fills import Fill
from tickdeck.core.instrument import Instrument
from tickdeck.core.orders import Order, OrderRequest, OrderUpdate
from tickdeck.core.schema import BOOK_SNAPSHOT_DEPTH, LAYOUTS, Field, RecordLayout, layout
from tickdeck.core.timestamps import format_timestamp, parse_duration, parse_timestamp

__all__ = [
    "BOOK_SNAPSHOT_DEPTH",
    "EVENT_TYPES",
    "LAYOUTS",
    "Aggressor",
    "AssetClass",
    "Bar",
    "BookAction",
    "BookDelta",
    "BookSnapshot",
    "DataError",
    "DataKind",
    "Event",
    "Field",
    "Fill",
    "FillBasis",
    "InputError",
    "Instrument",
    "InvariantError",
    "Liquidity",
    "Order",
    "OrderAction",
    "OrderEvent",
    "OrderRequest",
    "OrderStatus",
    "OrderType",
    "OrderUpdate",
    "Quote",
    "RecordLayout",
    "RejectReason",
    "Side",
    "TickdeckError",
    "TimeInForce",
    "Trade",
    "format_timestamp",
    "layout",
    "parse_duration",
    "parse_timestamp",
]
