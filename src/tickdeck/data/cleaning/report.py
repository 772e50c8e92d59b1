"""What cleaning did to one source: counts by rule, gaps, and the rows set aside.

A `CleaningReport` accounts for every row it was given: it refuses to exist
unless ``rows_in == rows_out + sum(removed.values())`` and `removed` lists
every rule of `RULES`, in that order, zeros included. Rendering it as a table
is the CLI's job; `CleaningReport.to_dict` is the JSON form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import pyarrow as pa

from tickdeck.core import DataKind, InvariantError
from tickdeck.data._source import SourceTable

__all__ = ["MAX_REPORTED_GAPS", "RULES", "CleaningReport", "CleaningResult"]

#: The cleaning rules in precedence order: a row that several rules would
#: remove is counted under the first. The names are the keys of
#: `CleaningReport.removed` and the values of the quarantine's ``rule`` column.
RULES: Final[tuple[str, ...]] = (
    "invalid_code",
    "non_positive_price",
    "non_positive_size",
    "off_grid",
    "recv_before_event",
    "crossed",
    "locked",
    "inconsistent_ohlc",
    "duplicate",
    "spike",
)

#: How many of the largest gaps a report lists.
MAX_REPORTED_GAPS: Final = 20


@dataclass(frozen=True)
class CleaningReport:
    """The accounting of one `clean` call.

    - `rows_in`, `rows_out`: rows given and kept; `removed` maps every rule
      name of `RULES` (in order) to the rows it removed.
    - `out_of_order`: rows whose ``ts_recv`` was earlier than that of a row
      before them in the source; they were moved, not removed.
    - `snapped`: price values (not rows) among the kept rows that were within
      float noise of the tick grid and were moved onto it.
    - `gap_count`: intervals longer than `gap_threshold_ns` (ns) between the
      ``ts_recv`` of consecutive kept rows; `gaps` lists the largest
      (at most `MAX_REPORTED_GAPS`) as ``(start_ns, end_ns)``, largest first,
      then earliest first. Gaps are reported, never removed.
    """

    source: str
    kind: DataKind
    rows_in: int
    rows_out: int
    out_of_order: int
    removed: dict[str, int]
    snapped: int
    gap_threshold_ns: int
    gap_count: int
    gaps: tuple[tuple[int, int], ...]

    def __post_init__(self) -> None:
        if tuple(self.removed) != RULES:
            raise InvariantError(f"{self.source}: removed counts {list(self.removed)} != {RULES}")
        if self.rows_in != self.rows_out + sum(self.removed.values()):
            raise InvariantError(
                f"{self.source}: {self.rows_in} rows in, {self.rows_out} out and "
                f"{sum(self.removed.values())} removed: rows were lost"
            )

    @property
    def rows_removed(self) -> int:
        """Rows removed by any rule."""
        return self.rows_in - self.rows_out

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; `kind` is its label (``"quotes"``), gaps are pairs."""
        return {
            "source": self.source,
            "kind": self.kind.label,
            "rows_in": self.rows_in,
            "rows_out": self.rows_out,
            "out_of_order": self.out_of_order,
            "removed": dict(self.removed),
            "snapped": self.snapped,
            "gap_threshold_ns": self.gap_threshold_ns,
            "gap_count": self.gap_count,
            "gaps": [[start, end] for start, end in self.gaps],
        }


@dataclass(frozen=True)
class CleaningResult:
    """The output of `clean`.

    `data` holds the kept rows, stably sorted by ``ts_recv`` (source order
    among equal times), prices snapped to the grid, with their origins.
    `quarantine` holds the removed rows as they were read, in source order,
    with two more columns: ``rule`` (string, a name of `RULES`) and ``origin``
    (int64, the source line or record, as in `SourceTable.origin`). It has no
    rows when the config's ``keep_quarantine`` is false.
    """

    data: SourceTable
    report: CleaningReport
    quarantine: pa.Table
