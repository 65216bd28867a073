"""The local disk backend: keys that stay inside its root, and its signed URLs."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from commonhold.platform.files.inspection import FileTooLarge
from commonhold.platform.files.storage import (
    FileNotFound,
    InvalidFileKey,
    LocalFileStorage,
    SignedUrlExpired,
    SignedUrlInvalid,
    UploadIncomplete,
    content_disposition,
    disposition_for,
    file_key,
    signing_key,
    storage_from_settings,
)
from commonhold.settings import Settings

SECRET = "test-secret-key-that-is-long-enough-0123456789"
BASE_URL = "http://files.example"
KEY = "space-1/file-1/original"


@pytest.fixture
def storage(tmp_path: Path) -> LocalFileStorage:
    return LocalFileStorage(tmp_path / "files", base_url=BASE_URL, signing_key=signing_key(SECRET))


def key_and_query(url: str) -> tuple[str, dict[str, str]]:
    """What the file route receives: the key from the path, and the query parameters."""
    parts = urlsplit(url)
    assert parts.path.startswith("/files/")
    return parts.path.removeprefix("/files/"), dict(parse_qsl(parts.query))


def with_param(url: str, name: str, value: str) -> dict[str, str]:
    return {**key_and_query(url)[1], name: value}


async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


def files_under(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


# Storing


async def test_files_are_stored_read_and_deleted(storage: LocalFileStorage) -> None:
    await storage.put(KEY, b"photo bytes")

    assert await storage.read(KEY) == b"photo bytes"
    assert await storage.read_head(KEY, 5) == b"photo"
    assert await storage.size(KEY) == 11
    assert await storage.exists(KEY)
    assert (storage.root / KEY).read_bytes() == b"photo bytes"

    await storage.delete(KEY)
    assert not await storage.exists(KEY)
    with pytest.raises(FileNotFound):
        await storage.read(KEY)
    with pytest.raises(FileNotFound):
        await storage.size(KEY)
    # The file's and its space's directories went with it; deleting again is harmless.
    assert list(storage.root.iterdir()) == []
    await storage.delete(KEY)


async def test_deleting_one_variant_keeps_the_others(storage: LocalFileStorage) -> None:
    await storage.put("space-1/file-1/original", b"a")
    await storage.put("space-1/file-1/thumb-256", b"b")
    await storage.delete("space-1/file-1/original")
    assert await storage.read("space-1/file-1/thumb-256") == b"b"


async def test_a_stream_is_stored_and_read_back_in_chunks(storage: LocalFileStorage) -> None:
    data = os.urandom(200_000)
    await storage.put(KEY, chunks(data[:1000], data[1000:150_000], data[150_000:]))

    read = [chunk async for chunk in storage.stream(KEY)]
    assert b"".join(read) == data
    assert len(read) == 4  # 64 KiB at a time
    assert files_under(storage.root) == [KEY]  # no temporary file left beside it


async def test_a_missing_file_cannot_be_streamed(storage: LocalFileStorage) -> None:
    with pytest.raises(FileNotFound):
        [chunk async for chunk in storage.stream(KEY)]


def test_keys_name_a_space_a_file_and_a_variant() -> None:
    space_id, file_id = uuid.uuid4(), uuid.uuid4()
    assert file_key(space_id, file_id) == f"{space_id}/{file_id}/original"
    assert file_key(space_id, file_id, "thumb-256").endswith("/thumb-256")


@pytest.mark.parametrize(
    "key",
    [
        "../outside",
        "space/../../outside",
        "/etc/passwd",
        "space//file",
        "space/file/",
        ".hidden",
        "space/..",
        "space\\..\\outside",
        "space/file/name with spaces",
        "",
        "a" * 600,
    ],
)
async def test_keys_cannot_leave_the_root(storage: LocalFileStorage, key: str) -> None:
    with pytest.raises(InvalidFileKey) as raised:
        await storage.put(key, b"x")
    assert raised.value.status == 404
    with pytest.raises(InvalidFileKey):
        await storage.read(key)
    with pytest.raises(InvalidFileKey):
        await storage.signed_get_url(key, filename="x", content_type="image/png", expires_in=60)
    assert not (storage.root.parent / "outside").exists()


async def test_a_symlink_out_of_the_root_is_not_followed(
    storage: LocalFileStorage, tmp_path: Path
) -> None:
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "passwords").write_text("hunter2")
    storage.root.mkdir(parents=True)
    (storage.root / "space-1").symlink_to(tmp_path / "secret")

    with pytest.raises(InvalidFileKey):
        await storage.read("space-1/passwords")


# Signed downloads


async def test_a_signed_download_url_tells_how_to_serve_the_file(
    storage: LocalFileStorage,
) -> None:
    url = await storage.signed_get_url(
        KEY, filename="Kitchen photo.jpg", content_type="image/jpeg", expires_in=60
    )

    assert url.startswith(f"{BASE_URL}/files/{KEY}?")
    key, query = key_and_query(url)
    download = storage.verify_signed_get(key, query)
    assert download.key == KEY
    assert download.headers() == {
        "Content-Type": "image/jpeg",
        "Content-Disposition": (
            "inline; filename=\"Kitchen photo.jpg\"; filename*=UTF-8''Kitchen%20photo.jpg"
        ),
        "X-Content-Type-Options": "nosniff",
    }


@pytest.mark.parametrize(
    ("content_type", "download", "expected"),
    [
        ("image/png", False, "inline"),
        ("image/webp", False, "inline"),
        ("image/gif", False, "inline"),
        ("image/png", True, "attachment"),
        ("image/svg+xml", False, "attachment"),
        ("application/pdf", False, "attachment"),
        ("text/html", False, "attachment"),
        ("image/heic", False, "attachment"),
    ],
)
async def test_only_raster_images_are_shown_inline(
    storage: LocalFileStorage, content_type: str, download: bool, expected: str
) -> None:
    assert disposition_for(content_type, download=download) == expected
    url = await storage.signed_get_url(
        KEY, filename="f", content_type=content_type, expires_in=60, download=download
    )
    assert storage.verify_signed_get(*key_and_query(url)).disposition == expected


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("type", "text/html"),
        ("disposition", "inline"),
        ("filename", "other.pdf"),
        ("expires", str(int(time.time()) + 3600)),
        ("signature", "0" * 64),
    ],
    ids=["type", "disposition", "filename", "expires", "signature"],
)
async def test_a_changed_download_url_is_refused(
    storage: LocalFileStorage, name: str, value: str
) -> None:
    url = await storage.signed_get_url(
        KEY, filename="manual.pdf", content_type="application/pdf", expires_in=60
    )
    with pytest.raises(SignedUrlInvalid) as raised:
        storage.verify_signed_get(KEY, with_param(url, name, value))
    assert (raised.value.status, raised.value.code) == (403, "file_url_invalid")


async def test_a_download_url_opens_only_its_own_file(storage: LocalFileStorage) -> None:
    url = await storage.signed_get_url(KEY, filename="a", content_type="image/png", expires_in=60)
    with pytest.raises(SignedUrlInvalid):
        storage.verify_signed_get("space-1/file-2/original", key_and_query(url)[1])
    with pytest.raises(SignedUrlInvalid):
        storage.verify_signed_get(KEY, {"expires": "soon"})


async def test_a_download_url_expires(storage: LocalFileStorage) -> None:
    url = await storage.signed_get_url(KEY, filename="a", content_type="image/png", expires_in=30)
    key, query = key_and_query(url)

    storage.verify_signed_get(key, query, now=time.time() + 29)
    with pytest.raises(SignedUrlExpired) as raised:
        storage.verify_signed_get(key, query, now=time.time() + 31)
    assert (raised.value.status, raised.value.code) == (403, "file_url_expired")


async def test_urls_signed_under_another_secret_are_refused(
    storage: LocalFileStorage, tmp_path: Path
) -> None:
    other = LocalFileStorage(
        tmp_path / "files", base_url=BASE_URL, signing_key=signing_key(SECRET + "-other")
    )
    url = await other.signed_get_url(KEY, filename="a", content_type="image/png", expires_in=60)
    with pytest.raises(SignedUrlInvalid):
        storage.verify_signed_get(*key_and_query(url))


def test_the_signing_key_is_derived_not_the_secret_itself() -> None:
    key = signing_key(SECRET)
    assert len(key) == 32
    assert key == signing_key(SECRET)
    assert SECRET.encode() not in key
    assert key != signing_key(SECRET + "x")


def test_filenames_cannot_break_out_of_the_header() -> None:
    value = content_disposition("attachment", 'evil".pdf\r\nSet-Cookie: session=stolen')
    assert "\r" not in value
    assert "\n" not in value
    assert value.startswith('attachment; filename="evil_.pdf__Set-Cookie_ session_stolen";')
    assert content_disposition("inline", "日本語.png") == (
        "inline; filename=\"___.png\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC%E8%AA%9E.png"
    )


# Signed uploads


async def test_an_upload_is_written_within_its_signed_size(storage: LocalFileStorage) -> None:
    target = await storage.signed_put_target(KEY, content_type="image/png", size=10, expires_in=60)
    assert (target.method, target.headers) == ("PUT", {"Content-Type": "image/png"})
    key, query = key_and_query(target.url)

    upload = storage.verify_signed_put(key, query, content_type="image/png")
    await storage.write_upload(upload, chunks(b"01234", b"56789"))

    assert (upload.key, upload.content_type, upload.size) == (KEY, "image/png", 10)
    assert await storage.read(KEY) == b"0123456789"


async def test_an_upload_beyond_its_size_stores_nothing(storage: LocalFileStorage) -> None:
    target = await storage.signed_put_target(KEY, content_type="image/png", size=8, expires_in=60)
    upload = storage.verify_signed_put(*key_and_query(target.url), content_type="image/png")

    with pytest.raises(FileTooLarge) as raised:
        await storage.write_upload(upload, chunks(b"12345", b"67890"))

    assert (raised.value.status, raised.value.code) == (413, "file_too_large")
    assert files_under(storage.root) == []


async def test_an_upload_that_ends_early_stores_nothing(storage: LocalFileStorage) -> None:
    await storage.put(KEY, b"previous")
    target = await storage.signed_put_target(KEY, content_type="image/png", size=8, expires_in=60)
    upload = storage.verify_signed_put(*key_and_query(target.url), content_type="image/png")

    with pytest.raises(UploadIncomplete):
        await storage.write_upload(upload, chunks(b"1234"))

    assert await storage.read(KEY) == b"previous"
    assert files_under(storage.root) == [KEY]


async def test_an_upload_must_carry_its_signed_type(storage: LocalFileStorage) -> None:
    target = await storage.signed_put_target(KEY, content_type="image/png", size=8, expires_in=60)
    key, query = key_and_query(target.url)

    storage.verify_signed_put(key, query, content_type="image/png; charset=binary")
    with pytest.raises(SignedUrlInvalid, match="Content-Type: image/png"):
        storage.verify_signed_put(key, query, content_type="text/html")
    with pytest.raises(SignedUrlInvalid):
        storage.verify_signed_put(key, {**query, "size": "9000000"}, content_type="image/png")
    with pytest.raises(SignedUrlExpired):
        storage.verify_signed_put(key, query, content_type="image/png", now=time.time() + 61)


async def test_download_and_upload_signatures_do_not_stand_in_for_each_other(
    storage: LocalFileStorage,
) -> None:
    target = await storage.signed_put_target(KEY, content_type="image/png", size=8, expires_in=60)
    url = await storage.signed_get_url(KEY, filename="a", content_type="image/png", expires_in=60)
    upload_query, download_query = key_and_query(target.url)[1], key_and_query(url)[1]

    with pytest.raises(SignedUrlInvalid):
        storage.verify_signed_get(KEY, {**download_query, "signature": upload_query["signature"]})
    with pytest.raises(SignedUrlInvalid):
        storage.verify_signed_put(
            KEY,
            {**upload_query, "signature": download_query["signature"]},
            content_type="image/png",
        )


async def test_a_client_uploads_and_downloads_through_the_signed_urls(
    storage: LocalFileStorage,
) -> None:
    """The URLs as a file route would serve them, with an HTTP client on the other end."""

    async def put_file(request: Request) -> Response:
        key = request.path_params["key"]
        upload = storage.verify_signed_put(
            key, request.query_params, content_type=request.headers.get("content-type")
        )
        await storage.write_upload(upload, request.stream())
        return Response(status_code=204)

    async def get_file(request: Request) -> Response:
        key = request.path_params["key"]
        download = storage.verify_signed_get(key, request.query_params)
        return FileResponse(storage.path(key), headers=download.headers())

    app = Starlette(
        routes=[
            Route("/files/{key:path}", put_file, methods=["PUT"]),
            Route("/files/{key:path}", get_file, methods=["GET"]),
        ]
    )
    body = b"GIF89a" + os.urandom(100_000)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport) as client:
        target = await storage.signed_put_target(
            KEY, content_type="image/gif", size=len(body), expires_in=60
        )
        put = await client.put(target.url, headers=target.headers, content=body)
        url = await storage.signed_get_url(
            KEY, filename="cat.gif", content_type="image/gif", expires_in=60
        )
        got = await client.get(url)

    assert put.status_code == 204
    assert got.status_code == 200
    assert got.content == body
    assert got.headers["content-type"] == "image/gif"
    assert got.headers["content-disposition"].startswith('inline; filename="cat.gif"')
    assert got.headers["x-content-type-options"] == "nosniff"


def test_settings_keep_files_under_the_data_directory_by_default(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, s3_bucket=None, secret_key=SecretStr(SECRET))
    storage = storage_from_settings(settings)
    assert isinstance(storage, LocalFileStorage)
    assert storage.root == (tmp_path / "files").resolve()

    elsewhere = Settings(files_dir=tmp_path / "elsewhere", s3_bucket=None)
    assert storage_from_settings(elsewhere).root == (tmp_path / "elsewhere").resolve()  # type: ignore[attr-defined]
