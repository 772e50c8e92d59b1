"""`SourceTable`: rows read from one source, in canonical layout, with their origins."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from tickdeck.core import DataKind, InvariantError, layout

__all__ = ["SourceTable"]


@dataclass(frozen=True)
class SourceTable:
    """Rows of one data kind read from one source, not yet cleaned.

    `table` has exactly the columns of ``layout(kind)``, in that order and with
    those types, and no nulls. `origin[i]` says where row ``i`` came from: a
    1-based line number for text formats (``origin_unit == "line"``, counting
    the header) or a 0-based record index for binary ones (``"record"``). Every
    error and every quarantined row points back through it.
    """

    kind: DataKind
    table: pa.Table
    origin: npt.NDArray[np.int64]
    source: str
    origin_unit: Literal["line", "record"] = "line"

    def __post_init__(self) -> None:
        expected = layout(self.kind).arrow_schema
        if self.table.schema.names != expected.names or not all(
            a.type == b.type for a, b in zip(self.table.schema, expected, strict=True)
        ):
            raise InvariantError(
                f"{self.source}: schema {self.table.schema} is not the {self.kind.label} layout"
            )
        if len(self.origin) != self.table.num_rows:
            raise InvariantError(
                f"{self.source}: {len(self.origin)} origins for {self.table.num_rows} rows"
            )

    @property
    def num_rows(self) -> int:
        return int(self.table.num_rows)

    def take(self, indices: npt.NDArray[np.int64]) -> SourceTable:
        """The rows at `indices`, in that order, with their origins."""
        return SourceTable(
            self.kind,
            self.table.take(indices),
            self.origin[indices],
            self.source,
            self.origin_unit,
        )

    def where(self, origin_index: int) -> dict[str, int]:
        """Keyword arguments locating row `origin_index` for a `DataError`."""
        value = int(self.origin[origin_index])
        return {"line": value} if self.origin_unit == "line" else {"record": value}
