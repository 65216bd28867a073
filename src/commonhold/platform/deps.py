"""Request dependencies: settings, the caller, and the one database session per request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import structlog
from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.platform.authz import AuthSubject
from commonhold.platform.db.session import Database, set_user_context
from commonhold.platform.errors import AppError, NotFound, Unauthorized
from commonhold.platform.files.storage import FileStorage
from commonhold.platform.identity.models import User
from commonhold.platform.identity.security import decode_access_token
from commonhold.platform.ratelimit import RateLimiter
from commonhold.platform.sync.gateway import RealtimeGateway
from commonhold.platform.sync.merge import MergeNotice, pop_notices
from commonhold.settings import Settings

log = structlog.get_logger(__name__)
_bearer = HTTPBearer(auto_error=False, description="Access token from /api/v1/auth/login")


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_rate_limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.rate_limiter
    return limiter


SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_file_storage(request: Request) -> FileStorage:
    storage: FileStorage = request.app.state.files
    return storage


FileStorageDep = Annotated[FileStorage, Depends(get_file_storage)]
RateLimiterDep = Annotated[RateLimiter, Depends(get_rate_limiter)]


async def optional_subject(request: Request, settings: SettingsDep) -> AuthSubject | None:
    """The caller if a valid bearer token came with the request.

    An invalid token is remembered rather than raised, so public endpoints still work for a
    client holding a stale token; endpoints that need a caller raise it. The header is read
    here without declaring the bearer scheme, so OpenAPI lists it only where a caller is
    required (``require_subject``).
    """
    credentials = await _bearer(request)
    if credentials is None:
        return None
    try:
        claims = decode_access_token(settings, credentials.credentials)
    except AppError as error:
        request.state.token_error = error
        return None
    structlog.contextvars.bind_contextvars(user_id=str(claims.user_id))
    return AuthSubject(user_id=claims.user_id)


async def require_subject(
    request: Request,
    subject: Annotated[AuthSubject | None, Depends(optional_subject)],
    settings: SettingsDep,
    limiter: RateLimiterDep,
    # Declares the bearer scheme in OpenAPI: the operations that need a caller say so.
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
) -> AuthSubject:
    if subject is None:
        error = getattr(request.state, "token_error", None)
        raise error if isinstance(error, AppError) else Unauthorized()
    await limiter.hit(settings.api_rate_limit, "user", str(subject.user_id))
    return subject


async def db_session(
    request: Request, subject: Annotated[AuthSubject | None, Depends(optional_subject)]
) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed when the endpoint returns, rolled back on error.

    Scoped to the endpoint function, so the commit happens before the response is sent.
    Jobs the request deferred (``defer_in_transaction``) commit or vanish with it; the
    changes it logged reach connected clients once it has committed (the database announces
    them to the real-time gateway), and so do its merge notices.
    """
    database: Database = request.app.state.db
    async with database.sessionmaker() as session:
        await set_user_context(session, subject.user_id if subject else None)
        try:
            yield session
            await session.commit()
        except AppError as error:
            await (session.commit() if error.keep_changes else session.rollback())
            raise
        except BaseException:
            await session.rollback()
            raise
        if notices := pop_notices(session):
            await _send_merge_notices(request, notices)


async def _send_merge_notices(request: Request, notices: list[MergeNotice]) -> None:
    gateway: RealtimeGateway = request.app.state.realtime
    try:
        await gateway.send_merge_notices(notices)
    except Exception:  # committed already: the overwritten values are in /sync
        log.exception("merge_notices_failed", count=len(notices))


CurrentUser = Annotated[AuthSubject, Depends(require_subject)]
Session = Annotated[AsyncSession, Depends(db_session, scope="function")]


async def require_operator(subject: CurrentUser, session: Session) -> AuthSubject:
    """The caller, if they run this installation; anyone else finds no such endpoint."""
    is_operator = await session.scalar(select(User.is_operator).where(User.id == subject.user_id))
    if not is_operator:
        raise NotFound()
    return subject


Operator = Annotated[AuthSubject, Depends(require_operator)]
