"""Every SQL statement of identity."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.platform.db.base import utcnow
from commonhold.platform.identity import security
from commonhold.platform.identity.models import RefreshToken, User, UserToken


async def user_by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(User.email == email))


async def user_by_id(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


async def refresh_token_for_update(session: AsyncSession, token_hash: str) -> RefreshToken | None:
    """Lock the token row so two concurrent refreshes with it are serialized."""
    return await session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == token_hash).with_for_update()
    )


async def revoke_family(session: AsyncSession, family_id: uuid.UUID) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


async def revoke_user_refresh_tokens(session: AsyncSession, user_id: uuid.UUID) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


async def consume_user_token(
    session: AsyncSession, token_hash: str, purpose: str
) -> uuid.UUID | None:
    """Mark a valid token used and return its user; None if unknown, expired or already used."""
    now = utcnow()
    user_id: uuid.UUID | None = await session.scalar(
        update(UserToken)
        .where(
            UserToken.token_hash == token_hash,
            UserToken.purpose == purpose,
            UserToken.used_at.is_(None),
            UserToken.expires_at > now,
        )
        .values(used_at=now)
        .returning(UserToken.user_id)
    )
    return user_id


async def expire_user_tokens(session: AsyncSession, user_id: uuid.UUID, purpose: str) -> None:
    """Retire outstanding tokens of a purpose, e.g. older reset links once one was used."""
    await session.execute(
        update(UserToken)
        .where(
            UserToken.user_id == user_id, UserToken.purpose == purpose, UserToken.used_at.is_(None)
        )
        .values(used_at=utcnow())
    )


async def issue_user_token(
    session: AsyncSession, user_id: uuid.UUID, purpose: str, expires_at: datetime
) -> str:
    """A new single-use token for ``purpose``; only its hash is stored."""
    token = security.new_opaque_token()
    session.add(
        UserToken(
            user_id=user_id,
            purpose=purpose,
            token_hash=security.hash_opaque_token(token),
            expires_at=expires_at,
        )
    )
    await session.flush()
    return token
