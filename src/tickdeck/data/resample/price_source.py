"""`PriceSource`: which price of a quote or trade a bar is made of."""

from __future__ import annotations

from decimal import Decimal
from enum import IntEnum
from typing import Self

from tickdeck.core.errors import InputError, suggest
from tickdeck.core.instrument import Instrument

__all__ = ["PriceSource", "price_grid"]


class PriceSource(IntEnum):
    """Which price of a tick makes the bar.

    MID is ``(bid_price + ask_price) / 2``, so MID bars may fall on the half-tick
    grid of the instrument (e.g. 1.100015 for a 0.00001 tick). Give the
    resampling functions the instrument to get prices that are exactly the
    decimal values (the nearest doubles) rather than float sums.
    """

    MID = 0
    BID = 1
    ASK = 2
    TRADE = 3

    @property
    def label(self) -> str:
        """The name used at the edges (CLI, JSON)."""
        return self.name.lower()

    @classmethod
    def parse(cls, value: str | int | Self, *, field: str = "source") -> Self:
        """Parse a case-insensitive name (``"mid"``), a value or a member."""
        if isinstance(value, cls):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            try:
                return cls(value)
            except ValueError:
                raise InputError(field, value, f"one of {[int(m) for m in cls]}") from None
        key = str(value).strip().lower()
        for member in cls:
            if member.label == key:
                return member
        labels = [m.label for m in cls]
        raise InputError(field, value, "a price source", hint=suggest(key, labels))


def price_grid(instrument: Instrument, source: PriceSource) -> Instrument:
    """An instrument whose tick grid holds every bar price of `source`: half ticks for MID."""
    if source != PriceSource.MID:
        return instrument
    return Instrument(instrument.symbol, instrument.venue, instrument.tick_size / Decimal(2))
