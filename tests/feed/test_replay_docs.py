"""The Python examples in docs/replay.md run as written, in order, sharing one namespace."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "replay.md"
EXAMPLES = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)


def test_the_page_has_examples() -> None:
    assert len(EXAMPLES) >= 3


def test_the_examples_run_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the example's mkdtemp goes here
    # Later examples use the catalog the first one builds, as a reader would.
    namespace: dict[str, object] = {}
    for code in EXAMPLES:
        exec(compile(code, str(DOC), "exec"), namespace)
