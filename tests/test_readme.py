"""Every snippet in the README runs, in order, as a user would run it."""

from __future__ import annotations

import importlib.metadata
import os
import re
import shlex
from pathlib import Path

import pytest

from tickdeck.cli import run

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def blocks(language: str) -> list[str]:
    text = (ROOT / "README.md").read_text()
    return [body for lang, body in BLOCK.findall(text) if lang == language]


def commands() -> list[str]:
    found = []
    for body in blocks("bash"):
        for line in body.splitlines():
            found.extend(part.strip() for part in line.split("&&") if part.strip())
    return found


def test_the_readme_has_the_two_commands() -> None:
    assert "python3 -m pip install -e ." in commands()
    assert "python3 -m tickdeck demo" in commands()
    assert "bash scripts/test" in commands()
    # CI runs the README's test command, and nothing else.
    assert "bash scripts/test" in (ROOT / ".ci" / "run").read_text()
    # The install command is what put this package here.
    assert importlib.metadata.version("tickdeck")


def test_python_snippets_and_commands_run_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    for snippet in blocks("python"):
        exec(compile(snippet, "README.md", "exec"), namespace)
    for command in commands():
        if command.startswith("python3 -m pip") or command == "bash scripts/test":
            continue  # the install and the test command themselves: run by CI
        argv = shlex.split(command)
        if argv[:3] == ["python3", "-m", "tickdeck"]:
            argv = ["tickdeck", *argv[3:]]
        assert argv[0] == "tickdeck", command
        status = run(argv[1:])
        out = capsys.readouterr()
        assert status == 0, f"{command}\n{out.out}\n{out.err}"
    assert (tmp_path / "tickdeck-demo" / "catalog" / "manifest.json").exists()
    assert os.path.exists("tour/catalog/manifest.json")
