"""A local server speaking the part of Stripe's API that Commonhold calls, as Stripe speaks it:
form-encoded bodies with bracketed keys (``line_items[0][price]``), the secret key as a
Bearer token, ``Idempotency-Key`` replays, JSON objects shaped like Stripe's and errors as
``{"error": {"type": ..., "code": ..., "param": ..., "message": ...}}``."""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

BRACKETED = re.compile(r"\[([^\]]*)\]")


def decode_form(body: str) -> dict[str, Any]:
    """Stripe's form encoding back into nested objects and lists."""
    decoded: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        head, bracket, rest = key.partition("[")
        path = [head, *BRACKETED.findall(bracket + rest)]
        node = decoded
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    converted: dict[str, Any] = _lists(decoded)
    return converted


def _lists(value: Any) -> Any:
    """``{"0": a, "1": b}`` as ``[a, b]``, all the way down."""
    if not isinstance(value, dict):
        return value
    converted = {key: _lists(item) for key, item in value.items()}
    if converted and all(key.isdigit() for key in converted):
        return [converted[key] for key in sorted(converted, key=int)]
    return converted


def _error(
    status: int, message: str, code: str | None = None, param: str | None = None
) -> JSONResponse:
    error: dict[str, Any] = {"type": "invalid_request_error", "message": message}
    if code:
        error["code"] = code
    if param:
        error["param"] = param
    return JSONResponse({"error": error}, status_code=status)


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    params: dict[str, Any]


@dataclass
class StripeServer:
    """The server's state: what it was sent, and what it holds."""

    secret_key: str
    prices: set[str]
    requests: list[Received] = field(default_factory=list)
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    checkout_sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    portal_sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    _replies: dict[str, tuple[dict[str, Any], int, dict[str, Any]]] = field(default_factory=dict)

    def received(self, path: str) -> list[Received]:
        return [request for request in self.requests if request.path == path]

    def app(self) -> Starlette:
        routes = [
            Route("/v1/customers", self._create_customer, methods=["POST"]),
            Route("/v1/checkout/sessions", self._create_checkout_session, methods=["POST"]),
            Route("/v1/billing_portal/sessions", self._create_portal_session, methods=["POST"]),
        ]
        return Starlette(routes=routes)

    async def _call(self, request: Request, create: Any) -> JSONResponse:
        params = decode_form((await request.body()).decode())
        self.requests.append(
            Received(request.method, request.url.path, dict(request.headers), params)
        )
        if request.headers.get("authorization") != f"Bearer {self.secret_key}":
            return _error(401, "Invalid API Key provided")
        key = request.headers.get("idempotency-key")
        if key and key in self._replies:
            sent, status, body = self._replies[key]
            if sent != params:
                return _error(
                    400,
                    "Keys for idempotent requests can only be used with the same parameters "
                    "they were first used with.",
                    code="idempotency_key_in_use",
                )
            return JSONResponse(body, status_code=status, headers={"Idempotent-Replayed": "true"})
        response: JSONResponse = create(params)
        if key and response.status_code < 500:
            self._replies[key] = (params, response.status_code, json.loads(bytes(response.body)))
        return response

    async def _create_customer(self, request: Request) -> JSONResponse:
        def create(params: dict[str, Any]) -> JSONResponse:
            customer = {
                "id": f"cus_{secrets.token_hex(7)}",
                "object": "customer",
                "created": int(time.time()),
                "email": params.get("email"),
                "name": params.get("name"),
                "metadata": params.get("metadata", {}),
                "livemode": False,
            }
            self.customers[customer["id"]] = customer
            return JSONResponse(customer)

        return await self._call(request, create)

    async def _create_checkout_session(self, request: Request) -> JSONResponse:
        def create(params: dict[str, Any]) -> JSONResponse:
            for required in ("mode", "success_url"):
                if not params.get(required):
                    return _error(
                        400, f"Missing required param: {required}.", "parameter_missing", required
                    )
            customer = params.get("customer")
            if customer is not None and customer not in self.customers:
                return _error(
                    400, f"No such customer: '{customer}'", "resource_missing", "customer"
                )
            items = params.get("line_items") or []
            for index, item in enumerate(items):
                if item.get("price") not in self.prices:
                    return _error(
                        400,
                        f"No such price: '{item.get('price')}'",
                        "resource_missing",
                        f"line_items[{index}][price]",
                    )
            session_id = f"cs_test_{secrets.token_hex(16)}"
            session = {
                "id": session_id,
                "object": "checkout.session",
                "mode": params["mode"],
                "status": "open",
                "customer": customer,
                "client_reference_id": params.get("client_reference_id"),
                "metadata": params.get("metadata", {}),
                "success_url": params["success_url"],
                "cancel_url": params.get("cancel_url"),
                "url": f"https://checkout.stripe.com/c/pay/{session_id}",
                "livemode": False,
            }
            self.checkout_sessions[session_id] = {**session, "sent": params}
            return JSONResponse(session)

        return await self._call(request, create)

    async def _create_portal_session(self, request: Request) -> JSONResponse:
        def create(params: dict[str, Any]) -> JSONResponse:
            customer = params.get("customer")
            if not customer:
                return _error(
                    400, "Missing required param: customer.", "parameter_missing", "customer"
                )
            if customer not in self.customers:
                return _error(
                    400, f"No such customer: '{customer}'", "resource_missing", "customer"
                )
            session_id = f"bps_{secrets.token_hex(12)}"
            session = {
                "id": session_id,
                "object": "billing_portal.session",
                "customer": customer,
                "return_url": params.get("return_url"),
                "url": f"https://billing.stripe.com/p/session/test_{secrets.token_hex(16)}",
                "created": int(time.time()),
                "livemode": False,
            }
            self.portal_sessions[session_id] = session
            return JSONResponse(session)

        return await self._call(request, create)
