"""The server's garbage collection schedule."""

from __future__ import annotations

import asyncio
import gc
import weakref

from commonhold.platform import collector


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def _old_cycle() -> weakref.ref[Node]:
    """A reference cycle that has reached the oldest generation, then became garbage."""
    first, second = Node(), Node()
    first.other, second.other = second, first
    gc.collect(1)  # survivors of the middle generation move to the oldest
    return weakref.ref(first)


async def test_old_garbage_waits_for_the_scheduled_full_collection() -> None:
    before = gc.get_threshold()
    async with collector.collections_on_schedule(every=0.5):
        cycle = _old_cycle()
        assert cycle() is not None
        for _ in range(40):
            await asyncio.sleep(0.05)
            if cycle() is None:
                break
        assert cycle() is None
    assert gc.get_threshold() == before


def _young_cycle() -> weakref.ref[Node]:
    """A fresh reference cycle, garbage at once."""
    first, second = Node(), Node()
    first.other, second.other = second, first
    return weakref.ref(first)


async def test_young_garbage_is_collected_on_schedule_whatever_the_allocation_count() -> None:
    async with collector.collections_on_schedule():
        # As in a busy server that frees about as much as it allocates: the count that starts
        # young collections never reaches its threshold.
        gc.set_threshold(2**31 - 1, 2**31 - 1, 2**31 - 1)
        cycle = _young_cycle()
        for _ in range(40):
            await asyncio.sleep(0.05)
            if cycle() is None:
                break
        assert cycle() is None
