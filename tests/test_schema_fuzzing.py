"""Schemathesis against the running API, from its own OpenAPI document, as a signed-in person
with a household: no request may get a 5xx, a status the document does not list, or a body
that does not match it."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from commonhold.app import create_app
from commonhold.platform.db.session import Database
from tests.apps.homes.factories import create_home, create_item, create_room
from tests.live import LiveWorld, serving

CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    )
)
EXAMPLES_PER_OPERATION = int(os.environ.get("COMMONHOLD_FUZZ_EXAMPLES", "10"))


@pytest.fixture
async def fuzzed_url(live: LiveWorld) -> AsyncIterator[str]:
    """A real server on the committed world, with rate limits out of the fuzzer's way."""
    settings = live.settings.model_copy(
        update={"api_rate_limit": "1000000/minute", "login_rate_limit": "1000000/minute"}
    )
    database = Database.connect(live.urls.app, pool_size=4)
    app = create_app(settings=settings, database=database)
    async with serving(app.state.realtime.asgi(app)) as url:
        yield url
    await database.dispose()


async def test_no_request_the_document_allows_breaks_it(
    live: LiveWorld, fuzzed_url: str, tmp_path: Path
) -> None:
    owner = await live.user("Fuzzy Owner")
    await live.set_tier(owner, "basic")
    home = await create_home(live.client, owner)
    room = await create_room(live.client, owner, home["id"])
    await create_item(live.client, owner, room["id"])
    schemathesis = Path(sys.executable).parent / "st"
    process = await asyncio.create_subprocess_exec(
        str(schemathesis),
        "run",
        f"{fuzzed_url}/openapi.json",
        "--checks",
        CHECKS,
        "--header",
        f"Authorization: Bearer {owner.access_token}",
        "--max-examples",
        str(EXAMPLES_PER_OPERATION),
        "--seed",
        "1",
        "--no-color",
        "--generation-database",
        "none",
        "--report-dir",
        str(tmp_path),
        cwd=tmp_path,  # where it keeps its own files
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()[-20_000:]
