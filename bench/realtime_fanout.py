"""Real-time fan-out: 10,000 Socket.IO clients on one server, one 1 KB change to all of them.

What it measures, for Commonhold's Socket.IO gateway (``commonhold serve``: one uvicorn
process, python-socketio) and, in the same run, for a reference Node.js server (npm
``socket.io`` with its defaults, ``bench/realtime/reference_server.mjs``), one after the other:

1. memory per connection: the server process's resident memory (``VmRSS`` of
   ``/proc/PID/status``) before any client connects and after ``--clients`` clients (the
   official ``socket.io-client``, WebSocket transport, one WebSocket each, all with
   ``auth: {token}``; ``bench/realtime/clients.mjs``) have connected and stayed idle
   ``--settle`` seconds, divided by the number of clients;
2. delivery latency of a broadcast to all of them: the benchmark notes the wall-clock time t0,
   then makes the server send one change of about 1 KB to the room every client is in; each
   client notes (same machine, same clock) when it hears it. ``--broadcasts`` broadcasts,
   ``--pause`` seconds apart, after ``--warmup`` unmeasured ones.

Commonhold: a user signs up and creates a home through the API of the running server (its
access tokens last a day for the run); ``--users`` - 1 more members (viewers) are written
with plain SQL as the owner role, with tokens signed by the server's key, and the clients
connect as the members in turn (100 connections each by default), so all of them are in the
home's ``space:{id}`` room: closer to a space of many people than one person's 10,000.
``--users 1`` connects every client as the one owner (the gateway's presence then keeps
10,000 connections for one person). A broadcast is ``POST
/api/v1/homes/{id}/rooms`` creating a room whose notes are 1,000 characters: the server
commits it, PostgreSQL notifies the gateway of the committed change, which reads it from the
change log and emits it as ``sync:change`` to the room
(``RealtimeGateway._changes_committed``). Its latency therefore includes the HTTP request,
the transaction, its commit, the notification and the change-log query, not only the
fan-out; the earliest delivery of each broadcast shows what that part costs.

The reference: every connection joins one room; a broadcast is ``POST /broadcast`` whose body
(the very change Commonhold's clients heard, same size) the server emits as ``sync:change``
to the room, then answers.

The server, the clients (Node.js processes) and PostgreSQL share the machine's CPUs.

Run:  npm ci --prefix bench/realtime     # done by the script if node_modules is missing
      .venv/bin/python bench/realtime_fanout.py                  # 10,000 clients
      .venv/bin/python bench/realtime_fanout.py --clients 2000 --broadcasts 3
      .venv/bin/python bench/realtime_fanout.py --users 1       # every client the same person
      .venv/bin/python bench/realtime_fanout.py --no-compression   # clients without deflate
      .venv/bin/python bench/realtime_fanout.py --servers 2     # two Commonhold processes
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import httpx
from _homes_data import (
    BENCH_DATA_DIR,
    ROOT,
    Summary,
    connect,
    fresh_database,
    machine_description,
    signed_up,
    start_server,
)
from pydantic import SecretStr

from commonhold.platform.db.server import DatabaseUrls
from commonhold.platform.identity.security import issue_access_token
from commonhold.settings import Settings

DATABASE = "commonhold_bench_realtime"
REALTIME_DIR = ROOT / "bench" / "realtime"
CLIENTS_SCRIPT = REALTIME_DIR / "clients.mjs"
REFERENCE_SCRIPT = REALTIME_DIR / "reference_server.mjs"
SERVER_LOG = BENCH_DATA_DIR / "realtime_server.log"
CLIENTS_LOG = BENCH_DATA_DIR / "realtime_clients.log"
TOKENS_FILE = BENCH_DATA_DIR / "realtime_tokens.txt"
GOAL_KIB_PER_CONNECTION = 150.0
GOAL_P95_MS = 500.0
NOTES_CHARS = 1_000
TOKEN_TTL_SECONDS = 24 * 3600
READY_SECONDS = 60.0
# One line of a client process's report holds every client's latency.
LINE_LIMIT = 64 * 1024 * 1024


@dataclass(frozen=True)
class Options:
    clients: int
    client_processes: int
    broadcasts: int
    warmup: int
    pause: float
    settle: float
    concurrency: int
    connect_timeout: float
    deliver_timeout: float
    disconnect_wait: float
    compression: bool
    users: int
    servers: int


# The machine


def rss_kib(pid: int, field_name: str = "VmRSS") -> int:
    """A process's resident memory (or ``VmHWM``, its peak), in KiB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field_name}:"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field_name} for process {pid}")


