"""The ``commonhold`` command: run, migrate and administer an installation."""

from __future__ import annotations

import asyncio
import getpass
import json
import signal
import socket
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import procrastinate
import typer
import uvicorn
from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.apps.homes.maintenance.generation import HORIZON_DAYS, generate_instances
from commonhold.demo import DEMO_PASSWORD, HOUSEMATE, OWNER, seed_demo
from commonhold.platform.billing import limits
from commonhold.platform.billing.models import TIERS
from commonhold.platform.cache import Cache
from commonhold.platform.db.server import DatabaseUrls, libpq_url, resolve_database_urls
from commonhold.platform.db.session import Database, set_user_context
from commonhold.platform.identity import repository as identity_repo
from commonhold.platform.identity.models import User
from commonhold.platform.identity.service import create_user as create_user_account
from commonhold.platform.jobs import dead_letters, open_jobs
from commonhold.platform.observability import configure_logging
from commonhold.settings import Settings, get_settings
from commonhold.worker import run_worker

cli = typer.Typer(
    help="Commonhold: one backend for homes, community, reminders, social and boards."
)
PROJECT_ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")


def _settings() -> Settings:
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    return settings


def migrate_database(urls: DatabaseUrls) -> None:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["owner_url"] = urls.owner
    command.upgrade(config, "head")


@cli.command()
def migrate() -> None:
    """Apply database migrations (as the owner role)."""
    urls = resolve_database_urls(_settings())
    migrate_database(urls)
    typer.echo("Database is up to date.")


async def _seed(urls: DatabaseUrls) -> bool:
    cache_url = get_settings().redis_url
    database = Database.connect(urls.app, 1, Cache.from_url(cache_url))
    owner_database = Database.connect(urls.owner, 1, Cache.from_url(cache_url))
    try:
        return await seed_demo(database, owner_database)
    finally:
        await database.dispose()
        await owner_database.dispose()


@cli.command("seed-demo")
def seed_demo_command() -> None:
    """Create the demo accounts and spaces (once)."""
    urls = resolve_database_urls(_settings())
    created = asyncio.run(_seed(urls))
    typer.echo("Demo data created." if created else "Demo data already present.")


