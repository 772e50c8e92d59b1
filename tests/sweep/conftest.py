"""Sweep fixtures: a small quote catalog shared by the session, and a strategy file that fails."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.sweep.sweep_helpers import FLAKY_SOURCE, write_quotes

from tickdeck.data.catalog import Catalog


@pytest.fixture(scope="session")
def sweep_catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """EURUSD quotes every minute for three days (runs only read it)."""
    return write_quotes(tmp_path_factory.mktemp("sweep") / "catalog", days=3)


@pytest.fixture(scope="session")
def flaky_strategy(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A ``file.py:Class`` reference to `Flaky` (see sweep_helpers.FLAKY_SOURCE)."""
    path = tmp_path_factory.mktemp("strategies") / "flaky.py"
    path.write_text(FLAKY_SOURCE, encoding="utf-8")
    return f"{path}:Flaky"


@pytest.fixture
def runs_root(tmp_path: Path) -> Path:
    return tmp_path / "runs"


@pytest.fixture(scope="module")
def ray_temp() -> Iterator[Path]:
    """A folder for the Ray instances of a module (RAY_TMPDIR), removed afterwards.

    Ray keeps each instance's logs and sockets under it; socket paths must stay
    short, so it is directly under /tmp rather than under pytest's folders.
    """
    folder = Path(tempfile.mkdtemp(prefix="tdray", dir="/tmp"))
    with pytest.MonkeyPatch.context() as env:
        env.setenv("RAY_TMPDIR", str(folder))
        yield folder
    shutil.rmtree(folder, ignore_errors=True)
