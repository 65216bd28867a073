"""A local S3 server for the tests: moto, behind a check of presigned URLs.

moto answers presigned URLs without checking their signature or expiry, which S3, R2 and MinIO
all do; ``PresignedUrlCheck`` does those checks in front of it, so that a tampered or expired
URL is refused here as it would be by a real store.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

import boto3
from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from moto.server import ThreadedMotoServer

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from mypy_boto3_s3 import S3Client

S3_REGION = "us-east-1"
S3_CREDENTIALS = Credentials("commonhold-test", "commonhold-test-secret")


class PresignedUrlCheck:
    """WSGI middleware refusing, as S3 does, presigned requests that have expired or whose
    SigV4 signature does not match their method, path, query and signed headers."""

    def __init__(self, app: WSGIApplication, credentials: Credentials, region: str) -> None:
        self.app = app
        self.credentials = credentials
        self.region = region

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        query = {name: values[0] for name, values in parse_qs(environ["QUERY_STRING"]).items()}
        if "X-Amz-Signature" not in query:
            return self.app(environ, start_response)
        refusal = self._refusal(environ, query)
        if refusal is None:
            return self.app(environ, start_response)
        body = f"<Error><Code>{refusal[0]}</Code><Message>{refusal[1]}</Message></Error>".encode()
        start_response("403 Forbidden", [("Content-Type", "application/xml")])
        return [body]

    def _refusal(self, environ: WSGIEnvironment, query: dict[str, str]) -> tuple[str, str] | None:
        signed_at = datetime.strptime(query["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        if datetime.now(UTC) > signed_at + timedelta(seconds=int(query["X-Amz-Expires"])):
            return "AccessDenied", "Request has expired"
        if not hmac.compare_digest(query["X-Amz-Signature"], self._signature(environ, query)):
            return "SignatureDoesNotMatch", "The request signature does not match"
        return None

    def _signature(self, environ: WSGIEnvironment, query: dict[str, str]) -> str:
        path = environ["RAW_URI"].split("?", 1)[0]
        unsigned = "&".join(
            part
            for part in environ["QUERY_STRING"].split("&")
            if not part.startswith("X-Amz-Signature=")
        )
        headers = {}
        for name in query["X-Amz-SignedHeaders"].split(";"):
            key = name.upper().replace("-", "_")
            value = environ.get(key if key.startswith("CONTENT_") else f"HTTP_{key}")
            if value is not None:
                headers[name] = value
        request = AWSRequest(
            method=environ["REQUEST_METHOD"],
            url=f"http://{environ['HTTP_HOST']}{path}?{unsigned}",
            headers=headers,
        )
        request.context["timestamp"] = query["X-Amz-Date"]
        auth = S3SigV4QueryAuth(self.credentials, "s3", self.region, int(query["X-Amz-Expires"]))
        string_to_sign = auth.string_to_sign(request, auth.canonical_request(request))
        signature: str = auth.signature(string_to_sign, request)
        return signature


@contextmanager
def serve_s3(port: int) -> Iterator[str]:
    """A moto S3 server on ``port`` that checks presigned URLs; its endpoint URL."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    wsgi = server._server
    assert wsgi is not None
    wsgi.app = PresignedUrlCheck(wsgi.app, S3_CREDENTIALS, S3_REGION)
    host, bound_port = server.get_host_and_port()
    try:
        yield f"http://{host}:{bound_port}"
    finally:
        server.stop()


def local_s3_client(endpoint: str) -> S3Client:
    """A client of the local server, with the credentials it checks presigned URLs against."""
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        region_name=S3_REGION,
        aws_access_key_id=S3_CREDENTIALS.access_key,
        aws_secret_access_key=S3_CREDENTIALS.secret_key,
        config=Config(signature_version="s3v4"),
    )
