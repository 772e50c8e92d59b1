"""Shared helpers for the ingest tests: files are written for real, under tmp_path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

WriteText = Callable[[str, str], Path]


@pytest.fixture
def write_text(tmp_path: Path) -> WriteText:
    """Write `text` to `tmp_path / name` exactly as given (no newline translation)."""

    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        return path

    return write
