"""Durable file replacement: the one way tickdeck makes a file appear whole or not at all."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["durable_replace", "fsync_dir"]


def fsync_dir(path: Path) -> None:
    """Flush a folder's entries (a rename inside it) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def durable_replace(tmp: Path, final: Path) -> None:
    """Rename `tmp` over `final` so that either the old or the new file is seen, never a mix."""
    with open(tmp, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, final)
    fsync_dir(final.parent)
