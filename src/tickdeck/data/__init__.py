"""Market data: the catalog, ingestion and cleaning, resampling, and sample data."""

from tickdeck.data.catalog import Catalog, PartitionInfo, WriteSummary
from tickdeck.data.catalog.inspect import InstrumentInfo, describe
from tickdeck.data.catalog.sql import query
from tickdeck.data.cleaning import CleaningConfig, CleaningReport
from tickdeck.data.ingest import ColumnMapping, IngestReport, TimestampFormat, ingest, read_source
from tickdeck.data.resample import (
    BarAggregator,
    PriceSource,
    resample_ticks,
    resample_time,
    resample_volume,
)
from tickdeck.data.sample import SAMPLE_INSTRUMENTS, write_sample_files

__all__ = [
    "SAMPLE_INSTRUMENTS",
    "BarAggregator",
    "Catalog",
    "CleaningConfig",
    "CleaningReport",
    "ColumnMapping",
    "IngestReport",
    "InstrumentInfo",
    "PartitionInfo",
    "PriceSource",
    "TimestampFormat",
    "WriteSummary",
    "describe",
    "ingest",
    "query",
    "read_source",
    "resample_ticks",
    "resample_time",
    "resample_volume",
    "write_sample_files",
]
