"""The Python examples in docs/run-store.md run as written, in order, sharing one namespace."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest

from tickdeck.results._store_schema import runs

DOC = Path(__file__).resolve().parents[2] / "docs" / "run-store.md"
TEXT = DOC.read_text(encoding="utf-8")
EXAMPLES = re.findall(r"```python\n(.*?)```", TEXT, flags=re.DOTALL)


def test_the_page_has_examples() -> None:
    assert len(EXAMPLES) >= 3


def test_the_examples_run_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the example's mkdtemp goes here
    namespace: dict[str, object] = {}
    for code in EXAMPLES:
        exec(compile(code, str(DOC), "exec"), namespace)


def test_the_page_lists_every_column_of_the_table() -> None:
    table = TEXT.split("## The table", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`(\w+)`", "\n".join(re.findall(r"^\| (.*?) \|", table, re.M))))
    assert documented == {column.name for column in runs.columns}