def raise_open_files(needed: int) -> str:
    """Raise this process's open-file limit (inherited by the servers and clients it starts)
    to at least ``needed`` if the hard limit allows; says what it found and did."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= needed:
        return f"open files: soft limit {soft} (hard {hard}) already >= {needed}, unchanged"
    target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    note = "" if target >= needed else f" (the hard limit; {needed} wanted: expect failures)"
    return f"open files: soft limit raised from {soft} to {target}{note}"


def kernel_limits() -> str:
    values = []
    for name in ("net/core/somaxconn", "net/ipv4/ip_local_port_range", "fs/nr_open"):
        path = Path("/proc/sys") / name
        with suppress(OSError):
            values.append(f"{name.replace('/', '.')}={' '.join(path.read_text().split())}")
    return "kernel: " + ", ".join(values)


def cpu_seconds(pid: int) -> float:
    """CPU time a process has used (user + system), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def ensure_node_modules() -> None:
    if (REALTIME_DIR / "node_modules" / "socket.io").is_dir() and (
        REALTIME_DIR / "node_modules" / "socket.io-client"
    ).is_dir():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed: install Node.js 20 or later")
    print("installing bench/realtime's packages: npm ci --prefix bench/realtime")
    subprocess.run([npm, "ci", "--prefix", str(REALTIME_DIR)], check=True)  # noqa: S603


def node_version() -> str:
    node = node_path()
    result = subprocess.run([node, "--version"], capture_output=True, text=True, check=True)  # noqa: S603
    return result.stdout.strip()


def node_path() -> str:
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is needed: install Node.js 20 or later")
    return node


# The servers


async def wait_until_ready(url: str, process: subprocess.Popen[bytes], name: str) -> None:
    deadline = time.monotonic() + READY_SECONDS
    async with httpx.AsyncClient(base_url=url) as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}; see {SERVER_LOG}")
            with suppress(httpx.TransportError):
                if (await http.get("/readyz")).status_code == 200:
                    return
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{name} did not become ready within {READY_SECONDS:.0f} s")


