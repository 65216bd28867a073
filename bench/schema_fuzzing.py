"""A long Schemathesis run against the API: at least 10,000 generated requests.

The same check as ``tests/test_schema_fuzzing.py`` (no 5xx, no status code, content type or
body the OpenAPI document does not describe), with many more cases: the real application
served by uvicorn as ``commonhold serve`` serves it, on a fresh database
(``commonhold_bench_fuzzing``), signed in as a person with a home, a room and an item made
through the API (rate limits lifted for the run). Schemathesis runs its four phases:
examples, coverage (boundary values of every schema), fuzzing, and stateful sequences that
follow what one response gives the next request.

Run:  .venv/bin/python bench/schema_fuzzing.py                  # 100 cases per operation
      .venv/bin/python bench/schema_fuzzing.py --examples 300 --seed 7
"""

from __future__ import annotations

import argparse
import asyncio
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from _api_server import free_port, start_api, wait_until_ready
from _homes_data import (
    BENCH_DATA_DIR,
    connect,
    fresh_database,
    machine_description,
    signed_up,
    start_server,
)

from commonhold.platform.db.server import DatabaseUrls

DATABASE = "commonhold_bench_fuzzing"
CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_schema_conformance"
)


async def signed_in_household(url: str, urls: DatabaseUrls) -> str:
    """A person on a paid plan with a home, a room and an item; their access token."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        token = await signed_up(client, urls, "fuzzing@example.com", "Fuzzing")
        with connect(urls.owner) as conn:
            conn.execute(
                "INSERT INTO platform.subscriptions (id, user_id, tier, status) "
                "SELECT gen_random_uuid(), id, 'basic', 'active' FROM platform.users "
                "WHERE email = 'fuzzing@example.com'"
            )
        headers = {"Authorization": f"Bearer {token}"}
        home = await client.post("/api/v1/homes", json={"name": "Fuzz house"}, headers=headers)
        home.raise_for_status()
        room = await client.post(
            f"/api/v1/homes/{home.json()['id']}/rooms", json={"name": "Hall"}, headers=headers
        )
        room.raise_for_status()
        item = await client.post(
            f"/api/v1/rooms/{room.json()['id']}/items", json={"name": "Lamp"}, headers=headers
        )
        item.raise_for_status()
        return str(token)


def fuzz(url: str, token: str, examples: int, seed: int) -> tuple[int, str]:
    """Run Schemathesis; its exit code and output."""
    with tempfile.TemporaryDirectory() as workdir:
        command = [
            str(Path(sys.executable).parent / "st"),
            "run",
            f"{url}/openapi.json",
            *("--checks", CHECKS),
            *("--header", f"Authorization: Bearer {token}"),
            *("--max-examples", str(examples)),
            *("--seed", str(seed)),
            *("--generation-database", "none"),
            "--no-color",
        ]
        done = subprocess.run(  # noqa: S603 - our own interpreter's Schemathesis
            command, cwd=workdir, capture_output=True, text=True, check=False
        )
    return done.returncode, done.stdout + done.stderr


async def serve_and_fuzz(urls: DatabaseUrls, examples: int, seed: int) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    BENCH_DATA_DIR.mkdir(parents=True, exist_ok=True)
    server = start_api(urls, port, 1, BENCH_DATA_DIR / "fuzzing_server.log")
    try:
        async with httpx.AsyncClient(base_url=url) as client:
            await wait_until_ready(client, server)
        token = await signed_in_household(url, urls)
        started = time.monotonic()
        code, output = await asyncio.to_thread(fuzz, url, token, examples, seed)
        seconds = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(30)
    summary = output[output.find("SUMMARY") - 40 :] if "SUMMARY" in output else output
    print(summary)
    generated = re.search(r"(\d+) generated", output)
    cases = int(generated.group(1)) if generated else 0
    print(
        f"{cases:,} test cases in {seconds:.0f} s ({cases / seconds:,.0f}/s), "
        f"{examples} per operation at most, seed {seed}: "
        + ("no failure" if code == 0 else f"FAILED (Schemathesis exit code {code})")
    )
    if code != 0:
        print(output[:50_000])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100, help="cases per operation, at most")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    urls = fresh_database(start_server(), DATABASE)
    print("\n".join(machine_description(urls)))
    asyncio.run(serve_and_fuzz(urls, args.examples, args.seed))


if __name__ == "__main__":
    main()
