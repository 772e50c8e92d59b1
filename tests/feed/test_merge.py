"""The k-way merge, in memory: its order, its batches, and how little it holds at once."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.feed.conftest import random_table

from tickdeck.core import DataKind
from tickdeck.feed import Stream
from tickdeck.feed._kernels import merge_runs
from tickdeck.feed.merge import merge_streams

runs_strategy = st.lists(
    st.lists(st.integers(0, 6), max_size=30).map(sorted), min_size=1, max_size=7
)


def lexsorted(runs: list[list[int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The reference order: sort all elements by (value, run, row)."""
    ts = np.array([t for run in runs for t in run], dtype=np.int64)
    stream = np.array([s for s, run in enumerate(runs) for _ in run], dtype=np.int32)
    row = np.array([r for run in runs for r in range(len(run))], dtype=np.int64)
    order = np.lexsort((row, stream, ts))
    return ts[order], stream[order], row[order]


@given(runs_strategy)
def test_kernel_merges_sorted_runs_by_value_then_run_then_row(runs: list[list[int]]) -> None:
    ts = np.array([t for run in runs for t in run], dtype=np.int64)
    offsets = np.zeros(len(runs) + 1, dtype=np.int64)
    np.cumsum([len(r) for r in runs], out=offsets[1:])
    out_ts = np.empty(ts.size, dtype=np.int64)
    out_stream = np.empty(ts.size, dtype=np.int32)
    out_row = np.empty(ts.size, dtype=np.int64)
    merge_runs(ts, offsets, out_ts, out_stream, out_row)
    want_ts, want_stream, want_row = lexsorted(runs)
    np.testing.assert_array_equal(out_ts, want_ts)
    np.testing.assert_array_equal(out_stream, want_stream)
    np.testing.assert_array_equal(out_row, want_row)


def batches_of(table: pa.Table, sizes: list[int]) -> Iterator[pa.RecordBatch]:
    """`table` as record batches of the given sizes (cycled), like a catalog scan."""
    start, i = 0, 0
    while start < table.num_rows:
        size = sizes[i % len(sizes)]
        yield from table.slice(start, size).to_batches()
        start += size
        i += 1


class Counting:
    """A record batch source that counts the rows handed out so far."""

    def __init__(self, source: Iterator[pa.RecordBatch]) -> None:
        self.source = source
        self.rows = 0

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        for batch in self.source:
            self.rows += batch.num_rows
            yield batch


@settings(max_examples=150)
@given(
    runs=runs_strategy,
    sizes=st.lists(st.integers(1, 5), min_size=1, max_size=4),
    seed=st.integers(0, 2**16),
)
def test_merged_batches_hold_every_row_once_in_order_with_bounded_buffers(
    runs: list[list[int]], sizes: list[int], seed: int
) -> None:
    rng = np.random.default_rng(seed)
    streams = [Stream(DataKind.QUOTE, f"I{s}.X") for s in range(len(runs))]
    tables = [
        random_table(DataKind.QUOTE, np.array(run, dtype=np.int64), rng, serial=1000 * s)
        for s, run in enumerate(runs)
    ]
    sources = [Counting(batches_of(t, sizes)) for t in tables]
    got_ts, got_stream, got_serial = [], [], []
    emitted = 0
    for batch in merge_streams([iter(s) for s in sources], streams):
        assert len(batch) > 0
        assert batch.streams == tuple(streams)
        emitted += len(batch)
        # Memory bound: at most one source batch per stream is held unemitted.
        assert sum(s.rows for s in sources) - emitted <= len(runs) * max(sizes)
        got_ts.append(batch.ts_recv)
        got_stream.append(batch.stream)
        got_serial.append(
            [batch.columns[s]["ts_event"][r] for s, r in zip(batch.stream, batch.row, strict=True)]
        )
    want_ts, want_stream, want_row = lexsorted(runs)
    assert emitted == want_ts.size
    if emitted:
        np.testing.assert_array_equal(np.concatenate(got_ts), want_ts)
        np.testing.assert_array_equal(np.concatenate(got_stream), want_stream)
        # ts_event holds 1000 * stream + row: the right row of the right stream.
        np.testing.assert_array_equal(
            np.concatenate(got_serial), 1000 * want_stream.astype(np.int64) + want_row
        )


def test_a_single_stream_passes_its_batches_through_without_copying() -> None:
    rng = np.random.default_rng(0)
    table = random_table(DataKind.TRADE, np.arange(10, dtype=np.int64), rng, serial=0)
    source = list(batches_of(table, [4]))
    out = list(merge_streams([iter(source)], [Stream(DataKind.TRADE, "A.X")]))
    assert [len(b) for b in out] == [4, 4, 2]
    for record_batch, batch in zip(source, out, strict=True):
        arrow_ts = record_batch.column("ts_recv").to_numpy()
        assert np.shares_memory(batch.ts_recv, arrow_ts)
        assert not batch.ts_recv.flags.writeable
        np.testing.assert_array_equal(batch.row, np.arange(len(batch)))
        np.testing.assert_array_equal(batch.stream, 0)


def test_streams_that_do_not_overlap_need_no_merge_work() -> None:
    rng = np.random.default_rng(0)
    early = random_table(DataKind.QUOTE, np.arange(0, 6, dtype=np.int64), rng, serial=0)
    late = random_table(DataKind.QUOTE, np.arange(100, 106, dtype=np.int64), rng, serial=50)
    streams = [Stream(DataKind.QUOTE, "A.X"), Stream(DataKind.QUOTE, "B.X")]
    out = list(merge_streams([batches_of(early, [3]), batches_of(late, [3])], streams))
    assert [b.stream.tolist() for b in out] == [[0, 0, 0], [0, 0, 0], [1, 1, 1], [1, 1, 1]]
