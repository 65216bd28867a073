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


class _BodyTooLarge(Exception):
    pass


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
    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

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

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                ]
            await send(message)

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
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
