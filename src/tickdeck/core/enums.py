"""Integer enums of the domain vocabulary.

They are `IntEnum` so that compiled kernels and Parquet columns carry plain
integers while Python code compares against names. Strings exist only at the
edges and are parsed once, through `parse`.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import Self

from tickdeck.core.errors import InputError, suggest

__all__ = [
    "Aggressor",
    "AssetClass",
    "BookAction",
    "DataKind",
    "Liquidity",
    "OrderAction",
    "OrderStatus",
    "OrderType",
    "RejectReason",
    "Side",
    "TimeInForce",
]


class _Parseable(IntEnum):
    @classmethod
    def parse(cls, text: str | int | Self, *, field: str | None = None) -> Self:
        """Parse a name (any case, singular or plural) or a value into a member."""
        if isinstance(text, cls):
            return text
        if isinstance(text, int):
            try:
                return cls(text)
            except ValueError:
                raise InputError(
                    field or cls.__name__, text, f"one of {[int(m) for m in cls]}"
                ) from None
        key = str(text).strip().lower().replace("-", "_")
        names = {m.label: m for m in cls}
        names.update({m.name.lower(): m for m in cls})
        member = names.get(key) or names.get(key.rstrip("s"))
        if member is None:
            raise InputError(
                field or cls.__name__,
                text,
                f"a {cls.__name__} name",
                hint=suggest(key, (m.label for m in cls)),
            )
        return member

    @property
    def label(self) -> str:
        """The name used at the edges (files, CLI, JSON)."""
        return self.name.lower()


class DataKind(_Parseable):
    """A kind of market data record.

    The value is also the tie-break rank in replay: at equal receive time, a
    book snapshot comes before a book delta, before an L3 order event, before
    a quote, before a trade, before a bar (a bar closes after the ticks in it).
    """

    BOOK_SNAPSHOT = 0
    BOOK_DELTA = 1
    ORDER_EVENT = 2
    QUOTE = 3
    TRADE = 4
    BAR = 5

    @property
    def label(self) -> str:
        """The catalog folder and SQL view name: plural snake case."""
        return self.name.lower() + "s"


class Side(_Parseable):
    """The side of an order or of a book level."""

    BUY = 1
    SELL = -1


class Aggressor(_Parseable):
    """Which side crossed the spread to make a trade; NONE when the venue does not say."""

    NONE = 0
    BUYER = 1
    SELLER = -1


class BookAction(_Parseable):
    """What an L2 book delta does to the level at its price."""

    ADD = 1
    UPDATE = 2
    DELETE = 3
    CLEAR = 4


class OrderAction(_Parseable):
    """What an L3 order event does to the order it names."""

    ADD = 1
    MODIFY = 2
    CANCEL = 3
    EXECUTE = 4


class OrderType(_Parseable):
    """How an order becomes executable: at once, at a price, or once a trigger trades."""

    MARKET = 1
    LIMIT = 2
    STOP = 3
    STOP_LIMIT = 4
    TRAILING_STOP = 5


class TimeInForce(_Parseable):
    """How long an order may rest: until cancelled, the day, immediately, all-or-none, a date."""

    GTC = 1
    DAY = 2
    IOC = 3
    FOK = 4
    GTD = 5


class OrderStatus(_Parseable):
    """Where an order is in its life; the last four are final."""

    SUBMITTED = 1
    ACCEPTED = 2
    TRIGGERED = 3
    PARTIALLY_FILLED = 4
    FILLED = 5
    CANCELED = 6
    EXPIRED = 7
    REJECTED = 8

    @property
    def is_final(self) -> bool:
        """Whether nothing more can happen to the order."""
        return self >= OrderStatus.FILLED


class RejectReason(_Parseable):
    """Why an order or a cancel/modify request was refused (NONE when it was not)."""

    NONE = 0
    INVALID_QUANTITY = 1
    INVALID_PRICE = 2
    UNKNOWN_INSTRUMENT = 3
    NO_MARKET = 4
    POST_ONLY_WOULD_TAKE = 5
    REDUCE_ONLY_WOULD_INCREASE = 6
    FOK_NOT_FILLABLE = 7
    MAX_POSITION = 8
    MAX_ORDER_SIZE = 9
    MAX_ORDER_NOTIONAL = 10
    # 11 was a buying-power reason; `MAX_LEVERAGE` is that check (leverage 1 = cash only).
    MAX_LEVERAGE = 12
    ORDER_NOT_OPEN = 13
    EXPIRE_TIME_PASSED = 14
    UNSUPPORTED_BY_VENUE = 15


class Liquidity(_Parseable):
    """Whether a fill added liquidity (a resting order) or took it."""

    MAKER = 1
    TAKER = 2


class FillBasis(_Parseable):
    """What in the data a fill rests on: an observed market, or a modelling assumption.

    Observed (book-driven): ``BOOK`` took displayed liquidity (L2 levels, or
    the displayed L1 top within its size); ``QUOTE`` is a resting order the
    opposite quote reached or crossed; ``TRADE`` is a resting order a printed
    trade went through. Assumed (heuristic): ``QUEUE`` filled at its price by
    the queue-position model's estimate; ``SYNTHETIC_DEPTH`` took size beyond
    what was displayed; ``LAST_TRADE`` took at the last trade's price with no
    quote to cross; ``BAR_PATH`` filled on the stated path through a bar.
    """

    BOOK = 1
    QUOTE = 2
    TRADE = 3
    QUEUE = 4
    SYNTHETIC_DEPTH = 5
    LAST_TRADE = 6
    BAR_PATH = 7

    @property
    def is_heuristic(self) -> bool:
        """True when the fill depends on a model rather than on what the data shows."""
        return self >= FillBasis.QUEUE


class AssetClass(StrEnum):
    """Broad asset class of an instrument; stored as its string value."""

    FX = "fx"
    EQUITY = "equity"
    FUTURE = "future"
    OPTION = "option"
    CRYPTO = "crypto"
    INDEX = "index"
    COMMODITY = "commodity"
    BOND = "bond"
    CFD = "cfd"

    @classmethod
    def parse(cls, text: str | AssetClass, *, field: str = "asset_class") -> AssetClass:
        """Parse a case-insensitive name into a member."""
        try:
            return cls(str(text).strip().lower())
        except ValueError:
            raise InputError(
                field,
                text,
                "an asset class",
                hint=suggest(str(text).lower(), (m.value for m in cls)),
            ) from None
