"""ASGI application factory: every module's routers on one FastAPI app."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp

from commonhold.apps.boards.routes import routers as boards_routers
from commonhold.apps.homes.routes import routers as homes_routers
from commonhold.platform import collector
from commonhold.platform.billing.routes import router as billing_router
from commonhold.platform.cache import Cache
from commonhold.platform.db.server import resolve_database_urls
from commonhold.platform.db.session import Database
from commonhold.platform.docs import router as docs_router
from commonhold.platform.files.routes import local_file_routes
from commonhold.platform.files.storage import LocalFileStorage, storage_from_settings
from commonhold.platform.health import router as health_router
from commonhold.platform.identity.routes import auth as auth_router
from commonhold.platform.identity.routes import me as me_router
from commonhold.platform.jobs.routes import router as jobs_router
from commonhold.platform.middleware import RequestContextMiddleware
from commonhold.platform.notify.routes import notifications as notifications_router
from commonhold.platform.notify.routes import operators as operators_router
from commonhold.platform.observability import configure_logging
from commonhold.platform.problems import install_problem_handlers
from commonhold.platform.ratelimit import RateLimiter
from commonhold.platform.spaces.routes import invitations as invitations_router
from commonhold.platform.spaces.routes import spaces as spaces_router
from commonhold.platform.sync.gateway import RealtimeGateway
from commonhold.platform.sync.routes import router as sync_router
from commonhold.settings import Settings, get_settings

DESCRIPTION = """\
Commonhold is one backend for collaborative products: homes, community, reminders, social
and boards, on a shared platform of accounts, spaces (tenants) and roles.

Authenticate with `POST /api/v1/auth/login` and send the access token as
`Authorization: Bearer <token>`. Errors are RFC 9457 `application/problem+json` documents
whose `code` field is stable.
"""


def create_app(
    settings: Settings | None = None,
    database: Database | None = None,
) -> FastAPI:
    """Build the app. Without ``database`` it connects at startup (embedded PostgreSQL if unset)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = database is None
        if owned:
            urls = resolve_database_urls(settings)
            cache = Cache.from_url(settings.redis_url)
            app.state.db = Database.connect(urls.app, settings.db_pool_size, cache)
        gateway: RealtimeGateway = app.state.realtime
        async with collector.collections_on_schedule():
            realtime = asyncio.create_task(gateway.run(app.state.db.conninfo))
            yield
            realtime.cancel()
            await asyncio.gather(realtime, return_exceptions=True)
        if owned:
            await app.state.db.dispose()

    configure_logging(settings.log_level, settings.log_json)
    app = FastAPI(
        title="Commonhold API",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # platform/docs.py serves it under a strict Content-Security-Policy
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.db = database
    app.state.rate_limiter = RateLimiter(settings.redis_url)
    install_problem_handlers(app)
    platform_routers = [
        health_router,
        docs_router,
        auth_router,
        me_router,
        spaces_router,
        invitations_router,
        notifications_router,
        operators_router,
        jobs_router,
        sync_router,
        billing_router,
    ]
    for router in (*platform_routers, *homes_routers, *boards_routers):
        app.include_router(router)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
        )
    app.state.files = storage_from_settings(settings)
    if isinstance(app.state.files, LocalFileStorage):
        app.include_router(local_file_routes(app.state.files, settings.files_url_prefix))
    app.add_middleware(
        RequestContextMiddleware,
        max_body_bytes=settings.max_body_bytes,
        streamed_prefix=settings.files_url_prefix,
    )
    app.state.realtime = RealtimeGateway(settings, lambda: app.state.db, app.state.rate_limiter)
    return app


def create_asgi_app(settings: Settings | None = None) -> ASGIApp:
    """What the server runs: the API with the Socket.IO gateway at /socket.io."""
    app = create_app(settings)
    gateway: RealtimeGateway = app.state.realtime
    asgi: ASGIApp = gateway.asgi(app)
    return asgi
