"""Failed jobs through `commonhold jobs`: listed, shown, retried until they succeed, discarded."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from commonhold.cli import cli
from commonhold.platform.db.server import DatabaseUrls, libpq_url
from commonhold.platform.jobs import job_app, open_jobs
from commonhold.settings import get_settings
from commonhold.worker import run_worker
from tests.live import LiveWorld

broken: set[str] = set()
done: list[str] = []


@job_app.task(name="tests.fragile")
async def fragile(key: str) -> None:
    if key in broken:
        raise RuntimeError(f"{key} is broken")
    done.append(key)


@job_app.task(name="tests.hopeless")
async def hopeless(key: str) -> None:
    raise RuntimeError(f"{key} never works")


@pytest.fixture
def commonhold(database_urls: DatabaseUrls, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """The command line, pointed at the test database."""
    monkeypatch.setenv("COMMONHOLD_DATABASE_URL", database_urls.owner)
    monkeypatch.setenv("COMMONHOLD_APP_DATABASE_URL", database_urls.app)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


async def _run(runner: CliRunner, *args: str, code: int = 0) -> str:
    """The command runs its own event loop, so in a thread of its own."""
    result = await asyncio.to_thread(runner.invoke, cli, list(args))
    assert result.exit_code == code, result.output
    return result.output


async def _fail_once(database_urls: DatabaseUrls, key: str) -> int:
    broken.add(key)
    async with open_jobs(libpq_url(database_urls.app)):
        job_id = await fragile.defer_async(key=key)
    await run_worker(database_urls, concurrency=1, install_signal_handlers=False, wait=False)
    return job_id


async def test_a_failed_job_is_listed_shown_and_retried_until_it_succeeds(
    database_urls: DatabaseUrls, commonhold: CliRunner
) -> None:
    key = uuid.uuid4().hex
    job_id = await _fail_once(database_urls, key)

    listed = await _run(commonhold, "jobs", "failed", "--task", "tests.fragile")
    assert re.search(rf"^{job_id}\ttests.fragile\tattempts 1\tfailed ", listed, re.MULTILINE)
    shown = await _run(commonhold, "jobs", "show", str(job_id))
    assert f'arguments: {{"key": "{key}"}}' in shown
    assert "failed" in shown.splitlines()[-1]

    broken.discard(key)
    assert await _run(commonhold, "jobs", "retry", str(job_id)) == f"Job {job_id} will run again.\n"
    await run_worker(database_urls, concurrency=1, install_signal_handlers=False, wait=False)
    assert key in done
    assert f"{job_id}\t" not in await _run(commonhold, "jobs", "failed")
    await _run(commonhold, "jobs", "retry", str(job_id), code=1)


async def test_a_discarded_job_is_gone_for_good(
    database_urls: DatabaseUrls, commonhold: CliRunner
) -> None:
    key = uuid.uuid4().hex
    job_id = await _fail_once(database_urls, key)
    assert await _run(commonhold, "jobs", "discard", str(job_id)) == f"Job {job_id} discarded.\n"
    assert f"{job_id}\t" not in await _run(commonhold, "jobs", "failed")
    await _run(commonhold, "jobs", "show", str(job_id), code=1)
    await _run(commonhold, "jobs", "discard", str(job_id), code=1)
    assert key not in done


async def test_operators_page_through_failed_jobs_newest_first(live: LiveWorld) -> None:
    operator = await live.user("Operator")
    await live.execute("UPDATE platform.users SET is_operator = true WHERE id = :u", u=operator.id)
    async with open_jobs(libpq_url(live.urls.app)):
        ids = [await hopeless.defer_async(key=uuid.uuid4().hex) for _ in range(3)]
    await live.run_jobs()
    url = "/api/v1/admin/jobs/failed"
    pages, cursor = [], None
    while True:
        query = {"task": "tests.hopeless", "limit": "2", **({"cursor": cursor} if cursor else {})}
        page = await live.client.get(url, params=query, headers=operator.headers)
        assert page.status_code == 200, page.text
        pages.append([job["id"] for job in page.json()["items"]])
        if (cursor := page.json()["next_cursor"]) is None:
            break
    assert [i for page in pages for i in page if i in ids] == sorted(ids, reverse=True)
    assert all(len(found) <= 2 for found in pages)
    for job_id in ids:
        gone = await live.client.delete(f"{url}/{job_id}", headers=operator.headers)
        assert gone.status_code == 204, gone.text
