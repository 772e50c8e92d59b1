"""`CleaningConfig`: the knobs of the cleaning rules, validated once, frozen.

The defaults are the ones ``tickdeck ingest`` uses; docs/cleaning.md explains
each rule and why its default is what it is. The config crosses process and
HTTP boundaries as the dict of `CleaningConfig.to_dict`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from numbers import Integral, Real
from typing import Any

from tickdeck.core import InputError
from tickdeck.core.errors import suggest

__all__ = ["CleaningConfig"]

_MINUTE_NS = 60 * 1_000_000_000


@dataclass(frozen=True, slots=True)
class CleaningConfig:
    """How `clean` judges rows.

    - `keep_locked` (False): keep quotes and snapshots whose best bid equals
      the best ask instead of removing them under ``locked``.
    - `allow_zero_size` (False): accept a size of 0 where sizes are otherwise
      required to be positive (quotes, book levels, L2 adds and updates, L3
      adds, modifies and executes). The ingest pipeline sets it when the source
      had no size columns. Trades with size 0 are removed regardless.
    - `spike_window` (101): rows in the centred window of the Hampel filter;
      odd, at least 3.
    - `spike_threshold` (8.0): how many robust standard deviations
      (1.4826 * MAD) from the rolling median make a spike; ``math.inf``
      turns the spike rule off.
    - `spike_floor_ticks` (10.0) and `spike_floor_bps` (5.0): a move is a
      spike only if it is also larger than both this many ticks and this many
      basis points of the rolling median, so that a flat window (MAD 0) does
      not turn every ordinary move into a spike.
    - `gap_threshold_ns` (5 minutes): report intervals between consecutive
      rows longer than this, in ns. Gaps are never removed.
    - `max_off_grid_fraction` (0.01): above this fraction of rows with prices
      off the tick grid, `clean` raises a `DataError` instead of removing
      them: the tick size is more likely wrong than the data.
    - `keep_quarantine` (True): return the removed rows; when False the
      quarantine table is empty (counts are reported either way).
    - `drop_duplicate_trades_without_id` (False): also remove a trade that is
      an exact copy of an earlier one when both have ``trade_id`` 0. By default
      only trades with an id are deduplicated: several identical prints (same
      time, price, size and aggressor) are ordinary on venues without trade
      ids, while two rows with the same id are one trade sent twice.
    """

    keep_locked: bool = False
    allow_zero_size: bool = False
    spike_window: int = 101
    spike_threshold: float = 8.0
    spike_floor_ticks: float = 10.0
    spike_floor_bps: float = 5.0
    gap_threshold_ns: int = 5 * _MINUTE_NS
    max_off_grid_fraction: float = 0.01
    keep_quarantine: bool = True
    drop_duplicate_trades_without_id: bool = False

    def __post_init__(self) -> None:
        flags = ("keep_locked", "allow_zero_size", "keep_quarantine")
        for name in (*flags, "drop_duplicate_trades_without_id"):
            if not isinstance(getattr(self, name), bool):
                raise InputError(name, getattr(self, name), "true or false")
        window = self._integer("spike_window")
        if window < 3 or window % 2 == 0:
            raise InputError(
                "spike_window",
                window,
                "an odd number of rows, at least 3",
                hint="the window is centred on the row it judges",
            )
        if self._integer("gap_threshold_ns") <= 0:
            raise InputError("gap_threshold_ns", self.gap_threshold_ns, "a positive duration in ns")
        threshold = self._real("spike_threshold")
        if not threshold > 0:
            raise InputError(
                "spike_threshold",
                threshold,
                "a positive number of robust deviations",
                hint="use math.inf to turn the spike rule off",
            )
        for name in ("spike_floor_ticks", "spike_floor_bps"):
            value = self._real(name)
            if not (0 <= value < math.inf):
                raise InputError(name, value, "a finite number >= 0")
        fraction = self._real("max_off_grid_fraction")
        if not 0 <= fraction <= 1:
            raise InputError("max_off_grid_fraction", fraction, "a fraction between 0 and 1")

    def _integer(self, name: str) -> int:
        value = getattr(self, name)
        if isinstance(value, bool) or not isinstance(value, Integral):
            raise InputError(name, value, "an integer")
        object.__setattr__(self, name, int(value))  # numpy ints become plain ints
        return int(value)

    def _real(self, name: str) -> float:
        value = getattr(self, name)
        if isinstance(value, bool) or not isinstance(value, Real) or math.isnan(value):
            raise InputError(name, value, "a number")
        object.__setattr__(self, name, float(value))
        return float(value)

    def to_dict(self) -> dict[str, Any]:
        """The fields as a plain dict (JSON-ready unless `spike_threshold` is inf)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CleaningConfig:
        """Inverse of `to_dict`; missing keys take their defaults, unknown keys are rejected."""
        names = [f.name for f in fields(cls)]
        for key in data:
            if key not in names:
                raise InputError("cleaning", key, "a cleaning option", hint=suggest(key, names))
        return cls(**data)
