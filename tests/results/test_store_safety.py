"""A killed save leaves no listed run, `vacuum` cleans up after it, concurrent saves all succeed."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from tests.results import test_store_runs
from tests.results.test_serialize_roundtrip import assert_same
from tests.results.test_store_runs import a_run

from tickdeck.results.serialize import TABLE_NAMES
from tickdeck.results.store import DATABASE_NAME, RunStore, new_run_id

# The same fixtures as the store's other tests: SQLite, and PostgreSQL when configured.
database_url = test_store_runs.database_url
store = test_store_runs.store

REPO = Path(__file__).resolve().parents[2]

# A child process that saves runs: `a_run()` from the tests, into the store given by argv.
CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    sys.path.insert(0, {repo!r})
    from tickdeck.results.store import RunStore
    from tests.results.test_store_runs import a_run

    url = sys.argv[1] or None
    root = Path(sys.argv[2])
    mode = sys.argv[3]
    if mode == "hang-before-row":
        def hang(self, row):
            print("files written", flush=True)
            time.sleep(60)
        RunStore._insert_row = hang
    if mode == "wait-for-go":
        print("ready", flush=True)
        while not (root.parent / "go").exists():
            time.sleep(0.001)
    with RunStore(url, root=root) as store:
        for _ in range(int(sys.argv[4])):
            print(store.save(a_run()), flush=True)
    """
).format(repo=str(REPO))


def child(url: str | None, root: Path, mode: str, saves: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, url or "", str(root), mode, str(saves)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )


def test_a_save_killed_before_its_row_leaves_nothing_listed_and_vacuum_cleans(
    tmp_path: Path, database_url: str | None
) -> None:
    root = tmp_path / "runs"
    process = child(database_url, root, "hang-before-row", 1)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line == "files written\n", process.stderr.read() if process.stderr else ""
    finally:
        process.kill()  # SIGKILL, this child only: no cleanup of any kind runs
        process.communicate()
    [folder] = [p for p in root.iterdir() if p.is_dir()]
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{n}.parquet" for n in TABLE_NAMES)
    with RunStore(database_url, root=root) as reopened:
        assert reopened.list() == []
        assert reopened.vacuum() == []  # young: it could be a save still in progress
        assert folder.exists()
        assert reopened.vacuum(grace_ns=0) == [folder]
        assert not folder.exists()
        assert reopened.list() == []


def test_vacuum_keeps_listed_runs_and_everything_that_is_not_a_run_folder(
    store: RunStore,
) -> None:
    kept = store.save(a_run())
    orphan = store.root / new_run_id()  # as a delete killed after its row went would leave
    shutil.copytree(store.root / kept, orphan)
    (store.root / "notes").mkdir()
    (store.root / "README.txt").write_text("mine")
    assert store.vacuum(grace_ns=0) == [orphan]
    assert sorted(p.name for p in store.root.iterdir() if p.is_dir()) == sorted([kept, "notes"])
    assert_same(a_run(), store.load(kept))
    with pytest.raises(Exception, match="grace_ns"):
        store.vacuum(grace_ns=-1)


def test_no_temporary_file_is_left_by_a_save(store: RunStore) -> None:
    run_id = store.save(a_run())
    assert [p.name for p in (store.root / run_id).iterdir() if p.name.startswith(".")] == []


def test_two_processes_saving_at_once_both_succeed(
    tmp_path: Path, database_url: str | None
) -> None:
    root = tmp_path / "runs"  # new: both processes also race to create the table
    processes = [child(database_url, root, "wait-for-go", 5) for _ in range(2)]
    for process in processes:  # both imported everything and wait: start them together
        assert process.stdout is not None
        assert process.stdout.readline() == "ready\n"
    (tmp_path / "go").touch()
    outputs = [p.communicate(timeout=60) for p in processes]
    for process, (_, errors) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, errors
    saved = {line for out, _ in outputs for line in out.split()}
    assert len(saved) == 10
    with RunStore(database_url, root=root) as reopened:
        assert {s.run_id for s in reopened.list()} == saved
        for run_id in saved:
            assert_same(a_run(), reopened.load(run_id))


def test_a_save_waits_for_another_writers_sqlite_lock(tmp_path: Path) -> None:
    with RunStore(root=tmp_path) as opened:
        blocker = sqlite3.connect(tmp_path / DATABASE_NAME, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")  # another writer holds the database's write lock
        saved: list[str] = []
        saver = threading.Thread(target=lambda: saved.append(opened.save(a_run())))
        started = time.monotonic()
        saver.start()
        time.sleep(0.5)
        assert saved == []  # waiting for the lock, not failed
        blocker.execute("COMMIT")
        blocker.close()
        saver.join(timeout=30)
        assert len(saved) == 1
        assert time.monotonic() - started >= 0.5
        assert [s.run_id for s in opened.list()] == saved


def test_threads_saving_through_one_store_all_succeed(store: RunStore) -> None:
    saved: list[str] = []
    failures: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(5):
                saved.append(store.save(a_run()))
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(set(saved)) == 20
    assert {s.run_id for s in store.list()} == set(saved)


def test_a_store_is_usable_from_a_fresh_interpreter(tmp_path: Path) -> None:
    """The child script's imports work as the other tests assume (a guard for them)."""
    process = child(None, tmp_path / "runs", "plain", 1)
    out, errors = process.communicate(timeout=60)
    assert process.returncode == 0, errors
    assert len(out.split()) == 1
    assert os.listdir(tmp_path / "runs")