def start_commonhold(
    urls: DatabaseUrls, port: int, secret_key: str, log: BinaryIO
) -> subprocess.Popen[bytes]:
    """``commonhold serve`` in a process of its own (one uvicorn process), on ``port``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("COMMONHOLD_") or key == "COMMONHOLD_DATA_DIR"
    }
    env.update(
        {
            "COMMONHOLD_ENVIRONMENT": "test",
            "COMMONHOLD_SECRET_KEY": secret_key,
            "COMMONHOLD_DATABASE_URL": urls.owner,
            "COMMONHOLD_APP_DATABASE_URL": urls.app,
            "COMMONHOLD_PORT": str(port),
            "COMMONHOLD_LOG_LEVEL": "WARNING",
            "COMMONHOLD_ACCESS_TOKEN_TTL_SECONDS": str(TOKEN_TTL_SECONDS),
            "COMMONHOLD_API_RATE_LIMIT": "1000000/minute",
        }
    )
    command = [str(Path(sys.executable).parent / "commonhold"), "serve"]
    return subprocess.Popen(  # noqa: S603 - our own console script
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )


def start_reference(port: int, tokens: Path, log: BinaryIO) -> subprocess.Popen[bytes]:
    command = [node_path(), str(REFERENCE_SCRIPT), "--port", str(port)]
    command += ["--tokens-file", str(tokens)]
    return subprocess.Popen(  # noqa: S603 - our own script
        command, cwd=REALTIME_DIR, stdout=log, stderr=subprocess.STDOUT
    )


def stop(server: subprocess.Popen[bytes]) -> None:
    """Stop a server; killed if it takes over 10 s."""
    server.terminate()
    try:
        server.wait(10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(10)


@dataclass(frozen=True)
class Home:
    id: str
    token: str


async def create_home(http: httpx.AsyncClient, urls: DatabaseUrls) -> Home:
    token = await signed_up(http, urls, "bench@realtime.example")
    home = await http.post(
        "/api/v1/homes",
        json={"name": "Fan-out house", "home_type": "single_family", "year_built": 1990},
        headers={"Authorization": f"Bearer {token}"},
    )
    home.raise_for_status()
    return Home(home.json()["id"], token)


def add_members(urls: DatabaseUrls, space_id: str, count: int, secret_key: str) -> list[str]:
    """``count`` more members (viewers) of the space, written as the owner role, and an
    access token for each, signed as the server signs them."""
    if count <= 0:
        return []
    with connect(urls.owner) as conn:
        rows = conn.execute(
            "INSERT INTO platform.users (id, email, display_name, password_hash) "
            "SELECT gen_random_uuid(), 'member' || g || '@realtime.example', 'Member ' || g, '!' "
            "FROM generate_series(1, %s) AS g RETURNING id",
            (count,),
        ).fetchall()
        user_ids = [row[0] for row in rows]
        conn.execute(
            "INSERT INTO platform.space_members (space_id, user_id, role) "
            "SELECT %s, unnest(%s::uuid[]), 'viewer'",
            (space_id, user_ids),
        )
    settings = Settings(
        secret_key=SecretStr(secret_key), access_token_ttl_seconds=TOKEN_TTL_SECONDS
    )
    return [issue_access_token(settings, user_id) for user_id in user_ids]


def notes(index: int) -> str:
    """1,000 characters of notes, different for each room."""
    line = f"Room {index}: repaint before winter, check the radiator valve, measure the window. "
    return (line * (NOTES_CHARS // len(line) + 1))[:NOTES_CHARS]


# The clients


class ClientProcess:
    """One ``clients.mjs`` process and what it has said."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.messages: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.heard: set[int] = set()
        self.changed = asyncio.Event()
        self.clock_offset_ms = 0.0
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process.stdout is not None
        async for line in self.process.stdout:
            received_ms = time.time() * 1000
            try:
                message = json.loads(line)
            except json.JSONDecodeError:
                sys.stderr.write(line.decode(errors="replace"))
                continue
            if message["type"] == "heard":
                self.heard.add(int(message["index"]))
                self.changed.set()
            else:
                if message["type"] == "connected":
                    self.clock_offset_ms = received_ms - float(message["now"])
                await self.messages.put(message)
        self.changed.set()

    async def expect(self, kind: str, within: float) -> dict[str, Any]:
        while True:
            message = await asyncio.wait_for(self.messages.get(), within)
            if message["type"] == kind:
                return message

    async def send(self, command: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{command}\n".encode())
        await self.process.stdin.drain()

    async def close(self) -> None:
        if self.process.returncode is not None:
            return
        with suppress(ConnectionError):
            await self.send("close")
        try:
            await asyncio.wait_for(self.process.wait(), 30)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
        self.reader.cancel()
        with suppress(asyncio.CancelledError):
            await self.reader


@dataclass
class Connected:
    clients: int
    failed: int
    seconds: float
    errors: dict[str, int]
    clock_offset_ms: float


@dataclass
class Delivery:
    latencies_ms: list[float]
    missing: int
    payload_bytes: int
    sample: Any


class ClientFleet:
    """``count`` clients spread over ``processes`` Node.js processes."""

    def __init__(self, processes: list[ClientProcess]) -> None:
        self.processes = processes

    @classmethod
    async def start(
        cls, urls: list[str], tokens: Path, options: Options, log: BinaryIO
    ) -> ClientFleet:
        """Client process ``i`` connects to ``urls[i % len(urls)]``."""
        shares = [
            options.clients // options.client_processes
            + (1 if i < options.clients % options.client_processes else 0)
            for i in range(options.client_processes)
        ]
        processes = []
        for index, share in enumerate(shares):
            url = urls[index % len(urls)]
            command = [
                node_path(),
                str(CLIENTS_SCRIPT),
                *("--url", url, "--tokens-file", str(tokens), "--count", str(share)),
                *("--concurrency", str(max(1, options.concurrency // len(shares)))),
                *([] if options.compression else ["--no-compression"]),
            ]
            process = await asyncio.create_subprocess_exec(
                *command,
                cwd=REALTIME_DIR,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=log,
                limit=LINE_LIMIT,
            )
            processes.append(ClientProcess(process))
        return cls(processes)

    async def connected(self, within: float) -> Connected:
        messages = await asyncio.gather(*(p.expect("connected", within) for p in self.processes))
        errors: dict[str, int] = {}
        for message in messages:
            for error, times in message["errors"].items():
                errors[error] = errors.get(error, 0) + int(times)
        return Connected(
            clients=sum(int(m["clients"]) for m in messages),
            failed=sum(int(m["failed"]) for m in messages),
            seconds=max(float(m["seconds"]) for m in messages),
            errors=errors,
            clock_offset_ms=max(p.clock_offset_ms for p in self.processes),
        )

    async def all_heard(self, index: int, within: float) -> bool:
        """Wait until every client has heard broadcast ``index``, at most ``within`` s."""
        deadline = time.monotonic() + within
        for process in self.processes:
            while index not in process.heard:
                left = deadline - time.monotonic()
                if left <= 0 or process.process.returncode is not None:
                    return False
                process.changed.clear()
                with suppress(TimeoutError):
                    await asyncio.wait_for(process.changed.wait(), left)
        return True

    async def delivery(self, index: int, t0_ms: float) -> Delivery:
        """Every client's latency of broadcast ``index``, from ``t0_ms`` (wall clock)."""
        for process in self.processes:
            await process.send(f"report {index} {t0_ms!r}")
        reports = await asyncio.gather(*(p.expect("report", 60) for p in self.processes))
        latencies = sorted(float(ms) for r in reports for ms in r["latencies_ms"])
        sample = next((r["sample"] for r in reports if r.get("sample") is not None), None)
        return Delivery(
            latencies_ms=latencies,
            missing=sum(int(r["missing"]) for r in reports),
            payload_bytes=max(int(r["payload_bytes"]) for r in reports),
            sample=sample,
        )

    def rss_kib(self) -> int:
        return sum(rss_kib(p.process.pid) for p in self.processes)

    async def close(self) -> None:
        await asyncio.gather(*(p.close() for p in self.processes))


# One server, measured


@dataclass
class Broadcast:
    index: int
    response_ms: float
    delivery: Delivery


@dataclass(frozen=True)
class Disconnection:
    cpu_seconds: float
    busy_seconds: float
    finished: bool


@dataclass
class Result:
    name: str
    connected: Connected
    rss_before_kib: int
    rss_connected_kib: int
    rss_peak_kib: int
    clients_rss_kib: int
    disconnection: Disconnection | None = None
    warmup: list[Broadcast] = field(default_factory=list)
    broadcasts: list[Broadcast] = field(default_factory=list)

    @property
    def kib_per_connection(self) -> float:
        return (self.rss_connected_kib - self.rss_before_kib) / max(1, self.connected.clients)

    def overall(self) -> Summary | None:
        latencies = [ms for b in self.broadcasts for ms in b.delivery.latencies_ms]
        return Summary.of(latencies) if latencies else None

    @property
    def sample(self) -> Any:
        return next((b.delivery.sample for b in self.warmup + self.broadcasts), None)


Trigger = Callable[[int], Awaitable[None]]


async def measure(
    name: str,
    urls: list[str],
    pids: list[int],
    tokens: Path,
    trigger: Trigger,
    options: Options,
    log: BinaryIO,
) -> Result:
    """Connect the clients, measure memory, then broadcast and collect the latencies.
    With several server processes, their memory and CPU time are summed."""
    rss_before = sum(rss_kib(pid) for pid in pids)
    print(
        f"\n{name}: server RSS before connecting {rss_before / 1024:.1f} MiB; connecting "
        f"{options.clients:,} clients over {options.client_processes} Node.js process(es)"
    )
    fleet = await ClientFleet.start(urls, tokens, options, log)
    try:
        connected = await fleet.connected(options.connect_timeout)
        print(
            f"  {connected.clients:,} connected, {connected.failed:,} failed in "
            f"{connected.seconds:.1f} s ({connected.clients / connected.seconds:,.0f}/s)"
            + (f"; errors: {connected.errors}" if connected.errors else "")
            + f"; clocks agree within {connected.clock_offset_ms:.1f} ms"
        )
        await asyncio.sleep(options.settle)
        result = Result(
            name=name,
            connected=connected,
            rss_before_kib=rss_before,
            rss_connected_kib=sum(rss_kib(pid) for pid in pids),
            rss_peak_kib=0,
            clients_rss_kib=fleet.rss_kib(),
        )
        print(
            f"  idle {options.settle:.0f} s: server RSS {result.rss_connected_kib / 1024:.1f} MiB"
            f" = {result.kib_per_connection:.1f} KiB per connection"
        )
        for index in range(options.warmup + options.broadcasts):
            t0_ms = time.time() * 1000
            await trigger(index)
            response_ms = time.time() * 1000 - t0_ms
            complete = await fleet.all_heard(index, options.deliver_timeout)
            delivery = await fleet.delivery(index, t0_ms)
            broadcast = Broadcast(index, response_ms, delivery)
            warm = index < options.warmup
            (result.warmup if warm else result.broadcasts).append(broadcast)
            print_broadcast(broadcast, warm, complete)
            await asyncio.sleep(options.pause)
        result.rss_peak_kib = sum(rss_kib(pid, "VmHWM") for pid in pids)
        result.disconnection = await disconnect(fleet, pids, options.disconnect_wait)
        return result
    finally:
        await fleet.close()


async def disconnect(fleet: ClientFleet, pids: list[int], wait: float) -> Disconnection:
    """All clients leave at once; how long (CPU and wall clock) the servers then stay busy."""

    def cpu() -> float:
        return sum(cpu_seconds(pid) for pid in pids)

    started, cpu_before = time.monotonic(), cpu()
    await fleet.close()
    busy_until = time.monotonic()
    while time.monotonic() - started < wait:
        cpu_then = cpu()
        await asyncio.sleep(0.5)
        if cpu() - cpu_then > 0.05:  # still more than 10% of a CPU
            busy_until = time.monotonic()
        elif time.monotonic() - busy_until > 2:
            break
    result = Disconnection(
        cpu_seconds=cpu() - cpu_before,
        busy_seconds=busy_until - started,
        finished=time.monotonic() - started < wait,
    )
    print(
        f"  every client disconnected: the server was busy {result.busy_seconds:.1f} s "
        f"({result.cpu_seconds:.1f} s of CPU)"
        + ("" if result.finished else f", still busy after {wait:.0f} s: stopped then")
    )
    return result


def print_broadcast(broadcast: Broadcast, warm: bool, complete: bool) -> None:
    delivery = broadcast.delivery
    label = "warm-up" if warm else f"broadcast {broadcast.index}"
    if not delivery.latencies_ms:
        print(f"  {label}: nobody heard it ({delivery.missing} missing)")
        return
    s = Summary.of(delivery.latencies_ms)
    print(
        f"  {label}: {delivery.payload_bytes:,} B to {s.count:,} clients"
        f"{'' if complete else f', {delivery.missing} MISSING'}; ms from t0: first "
        f"{delivery.latencies_ms[0]:.0f}, p50 {s.p50:.0f}, p95 {s.p95:.0f}, p99 {s.p99:.0f}, "
        f"last {s.max:.0f}; trigger answered in {broadcast.response_ms:.0f}"
    )


async def run_commonhold(
    urls: DatabaseUrls, options: Options, server_log: BinaryIO, clients_log: BinaryIO
) -> Result:
    secret_key = secrets.token_urlsafe(32)
    ports = [free_port() for _ in range(options.servers)]
    servers = [start_commonhold(urls, port, secret_key, server_log) for port in ports]
    addresses = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for address, server in zip(addresses, servers, strict=True):
            await wait_until_ready(address, server, "commonhold serve")
        # Writes go to the first process; every process hears the committed change from
        # PostgreSQL and sends it to its own clients.
        async with httpx.AsyncClient(base_url=addresses[0], timeout=120) as http:
            home = await create_home(http, urls)
            headers = {"Authorization": f"Bearer {home.token}"}
            members = add_members(urls, home.id, options.users - 1, secret_key)
            TOKENS_FILE.write_text("".join(f"{t}\n" for t in [home.token, *members]))
            if members:
                print(f"the home has {options.users} members; the clients use their tokens in turn")

            async def create_room(index: int) -> None:
                created = await http.post(
                    f"/api/v1/homes/{home.id}/rooms",
                    json={"name": f"Room {index}", "room_type": "other", "notes": notes(index)},
                    headers=headers,
                )
                created.raise_for_status()

            await create_room(-1)  # the first write's imports and caches, before measuring
            name = "Commonhold" + (f", {options.servers} processes" if options.servers > 1 else "")
            pids = [server.pid for server in servers]
            return await measure(
                name, addresses, pids, TOKENS_FILE, create_room, options, clients_log
            )
    finally:
        for server in servers:
            stop(server)


async def run_reference(
    payload: Any, options: Options, server_log: BinaryIO, clients_log: BinaryIO
) -> Result:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = start_reference(port, TOKENS_FILE, server_log)
    body = json.dumps(payload).encode()
    try:
        await wait_until_ready(url, server, "reference_server.mjs")
        async with httpx.AsyncClient(base_url=url, timeout=120) as http:

            async def broadcast(index: int) -> None:
                sent = await http.post(
                    "/broadcast", content=body, headers={"Content-Type": "application/json"}
                )
                sent.raise_for_status()

            return await measure(
                "reference (Node.js socket.io)",
                *([url], [server.pid], TOKENS_FILE, broadcast, options, clients_log),
            )
    finally:
        stop(server)


# Results


def print_results(results: list[Result], options: Options) -> None:
    print(f"\n=== {options.clients:,} clients, {options.broadcasts} measured broadcasts ===")
    print("\nmemory (server process RSS)")
    print(f"{'server':<31} {'before':>9} {'connected':>10} {'peak':>9} {'KiB/conn':>9}  goal")
    for r in results:
        verdict = "ok" if r.kib_per_connection <= GOAL_KIB_PER_CONNECTION else "MISSED"
        print(
            f"{r.name:<31} {r.rss_before_kib / 1024:>7.1f}Mi {r.rss_connected_kib / 1024:>8.1f}Mi"
            f" {r.rss_peak_kib / 1024:>7.1f}Mi {r.kib_per_connection:>9.1f}  {verdict}"
            f"  (clients' processes: {r.clients_rss_kib / 1024:.0f} MiB)"
        )
    for r in results:
        if r.disconnection is not None:
            d = r.disconnection
            print(
                f"{r.name}: every client leaving at once kept the server busy "
                f"{d.busy_seconds:.1f} s{'' if d.finished else ' or more'} "
                f"({d.cpu_seconds:.1f} s of CPU)"
            )
    print("\ndelivery latency from t0, ms, every client of every measured broadcast")
    print(
        f"{'server':<31} {'n':>7} {'first':>6} {'p50':>6} {'p95':>6} {'p99':>6} {'max':>6}"
        f" {'missing':>7}  goal"
    )
    for r in results:
        s = r.overall()
        missing = sum(b.delivery.missing for b in r.broadcasts)
        if s is None:
            print(f"{r.name:<31} nothing delivered")
            continue
        first = min(b.delivery.latencies_ms[0] for b in r.broadcasts if b.delivery.latencies_ms)
        verdict = "ok" if s.p95 <= GOAL_P95_MS and missing == 0 else "MISSED"
        print(
            f"{r.name:<31} {s.count:>7} {first:>6.0f} {s.p50:>6.0f} {s.p95:>6.0f} {s.p99:>6.0f}"
            f" {s.max:>6.0f} {missing:>7}  {verdict}"
        )
    if len(results) == 2:
        ours, reference = results
        ours_s, reference_s = ours.overall(), reference.overall()
        print("\nCommonhold / reference")
        print(
            f"  memory per connection: {ours.kib_per_connection:.1f} / "
            f"{reference.kib_per_connection:.1f} = "
            f"{ratio(ours.kib_per_connection, reference.kib_per_connection)}"
        )
        if ours_s and reference_s:
            for name in ("p50", "p95", "p99", "max"):
                a, b = getattr(ours_s, name), getattr(reference_s, name)
                print(f"  latency {name}: {a:.0f} / {b:.0f} ms = {ratio(a, b)}")


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b > 0 else "n/a"


async def run(urls: DatabaseUrls, options: Options) -> None:
    BENCH_DATA_DIR.mkdir(parents=True, exist_ok=True)
    with SERVER_LOG.open("wb") as server_log, CLIENTS_LOG.open("wb") as clients_log:
        ours = await run_commonhold(urls, options, server_log, clients_log)
        payload = ours.sample
        if payload is None:
            raise RuntimeError("Commonhold's clients heard no change: nothing to compare")
        # The same tokens (the reference only compares them), for the same handshakes; the
        # very change Commonhold's clients heard, for the same bytes to send.
        reference = await run_reference(payload, options, server_log, clients_log)
    print_results([ours, reference], options)


def parse_options() -> Options:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=10_000, help="connected clients")
    parser.add_argument(
        "--client-processes", type=int, default=1, help="Node.js processes the clients share"
    )
    parser.add_argument(
        "--servers",
        type=int,
        default=1,
        help="Commonhold server processes; the clients' processes (at least one each) spread "
        "over them",
    )
    parser.add_argument("--broadcasts", type=int, default=5, help="measured broadcasts")
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured broadcasts first")
    parser.add_argument("--pause", type=float, default=2.0, help="seconds between broadcasts")
    parser.add_argument(
        "--settle", type=float, default=5.0, help="idle seconds before measuring memory"
    )
    parser.add_argument(
        "--concurrency", type=int, default=100, help="connection attempts in flight"
    )
    parser.add_argument("--connect-timeout", type=float, default=600.0)
    parser.add_argument(
        "--deliver-timeout", type=float, default=30.0, help="seconds to wait for every client"
    )
    parser.add_argument(
        "--disconnect-wait",
        type=float,
        default=120.0,
        help="at most this many seconds watching the server handle the clients' departure",
    )
    parser.add_argument(
        "--no-compression",
        action="store_true",
        help="clients do not offer permessage-deflate (socket.io-client offers it by default)",
    )
    parser.add_argument(
        "--users",
        type=int,
        default=100,
        help="members of the home the clients connect as, in turn (1: all as its owner)",
    )
    args = parser.parse_args()
    return Options(
        clients=args.clients,
        client_processes=max(1, args.client_processes, args.servers),
        broadcasts=args.broadcasts,
        warmup=args.warmup,
        pause=args.pause,
        settle=args.settle,
        concurrency=args.concurrency,
        connect_timeout=args.connect_timeout,
        deliver_timeout=args.deliver_timeout,
        disconnect_wait=args.disconnect_wait,
        compression=not args.no_compression,
        users=max(1, args.users),
        servers=max(1, args.servers),
    )


def main() -> None:
    options = parse_options()
    ensure_node_modules()
    limit_note = raise_open_files(options.clients + 1024)
    server = start_server()
    urls = fresh_database(server, DATABASE)
    print("\n".join(machine_description(urls)))
    print(f"Node.js {node_version()}; {limit_note}; {kernel_limits()}")
    print(
        f"goals: <= {GOAL_KIB_PER_CONNECTION:.0f} KiB per connection, p95 <= {GOAL_P95_MS:.0f} ms"
        f"; clients offer permessage-deflate: {'yes' if options.compression else 'no'}"
        f"; {options.clients:,} clients as {options.users} member(s) of one home"
        f"; Commonhold server processes: {options.servers}"
    )
    asyncio.run(run(urls, options))


if __name__ == "__main__":
    main()
