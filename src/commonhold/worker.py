"""The background worker: every module's tasks on the shared procrastinate app."""

from __future__ import annotations

from psycopg_pool import AsyncConnectionPool

from commonhold.platform.db.server import DatabaseUrls, libpq_url
from commonhold.platform.db.session import Database
from commonhold.platform.jobs import job_app

TASK_MODULES = ("commonhold.platform.identity.tasks",)




async def run_worker(
    urls: DatabaseUrls, concurrency: int = 4, install_signal_handlers: bool = True
) -> None:
    """Run jobs until cancelled (or until SIGINT/SIGTERM when it handles signals)."""
    job_app.import_paths = list(TASK_MODULES)  # imported by the worker as it starts
    database = Database.connect(urls.app, pool_size=concurrency)
    pool = AsyncConnectionPool(
        libpq_url(urls.app), min_size=1, max_size=concurrency + 2, open=False
    )
    await pool.open()
    try:
        async with job_app.open_async(pool):
            await job_app.run_worker_async(
                concurrency=concurrency,
                additional_context={"db": database},
                install_signal_handlers=install_signal_handlers,
            )
    finally:
        await pool.close()
        await database.dispose()
