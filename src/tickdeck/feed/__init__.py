"""The market data feed: catalog history replayed as one time-ordered stream.

`Replay` merges any instruments and data kinds by ``ts_recv`` with a stable,
documented tie-break (see docs/replay.md) and serves the stream as
`EventBatch`es of arrays or as `tickdeck.core` events, synchronously or with
``async for``; a `Pacer` releases events on the wall clock at a chosen speed.
"""

from tickdeck.feed.batch import EventBatch, Stream
from tickdeck.feed.pacing import MAX_BURST_EVENTS, Pacer
from tickdeck.feed.replay import Replay, TimeLike

__all__ = ["MAX_BURST_EVENTS", "EventBatch", "Pacer", "Replay", "Stream", "TimeLike"]
