"""Cleaning: put one source's rows in replay order and set aside the bad ones.

`clean` takes a `SourceTable` as read and returns a `CleaningResult`: the kept
rows stably sorted by ``ts_recv``, a `CleaningReport` that accounts for every
row (``rows_in == rows_out + sum(removed.values())``), and a quarantine table
of the removed rows with the rule that removed each. The rules, their
precedence and their defaults are in `RULES`, `CleaningConfig` and
docs/cleaning.md.
"""

from tickdeck.data.cleaning.config import CleaningConfig
from tickdeck.data.cleaning.report import RULES, CleaningReport, CleaningResult
from tickdeck.data.cleaning.rules import clean

__all__ = ["RULES", "CleaningConfig", "CleaningReport", "CleaningResult", "clean"]
