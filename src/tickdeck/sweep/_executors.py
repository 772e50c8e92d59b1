"""Where trials run: in this process, in a pool of local processes, or on a Ray cluster.

Every executor runs the same `run_task` on the same `Task` values, so a trial
gives the same run wherever it ran; only the order in which outcomes come
back differs, and the sweep puts them back in trial order.

- ``serial``: one after the other in this process (for debugging: breakpoints
  and prints work).
- ``local``: a pool of worker processes started with ``spawn`` (a fork of a
  process that holds threads, such as a progress bar's, can deadlock). Workers
  ignore Ctrl-C: the sweep stops them itself (see `LocalExecutor`) and keeps
  what finished.
- ``ray``: Ray tasks. Ray is imported only here, when asked for. Without an
  address a local Ray instance is started for the sweep and shut down after
  it; with one, the sweep connects to that cluster. A Ray already initialised
  by the caller is used as it is and left running.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
from collections.abc import Generator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Literal, Protocol, TypeAlias

from tickdeck.core import InputError
from tickdeck.sweep._worker import Failure, Outcome, Task, failure, run_task

__all__ = ["EXECUTORS", "ExecutorName", "TrialExecutor", "open_executor"]

ExecutorName: TypeAlias = Literal["local", "ray", "serial"]
EXECUTORS: tuple[ExecutorName, ...] = ("local", "ray", "serial")


class TrialExecutor(Protocol):
    """Runs tasks and yields ``(index in tasks, outcome)`` as each finishes."""

    #: Whether tasks leave this process (then strategies must travel by reference).
    pickles: bool

    def run(self, tasks: Sequence[Task]) -> Generator[tuple[int, Outcome], None, None]: ...

    def stop(self) -> None:
        """Abandon running tasks now (after Ctrl-C)."""

    def close(self) -> None:
        """Release the workers once every task is done."""


class SerialExecutor:
    """Each task in this process, in order."""

    pickles = False

    def run(self, tasks: Sequence[Task]) -> Generator[tuple[int, Outcome], None, None]:
        for index, task in enumerate(tasks):
            yield index, run_task(task)

    def stop(self) -> None:
        pass

    def close(self) -> None:
        pass


#: In a pool's worker process: the event the sweep sets to stop. Each worker serves one
#: pool, which serves one sweep, so the process-wide name holds exactly one value.
_WORKER_STOP: Any = None


def _start_worker(stop: Any) -> None:
    global _WORKER_STOP
    _WORKER_STOP = stop
    # Ctrl-C reaches the whole process group; only the parent decides what it means.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _pool_task(task: Task) -> Outcome:
    stop = _WORKER_STOP
    if stop is not None and stop.is_set():
        return Failure("the sweep was stopped before this trial", "")
    return run_task(task, stop=None if stop is None else stop.is_set)


def _died(exc: BrokenProcessPool) -> Failure:
    found = failure(exc)
    hint = (
        "a worker process died: killed, out of memory, or started from a script "
        "without an `if __name__ == '__main__':` guard"
    )
    return Failure(f"{found.error} ({hint})", found.traceback)


class LocalExecutor:
    """A pool of `workers` spawned processes.

    To stop (after Ctrl-C), the parent sets an event the workers share:
    queued trials return at once, running ones end at their next check
    (every 65,536 events), and the pool then shuts down as usual. Killing
    workers instead could leave half a result in the pool's pipe and hang it.
    """

    pickles = True

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._context = multiprocessing.get_context("spawn")
        self._stop = self._context.Event()
        self._pool: ProcessPoolExecutor | None = None

    def _start(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=self._context,
                initializer=_start_worker,
                initargs=(self._stop,),
            )
        return self._pool

    def run(self, tasks: Sequence[Task]) -> Generator[tuple[int, Outcome], None, None]:
        pool = self._start()
        futures: dict[Future[Outcome], int] = {}
        try:
            for index, task in enumerate(tasks):
                futures[pool.submit(_pool_task, task)] = index
        except BrokenProcessPool as exc:
            # A worker died (killed, out of memory): what was not submitted fails with it.
            self._pool = None
            for index in range(len(futures), len(tasks)):
                yield index, _died(exc)
        try:
            for future in as_completed(futures):
                try:
                    outcome = future.result()
                except BrokenProcessPool as exc:
                    self._pool = None  # the next batch gets a fresh pool
                    outcome = _died(exc)
                except Exception as exc:  # e.g. a task that would not pickle
                    outcome = failure(exc)
                yield futures[future], outcome
        finally:
            for future in futures:
                future.cancel()

    def stop(self) -> None:
        self._stop.set()
        self.close()

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


#: How long to wait for a Ray cluster's address to accept a connection, in seconds.
RAY_CONNECT_TIMEOUT_S = 10.0


def _reachable(address: str) -> None:
    """Fail fast on an address nothing listens on: Ray itself retries for minutes."""
    if address == "auto" or "://" in address:
        return  # resolved by Ray (the latest local cluster, or a Ray Client URL)
    host, colon, port = address.rpartition(":")
    if not colon or not host or not port.isdigit():
        raise InputError(
            "address", address, "HOST:PORT of a Ray cluster's head, e.g. 10.0.0.5:6379"
        )
    try:
        with socket.create_connection((host.strip("[]"), int(port)), RAY_CONNECT_TIMEOUT_S):
            pass
    except OSError as exc:
        raise InputError(
            "address",
            address,
            "the address of a running Ray cluster",
            hint=f"cannot connect: {exc.strerror or exc}",
        ) from None


class RayExecutor:
    """Ray tasks, one CPU each, on a local instance or the cluster at `address`."""

    pickles = True

    def __init__(self, workers: int | None, address: str | None) -> None:
        import ray

        self._ray: Any = ray
        self._owned = not ray.is_initialized()
        if self._owned:
            # Ray logs at INFO by default; a sweep reports its own progress and failures.
            quiet: dict[str, Any] = {"logging_level": logging.ERROR}
            if address is None:
                # "local": a new instance, even when `ray start` left a cluster on this machine.
                cpus = workers or os.cpu_count() or 1
                ray.init(address="local", num_cpus=cpus, include_dashboard=False, **quiet)
            else:
                _reachable(address)
                try:
                    ray.init(address=address, **quiet)
                except ConnectionError as exc:
                    raise InputError(
                        "address", address, "the address of a running Ray cluster", hint=str(exc)
                    ) from None
        self._remote = ray.remote(num_cpus=1, max_retries=0)(run_task)
        self._pending: list[Any] = []

    def run(self, tasks: Sequence[Task]) -> Generator[tuple[int, Outcome], None, None]:
        ray = self._ray
        refs = {self._remote.remote(task): index for index, task in enumerate(tasks)}
        self._pending = list(refs)
        while self._pending:
            done, self._pending = ray.wait(self._pending, num_returns=1)
            try:
                outcome = ray.get(done[0])
            except ray.exceptions.RayError as exc:  # the worker died, or the task was lost
                outcome = failure(exc)
            yield refs[done[0]], outcome

    def stop(self) -> None:
        for ref in self._pending:
            self._ray.cancel(ref, force=True)
        self._pending = []
        self.close()

    def close(self) -> None:
        if self._owned and self._ray.is_initialized():
            self._ray.shutdown()


def open_executor(
    name: ExecutorName, *, workers: int | None = None, address: str | None = None
) -> TrialExecutor:
    """The executor called `name`: ``local`` (default), ``ray`` or ``serial``.

    Args:
        workers: Processes for ``local`` and CPUs of a local Ray instance
            (default: ``os.cpu_count()``); a Ray cluster has its own.
        address: A Ray cluster's ``HOST:PORT`` (``ray`` only; None starts a
            local instance).
    """
    if name not in EXECUTORS:
        raise InputError("executor", name, "local, ray or serial")
    if workers is not None and (type(workers) is not int or workers < 1):
        raise InputError("workers", workers, "a positive number of workers")
    if address is not None and name != "ray":
        raise InputError("address", address, "no address unless the executor is ray")
    if name == "serial":
        return SerialExecutor()
    if name == "local":
        return LocalExecutor(workers or os.cpu_count() or 1)
    return RayExecutor(workers, address)