@cli.command("create-user")
def create_user(
    email: str,
    name: str = typer.Option(..., "--name", help="Display name"),
    password: str | None = typer.Option(None, help="Asked for when omitted"),
) -> None:
    """Create an account with a verified email address."""
    password = password or getpass.getpass("Password: ")
    urls = resolve_database_urls(_settings())

    async def create() -> None:
        database = Database.connect(urls.app, pool_size=1)
        try:
            async with database.sessionmaker() as session, session.begin():
                await set_user_context(session, None)
                user = await create_user_account(session, email.lower(), password, name)
                user.email_verified_at = user.created_at
        finally:
            await database.dispose()

    try:
        asyncio.run(create())
    except Exception as exc:
        typer.echo(f"Could not create the account: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"Created {email.lower()}.")


@cli.command("set-plan")
def set_plan(email: str, tier: str = typer.Argument(..., help="free, basic or premium")) -> None:
    """Put an account on a plan tier (for self-hosters who bill elsewhere, or not at all)."""
    if tier not in TIERS:
        typer.echo(f"The tier must be one of {', '.join(TIERS)}.", err=True)
        raise typer.Exit(1)

    async def change(session: AsyncSession, user: User) -> None:
        await limits.set_tier(session, user.id, tier)

    _update_account(email, change)
    typer.echo(f"{email.lower()} is on the {tier} plan.")


@cli.command("operator")
def operator(
    email: str,
    revoke: bool = typer.Option(False, "--revoke", help="Take the operator role away"),
) -> None:
    """Make an account an operator of this installation: failed jobs, notification wording
    and delivery logs under /api/v1/admin."""

    async def change(session: AsyncSession, user: User) -> None:
        user.is_operator = not revoke

    _update_account(email, change)
    typer.echo(f"{email.lower()} is {'no longer ' if revoke else ''}an operator.")


def _update_account(email: str, change: Callable[[AsyncSession, User], Awaitable[None]]) -> None:
    """Apply ``change`` to the account with this email, as the owner role; exit 1 if none."""
    urls = resolve_database_urls(_settings())

    async def update() -> bool:
        database = Database.connect(urls.owner, pool_size=1)
        try:
            async with database.sessionmaker() as session, session.begin():
                user = await identity_repo.user_by_email(session, email.lower())
                if user is None:
                    return False
                await change(session, user)
                return True
        finally:
            await database.dispose()

    if not asyncio.run(update()):
        typer.echo(f"No account with the email {email.lower()}.", err=True)
        raise typer.Exit(1)


jobs_cli = typer.Typer(help="Background jobs that failed: list, show, retry, discard.")
cli.add_typer(jobs_cli, name="jobs")


def _run_with_jobs(work: Callable[[procrastinate.App], Awaitable[T]]) -> T:
    urls = resolve_database_urls(_settings())

    async def run() -> T:
        async with open_jobs(libpq_url(urls.app), max_connections=1) as app:
            return await work(app)

    return asyncio.run(run())


@jobs_cli.command("failed")
def list_failed_jobs(
    task: str | None = typer.Option(None, help="Only jobs of this task, e.g. homes.generate"),
) -> None:
    """Jobs that failed for good (after their retries)."""
    failed = _run_with_jobs(lambda app: dead_letters.failed_jobs(app, task))
    for job in failed:
        last = job.events[-1][1].isoformat(timespec="seconds") if job.events else "-"
        typer.echo(f"{job.id}\t{job.task_name}\tattempts {job.attempts}\tfailed {last}")
    typer.echo(f"{len(failed)} failed job(s).")


@jobs_cli.command("show")
def show_failed_job(job_id: int) -> None:
    """A failed job's task, arguments and history."""
    job = _run_with_jobs(lambda app: dead_letters.failed_job(app, job_id))
    if job is None:
        typer.echo(f"No failed job {job_id}.", err=True)
        raise typer.Exit(1)
    typer.echo(f"job {job.id}: {job.task_name} on queue {job.queue}, {job.attempts} attempt(s)")
    typer.echo(f"arguments: {json.dumps(job.arguments)}")
    for event, at in job.events:
        typer.echo(f"  {at.isoformat(timespec='seconds')}  {event}")


@jobs_cli.command("retry")
def retry_failed_job(job_id: int) -> None:
    """Run a failed job again, now."""
    if not _run_with_jobs(lambda app: dead_letters.retry(app, job_id)):
        typer.echo(f"No failed job {job_id}.", err=True)
        raise typer.Exit(1)
    typer.echo(f"Job {job_id} will run again.")


@jobs_cli.command("discard")
def discard_failed_job(job_id: int) -> None:
    """Delete a failed job for good."""
    if not _run_with_jobs(lambda app: dead_letters.discard(app, job_id)):
        typer.echo(f"No failed job {job_id}.", err=True)
        raise typer.Exit(1)
    typer.echo(f"Job {job_id} discarded.")


homes_cli = typer.Typer(help="Homes: inventory and maintenance.")
cli.add_typer(homes_cli, name="homes")


@homes_cli.command("generate")
def generate_occurrences(
    days: int = typer.Option(HORIZON_DAYS, min=1, max=366, help="How far ahead, in days"),
) -> None:
    """Store every active task's occurrences for the coming days (safe to run again)."""
    urls = resolve_database_urls(_settings())

    async def generate() -> int:
        # The owner role sees every home, as a system job must.
        database = Database.connect(urls.owner, pool_size=1)
        try:
            async with database.sessionmaker() as session, session.begin():
                return await generate_instances(session, datetime.now(UTC).date(), days)
        finally:
            await database.dispose()

    typer.echo(f"Created {asyncio.run(generate())} occurrences.")


def _uvicorn_config(settings: Settings) -> uvicorn.Config:
    return uvicorn.Config(
        "commonhold.app:create_asgi_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        proxy_headers=True,
        log_config=None,
        # Compressing each broadcast once per connection costs more CPU than a change is
        # worth, and a zlib state per connection doubles its memory (as Node's socket.io,
        # whose default is off).
        ws_per_message_deflate=False,
        # engine.io's own heartbeat (a ping every 25 s) already finds dead connections and
        # keeps proxies from idling them out: WebSocket pings on top would double the timers
        # and frames of every connection (Node's socket.io sends none either).
        ws_ping_interval=None,
    )


def _listen(config: uvicorn.Config) -> socket.socket:
    """Bind the API's port before anything else starts, so a taken port fails at once."""
    try:
        return config.bind_socket()
    except SystemExit:  # uvicorn has logged the OS error
        typer.echo(
            f"Cannot listen on {config.host}:{config.port}: stop what uses it "
            "or set COMMONHOLD_PORT.",
            err=True,
        )
        raise typer.Exit(1) from None


@cli.command()
def serve() -> None:
    """Serve the HTTP API (migrations must already be applied)."""
    settings = _settings()
    config = _uvicorn_config(settings)
    listener = _listen(config)
    resolve_database_urls(settings)  # start the embedded server here so it outlives reloads
    uvicorn.Server(config).run(sockets=[listener])


@cli.command()
def worker(concurrency: int = typer.Option(4, help="Jobs run at once")) -> None:
    """Run background jobs (migrations must already be applied)."""
    urls = resolve_database_urls(_settings())
    asyncio.run(run_worker(urls, concurrency))


async def _serve_and_work(
    config: uvicorn.Config, listener: socket.socket, urls: DatabaseUrls
) -> None:
    """The API and a worker in one process; Ctrl+C stops the server, then the worker."""
    jobs = asyncio.create_task(run_worker(urls, install_signal_handlers=False))
    try:
        await uvicorn.Server(config).serve(sockets=[listener])
    finally:
        jobs.cancel()
        await asyncio.gather(jobs, return_exceptions=True)


@cli.command()
def up(demo: bool = typer.Option(True, help="Create the demo accounts on first start")) -> None:
    """Start everything: database, migrations, demo data, the API and a worker."""
    settings = _settings()
    config = _uvicorn_config(settings)
    listener = _listen(config)
    typer.echo(
        "Starting PostgreSQL..." if settings.embedded_database else "Connecting to PostgreSQL..."
    )
    urls = resolve_database_urls(settings)
    migrate_database(urls)
    if demo:
        asyncio.run(_seed(urls))
    typer.echo(
        f"\nCommonhold is running at {settings.public_url}\n"
        f"  API docs:  {settings.public_url}/docs\n"
        f"  Readiness: {settings.public_url}/readyz\n"
        + (
            f"  Demo login: {OWNER.email} / {DEMO_PASSWORD} (also {HOUSEMATE.email})\n"
            if demo
            else ""
        )
        + "Press Ctrl+C to stop.\n"
    )
    asyncio.run(_serve_and_work(config, listener, urls))


def _exit_on_sigterm(signum: int, frame: object) -> None:
    sys.exit(128 + signum)


def main() -> None:
    # SIGTERM (systemd, docker stop) unwinds like Ctrl+C, so the embedded PostgreSQL is stopped
    # by its exit handler instead of being left running.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        cli()
    except KeyboardInterrupt:
        sys.exit(130)
