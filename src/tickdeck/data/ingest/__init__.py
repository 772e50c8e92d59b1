"""Ingestion: vendor files in, clean canonical rows into the catalog."""

from tickdeck.data._source import SourceTable
from tickdeck.data.ingest._convert import defaulted_fields
from tickdeck.data.ingest._mapping import ColumnMapping
from tickdeck.data.ingest._timestamps import TimestampFormat
from tickdeck.data.ingest.csv import read_csv
from tickdeck.data.ingest.dukascopy import read_bi5, write_bi5
from tickdeck.data.ingest.parquet import read_parquet
from tickdeck.data.ingest.pipeline import IngestReport, ingest
from tickdeck.data.ingest.presets import FORMATS, detect_format, read_source

__all__ = [
    "FORMATS",
    "ColumnMapping",
    "IngestReport",
    "SourceTable",
    "TimestampFormat",
    "defaulted_fields",
    "detect_format",
    "ingest",
    "read_bi5",
    "read_csv",
    "read_parquet",
    "read_source",
    "write_bi5",
]
