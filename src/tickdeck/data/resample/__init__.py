"""Bars from ticks: time, tick-count and volume bars, one-shot or chunk by chunk.

Conventions (timestamps, empty buckets, partial bars, the volume-bar rule)
are in ``docs/resampling.md``.
"""

from tickdeck.data.resample.bars import (
    BarAggregator,
    resample_ticks,
    resample_time,
    resample_volume,
)
from tickdeck.data.resample.price_source import PriceSource

__all__ = ["BarAggregator", "PriceSource", "resample_ticks", "resample_time", "resample_volume"]
