"""tickdeck: backtest trading strategies on tick data.

The names most users need are re-exported here; each lives in its layer
(`tickdeck.core`, `tickdeck.data`, `tickdeck.feed`).
"""

from tickdeck.core import (
    DataError,
    DataKind,
    InputError,
    Instrument,
    TickdeckError,
)
from tickdeck.data import Catalog, CleaningConfig, ingest, query
from tickdeck.feed import Pacer, Replay

__version__ = "0.1.0"

__all__ = [
    "Catalog",
    "CleaningConfig",
    "DataError",
    "DataKind",
    "InputError",
    "Instrument",
    "Pacer",
    "Replay",
    "TickdeckError",
    "__version__",
    "ingest",
    "query",
]
