"""The embedded server's first start, as several processes (API, worker, test workers) race it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import APP_ROLE

# Starts (or joins) the server, checks the app role can connect, holds it until told to go.
START_AND_CONNECT = """
import sys
from pathlib import Path
import psycopg
from commonhold.platform.db.server import libpq_url, start_embedded_postgres
urls = start_embedded_postgres(Path(sys.argv[1]), sys.argv[2])
with psycopg.connect(libpq_url(urls.app)) as conn:
    print(conn.execute("SELECT current_user, current_database()").fetchone(), flush=True)
sys.stdin.read()
"""


def test_processes_starting_together_share_one_fresh_server(tmp_path: Path) -> None:
    starts = [
        subprocess.Popen(  # noqa: S603 - our own interpreter
            [sys.executable, "-c", START_AND_CONNECT, str(tmp_path), APP_ROLE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    try:
        for start in starts:
            assert start.stdout is not None
            assert start.stderr is not None
            line = start.stdout.readline()
            assert line.strip() == f"('{APP_ROLE}', 'commonhold')", line or start.stderr.read()
    finally:
        for start in starts:
            start.communicate("", timeout=60)
    assert [start.returncode for start in starts] == [0, 0, 0]
    # The last process out stopped the server.
    assert not (tmp_path / "postgres" / "postmaster.pid").exists()
