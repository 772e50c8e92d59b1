"""Sweeps on Ray without a caller's instance: a cluster by address, or an instance of their own.

The cluster is real: ``ray start --head --block`` in its own session, with
token authentication as a shared cluster would have it, stopped by a signal
to that one process (never ``ray stop``, which would stop every Ray on the
machine).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import EURUSD
from tests.sweep.sweep_helpers import live_children, outcomes

from tickdeck.core import InputError
from tickdeck.data.catalog import Catalog
from tickdeck.engine import BacktestConfig
from tickdeck.results.store import RunStore
from tickdeck.sweep import Sweep, run_sweep

SWEEP = Sweep(
    "sma_crossover",
    BacktestConfig(instruments=(EURUSD.id,), seed=5),
    {"fast": [5, 10], "slow": [20, 40]},
    metric="total_return",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def ray_head(ray_temp: Path) -> Iterator[str]:
    """The address of a two-CPU Ray head started for this module."""
    ray = str(Path(sys.executable).with_name("ray"))
    temp = ray_temp / "head"
    temp.mkdir()
    port = free_port()
    command = [
        ray, "start", "--head", "--block", f"--port={port}", "--num-cpus=2",
        "--disable-usage-stats", "--include-dashboard=false", "--node-ip-address=127.0.0.1",
        f"--temp-dir={temp}", f"--dashboard-agent-listen-port={free_port()}",
    ]  # fmt: skip
    with pytest.MonkeyPatch.context() as env:
        # Token authentication, as on a shared cluster: head and driver use the token at
        # Ray's default path (a process keeps the first token it loads, so no other one).
        env.setenv("RAY_AUTH_MODE", "token")
        subprocess.run([ray, "get-auth-token", "--generate"], check=True, capture_output=True)
        log_path = temp / "head.log"
        with log_path.open("w", encoding="utf-8") as log:
            head = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        try:
            deadline = time.monotonic() + 120
            while "Ray runtime started" not in log_path.read_text(encoding="utf-8"):
                if head.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"ray start failed:\n{log_path.read_text(encoding='utf-8')}")
                time.sleep(0.2)
            yield f"127.0.0.1:{port}"
        finally:
            head.send_signal(signal.SIGTERM)  # the head stops the processes it started
            try:
                head.wait(timeout=90)
            except subprocess.TimeoutExpired:
                os.killpg(head.pid, signal.SIGKILL)  # its own session: only its processes
                head.wait()


def test_a_sweep_runs_on_a_cluster_given_its_address(
    ray_head: str, sweep_catalog: Catalog, runs_root: Path
) -> None:
    import ray

    serial = run_sweep(SWEEP, sweep_catalog, executor="serial")
    with RunStore(root=runs_root) as store:
        on_cluster = run_sweep(SWEEP, sweep_catalog, store=store, executor="ray", address=ray_head)
        assert {s.run_id for s in store.list()} == {t.run_id for t in on_cluster.trials}
    assert outcomes(on_cluster) == outcomes(serial)
    assert not ray.is_initialized()  # the sweep connected for itself, and disconnected


def test_without_an_address_a_sweep_starts_and_stops_its_own_ray(
    ray_temp: Path, sweep_catalog: Catalog
) -> None:
    import ray

    assert not ray.is_initialized()
    before = live_children()
    own = run_sweep(SWEEP, sweep_catalog, executor="ray", workers=2)
    assert outcomes(own) == outcomes(run_sweep(SWEEP, sweep_catalog, executor="serial"))
    assert not ray.is_initialized()
    left = {pid: command for pid, command in live_children().items() if pid not in before}
    assert left == {}  # no Ray process left behind


def test_an_address_nothing_listens_on_fails_at_once(sweep_catalog: Catalog) -> None:
    with pytest.raises(InputError, match="cannot connect"):
        run_sweep(SWEEP, sweep_catalog, executor="ray", address=f"127.0.0.1:{free_port()}")
    with pytest.raises(InputError, match="HOST:PORT"):
        run_sweep(SWEEP, sweep_catalog, executor="ray", address="headnode")
