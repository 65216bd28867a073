"""The API as the benchmarks run it: ``uvicorn`` serving the application factory in a process of
its own, on a database of the benchmarks' server, with the rate limits lifted; and the
server's own time per request, read from its JSON log.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from _homes_data import ROOT

from commonhold.platform.db.server import DatabaseUrls


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_api(urls: DatabaseUrls, port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    """uvicorn serving the application factory, as ``commonhold serve`` does, on ``port``;
    its JSON logs (one line per request) go to ``log``."""
    env = {
        **os.environ,
        "COMMONHOLD_DATABASE_URL": urls.owner,
        "COMMONHOLD_APP_DATABASE_URL": urls.app,
        "COMMONHOLD_API_RATE_LIMIT": "1000000/minute",
        "COMMONHOLD_LOGIN_RATE_LIMIT": "1000000/minute",
        "COMMONHOLD_PORT": str(port),
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "commonhold.app:create_asgi_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    with log.open("wb") as output:
        return subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=output
        )


async def wait_until_ready(client: httpx.AsyncClient, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the API exited with {server.returncode}")
        try:
            if (await client.get("/readyz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError("the API did not become ready within 60 s")


def server_durations(log: Path, route: str, skip: int) -> list[float]:
    """The server's own ``duration_ms`` of every request to ``route``, after the first ``skip``."""
    durations = []
    for line in log.read_text().splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if entry.get("event") == "request" and entry.get("route") == route:
            durations.append(float(entry["duration_ms"]))
    return durations[skip:]
