"""A writer killed at any moment leaves the catalog exactly as it was."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
from tests.conftest import EURUSD, quotes_table

from tickdeck.data.catalog import Catalog

T0 = 1_704_153_600_000_000_000
DAY = 86_400_000_000_000

WRITER = textwrap.dedent(
    """
    import sys
    import numpy as np
    from tests.conftest import EURUSD, quotes_table
    from tickdeck.data.catalog import Catalog

    catalog = Catalog(sys.argv[1])
    with catalog.transaction() as tx:
        for day in range(40):
            ts = {t0} + day * {day} + np.arange(20_000, dtype=np.int64) * 1_000_000
            tx.write("quotes", "EURUSD.DUKA", quotes_table(ts, seed=day))
            print("wrote", day, flush=True)
    print("committed", flush=True)
    """
).format(t0=T0, day=DAY)


def _kill_after(root: Path, lines: int) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(root)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert child.stdout is not None
    for _ in range(lines):
        assert child.stdout.readline().startswith("wrote")
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    child.stdout.close()


def test_killing_a_writer_mid_transaction_keeps_the_previous_catalog(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "catalog")
    catalog.add_instrument(EURUSD)
    original = quotes_table(T0 + np.arange(500, dtype=np.int64) * 3_000_000_000, seed=99)
    catalog.write("quotes", EURUSD.id, original)
    before = catalog.manifest()

    _kill_after(catalog.root, lines=3)

    after = Catalog(catalog.root)
    assert after.manifest() == before
    after.check()
    assert after.read("quotes", EURUSD.id).equals(
        original.replace_schema_metadata(None).cast(after.read("quotes", EURUSD.id).schema)
    )

    orphans = after.vacuum()
    assert orphans, "the killed writer left its staged files behind"
    assert after.vacuum() == []
    after.check()
    assert after.manifest() == before
