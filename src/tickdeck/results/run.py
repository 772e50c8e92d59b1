"""`RunResult`: a finished run as an immutable value.

It holds what defines the run (config, parameters, seed, version, a
fingerprint of the data) and what happened (orders, fills, round trips, the
equity curve), as plain records and numpy arrays, with pandas views for
analysis. Metrics are computed from it by pure functions; rendering is
elsewhere.

Orders, fills and round trips are sequences of records: tuples when a result
is built from records, and, from the engine, read-only columnar logs
(`tickdeck.results._columns`) that build each record when it is read and
compare equal to the tuple of the same records. A long run keeps millions of
fills at a few dozen bytes each that way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from tickdeck.core import Fill, FillBasis, Order

__all__ = ["EquityArrays", "Fidelity", "PriceMarks", "RoundTrip", "RunResult"]


@dataclass(frozen=True, slots=True)
class RoundTrip:
    """One closed position slice: entry and exit, quantity, PnL in the base currency."""

    instrument: str
    side: int
    quantity: float
    entry_ns: int
    entry_price: float
    exit_ns: int
    exit_price: float
    gross_pnl: float
    fees: float

    @property
    def net_pnl(self) -> float:
        return self.gross_pnl - self.fees

    @property
    def holding_ns(self) -> int:
        return self.exit_ns - self.entry_ns


@dataclass(frozen=True)
class EquityArrays:
    """The sampled equity curve: times (ns UTC) and base-currency values."""

    ts: npt.NDArray[np.int64]
    equity: npt.NDArray[np.float64]
    cash: npt.NDArray[np.float64]
    gross_exposure: npt.NDArray[np.float64]
    net_exposure: npt.NDArray[np.float64]

    def to_pandas(self) -> pd.DataFrame:
        frame = pd.DataFrame(
            {
                "equity": self.equity,
                "cash": self.cash,
                "gross_exposure": self.gross_exposure,
                "net_exposure": self.net_exposure,
            },
            index=pd.to_datetime(self.ts, unit="ns", utc=True),
        )
        frame.index.name = "time"
        return frame


@dataclass(frozen=True)
class PriceMarks:
    """Each instrument's valuation price, sampled with the equity curve and at every fill.

    One row per (time, instrument): `instrument` names it, `price` is the mid
    of the last quote (or the last trade or bar close without quotes). This
    is what a report draws prices from, without going back to the data.
    """

    instrument: npt.NDArray[np.str_]
    ts: npt.NDArray[np.int64]
    price: npt.NDArray[np.float64]

    @classmethod
    def empty(cls) -> PriceMarks:
        return cls(np.array([], dtype=np.str_), np.array([], np.int64), np.array([], np.float64))

    def of(self, instrument: str) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """The (times, prices) of one instrument, in time order."""
        rows = self.instrument == instrument
        return self.ts[rows], self.price[rows]

    def to_pandas(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "time": pd.to_datetime(self.ts, unit="ns", utc=True),
                "instrument": self.instrument.astype(object),
                "price": self.price,
            }
        )


@dataclass(frozen=True)
class Fidelity:
    """How much of a run rests on observed data, and how much on models.

    Events are counted by where their rows came from in the catalog (data a
    generator wrote is synthetic); fills by their `FillBasis`: book-driven
    fills took liquidity the data showed, heuristic ones depend on a model
    (queue estimate, synthetic depth, last-trade price, bar path).
    """

    real_events: int
    synthetic_events: int
    fills_by_basis: dict[FillBasis, int]

    @property
    def book_fills(self) -> int:
        return sum(n for basis, n in self.fills_by_basis.items() if not basis.is_heuristic)

    @property
    def heuristic_fills(self) -> int:
        return sum(n for basis, n in self.fills_by_basis.items() if basis.is_heuristic)

    @property
    def real_share(self) -> float:
        """Share of replayed events from real data (1.0 for a run without events)."""
        total = self.real_events + self.synthetic_events
        return self.real_events / total if total else 1.0

    def statement(self) -> str:
        """One sentence a reader of a result can quote."""
        total = self.real_events + self.synthetic_events
        fills = self.book_fills + self.heuristic_fills
        parts = [
            f"{self.real_share:.1%} of {total:,} events from real data, "
            f"{1 - self.real_share:.1%} synthetic",
        ]
        if fills:
            detail = ", ".join(
                f"{basis.label.replace('_', ' ')} {n:,}"
                for basis, n in sorted(self.fills_by_basis.items())
                if n
            )
            parts.append(
                f"{self.book_fills:,} of {fills:,} fills book-driven, "
                f"{self.heuristic_fills:,} heuristic ({detail})"
            )
        else:
            parts.append("no fills")
        return "; ".join(parts) + "."


@dataclass(frozen=True)
class RunResult:
    """Everything about one run; equal inputs and seed give equal results."""

    strategy: str
    params: dict[str, object]
    config: dict[str, Any]
    seed: int
    version: str
    data_fingerprint: str
    events: int
    complete: bool
    orders: Sequence[Order]
    fills: Sequence[Fill]
    trades: Sequence[RoundTrip]
    equity: EquityArrays
    initial_cash: float
    final_equity: float
    synthetic_events: int = 0
    marks: PriceMarks = field(default_factory=PriceMarks.empty)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def fidelity(self) -> Fidelity:
        """Real versus synthetic events, book-driven versus heuristic fills."""
        from tickdeck.results._columns import FillColumns  # it builds on this module

        counts: dict[FillBasis, int] = {}
        if isinstance(self.fills, FillColumns):
            counts = self.fills.basis_counts()
        else:
            for fill in self.fills:
                counts[fill.basis] = counts.get(fill.basis, 0) + 1
        return Fidelity(self.events - self.synthetic_events, self.synthetic_events, counts)

    def fills_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "order_id": [f.order_id for f in self.fills],
                "instrument": [f.instrument for f in self.fills],
                "time": pd.to_datetime([f.ts for f in self.fills], unit="ns", utc=True),
                "side": [int(f.side) for f in self.fills],
                "quantity": [f.quantity for f in self.fills],
                "price": [f.price for f in self.fills],
                "fee": [f.fee for f in self.fills],
                "liquidity": [f.liquidity.label for f in self.fills],
                "slippage": [f.slippage for f in self.fills],
                "basis": [f.basis.label for f in self.fills],
            }
        )

    def orders_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "order_id": [o.order_id for o in self.orders],
                "instrument": [o.request.instrument for o in self.orders],
                "side": [int(o.request.side) for o in self.orders],
                "type": [o.request.order_type.label for o in self.orders],
                "quantity": [o.request.quantity for o in self.orders],
                "limit_price": [o.request.limit_price for o in self.orders],
                "stop_price": [o.request.stop_price for o in self.orders],
                "status": [o.status.label for o in self.orders],
                "filled": [o.filled_quantity for o in self.orders],
                "average_price": [o.average_price for o in self.orders],
                "reject_reason": [o.reject_reason.label for o in self.orders],
                "created": pd.to_datetime([o.ts_created for o in self.orders], unit="ns", utc=True),
            }
        )

    def trades_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "instrument": [t.instrument for t in self.trades],
                "side": [t.side for t in self.trades],
                "quantity": [t.quantity for t in self.trades],
                "entry_time": pd.to_datetime(
                    [t.entry_ns for t in self.trades], unit="ns", utc=True
                ),
                "entry_price": [t.entry_price for t in self.trades],
                "exit_time": pd.to_datetime([t.exit_ns for t in self.trades], unit="ns", utc=True),
                "exit_price": [t.exit_price for t in self.trades],
                "gross_pnl": [t.gross_pnl for t in self.trades],
                "fees": [t.fees for t in self.trades],
                "net_pnl": [t.net_pnl for t in self.trades],
            }
        )
