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
    async with collector.full_collections_on_schedule(every=0.5):
        cycle = _old_cycle()
        assert cycle() is not None
        for _ in range(40):
            await asyncio.sleep(0.05)
            if cycle() is None:
                break
        assert cycle() is None
    assert gc.get_threshold() == before
