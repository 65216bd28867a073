"""When the server process's cyclic garbage collector looks at its long-lived objects.

A full collection walks every object the process holds and pauses everything meanwhile: with
10,000 live connections, about 1.5 s. CPython starts one whenever the objects that survived
two young collections since the last one reach a quarter of the old ones, and a busy server
gets there every few seconds: each message sent to a connection leaves its writer waiting on
fresh objects that live until the next message. The server's long-lived objects are mostly
alive (connections, the application), so here full collections run on a schedule instead,
every few minutes, and the young generations are collected as usual. Cyclic garbage that
outlives the young collections waits at most that long.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

FULL_COLLECTION_SECONDS = 300.0
_NEVER = 2**31 - 1  # the oldest generation's threshold: it is never reached


@asynccontextmanager
async def full_collections_on_schedule(
    every: float = FULL_COLLECTION_SECONDS,
) -> AsyncIterator[None]:
    """For the block's duration (the server's life): what exists at its start is frozen (it
    lives as long as the process), and full collections run every ``every`` seconds only."""
    gc.collect()
    gc.freeze()
    thresholds = gc.get_threshold()
    gc.set_threshold(thresholds[0], thresholds[1], _NEVER)
    schedule = asyncio.create_task(_collect_fully(every))
    try:
        yield
    finally:
        schedule.cancel()
        gc.set_threshold(*thresholds)


async def _collect_fully(every: float) -> None:
    while True:
        await asyncio.sleep(every)
        gc.collect()
