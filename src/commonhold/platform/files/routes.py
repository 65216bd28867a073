"""Serving files kept on this machine's disk, through the signed URLs the API hands out.

Only mounted for local storage: with S3 the store serves and receives files itself. These
paths are not part of the API document; clients get them whole, as they would from S3.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import StreamingResponse

from commonhold.platform.files.storage import LocalFileStorage, content_disposition

# What a browser may do with a file from our origin: show it, and nothing more.
FILE_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


def local_file_routes(storage: LocalFileStorage, url_prefix: str) -> APIRouter:
    router = APIRouter(prefix=url_prefix, include_in_schema=False)

    @router.get("/{key:path}")
    async def download(key: str, request: Request) -> StreamingResponse:
        signed = storage.verify_signed_get(key, request.query_params)
        size = await storage.size(signed.key)
        return StreamingResponse(
            storage.stream(signed.key),
            media_type=signed.content_type,
            headers={
                # nosniff comes with every response (the middleware).
                "Content-Disposition": content_disposition(signed.disposition, signed.filename),
                "Content-Length": str(size),
                "Content-Security-Policy": FILE_POLICY,
                "Cache-Control": "private, max-age=300",
            },
        )

    @router.put("/{key:path}", status_code=status.HTTP_204_NO_CONTENT)
    async def upload(key: str, request: Request) -> Response:
        signed = storage.verify_signed_put(
            key, request.query_params, content_type=request.headers.get("content-type")
        )
        await storage.write_upload(signed, request.stream())
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return router
