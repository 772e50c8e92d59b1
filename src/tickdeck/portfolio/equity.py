"""The equity curve: samples of a portfolio's totals, kept in growable numpy arrays.

The engine decides when to sample (every fill, every bar, every second...);
`EquityRecorder.sample` reads the portfolio's totals and writes them into
preallocated float64 and int64 arrays whose capacity doubles when full, so a
sample costs amortised O(1) plus one pass over the open positions, and no
Python object is kept per sample. `EquityRecorder.curve` returns the samples as
an immutable `EquityCurve` of read-only views (no copy).

There is no separate "position value" column: under full-notional accounting
(see `tickdeck.portfolio.account`) the value of the positions is exactly the
net exposure, so `EquityCurve.position_value` is that column under its other
name rather than a duplicate array.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import numpy.typing as npt

from tickdeck.core import InputError
from tickdeck.portfolio.account import Portfolio

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["EquityCurve", "EquityRecorder"]

_COLUMNS = ("equity", "cash", "gross_exposure", "net_exposure")
_Number = TypeVar("_Number", np.int64, np.float64)


@dataclass(frozen=True, slots=True)
class EquityCurve:
    """Sampled account totals: one row per sample, in sample order (ts non-decreasing).

    `ts` is int64 ns UTC; the other columns are float64 in the base currency.
    The arrays are read-only.
    """

    ts: npt.NDArray[np.int64]
    equity: npt.NDArray[np.float64]
    cash: npt.NDArray[np.float64]
    gross_exposure: npt.NDArray[np.float64]
    net_exposure: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.ts.size)

    @property
    def position_value(self) -> npt.NDArray[np.float64]:
        """Value of the positions, ``equity - cash``: the net exposure column."""
        return self.net_exposure

    @property
    def leverage(self) -> npt.NDArray[np.float64]:
        """``gross_exposure / equity`` per sample: 0 without exposure, inf if equity <= 0."""
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = self.gross_exposure / self.equity
        ratio = np.where(self.equity > 0, ratio, np.inf)
        return np.where(self.gross_exposure == 0.0, 0.0, ratio)

    def to_pandas(self) -> pd.DataFrame:
        """The columns as a DataFrame indexed by a UTC DatetimeIndex named ``ts``."""
        import pandas as pd  # only this helper needs pandas

        index = pd.DatetimeIndex(pd.to_datetime(self.ts, unit="ns", utc=True), name="ts")
        return pd.DataFrame({name: getattr(self, name) for name in _COLUMNS}, index=index)


class EquityRecorder:
    """Samples a portfolio's equity, cash, gross and net exposure into growable arrays.

    `capacity` is the initial number of rows; it doubles whenever it is
    exhausted. Sample times must not go backwards (equal times are kept).
    """

    def __init__(self, portfolio: Portfolio, *, capacity: int = 1024) -> None:
        if not isinstance(capacity, int) or capacity < 1:
            raise InputError("capacity", capacity, "a positive number of rows")
        self._portfolio = portfolio
        self._size = 0
        self._ts = np.empty(capacity, dtype=np.int64)
        self._values = np.empty((len(_COLUMNS), capacity), dtype=np.float64)

    def __len__(self) -> int:
        return self._size

    def sample(self, ts: int) -> None:
        """Append the portfolio's totals at `ts` (int64 ns UTC)."""
        n = self._size
        if n and ts < self._ts[n - 1]:
            raise InputError(
                "ts", ts, f"a time at or after the previous sample {int(self._ts[n - 1])}"
            )
        if n == self._ts.size:
            self._grow()
        equity, cash, gross, net = self._portfolio.totals()
        self._ts[n] = ts
        values = self._values
        values[0, n] = equity
        values[1, n] = cash
        values[2, n] = gross
        values[3, n] = net
        self._size = n + 1

    def curve(self) -> EquityCurve:
        """The samples so far, as read-only arrays (recording may continue).

        They are views, not copies: a row once written is never written
        again (later samples go after it, or into new arrays when the
        capacity doubles), so the views never change, and a long run's curve
        is not held twice.
        """
        n = self._size
        ts, equity, cash, gross, net = (_frozen(row[:n]) for row in (self._ts, *self._values))
        return EquityCurve(ts, equity, cash, gross, net)

    def _grow(self) -> None:
        capacity = 2 * self._ts.size
        ts = np.empty(capacity, dtype=np.int64)
        ts[: self._size] = self._ts
        values = np.empty((len(_COLUMNS), capacity), dtype=np.float64)
        values[:, : self._size] = self._values
        self._ts = ts
        self._values = values


def _frozen(column: npt.NDArray[_Number]) -> npt.NDArray[_Number]:
    view = column.view()
    view.setflags(write=False)
    return view
