"""The on-disk tick data catalog: atomic, idempotent Parquet partitions with SQL over them."""

from tickdeck.core.files import durable_replace
from tickdeck.data.catalog._manifest import Manifest, PartitionInfo, RetiredFile
from tickdeck.data.catalog.store import Catalog, Transaction, WriteMode, WriteSummary

__all__ = [
    "Catalog",
    "Manifest",
    "PartitionInfo",
    "RetiredFile",
    "Transaction",
    "WriteMode",
    "WriteSummary",
    "durable_replace",
]
