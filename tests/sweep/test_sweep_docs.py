"""docs/sweeps.md: its examples run as written, and it names every option and tag."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
import typer

from tickdeck.cli.sweep import sweep
from tickdeck.sweep import Sweep

DOC = Path(__file__).resolve().parents[2] / "docs" / "sweeps.md"
TEXT = DOC.read_text(encoding="utf-8")
EXAMPLES = re.findall(r"```python\n(.*?)```", TEXT, flags=re.DOTALL)


def test_the_examples_run_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert len(EXAMPLES) >= 6
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the example's mkdtemp goes here
    namespace: dict[str, object] = {"__name__": "__main__"}  # runs the guarded local sweep
    for code in EXAMPLES:
        exec(compile(code, str(DOC), "exec"), namespace)


def test_every_option_of_the_command_is_documented() -> None:
    command = typer.main.get_command(_app())
    options = {name for p in command.params for name in p.opts if name.startswith("--")}
    missing = {o for o in options if not re.search(re.escape(o) + r"(?![\w-])", TEXT)}
    assert missing == set()


def test_every_field_of_a_sweep_is_documented() -> None:
    for name in Sweep.__dataclass_fields__:
        assert f"`{name}`" in TEXT, name


def _app() -> typer.Typer:
    app = typer.Typer(add_completion=False)
    app.command()(sweep)
    return app
