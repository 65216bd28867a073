"""The S3 backend against a local S3 server: objects, presigned uploads and downloads."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from urllib.parse import quote

import httpx
import pytest
from pydantic import SecretStr

from commonhold.platform.files.storage import (
    FileNotFound,
    LocalFileStorage,
    S3FileStorage,
    storage_from_settings,
)
from commonhold.settings import Settings
from tests.s3 import S3_CREDENTIALS, S3_REGION

KEY = "space-1/file-1/original"


async def chunks(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def test_objects_are_stored_read_and_deleted(s3_storage: S3FileStorage) -> None:
    await s3_storage.put(KEY, b"receipt bytes", content_type="application/pdf")

    assert await s3_storage.read(KEY) == b"receipt bytes"
    assert await s3_storage.read_head(KEY, 7) == b"receipt"
    assert await s3_storage.size(KEY) == 13
    assert await s3_storage.exists(KEY)
    assert b"".join([chunk async for chunk in s3_storage.stream(KEY)]) == b"receipt bytes"

    await s3_storage.delete(KEY)
    assert not await s3_storage.exists(KEY)
    with pytest.raises(FileNotFound):
        await s3_storage.read(KEY)
    with pytest.raises(FileNotFound):
        await s3_storage.size(KEY)
    await s3_storage.delete(KEY)  # deleting again is harmless


async def test_a_stream_is_stored_whole(s3_storage: S3FileStorage) -> None:
    data = bytes(range(256)) * 4000  # 1 MB, in uneven chunks
    await s3_storage.put(KEY, chunks(data, 70_000), content_type="image/jpeg")
    assert await s3_storage.read(KEY) == data


async def test_an_empty_file_has_an_empty_head(s3_storage: S3FileStorage) -> None:
    await s3_storage.put(KEY, b"", content_type="")
    assert await s3_storage.read_head(KEY, 4096) == b""
    assert await s3_storage.size(KEY) == 0


async def test_a_presigned_put_uploads_the_file(s3_storage: S3FileStorage) -> None:
    body = b"\x89PNG\r\n\x1a\n" + b"pixels" * 100
    target = await s3_storage.signed_put_target(
        KEY, content_type="image/png", size=len(body), expires_in=60
    )

    async with httpx.AsyncClient() as client:
        response = await client.request(
            target.method, target.url, headers=target.headers, content=body
        )

    assert response.status_code == 200, response.text
    assert await s3_storage.read(KEY) == body


async def test_a_presigned_put_holds_to_its_type_and_size(s3_storage: S3FileStorage) -> None:
    body = b"%PDF-1.7 manual"
    target = await s3_storage.signed_put_target(
        KEY, content_type="application/pdf", size=len(body), expires_in=60
    )

    async with httpx.AsyncClient() as client:
        as_html = await client.put(target.url, headers={"Content-Type": "text/html"}, content=body)
        longer = await client.put(target.url, headers=target.headers, content=body + b"<script>")

    assert as_html.status_code == 403
    assert longer.status_code == 403
    assert "SignatureDoesNotMatch" in longer.text
    assert not await s3_storage.exists(KEY)


@pytest.mark.parametrize(
    ("content_type", "filename", "download", "disposition", "ascii_name"),
    [
        ("image/jpeg", "kitchen.jpg", False, "inline", "kitchen.jpg"),
        ("image/jpeg", "kitchen.jpg", True, "attachment", "kitchen.jpg"),
        ("application/pdf", "Façture été.pdf", False, "attachment", "Facture ete.pdf"),
        ("image/svg+xml", "logo.svg", False, "attachment", "logo.svg"),
    ],
)
async def test_a_presigned_get_serves_the_file_with_its_disposition(
    s3_storage: S3FileStorage,
    content_type: str,
    filename: str,
    download: bool,
    disposition: str,
    ascii_name: str,
) -> None:
    await s3_storage.put(KEY, b"file body", content_type="application/octet-stream")
    url = await s3_storage.signed_get_url(
        KEY, filename=filename, content_type=content_type, expires_in=60, download=download
    )

    async with httpx.AsyncClient() as client:
        response = await client.get(url)

    assert response.status_code == 200
    assert response.content == b"file body"
    assert response.headers["content-type"] == content_type
    assert response.headers["content-disposition"] == (
        f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    )


async def test_a_changed_presigned_get_is_refused(s3_storage: S3FileStorage) -> None:
    await s3_storage.put(KEY, b"<html>", content_type="application/octet-stream")
    url = await s3_storage.signed_get_url(
        KEY, filename="a.pdf", content_type="application/pdf", expires_in=60
    )

    async with httpx.AsyncClient() as client:
        response = await client.get(url.replace("application%2Fpdf", "text%2Fhtml"))

    assert response.status_code == 403
    assert "SignatureDoesNotMatch" in response.text


async def test_an_expired_presigned_get_is_refused(s3_storage: S3FileStorage) -> None:
    await s3_storage.put(KEY, b"photo", content_type="image/jpeg")
    # Signed at a whole second (X-Amz-Date): 2 s leave at least one to use it in.
    url = await s3_storage.signed_get_url(
        KEY, filename="a.jpg", content_type="image/jpeg", expires_in=2
    )

    async with httpx.AsyncClient() as client:
        assert (await client.get(url)).status_code == 200
        await asyncio.sleep(3.1)
        response = await client.get(url)

    assert response.status_code == 403
    assert "Request has expired" in response.text


async def test_an_upload_url_cannot_outlive_what_s3_allows(s3_storage: S3FileStorage) -> None:
    with pytest.raises(ValueError, match="expires_in"):
        await s3_storage.signed_put_target(
            KEY, content_type="image/png", size=1, expires_in=8 * 24 * 3600
        )


def test_settings_choose_s3_when_a_bucket_is_set(s3_endpoint: str) -> None:
    settings = Settings(
        s3_bucket="photos",
        s3_endpoint_url=s3_endpoint,
        s3_region=S3_REGION,
        s3_access_key_id=S3_CREDENTIALS.access_key,
        s3_secret_access_key=SecretStr(S3_CREDENTIALS.secret_key),
    )
    storage = storage_from_settings(settings)
    assert isinstance(storage, S3FileStorage)
    assert storage.bucket == "photos"
    assert isinstance(storage_from_settings(Settings(s3_bucket=None)), LocalFileStorage)
