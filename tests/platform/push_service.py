"""A local Web Push service for tests. It checks each message the way a real push service and
browser would: the VAPID token (RFC 8292) against the key in the request, then the aes128gcm body
(RFC 8291) with the subscriber's private key. The decryption is written here against the RFCs with
`cryptography`, so a test does not trust the library that encrypted the message."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import secrets
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import jwt
from aiohttp import web
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from multidict import CIMultiDict

from commonhold.platform.notify.webpush import PushTarget

MAX_BODY = 4096  # what push services accept (RFC 8030 §7.2)
MAX_TOKEN_SECONDS = 24 * 60 * 60


class Rejected(Exception):
    """The message is not one a push service would accept."""


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _point(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


@dataclass(frozen=True)
class Subscriber:
    """A browser's push subscription: what it gives the application server, and its secrets."""

    id: str
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth_secret: bytes = field(default_factory=lambda: secrets.token_bytes(16))

    @property
    def public_point(self) -> bytes:
        return _point(self.private_key.public_key())

    @property
    def p256dh(self) -> str:
        return b64url_encode(self.public_point)

    @property
    def auth(self) -> str:
        return b64url_encode(self.auth_secret)

    @property
    def target(self) -> PushTarget:
        return PushTarget(self.endpoint, self.p256dh, self.auth)


def verify_vapid(authorization: str, audience: str) -> tuple[dict[str, Any], str]:
    """The claims of a `vapid t=<jwt>, k=<key>` header whose signature and claims hold, and k."""
    scheme, _, params = authorization.partition(" ")
    if scheme.lower() != "vapid":
        raise Rejected("not a vapid authorization")
    parts = dict(part.strip().partition("=")[::2] for part in params.split(","))
    try:
        public_key = ec.EllipticCurvePublicKey.from_encoded_point(
            ec.SECP256R1(), b64url_decode(parts["k"])
        )
        claims: dict[str, Any] = jwt.decode(
            parts["t"],
            public_key,
            algorithms=["ES256"],
            audience=audience,
            options={"require": ["aud", "exp", "sub"]},
        )
    except (KeyError, ValueError, jwt.InvalidTokenError) as error:
        raise Rejected(f"bad vapid token: {error!r}") from error
    if claims["exp"] > time.time() + MAX_TOKEN_SECONDS:
        raise Rejected("vapid token valid for more than 24 hours")
    return claims, parts["k"]


def _hkdf(salt: bytes, ikm: bytes, info: bytes, length: int) -> bytes:
    return HKDF(hashes.SHA256(), length, salt, info).derive(ikm)


def decrypt(body: bytes, subscriber: Subscriber) -> bytes:
    """The plaintext of an aes128gcm push message (RFC 8291 §3.4, RFC 8188 §2), which must be
    one record. Raises cryptography's InvalidTag if the body was not encrypted for this
    subscriber or was changed on the way."""
    if len(body) < 21 or body[20] != 65:
        raise Rejected("the header must carry the sender's 65-byte public key as its key id")
    salt, record_size = body[:16], int.from_bytes(body[16:20], "big")
    sender_point, ciphertext = body[21:86], body[86:]
    if len(ciphertext) > record_size:
        raise Rejected("more than one record")
    sender_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), sender_point)
    ecdh_secret = subscriber.private_key.exchange(ec.ECDH(), sender_key)
    key_info = b"WebPush: info\x00" + subscriber.public_point + sender_point
    ikm = _hkdf(subscriber.auth_secret, ecdh_secret, key_info, 32)
    content_key = _hkdf(salt, ikm, b"Content-Encoding: aes128gcm\x00", 16)
    nonce = _hkdf(salt, ikm, b"Content-Encoding: nonce\x00", 12)
    # The only record is the last one: its data ends with the delimiter 0x02, then zero padding.
    data = AESGCM(content_key).decrypt(nonce, ciphertext, None).rstrip(b"\x00")
    if not data.endswith(b"\x02"):
        raise Rejected("missing the last-record delimiter")
    return data[:-1]


@dataclass(frozen=True)
class Received:
    endpoint_id: str
    headers: CIMultiDict[str]
    body: bytes  # as sent, encrypted
    plaintext: bytes
    claims: dict[str, Any]
    public_key: str  # the `k` of the VAPID header
    status: int  # what the push service answered


class PushService:
    """`async with PushService() as push:` serves POST /push/{id} on a free local port."""

    def __init__(self) -> None:
        self.messages: list[Received] = []
        self._subscribers: dict[str, Subscriber] = {}
        self._answers: dict[str, int] = {}
        self._stalls: dict[str, float] = {}
        self._closing = asyncio.Event()
        app = web.Application()
        app.router.add_post("/push/{id}", self._receive)
        self._runner = web.AppRunner(app)
        self.origin = ""

    async def __aenter__(self) -> PushService:
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        host, port = self._runner.addresses[0][:2]
        self.origin = f"http://{host}:{port}"
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._closing.set()
        await self._runner.cleanup()

    def subscribe(self) -> Subscriber:
        subscription_id = secrets.token_urlsafe(12)
        subscriber = Subscriber(subscription_id, f"{self.origin}/push/{subscription_id}")
        self._subscribers[subscription_id] = subscriber
        return subscriber

    def answer(self, subscriber: Subscriber, status: int) -> None:
        """Answer this status to the subscriber's messages from now on (201 by default)."""
        self._answers[subscriber.id] = status

    def stall(self, subscriber: Subscriber, seconds: float) -> None:
        """Wait this long before looking at the subscriber's messages, as an overloaded service."""
        self._stalls[subscriber.id] = seconds

    async def _receive(self, request: web.Request) -> web.Response:
        subscriber = self._subscribers.get(request.match_info["id"])
        if subscriber is None:
            return web.Response(status=404, text="no such subscription")
        if stall := self._stalls.get(subscriber.id):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), stall)
        body = await request.read()
        try:
            claims, public_key = verify_vapid(request.headers.get("Authorization", ""), self.origin)
        except Rejected as error:
            return web.Response(status=401, text=str(error))
        if not request.headers.get("TTL", "").isdigit():
            return web.Response(status=400, text="TTL header missing")
        if len(body) > MAX_BODY:
            return web.Response(status=413, text="payload too large")
        if body and request.headers.get("Content-Encoding") != "aes128gcm":
            return web.Response(status=415, text="content encoding must be aes128gcm")
        try:
            plaintext = decrypt(body, subscriber) if body else b""
        except (InvalidTag, Rejected, ValueError) as error:
            return web.Response(status=400, text=f"cannot decrypt: {error!r}")
        status = self._answers.get(subscriber.id, 201)
        self.messages.append(
            Received(
                subscriber.id, request.headers.copy(), body, plaintext, claims, public_key, status
            )
        )
        if status == 201:
            message_url = f"{self.origin}/message/{secrets.token_urlsafe(12)}"
            return web.Response(status=201, headers={"Location": message_url})
        return web.Response(status=status, text=f"answered {status} as told")
