"""Password hashing (argon2id), access JWTs, opaque tokens and TOTP secrets."""

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet

from commonhold.platform.errors import InvalidToken
from commonhold.settings import Settings

_hasher = PasswordHasher()  # argon2id with the library's (RFC 9106) defaults
# Verified against when the email is unknown, so both paths cost one argon2 computation.
_DUMMY_HASH = _hasher.hash("commonhold-no-such-user")
JWT_ALGORITHM = "HS256"
ACCESS_AUDIENCE = "commonhold:access"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    expires_at: datetime


def issue_access_token(settings: Settings, user_id: uuid.UUID) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": str(user_id),
        "aud": ACCESS_AUDIENCE,
        "iat": now,
        "exp": now + timedelta(seconds=settings.access_token_ttl_seconds),
        "jti": secrets.token_hex(8),
    }
    return jwt.encode(claims, settings.secret_key.get_secret_value(), algorithm=JWT_ALGORITHM)


def decode_access_token(settings: Settings, token: str) -> AccessClaims:
    try:
        claims = jwt.decode(
            token,
            settings.secret_key.get_secret_value(),
            algorithms=[JWT_ALGORITHM],
            audience=ACCESS_AUDIENCE,
            options={"require": ["sub", "exp", "aud"]},
        )
        return AccessClaims(
            user_id=uuid.UUID(claims["sub"]),
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
        )
    except jwt.ExpiredSignatureError as exc:
        raise InvalidToken("The access token has expired; refresh it") from exc
    except (jwt.InvalidTokenError, ValueError) as exc:
        raise InvalidToken("The access token is not valid") from exc


def new_opaque_token() -> str:
    """A random token for a client to hold; only its hash is ever stored."""
    return secrets.token_urlsafe(32)


def hash_opaque_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _fernet(settings: Settings) -> Fernet:
    key = hashlib.sha256(b"totp:" + settings.secret_key.get_secret_value().encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_secret(settings: Settings, secret: str) -> str:
    return _fernet(settings).encrypt(secret.encode()).decode()


def decrypt_secret(settings: Settings, encrypted: str) -> str:
    return _fernet(settings).decrypt(encrypted.encode()).decode()
