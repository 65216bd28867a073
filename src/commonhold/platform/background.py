"""Fire-and-forget work after a response (sending mail), awaited at shutdown."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import structlog

log = structlog.get_logger(__name__)
_pending: set[asyncio.Task[None]] = set()


def spawn(work: Coroutine[Any, Any, None], name: str) -> None:
    task = asyncio.create_task(_logged(work, name), name=name)
    _pending.add(task)
    task.add_done_callback(_pending.discard)


async def _logged(work: Coroutine[Any, Any, None], name: str) -> None:
    try:
        await work
    except Exception:
        log.exception("background_task_failed", task=name)


async def drain(seconds: float = 10.0) -> None:
    """Wait for work still running, e.g. mail being sent when the server stops."""
    if _pending:
        await asyncio.wait(set(_pending), timeout=seconds)
