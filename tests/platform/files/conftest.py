"""Fixtures of the file tests: pictures made with Pillow, and S3 clients and buckets on the
local S3 server (``tests.s3``)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from io import BytesIO
from typing import TYPE_CHECKING, Any

import pytest
from PIL import ExifTags, Image

from commonhold.platform.files.storage import S3FileStorage

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def noisy_picture(width: int, height: int, mode: str = "RGB") -> Image.Image:
    """A picture with gradients and grain, which compresses like a photo rather than a flat
    colour (so JPEG encoders and decoders have real work)."""
    gradient = Image.linear_gradient("L").resize((width, height))
    grain = Image.effect_noise((width, height), 40)
    channels = [gradient, grain, gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT)]
    picture = Image.merge("RGB", channels)
    return picture.convert(mode) if mode != "RGB" else picture


def gps_exif(orientation: int = 1) -> Image.Exif:
    """EXIF as a phone writes it: camera make, orientation and the GPS position."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 31.0, 12.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (13.0, 24.0, 36.0)
    return exif


def encode(picture: Image.Image, image_format: str, **params: Any) -> bytes:
    out = BytesIO()
    picture.save(out, image_format, **params)
    return out.getvalue()


@pytest.fixture
async def s3_storage(s3_client: S3Client) -> AsyncIterator[S3FileStorage]:
    """A storage on a bucket of its own, emptied and removed afterwards."""
    bucket = f"files-{uuid.uuid4().hex[:12]}"
    s3_client.create_bucket(Bucket=bucket)
    yield S3FileStorage(bucket, s3_client)
    for listed in s3_client.list_objects_v2(Bucket=bucket).get("Contents", []):
        s3_client.delete_object(Bucket=bucket, Key=listed["Key"])
    s3_client.delete_bucket(Bucket=bucket)
