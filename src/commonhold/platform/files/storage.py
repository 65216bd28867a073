"""Where files are kept: this machine's disk or an S3-compatible store, behind one interface.

Keys look like ``{space_id}/{file_id}/{variant}``. Clients never get at a key directly: they
receive signed URLs that expire. On local disk those URLs point at this server (under
``files_url_prefix``) and carry an HMAC-SHA256 made with a key derived from ``secret_key``;
on S3 they are the store's own presigned URLs.

A download is ``inline`` only for a raster image (JPEG, PNG, WebP, GIF); anything else, SVG
included, is an ``attachment``, so nothing served from our origin can run as a page of it.

Uploads go from the client straight to storage, with a signed PUT that fixes the content type
and the exact size the client declared (checked against the use's limit beforehand):

- S3: both are signed headers of the presigned PUT (``content-type``, ``content-length``), and
  the store refuses a PUT whose headers differ from them. A presigned PUT cannot state a
  maximum, only an exact length. After the upload, read the stored size (``size``) and first
  bytes (``read_head``) before trusting it: a store that skips a signed-header check must not
  be able to slip a different file through.
- local disk: ``verify_signed_put`` checks the URL and the request's content type, then
  ``write_upload`` stores the body, refusing any byte beyond the signed size and a body that
  ends short of it. A partial upload never becomes visible under the key.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import re
import tempfile
import time
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import AsyncIterable, AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal
from urllib.parse import quote, urlencode
from uuid import UUID

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from commonhold.platform.errors import AppError, NotFound
from commonhold.platform.files.inspection import FileTooLarge, media_type
from commonhold.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

Disposition = Literal["inline", "attachment"]
Data = bytes | AsyncIterable[bytes]

# The only types a browser may show in place: raster images, which run no script.
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})
ORIGINAL = "original"
OCTET_STREAM = "application/octet-stream"
CHUNK_BYTES = 64 * 1024
# SigV4's limit for presigned URLs; local URLs keep to it too, so both backends behave alike.
MAX_URL_TTL_SECONDS = 7 * 24 * 3600
# A segment starts with a letter or digit: no "", "." or "..", and no hidden temporary files.
_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_MAX_KEY_CHARS = 512
_MAX_FILENAME_CHARS = 255
_SPOOL_BYTES = 8 * 1024 * 1024
_SIGNING_INFO = b"commonhold files: signed URLs"


class FileNotFound(NotFound):
    code = "file_not_found"
    title = "File not found"


class InvalidFileKey(FileNotFound):
    """A key that can name no stored file, such as one climbing out of the storage root."""


class SignedUrlInvalid(AppError):
    status = 403
    code = "file_url_invalid"
    title = "The file link is not valid"


class SignedUrlExpired(AppError):
    status = 403
    code = "file_url_expired"
    title = "The file link has expired"


class UploadIncomplete(AppError):
    status = 400
    code = "upload_incomplete"
    title = "The upload ended before the whole file arrived"


@dataclass(frozen=True)
class UploadTarget:
    """Where and how the client sends the file: one request, body exactly the declared size."""

    method: Literal["PUT"]
    url: str
    headers: dict[str, str]
    expires_at: datetime


@dataclass(frozen=True)
class SignedDownload:
    """What a verified local download URL allows: which key, served with which headers."""

    key: str
    content_type: str
    filename: str
    disposition: Disposition

    def headers(self) -> dict[str, str]:
        return download_headers(self.content_type, self.filename, self.disposition)


@dataclass(frozen=True)
class SignedUpload:
    """What a verified local upload URL allows: this key, this type, exactly this size."""

    key: str
    content_type: str
    size: int


# Keys, dispositions


def validate_key(key: str) -> str:
    """``key`` itself, if it is ``segment/segment/...`` of safe characters; else 404."""
    if len(key) > _MAX_KEY_CHARS or not all(_SEGMENT.fullmatch(part) for part in key.split("/")):
        raise InvalidFileKey()
    return key


def file_key(space_id: UUID, file_id: UUID, variant: str = ORIGINAL) -> str:
    return validate_key(f"{space_id}/{file_id}/{variant}")


def thumbnail_variant(max_side: int) -> str:
    return f"thumb-{max_side}"


def disposition_for(content_type: str, *, download: bool = False) -> Disposition:
    """``inline`` for raster images unless a download is asked for; ``attachment`` otherwise."""
    if download or media_type(content_type) not in INLINE_TYPES:
        return "attachment"
    return "inline"


def content_disposition(disposition: Disposition, filename: str) -> str:
    """The RFC 6266 header value: an ASCII fallback name and the exact name in UTF-8."""
    name = filename[:_MAX_FILENAME_CHARS]
    # quote() percent-encodes quotes, CR and LF: no way to break out of the header.
    return f"{disposition}; filename=\"{_ascii_filename(name)}\"; filename*=UTF-8''{quote(name)}"


def _ascii_filename(filename: str) -> str:
    """For clients that ignore ``filename*``: accents dropped, other characters become _."""
    decomposed = unicodedata.normalize("NFKD", filename)
    unaccented = "".join(char for char in decomposed if not unicodedata.combining(char))
    return re.sub(r"[^A-Za-z0-9._() -]", "_", unaccented).strip(" .") or "file"


def download_headers(content_type: str, filename: str, disposition: Disposition) -> dict[str, str]:
    """The headers of a file response: its type, disposition, and no sniffing of another type."""
    return {
        "Content-Type": content_type,
        "Content-Disposition": content_disposition(disposition, filename),
        "X-Content-Type-Options": "nosniff",
    }


def signing_key(secret_key: str) -> bytes:
    """A key for file URLs only, derived from the application's secret (HKDF-SHA256)."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_SIGNING_INFO)
    return hkdf.derive(secret_key.encode())


