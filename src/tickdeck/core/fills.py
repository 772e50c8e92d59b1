"""`Fill`: one execution of one of our orders, the record accounting is built on."""

from __future__ import annotations

import math
from dataclasses import dataclass

from tickdeck.core.enums import FillBasis, Liquidity, Side
from tickdeck.core.errors import InputError

__all__ = ["Fill"]


@dataclass(frozen=True, slots=True)
class Fill:
    """An execution: `quantity` (> 0, instrument units) at `price`, on `side`.

    `ts` is the exchange time of the execution (int64 ns UTC). `fee` is in the
    instrument's currency, positive for a cost and negative for a rebate.
    `slippage` is signed against us, in price units: how much worse than the
    reference (the mid when the order was decided) the fill price was.
    `basis` says whether the data showed this liquidity or a model assumed it.
    """

    order_id: int
    instrument: str
    ts: int
    side: Side
    quantity: float
    price: float
    fee: float = 0.0
    liquidity: Liquidity = Liquidity.TAKER
    slippage: float = 0.0
    basis: FillBasis = FillBasis.BOOK

    def __post_init__(self) -> None:
        if not (self.quantity > 0 and math.isfinite(self.quantity)):
            raise InputError("fill.quantity", self.quantity, "a positive finite quantity")
        if not (self.price > 0 and math.isfinite(self.price)):
            raise InputError("fill.price", self.price, "a positive finite price")
        if not math.isfinite(self.fee):
            raise InputError("fill.fee", self.fee, "a finite fee")

    @property
    def signed_quantity(self) -> float:
        """Quantity with the side's sign: positive for buys, negative for sells."""
        return self.quantity if self.side == Side.BUY else -self.quantity
