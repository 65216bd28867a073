"""Engines and sessions. Every transaction starts by telling PostgreSQL who is asking.

Row-level security policies read ``app.user_id``; it is set with ``set_config(..., true)``
(the function form of ``SET LOCAL``) so it ends with the transaction and never leaks to the
next user of a pooled connection.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from commonhold.platform.cache import CACHE_KEY, Cache
from commonhold.platform.db.server import libpq_url


@dataclass
class Database:
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    cache: Cache | None = None

    @classmethod
    def connect(cls, url: str, pool_size: int = 10, cache: Cache | None = None) -> Database:
        """``cache``: where sessions read cached values and invalidate those they change."""
        engine = create_async_engine(
            url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
        )
        info = {CACHE_KEY: cache} if cache is not None else {}
        return cls(engine, async_sessionmaker(engine, expire_on_commit=False, info=info), cache)

    @property
    def conninfo(self) -> str:
        """The same database for plain psycopg (and procrastinate): a libpq URL."""
        return libpq_url(self.engine.url.render_as_string(hide_password=False))

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.cache is not None:
            await self.cache.close()


async def set_user_context(session: AsyncSession, user_id: uuid.UUID | None) -> None:
    """Scope this transaction's row-level security to ``user_id`` (nobody when None)."""
    await session.execute(
        text("SELECT set_config('app.user_id', :user_id, true)"),
        {"user_id": str(user_id) if user_id else ""},
    )


async def set_invitation_context(session: AsyncSession, token_hash: str) -> None:
    """Let this transaction see the one invitation whose token the caller presented."""
    await session.execute(
        text("SELECT set_config('app.invitation_token_hash', :token_hash, true)"),
        {"token_hash": token_hash},
    )