def _expiry(expires_in: int) -> int:
    if not 0 < expires_in <= MAX_URL_TTL_SECONDS:
        raise ValueError(f"expires_in must be 1 to {MAX_URL_TTL_SECONDS} seconds")
    return int(time.time()) + expires_in


def _as_datetime(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


# The interface


class FileStorage(ABC):
    """Keeps bytes under keys and hands out signed URLs to download and upload them."""

    @abstractmethod
    async def put(self, key: str, data: Data, content_type: str = OCTET_STREAM) -> None:
        """Store ``data`` (bytes or chunks) under ``key``, replacing what was there."""

    @abstractmethod
    async def read(self, key: str) -> bytes:
        """The whole file; FileNotFound if there is none."""

    @abstractmethod
    async def read_head(self, key: str, size: int) -> bytes:
        """The file's first ``size`` bytes (fewer if it is shorter)."""

    @abstractmethod
    def stream(self, key: str) -> AsyncIterator[bytes]:
        """The file in chunks of at most CHUNK_BYTES."""

    @abstractmethod
    async def delete(self, key: str) -> None:
        """Remove the file; nothing happens if there is none."""

    @abstractmethod
    async def exists(self, key: str) -> bool: ...

    @abstractmethod
    async def size(self, key: str) -> int:
        """The file's size in bytes; FileNotFound if there is none."""

    @abstractmethod
    async def signed_get_url(
        self,
        key: str,
        *,
        filename: str,
        content_type: str,
        expires_in: int,
        download: bool = False,
    ) -> str:
        """A URL serving the file as ``filename`` of ``content_type`` for ``expires_in`` s.

        Raster images are shown inline unless ``download``; everything else is an attachment.
        """

    @abstractmethod
    async def signed_put_target(
        self, key: str, *, content_type: str, size: int, expires_in: int
    ) -> UploadTarget:
        """Where the client uploads exactly ``size`` bytes of ``content_type`` to ``key``."""


# Local disk


class LocalFileStorage(FileStorage):
    """Files under ``root``; this server serves them at ``{base_url}{url_prefix}/{key}``."""

    def __init__(
        self, root: Path, *, base_url: str, signing_key: bytes, url_prefix: str = "/files"
    ) -> None:
        if not url_prefix.startswith("/") or url_prefix.endswith("/"):
            raise ValueError("url_prefix must start with / and not end with one")
        self.root = root.resolve()
        self._url_base = base_url.rstrip("/") + url_prefix
        self._signing_key = signing_key

    def path(self, key: str) -> Path:
        """Where ``key`` lives on disk; InvalidFileKey for any key that would leave the root."""
        path = self.root / validate_key(key)
        # The key's syntax already keeps it inside; this also catches a symlink planted there.
        if not path.resolve().is_relative_to(self.root):
            raise InvalidFileKey()
        return path

    async def put(self, key: str, data: Data, content_type: str = OCTET_STREAM) -> None:
        await self._write(self.path(key), _chunks(data), size=None)

    async def read(self, key: str) -> bytes:
        return await asyncio.to_thread(_read_file, self.path(key), None)

    async def read_head(self, key: str, size: int) -> bytes:
        return await asyncio.to_thread(_read_file, self.path(key), size)

    async def stream(self, key: str) -> AsyncIterator[bytes]:
        file = await asyncio.to_thread(_open_for_reading, self.path(key))
        try:
            while chunk := await asyncio.to_thread(file.read, CHUNK_BYTES):
                yield chunk
        finally:
            file.close()

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(_delete_file, self.path(key), self.root)

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self.path(key).is_file)

    async def size(self, key: str) -> int:
        return await asyncio.to_thread(_file_size, self.path(key))

    async def signed_get_url(
        self,
        key: str,
        *,
        filename: str,
        content_type: str,
        expires_in: int,
        download: bool = False,
    ) -> str:
        validate_key(key)
        expires = _expiry(expires_in)
        disposition = disposition_for(content_type, download=download)
        filename = filename[:_MAX_FILENAME_CHARS]
        query = {
            "expires": str(expires),
            "type": content_type,
            "disposition": disposition,
            "filename": filename,
            "signature": self._sign("get", key, expires, content_type, disposition, filename),
        }
        return f"{self._url_base}/{key}?{urlencode(query)}"

    async def signed_put_target(
        self, key: str, *, content_type: str, size: int, expires_in: int
    ) -> UploadTarget:
        validate_key(key)
        expires = _expiry(expires_in)
        query = {
            "expires": str(expires),
            "type": content_type,
            "size": str(size),
            "signature": self._sign("put", key, expires, content_type, size),
        }
        return UploadTarget(
            method="PUT",
            url=f"{self._url_base}/{key}?{urlencode(query)}",
            headers={"Content-Type": content_type},
            expires_at=_as_datetime(expires),
        )

    def verify_signed_get(
        self, key: str, query: Mapping[str, str], *, now: float | None = None
    ) -> SignedDownload:
        """What the download URL of ``key`` with ``query`` allows.

        SignedUrlInvalid if it was not made by ``signed_get_url`` as it is (any parameter
        changed), SignedUrlExpired if it was but its time is up.
        """
        validate_key(key)
        try:
            expires = int(query["expires"])
            content_type, filename = query["type"], query["filename"]
            disposition, signature = query["disposition"], query["signature"]
        except (KeyError, ValueError):
            raise SignedUrlInvalid() from None
        expected = self._sign("get", key, expires, content_type, disposition, filename)
        if not hmac.compare_digest(expected, signature):
            raise SignedUrlInvalid()
        _check_not_expired(expires, now)
        return SignedDownload(
            key=key,
            content_type=content_type,
            filename=filename,
            disposition=disposition_for(content_type, download=disposition != "inline"),
        )

    def verify_signed_put(
        self,
        key: str,
        query: Mapping[str, str],
        *,
        content_type: str | None,
        now: float | None = None,
    ) -> SignedUpload:
        """What the upload URL of ``key`` with ``query`` allows, for a request whose
        Content-Type header is ``content_type``; it must be the signed one, as S3 requires.
        """
        validate_key(key)
        try:
            expires, size = int(query["expires"]), int(query["size"])
            signed_type, signature = query["type"], query["signature"]
        except (KeyError, ValueError):
            raise SignedUrlInvalid() from None
        if not hmac.compare_digest(self._sign("put", key, expires, signed_type, size), signature):
            raise SignedUrlInvalid()
        _check_not_expired(expires, now)
        if media_type(content_type) != media_type(signed_type):
            raise SignedUrlInvalid(f"The upload must be sent with Content-Type: {signed_type}")
        return SignedUpload(key=key, content_type=signed_type, size=size)

    async def write_upload(self, upload: SignedUpload, body: AsyncIterable[bytes]) -> None:
        """Store a verified upload's body: FileTooLarge as soon as it passes the signed size,
        UploadIncomplete if it ends short of it; in both cases nothing is stored."""
        await self._write(self.path(upload.key), body, size=upload.size)

    def _sign(self, *fields: str | int) -> str:
        # JSON keeps the fields apart: no value can shift into its neighbour.
        message = json.dumps(fields, separators=(",", ":")).encode()
        return hmac.new(self._signing_key, message, hashlib.sha256).hexdigest()

    async def _write(self, path: Path, chunks: AsyncIterable[bytes], size: int | None) -> None:
        partial = await asyncio.to_thread(_open_partial, path)
        try:
            written = 0
            async for chunk in chunks:
                written += len(chunk)
                if size is not None and written > size:
                    raise FileTooLarge(
                        f"The upload is larger than the {size} bytes declared",
                        extra={"max_bytes": size},
                    )
                await asyncio.to_thread(partial.write, chunk)
            if size is not None and written < size:
                raise UploadIncomplete(f"{written} of {size} bytes arrived")
            await asyncio.to_thread(_commit_partial, partial, path)
        except BaseException:
            _discard_partial(partial)
            raise


