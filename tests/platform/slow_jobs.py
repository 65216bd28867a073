"""Jobs slow enough to stop or kill their worker while they run."""

from __future__ import annotations

import asyncio
from pathlib import Path

from commonhold.platform.jobs import job_app


def _append(path: str, line: str) -> bool:
    """Add a line to the file; True if the file was new."""
    marker = Path(path)
    new = not marker.exists()
    with marker.open("a") as out:
        out.write(f"{line}\n")
    return new


@job_app.task(name="tests.slow_once")
async def slow_once(path: str) -> None:
    """Writes a line when it starts and when it is done; only the first run dawdles."""
    if await asyncio.to_thread(_append, path, "started"):
        await asyncio.sleep(60)
    await asyncio.to_thread(_append, path, "done")


@job_app.task(name="tests.take_a_while")
async def take_a_while(path: str, seconds: float) -> None:
    await asyncio.to_thread(_append, path, "started")
    await asyncio.sleep(seconds)
    await asyncio.to_thread(_append, path, "done")
