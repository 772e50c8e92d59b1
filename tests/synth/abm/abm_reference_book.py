"""A slow, obviously correct limit order book to check the compiled engine against.

Prices are integer ticks and sizes integer lots. Each side is a dict from
price to a FIFO list of ``[order_id, lots]``; the best price is found with
``max``/``min`` every time. The events it records follow the conventions of
docs/synth-abm.md: an L3 EXECUTE per resting order reached (size: lots
executed), an ADD when an order rests, a CANCEL with size 0, a MODIFY with
the new price and remaining size; a trade per execution at the resting price.
"""

from __future__ import annotations

from dataclasses import dataclass, field

BUY, SELL = 1, -1
ADD, MODIFY, CANCEL, EXECUTE = 1, 2, 3, 4


@dataclass
class ReferenceBook:
    bids: dict[int, list[list[int]]] = field(default_factory=dict)
    asks: dict[int, list[list[int]]] = field(default_factory=dict)
    where: dict[int, tuple[int, int]] = field(default_factory=dict)  # id -> (side, price)
    next_id: int = 1
    # (action, order_id, side, price, lots)
    l3: list[tuple[int, int, int, int, int]] = field(default_factory=list)
    # (price, lots, aggressor side)
    trades: list[tuple[int, int, int]] = field(default_factory=list)

    def _side(self, side: int) -> dict[int, list[list[int]]]:
        return self.bids if side == BUY else self.asks

    def submit(self, side: int, limit: int | None, lots: int, may_rest: bool) -> tuple[int, int]:
        """A market (limit None) or limit order; returns (order id, lots filled)."""
        order_id = self.next_id
        self.next_id += 1
        opposite = self._side(-side)
        filled = 0
        while lots > 0 and opposite:
            best = min(opposite) if side == BUY else max(opposite)
            if limit is not None and (best > limit if side == BUY else best < limit):
                break
            queue = opposite[best]
            while queue and lots > 0:
                maker = queue[0]
                q = min(lots, maker[1])
                maker[1] -= q
                lots -= q
                filled += q
                self.l3.append((EXECUTE, maker[0], -side, best, q))
                self.trades.append((best, q, side))
                if maker[1] == 0:
                    queue.pop(0)
                    del self.where[maker[0]]
            if not queue:
                del opposite[best]
        if lots > 0 and may_rest and limit is not None:
            self._side(side).setdefault(limit, []).append([order_id, lots])
            self.where[order_id] = (side, limit)
            self.l3.append((ADD, order_id, side, limit, lots))
        return order_id, filled

    def cancel(self, order_id: int) -> bool:
        if order_id not in self.where:
            return False
        side, price = self.where.pop(order_id)
        book = self._side(side)
        book[price] = [o for o in book[price] if o[0] != order_id]
        if not book[price]:
            del book[price]
        self.l3.append((CANCEL, order_id, side, price, 0))
        return True

    def modify(self, order_id: int, price: int, lots: int) -> bool:
        """Refused (False) if the order is gone or a new price would trade."""
        if order_id not in self.where:
            return False
        side, old_price = self.where[order_id]
        opposite = self._side(-side)
        if price != old_price and opposite:
            best = min(opposite) if side == BUY else max(opposite)
            if (price >= best) if side == BUY else (price <= best):
                return False
        book = self._side(side)
        entry = next(o for o in book[old_price] if o[0] == order_id)
        if price == old_price and lots <= entry[1]:
            entry[1] = lots  # keeps its place in the queue
        else:
            book[old_price].remove(entry)
            if not book[old_price]:
                del book[old_price]
            book.setdefault(price, []).append([order_id, lots])
            self.where[order_id] = (side, price)
        self.l3.append((MODIFY, order_id, side, price, lots))
        return True

    def levels(self, side: int) -> list[tuple[int, int]]:
        """(price, total lots) from the best level outwards."""
        book = self._side(side)
        prices = sorted(book, reverse=side == BUY)
        return [(p, sum(o[1] for o in book[p])) for p in prices]

    def queue(self, side: int, price: int) -> list[tuple[int, int]]:
        return [(o[0], o[1]) for o in self._side(side).get(price, [])]
