"""Operations endpoints, request ids, error shapes and settings safety."""

from __future__ import annotations

import re

import pytest
from httpx import ASGITransport, AsyncClient
from pydantic import ValidationError

from commonhold.app import create_app
from commonhold.platform.db.session import Database
from commonhold.settings import Settings


async def test_health_and_readiness(client: AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["database"] == "ok"


async def test_not_ready_while_the_database_does_not_answer(settings: Settings) -> None:
    unreachable = Database.connect("postgresql+psycopg://commonhold@127.0.0.1:1/commonhold", 1)
    app = create_app(settings=settings, database=unreachable)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
        response = await client.get("/readyz")
    await unreachable.dispose()
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert (problem["code"], problem["detail"]) == ("not_ready", "The database does not answer")
    assert "127.0.0.1" not in response.text, "the driver's message is for the log"


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
    for path in ("/healthz", "/api/v1/me", "/openapi.json", "/no-such-page"):
        response = await client.get(path)
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["referrer-policy"] == "no-referrer", path
        # What the API answers is data: no browser may run, embed or frame any of it.
        assert response.headers["content-security-policy"] == (
            "default-src 'none'; frame-ancestors 'none'"
        ), path
        # Plain http (a development server): browsers would ignore HSTS anyway.
        assert "strict-transport-security" not in response.headers, path


async def test_over_tls_browsers_are_told_to_stay_on_https(client: AsyncClient) -> None:
    response = await client.get("https://commonhold.example.com/healthz")
    assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"


async def test_the_documentation_page_runs_no_inline_script(client: AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self' https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/;" in policy
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page.text, re.S)
    assert scripts, page.text
    for attributes, body in scripts:
        assert 'src="' in attributes, attributes
        assert body.strip() == ""
    start = await client.get("/docs/start.js")
    assert start.headers["content-type"].startswith("text/javascript")
    assert '"/openapi.json"' in start.text
    assert (await client.get("/redoc")).status_code == 404


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


async def test_only_configured_origins_may_call_from_a_browser(
    settings: Settings, database: Database
) -> None:
    app = create_app(
        settings=settings.model_copy(update={"cors_origins": ["https://app.example.com"]}),
        database=database,
    )
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
        for origin, allowed in (
            ("https://app.example.com", True),
            ("https://evil.example.com", False),
            ("http://app.example.com", False),
        ):
            preflight = await client.options(
                "/api/v1/me",
                headers={
                    "Origin": origin,
                    "Access-Control-Request-Method": "PATCH",
                    "Access-Control-Request-Headers": "Authorization",
                },
            )
            answered = preflight.headers.get("access-control-allow-origin")
            assert answered == (origin if allowed else None), (origin, preflight.headers)
            plain = await client.get("/healthz", headers={"Origin": origin})
            assert plain.headers.get("access-control-allow-origin") == (origin if allowed else None)
