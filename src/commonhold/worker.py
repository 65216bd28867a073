"""The background worker: every module's tasks on the shared procrastinate app."""

from __future__ import annotations

from commonhold.platform.cache import Cache
from commonhold.platform.db.server import DatabaseUrls, libpq_url
from commonhold.platform.db.session import Database
from commonhold.platform.jobs import job_app, open_jobs
from commonhold.settings import Settings, get_settings

# LISTEN/NOTIFY wakes a worker when a job is deferred, not when a scheduled job falls due:
# polling this often starts a job scheduled for T within a second of T.
SCHEDULED_JOB_POLL_SECONDS = 0.5
# The modules defining jobs or event subscribers: a worker runs only what it has imported.
TASK_MODULES = (
    "commonhold.platform.jobs.tasks",
    "commonhold.platform.events.tasks",
    "commonhold.platform.mail.tasks",
    "commonhold.platform.notify.tasks",
    "commonhold.platform.sync.tasks",
    "commonhold.platform.identity.tasks",
    "commonhold.platform.files.tasks",
    "commonhold.platform.spaces.tasks",
    "commonhold.apps.homes.tasks",
    "commonhold.apps.boards.tasks",
    "commonhold.apps.boards.departures.service",
)


async def run_worker(
    urls: DatabaseUrls,
    concurrency: int = 4,
    install_signal_handlers: bool = True,
    wait: bool = True,
    settings: Settings | None = None,
) -> None:
    """Run jobs until cancelled (or SIGINT/SIGTERM when it handles signals).

    With ``wait=False`` it returns once the queue is empty.
    """
    job_app.import_paths = list(TASK_MODULES)  # imported by the worker as it starts
    settings = settings or get_settings()
    database = Database.connect(urls.app, concurrency, Cache.from_url(settings.redis_url))
    # For the few system jobs that work across every space (see jobs.system_database_of).
    system_database = Database.connect(urls.owner, 1, Cache.from_url(settings.redis_url))
    try:
        async with open_jobs(libpq_url(urls.app), max_connections=concurrency + 2) as app:
            await app.run_worker_async(
                concurrency=concurrency,
                additional_context={
                    "db": database,
                    "system_db": system_database,
                    "settings": settings,
                },
                fetch_job_polling_interval=SCHEDULED_JOB_POLL_SECONDS,
                install_signal_handlers=install_signal_handlers,
                wait=wait,
            )
    finally:
        await database.dispose()
        await system_database.dispose()
