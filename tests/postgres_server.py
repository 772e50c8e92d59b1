"""A throwaway PostgreSQL server for the tests: a fresh cluster on a private socket.

`scripts/system-deps` installs PostgreSQL; the server lives for one pytest
process (one per xdist worker) and is removed afterwards. Set
TICKDECK_TEST_POSTGRES_URL to use an existing server instead.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

POSTGRES_ENV = "TICKDECK_TEST_POSTGRES_URL"


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise RuntimeError(
            "PostgreSQL is not installed: run `bash scripts/system-deps` "
            f"(or set {POSTGRES_ENV} to an existing server)"
        )
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yield a SQLAlchemy URL of a running, empty PostgreSQL database."""
    existing = os.environ.get(POSTGRES_ENV)
    if existing:
        yield existing
        return
    bindir = _bindir()
    root = Path(tempfile.mkdtemp(prefix="tickdeck-pg-"))
    # initdb refuses to run as root; the Debian package creates the postgres user.
    as_user: list[str] = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_user:
        shutil.chown(root, "postgres", "postgres")
    data, port = root / "data", _free_port()
    run = lambda *cmd: subprocess.run(  # noqa: E731
        [*as_user, *cmd], check=True, capture_output=True, text=True
    )
    run(str(bindir / "initdb"), "-D", str(data), "-U", "tickdeck", "--auth=trust", "-E", "UTF8")
    run(
        str(bindir / "pg_ctl"), "-D", str(data), "-w", "-l", str(root / "log"), "-o",
        f"-p {port} -k {root} -c listen_addresses='' -c fsync=off", "start",
    )  # fmt: skip
    try:
        run(str(bindir / "createdb"), "-h", str(root), "-p", str(port), "-U", "tickdeck", "tests")
        yield f"postgresql+psycopg://tickdeck@/tests?host={root}&port={port}"
    finally:
        subprocess.run(
            [*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)
