"""Liveness, readiness and Prometheus metrics endpoints."""

from __future__ import annotations

from typing import Literal

import structlog
from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import Field
from sqlalchemy import text

from commonhold.platform.db.session import Database
from commonhold.platform.errors import AppError
from commonhold.platform.problems import problem_responses
from commonhold.platform.schemas import ResponseBody

log = structlog.get_logger(__name__)
router = APIRouter(tags=["operations"])


class Liveness(ResponseBody):
    status: Literal["ok"] = Field(examples=["ok"])


class Readiness(ResponseBody):
    status: Literal["ok"] = Field(examples=["ok"])
    database: Literal["ok"] = Field(description="The database answers.", examples=["ok"])


class NotReady(AppError):
    status = 503
    code = "not_ready"
    title = "Not ready to serve"


@router.get("/healthz", operation_id="healthz", summary="The process is alive")
async def healthz() -> Liveness:
    return Liveness(status="ok")


@router.get(
    "/readyz",
    operation_id="readyz",
    summary="Ready to serve: the database answers",
    responses=problem_responses(503),
)
async def readyz(request: Request) -> Readiness:
    database: Database = request.app.state.db
    try:
        async with database.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means not ready; the log says which
        # The driver's message names hosts and users: for the operator's log, not the caller.
        log.warning("not_ready", error=str(exc)[:500])
        raise NotReady("The database does not answer") from exc
    return Readiness(status="ok", database="ok")


_METRICS_EXAMPLE = """\
# HELP commonhold_http_requests_total HTTP requests answered
# TYPE commonhold_http_requests_total counter
commonhold_http_requests_total{method="GET",route="/healthz",status="200"} 3.0
"""


@router.get(
    "/metrics",
    operation_id="metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={
        200: {
            "description": "The metrics in Prometheus' text exposition format.",
            "content": {
                CONTENT_TYPE_LATEST.split(";")[0]: {
                    "schema": {"type": "string"},
                    "example": _METRICS_EXAMPLE,
                }
            },
        }
    },
)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
