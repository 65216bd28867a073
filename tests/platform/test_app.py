"""Operations endpoints, request ids, error shapes and settings safety."""

from __future__ import annotations

import pytest
from httpx import AsyncClient
from pydantic import ValidationError

from commonhold.settings import Settings


async def test_health_and_readiness(client: AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["database"] == "ok"


async def test_metrics_count_requests_by_route(client: AsyncClient) -> None:
    await client.get("/healthz")
    metrics = await client.get("/metrics")
    assert metrics.status_code == 200
    assert (
        'commonhold_http_requests_total{method="GET",route="/healthz",status="200"}' in metrics.text
    )


async def test_request_id_is_echoed_or_generated(client: AsyncClient) -> None:
    mine = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert mine.headers["x-request-id"] == "abc-123"
    unsafe = await client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert unsafe.headers["x-request-id"] != "bad id\twith spaces"
    assert len(unsafe.headers["x-request-id"]) == 32


async def test_unknown_route_and_method_are_problems(client: AsyncClient) -> None:
    missing = await client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["code"] == "not_found"
    wrong_method = await client.put("/healthz")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["code"] == "method_not_allowed"


async def test_problem_carries_request_id(client: AsyncClient) -> None:
    response = await client.get("/api/v1/me", headers={"X-Request-ID": "trace-me"})
    assert response.status_code == 401
    assert response.json()["request_id"] == "trace-me"


async def test_security_headers(client: AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


def test_production_refuses_default_secret() -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY must be set"):
        Settings(environment="production", database_url="postgresql://x@db/commonhold")


def test_production_refuses_embedded_database() -> None:
    with pytest.raises(ValidationError, match="DATABASE_URL must be set"):
        Settings(environment="production", secret_key="x" * 40)


def test_production_accepts_real_configuration() -> None:
    settings = Settings(
        environment="production",
        secret_key="a-production-secret-of-sufficient-length-0123",
        database_url="postgresql://owner@db/commonhold",
        app_database_url="postgresql://app@db/commonhold",
    )
    assert not settings.embedded_database
