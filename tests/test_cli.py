"""`commonhold up` from nothing: serves, keeps data across restarts, stops its database."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from commonhold.demo import DEMO_PASSWORD, OWNER

COMMONHOLD = Path(sys.executable).parent / "commonhold"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _start(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "COMMONHOLD_DATA_DIR": str(data_dir),
        "COMMONHOLD_PORT": str(port),
    }
    return subprocess.Popen(  # noqa: S603 - our own command
        [str(COMMONHOLD), "up"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )


def _wait_ready(base: str, process: subprocess.Popen[bytes], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read().decode() if process.stdout else ""
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("commonhold up did not become ready")


def _stop(process: subprocess.Popen[bytes], signum: signal.Signals) -> str:
    """Stop like Ctrl+C (exit 130) or a service manager (SIGTERM, exit 143)."""
    process.send_signal(signum)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 128 + signum, output.decode()
    return output.decode()


def _command(data_dir: Path, *args: str) -> str:
    """Run a ``commonhold`` command on the stopped system's data; its last line of output."""
    done = subprocess.run(  # noqa: S603 - our own command
        [str(COMMONHOLD), *args],
        env={**os.environ, "COMMONHOLD_DATA_DIR": str(data_dir)},
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.decode().strip().splitlines()[-1]


def _set_plan(data_dir: Path, email: str, tier: str) -> None:
    assert _command(data_dir, "set-plan", email, tier) == f"{email} is on the {tier} plan."


def _login(base: str) -> dict[str, str]:
    response = httpx.post(
        f"{base}/api/v1/auth/login", json={"email": OWNER.email, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_up_serves_demo_data_and_keeps_changes_across_restarts(tmp_path: Path) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    data_dir = tmp_path / "data"

    first = _start(data_dir, port)
    try:
        _wait_ready(base, first)
        headers = _login(base)
        spaces = httpx.get(f"{base}/api/v1/spaces", headers=headers).json()["items"]
        assert "Maple Street house" in [s["name"] for s in spaces]
        home_id = next(s["id"] for s in spaces if s["name"] == "Maple Street house")
        inventory = httpx.get(f"{base}/api/v1/homes/{home_id}/inventory", headers=headers).json()
        assert len(inventory["rooms"]) == 8
        assert sum(len(room["items"]) for room in inventory["rooms"]) == 40
        tasks = httpx.get(
            f"{base}/api/v1/homes/{home_id}/tasks", params={"limit": 100}, headers=headers
        ).json()["items"]
        assert len(tasks) == 10
        assert all(task["recurrence"] != "none" for task in tasks)
        history = httpx.get(f"{base}/api/v1/tasks/{tasks[0]['id']}/instances", headers=headers)
        assert {"completed", "pending"} <= {i["status"] for i in history.json()["items"]}
        overdue = httpx.get(
            f"{base}/api/v1/homes/{home_id}/tasks", params={"overdue": True}, headers=headers
        )
        assert len(overdue.json()["items"]) == 1, "the demo has one missed chore"
        workspace_id = next(s["id"] for s in spaces if s["kind"] == "workspace")
        boards = httpx.get(f"{base}/api/v1/workspaces/{workspace_id}/boards", headers=headers)
        assert len(boards.json()["items"]) == 3
        recurring = [
            card["title"]
            for board in boards.json()["items"]
            for board_list in httpx.get(
                f"{base}/api/v1/boards/{board['id']}", headers=headers
            ).json()["lists"]
            for card in board_list["cards"]
            if card["recurrence"] != "none"
        ]
        assert recurring == ["Water the plants"]
        created = httpx.post(
            f"{base}/api/v1/spaces", json={"kind": "team", "name": "Kept"}, headers=headers
        )
        assert created.status_code == 201
        assert httpx.get(f"{base}/docs").status_code == 200
    finally:
        output = _stop(first, signal.SIGINT)
    assert f"Commonhold is running at {base}" in output
    assert not (data_dir / "postgres" / "postmaster.pid").exists(), "PostgreSQL still running"

    _set_plan(data_dir, OWNER.email, "free")
    assert _command(data_dir, "operator", OWNER.email) == f"{OWNER.email} is an operator."
    assert re.fullmatch(r"Created \d+ occurrences\.", _command(data_dir, "homes", "generate"))

    second = _start(data_dir, port)
    try:
        _wait_ready(base, second)
        headers = _login(base)
        names = [
            s["name"] for s in httpx.get(f"{base}/api/v1/spaces", headers=headers).json()["items"]
        ]
        assert names.count("Maple Street house") == 1, "demo data must be created once"
        assert "Kept" in names
        # Back on the free plan, the demo owner's one home is all they may have.
        refused = httpx.post(f"{base}/api/v1/homes", json={"name": "Cabin"}, headers=headers)
        assert refused.json()["code"] == "plan_limit_reached"
        # The owner now runs the installation: its failed jobs are theirs to see.
        failed = httpx.get(f"{base}/api/v1/admin/jobs/failed", headers=headers)
        assert failed.status_code == 200, failed.text
        assert failed.json() == {"items": [], "next_cursor": None}
    finally:
        _stop(second, signal.SIGTERM)
    assert not (data_dir / "postgres" / "postmaster.pid").exists(), "PostgreSQL still running"


def test_up_on_a_taken_port_says_so_and_starts_nothing(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = _start(tmp_path / "data", port)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 1
    assert f"Cannot listen on 127.0.0.1:{port}" in output.decode()
    assert not (tmp_path / "data" / "postgres").exists(), "nothing should start"