def _check_not_expired(expires: int, now: float | None) -> None:
    if (time.time() if now is None else now) > expires:
        raise SignedUrlExpired(extra={"expired_at": _as_datetime(expires).isoformat()})


async def _chunks(data: Data) -> AsyncIterator[bytes]:
    if isinstance(data, bytes):
        yield data
    else:
        async for chunk in data:
            yield chunk


def _open_partial(path: Path) -> IO[bytes]:
    # Written beside its final place, then renamed: readers see the old file or the whole
    # new one. The leading dot keeps it out of reach of any key.
    path.parent.mkdir(parents=True, exist_ok=True)
    # Closed by _commit_partial or _discard_partial.
    return tempfile.NamedTemporaryFile(dir=path.parent, prefix=".", suffix=".part", delete=False)


def _commit_partial(partial: IO[bytes], path: Path) -> None:
    partial.flush()
    os.fsync(partial.fileno())
    partial.close()
    os.replace(partial.name, path)


def _discard_partial(partial: IO[bytes]) -> None:
    partial.close()
    Path(partial.name).unlink(missing_ok=True)


def _open_for_reading(path: Path) -> IO[bytes]:
    try:
        return path.open("rb")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise FileNotFound() from None


def _read_file(path: Path, size: int | None) -> bytes:
    with _open_for_reading(path) as file:
        return file.read() if size is None else file.read(size)


