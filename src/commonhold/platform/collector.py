"""When the server process's cyclic garbage collector runs.

A full collection walks every object the process holds and pauses everything meanwhile: with
10,000 live connections, about 1.5 s. CPython starts one whenever the objects that survived
two young collections since the last one reach a quarter of the old ones, and a busy server
gets there every few seconds: each message sent to a connection leaves its writer waiting on
fresh objects that live until the next message. The server's long-lived objects are mostly
alive (connections, the application), so here full collections run on a schedule instead,
every few minutes. Cyclic garbage that outlives the young collections waits at most that long.

Young collections run on a schedule too, every quarter of a second. CPython starts one when
allocations minus deallocations reach a threshold, but a server whose connections keep
replacing old objects with new ones (each heartbeat's tasks and timers free the previous
ones) frees about as many as it makes: the young generations grew to 500,000 objects with
10,000 connections, and collecting them paused everything for 100-400 ms. Collected often,
they hold what a quarter of a second leaves, and no pause during broadcasts reached 25 ms.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

FULL_COLLECTION_SECONDS = 300.0
YOUNG_COLLECTION_SECONDS = 0.25
_NEVER = 2**31 - 1  # the oldest generation's threshold: it is never reached
_YOUNG = 1  # collecting generation 1 collects generation 0 with it
_OLDEST = 2  # and collecting the oldest collects them all


@asynccontextmanager
async def collections_on_schedule(
    every: float = FULL_COLLECTION_SECONDS,
) -> AsyncIterator[None]:
    """For the block's duration (the server's life): what exists at its start is frozen (it
    lives as long as the process), full collections run every ``every`` seconds only, and
    young ones every ``YOUNG_COLLECTION_SECONDS`` as well as when CPython's count says."""
    gc.collect()
    gc.freeze()
    thresholds = gc.get_threshold()
    gc.set_threshold(thresholds[0], thresholds[1], _NEVER)
    schedules = [
        asyncio.create_task(_collect(_OLDEST, every)),
        asyncio.create_task(_collect(_YOUNG, YOUNG_COLLECTION_SECONDS)),
    ]
    try:
        yield
    finally:
        for schedule in schedules:
            schedule.cancel()
        gc.set_threshold(*thresholds)


async def _collect(generation: int, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        gc.collect(generation)
