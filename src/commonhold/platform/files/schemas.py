"""What every app's upload endpoints take and answer: the declared file, the upload target,
and the thumbnails of a ready image. Apps give the examples (``Field(examples=...)``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from commonhold.platform.schemas import ResponseBody

FileName = Annotated[str, StringConstraints(min_length=1, max_length=255)]
DeclaredType = Annotated[
    str,
    StringConstraints(max_length=100),
    Field(
        description="What the client believes the file is; the server reads the real type "
        "from the bytes. The upload must be sent with this Content-Type."
    ),
]
DeclaredSize = Annotated[
    int,
    Field(
        ge=1,
        le=2**40,
        description="Bytes; the upload must be exactly this long, and within the plan's limit.",
    ),
]
FailureCode = Annotated[
    str | None,
    Field(
        description="Why an upload was refused, as a problem code: file_type_not_allowed, "
        "file_type_mismatch, file_too_large, image_too_large, ...",
        examples=[None],
    ),
]


class ThumbnailRead(ResponseBody):
    side: int = Field(description="The longest side, in pixels.", examples=[256])
    url: str = Field(description="A signed WebP image URL; it expires.")


class UploadTargetRead(ResponseBody):
    method: Literal["PUT"] = Field(examples=["PUT"])
    url: str = Field(
        description="Signed; send the file's bytes here as the whole body, once, before "
        "`expires_at`.",
        examples=["https://files.example.com/0b9e.../original?X-Amz-Signature=..."],
    )
    headers: dict[str, str] = Field(
        description="Send exactly these headers with the upload.",
        examples=[{"Content-Type": "image/jpeg"}],
    )
    expires_at: datetime