def _file_size(path: Path) -> int:
    if not path.is_file():
        raise FileNotFound()
    return path.stat().st_size


def _delete_file(path: Path, root: Path) -> None:
    path.unlink(missing_ok=True)
    # Remove the directories the file leaves empty (its file id's, then its space's).
    for parent in path.parents:
        if parent == root:
            break
        try:
            parent.rmdir()
        except OSError:
            break


# S3-compatible stores


class S3FileStorage(FileStorage):
    """Files in an S3 bucket (AWS S3, Cloudflare R2, MinIO). boto3 blocks, so every call
    runs in a thread; presigning is local work, but the first one may fetch credentials."""

    def __init__(self, bucket: str, client: S3Client) -> None:
        self.bucket = bucket
        self._client = client

    async def put(self, key: str, data: Data, content_type: str = OCTET_STREAM) -> None:
        validate_key(key)
        content_type = content_type or OCTET_STREAM
        if isinstance(data, bytes):
            await asyncio.to_thread(
                self._client.put_object,
                Bucket=self.bucket,
                Key=key,
                Body=data,
                ContentType=content_type,
            )
            return
        # boto3 wants a file: chunks are gathered in memory, or on disk past 8 MiB, and sent
        # (in parts, if large) from there.
        with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as spool:
            async for chunk in data:
                await asyncio.to_thread(spool.write, chunk)
            spool.seek(0)
            await asyncio.to_thread(
                self._client.upload_fileobj,
                spool,
                self.bucket,
                key,
                ExtraArgs={"ContentType": content_type},
            )

    async def read(self, key: str) -> bytes:
        return await asyncio.to_thread(self._get, key, None)

    async def read_head(self, key: str, size: int) -> bytes:
        if size <= 0:
            return b""
        return await asyncio.to_thread(self._get, key, f"bytes=0-{size - 1}")

    async def stream(self, key: str) -> AsyncIterator[bytes]:
        validate_key(key)
        try:
            response = await asyncio.to_thread(self._client.get_object, Bucket=self.bucket, Key=key)
        except ClientError as error:
            raise _not_found_or(error) from None
        body = response["Body"]
        try:
            while chunk := await asyncio.to_thread(body.read, CHUNK_BYTES):
                yield chunk
        finally:
            body.close()

    async def delete(self, key: str) -> None:
        validate_key(key)
        await asyncio.to_thread(self._client.delete_object, Bucket=self.bucket, Key=key)

    async def exists(self, key: str) -> bool:
        try:
            await self.size(key)
        except FileNotFound:
            return False
        return True

    async def size(self, key: str) -> int:
        validate_key(key)
        try:
            head = await asyncio.to_thread(self._client.head_object, Bucket=self.bucket, Key=key)
        except ClientError as error:
            raise _not_found_or(error) from None
        return head["ContentLength"]

    async def signed_get_url(
        self,
        key: str,
        *,
        filename: str,
        content_type: str,
        expires_in: int,
        download: bool = False,
    ) -> str:
        validate_key(key)
        _expiry(expires_in)
        disposition = disposition_for(content_type, download=download)
        params = {
            "Bucket": self.bucket,
            "Key": key,
            # The store answers with these headers, whatever the object was stored with.
            "ResponseContentType": content_type,
            "ResponseContentDisposition": content_disposition(disposition, filename),
        }
        return await asyncio.to_thread(
            self._client.generate_presigned_url, "get_object", params, expires_in
        )

    async def signed_put_target(
        self, key: str, *, content_type: str, size: int, expires_in: int
    ) -> UploadTarget:
        validate_key(key)
        expires = _expiry(expires_in)
        # Both become signed headers: S3 refuses a PUT of another type or length.
        params = {
            "Bucket": self.bucket,
            "Key": key,
            "ContentType": content_type,
            "ContentLength": size,
        }
        url = await asyncio.to_thread(
            self._client.generate_presigned_url, "put_object", params, expires_in
        )
        return UploadTarget(
            method="PUT",
            url=url,
            headers={"Content-Type": content_type},
            expires_at=_as_datetime(expires),
        )

    def _get(self, key: str, byte_range: str | None) -> bytes:
        validate_key(key)
        try:
            if byte_range:
                response = self._client.get_object(Bucket=self.bucket, Key=key, Range=byte_range)
            else:
                response = self._client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "InvalidRange":
                return b""  # an empty object has no first byte to range over
            raise _not_found_or(error) from None
        with response["Body"] as body:
            return body.read()


def _not_found_or(error: ClientError) -> Exception:
    code = error.response.get("Error", {}).get("Code")
    return FileNotFound() if code in ("404", "NoSuchKey", "NotFound") else error


def s3_client(settings: Settings) -> S3Client:
    secret = settings.s3_secret_access_key
    config = Config(
        signature_version="s3v4",
        s3={"addressing_style": settings.s3_addressing_style},
        retries={"mode": "standard"},
    )
    return boto3.session.Session().client(
        "s3",
        endpoint_url=settings.s3_endpoint_url,
        region_name=settings.s3_region,
        aws_access_key_id=settings.s3_access_key_id,
        aws_secret_access_key=secret.get_secret_value() if secret else None,
        config=config,
    )


def storage_from_settings(settings: Settings) -> FileStorage:
    """S3 when ``s3_bucket`` is set; otherwise this machine's disk under ``files_dir``."""
    if settings.s3_bucket:
        return S3FileStorage(settings.s3_bucket, s3_client(settings))
    return LocalFileStorage(
        settings.files_dir or settings.data_dir / "files",
        base_url=settings.public_url,
        signing_key=signing_key(settings.secret_key.get_secret_value()),
        url_prefix=settings.files_url_prefix,
    )
