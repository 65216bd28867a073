"""ASGI middleware: request ids, access logs, metrics, body size limit, security headers."""

from __future__ import annotations

import json
import re
import time
import uuid

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from commonhold.platform.context import client_ip_var, request_id_var
from commonhold.platform.errors import PROBLEM_MEDIA_TYPE
from commonhold.platform.observability import HTTP_LATENCY, HTTP_REQUESTS

log = structlog.get_logger("commonhold.http")
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


# What a browser may do with a response of the API: nothing but read it. A page that needs
# more (the documentation) sets its own policy.
API_POLICY = b"default-src 'none'; frame-ancestors 'none'"
HSTS = b"max-age=31536000; includeSubDomains"


class _BodyTooLarge(Exception):
    pass


def _security_headers(scope: Scope) -> list[tuple[bytes, bytes]]:
    headers = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]
    # Only over TLS (directly, or behind a proxy uvicorn trusts): a browser ignores it on
    # plain http, and a development server on http must stay reachable.
    if scope.get("scheme") == "https":
        headers.append((b"strict-transport-security", HSTS))
    return headers


def _problem_bytes(status: int, code: str, title: str, detail: str, request_id: str) -> bytes:
    return json.dumps(
        {
            "type": "about:blank",
            "title": title,
            "status": status,
            "code": code,
            "detail": detail,
            "request_id": request_id,
        }
    ).encode()


class RequestContextMiddleware:
    def __init__(
        self, app: ASGIApp, max_body_bytes: int, streamed_prefix: str | None = None
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        # Requests under this path stream their bodies to a handler that bounds them itself
        # (file uploads, whose signed URL fixes the size).
        self.streamed_prefix = streamed_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        offered = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = offered if _SAFE_REQUEST_ID.match(offered) else uuid.uuid4().hex
        client_ip = scope["client"][0] if scope.get("client") else None
        request_id_var.set(request_id)
        client_ip_var.set(client_ip)
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500

        security_headers = _security_headers(scope)

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                if not any(name.lower() == b"content-security-policy" for name, _ in headers):
                    headers.append((b"content-security-policy", API_POLICY))
                message["headers"] = [
                    *headers,
                    (b"x-request-id", request_id.encode()),
                    *security_headers,
                ]
            await send(message)

        if _nul_in_url(scope):
            await _send_problem(
                send_with_headers,
                _problem_bytes(
                    400,
                    "nul_character",
                    "The address holds a NUL character",
                    "Paths and query parameters may not contain U+0000 (%00)",
                    request_id,
                ),
                400,
            )
            self._observe(scope, status, started, client_ip)
            return
        if self.streamed_prefix and scope["path"].startswith(self.streamed_prefix + "/"):
            try:
                await self.app(scope, receive, send_with_headers)
            finally:
                self._observe(scope, status, started, client_ip)
            return
        try:
            body = await self._read_body(receive, headers)
        except _BodyTooLarge:
            await self._reject_body(send_with_headers, request_id)
            self._observe(scope, status, started, client_ip)
            return

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        try:
            await self.app(scope, replay, send_with_headers)
        finally:
            self._observe(scope, status, started, client_ip)

    async def _read_body(self, receive: Receive, headers: dict[bytes, bytes]) -> bytes:
        """Buffer the request body, refusing it as soon as it passes the limit."""
        try:
            if int(headers.get(b"content-length", b"0") or 0) > self.max_body_bytes:
                raise _BodyTooLarge
        except ValueError:
            pass
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(chunks)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                raise _BodyTooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    @staticmethod
    def _observe(scope: Scope, status: int, started: float, client_ip: str | None) -> None:
        elapsed = time.perf_counter() - started
        route = getattr(scope.get("route"), "path", "unmatched")
        HTTP_REQUESTS.labels(scope["method"], route, str(status)).inc()
        HTTP_LATENCY.labels(scope["method"], route).observe(elapsed)
        log.info(
            "request",
            method=scope["method"],
            path=scope["path"],
            route=route,
            status=status,
            duration_ms=round(elapsed * 1000, 2),
            client_ip=client_ip,
        )

    async def _reject_body(self, send: Send, request_id: str) -> None:
        body = _problem_bytes(
            413,
            "payload_too_large",
            "Request body too large",
            f"Request bodies may be at most {self.max_body_bytes} bytes",
            request_id,
        )
        await _send_problem(send, body, 413)


def _nul_in_url(scope: Scope) -> bool:
    """PostgreSQL stores no U+0000 in text: a path or query holding one is refused here."""
    query = scope.get("query_string", b"").lower()
    return "\x00" in scope["path"] or b"%00" in query or b"\x00" in query


async def _send_problem(send: Send, body: bytes, status: int) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
