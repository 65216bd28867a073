"""Web Push: messages encrypted for one browser subscription (RFC 8291) and signed for its push
service with our VAPID key (RFC 8292). pywebpush does the cryptography; this module decides what a
push service's answer means for the subscription."""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid
from pywebpush import WebPusher

URGENCIES = frozenset({"very-low", "low", "normal", "high"})
# Push services reject tokens valid for more than 24 h (RFC 8292 §2); 12 h leaves room for skew.
VAPID_TOKEN_SECONDS = 12 * 60 * 60
MAX_LOGGED_BODY = 1000


class PushUnreachable(Exception):
    """The push service refused the connection, dropped it or did not answer in time: retry."""


@dataclass(frozen=True)
class VapidKeys:
    private_key_pem: str  # the EC P-256 private key, PKCS8 PEM
    public_key: str  # base64url uncompressed point: the browser's applicationServerKey


def generate_vapid_keys() -> VapidKeys:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return VapidKeys(pem.decode(), base64.urlsafe_b64encode(point).decode().rstrip("="))


@dataclass(frozen=True)
class PushTarget:
    endpoint: str
    p256dh: str  # base64url, the subscription's keys.p256dh
    auth: str  # base64url, the subscription's keys.auth


@dataclass(frozen=True)
class PushResponse:
    status: int
    body: str  # the push service's answer, trimmed for the delivery log

    @property
    def accepted(self) -> bool:
        return 200 <= self.status < 300

    @property
    def subscription_gone(self) -> bool:
        """The browser unsubscribed or the subscription expired: deactivate it."""
        return self.status in (404, 410)

    @property
    def retryable(self) -> bool:
        return self.status == 429 or self.status >= 500


class PushSender:
    def __init__(
        self,
        keys: VapidKeys,
        subject: str,
        ttl_seconds: int = 86400,
        timeout_seconds: float = 30.0,
    ) -> None:
        if not subject.startswith(("mailto:", "https://")):
            raise ValueError("the VAPID subject must be a mailto: or https: URL")
        key = serialization.load_pem_private_key(keys.private_key_pem.encode(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError("the VAPID key must be an EC P-256 private key")
        # py_vapid's strict check refuses https subjects with a path, which RFC 8292 allows.
        self._vapid = Vapid(private_key=key, conf={"no-strict": True})
        self._subject = subject
        self._ttl = ttl_seconds
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)

    async def send(
        self, target: PushTarget, payload: bytes, urgency: str = "normal"
    ) -> PushResponse:
        """Deliver one message; raises PushUnreachable when the push service cannot be reached."""
        if urgency not in URGENCIES:
            raise ValueError(f"urgency must be one of {sorted(URGENCIES)}")
        endpoint = urlsplit(target.endpoint)
        headers: dict[str, str] = self._vapid.sign(
            {
                "aud": f"{endpoint.scheme}://{endpoint.netloc}",
                "exp": int(time.time()) + VAPID_TOKEN_SECONDS,
                "sub": self._subject,
            }
        )
        headers["Urgency"] = urgency
        pusher = WebPusher(
            {"endpoint": target.endpoint, "keys": {"p256dh": target.p256dh, "auth": target.auth}}
        )
        try:
            response: aiohttp.ClientResponse = await pusher.send_async(
                payload, headers, ttl=self._ttl, content_encoding="aes128gcm", timeout=self._timeout
            )
            body = await response.text(errors="replace")
        except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError, TimeoutError) as error:
            raise PushUnreachable(f"{endpoint.netloc}: {error!r}") from error
        return PushResponse(response.status, body[:MAX_LOGGED_BODY])
