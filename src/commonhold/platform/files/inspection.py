"""What an uploaded file really is, and whether it may be kept for its use.

The type is read from the file's first bytes, never from its name or the type the client
declared: the declared type is advisory and the detected one is what is stored and served.
Executables, scripts, HTML and SVG/XML are refused whatever they claim to be, since a browser
could run them from our origin.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, get_args

from commonhold.platform.errors import AppError

# How many leading bytes detection needs; read this much of a stored upload.
HEAD_BYTES = 4096

JPEG = "image/jpeg"
PNG = "image/png"
WEBP = "image/webp"
GIF = "image/gif"
HEIC = "image/heic"
AVIF = "image/avif"
PDF = "application/pdf"
HTML = "text/html"
SVG = "image/svg+xml"
XML = "application/xml"
SHELL_SCRIPT = "text/x-shellscript"
ELF = "application/x-elf"
WINDOWS_EXECUTABLE = "application/vnd.microsoft.portable-executable"
MACH_O = "application/x-mach-binary"

FileUse = Literal["photo", "receipt", "manual", "document"]
FILE_USES: tuple[FileUse, ...] = get_args(FileUse)

# The images every later step (location stripping, thumbnails) can decode. HEIC and AVIF are
# recognised, so that the refusal names them, but not kept: no decoder for them is shipped.
IMAGE_TYPES = frozenset({JPEG, PNG, WEBP, GIF})
ALLOWED_TYPES_BY_USE: Mapping[FileUse, frozenset[str]] = {
    "photo": IMAGE_TYPES,
    "receipt": IMAGE_TYPES | {PDF},
    "manual": IMAGE_TYPES | {PDF},
    "document": IMAGE_TYPES | {PDF},
}
# Declared types that say nothing about the file; any other must fit the use.
GENERIC_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", JPEG),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"GIF87a", GIF),
    (b"GIF89a", GIF),
    (b"%PDF-", PDF),
    (b"\x7fELF", ELF),
    (b"MZ", WINDOWS_EXECUTABLE),
    (b"\xfe\xed\xfa\xce", MACH_O),
    (b"\xfe\xed\xfa\xcf", MACH_O),
    (b"\xce\xfa\xed\xfe", MACH_O),
    (b"\xcf\xfa\xed\xfe", MACH_O),
    (b"\xca\xfe\xba\xbe", MACH_O),  # universal binary (also a Java class file)
    (b"#!", SHELL_SCRIPT),
)
_HEIF_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"})
_AVIF_BRANDS = frozenset({b"avif", b"avis"})
_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<iframe")
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


# A refused upload commits what recorded the refusal (the file marked failed) before the
# error answers.


class FileTooLarge(AppError):
    keep_changes = True
    status = 413
    code = "file_too_large"
    title = "The file is too large"


class FileTypeNotAllowed(AppError):
    keep_changes = True
    status = 415
    code = "file_type_not_allowed"
    title = "This type of file is not accepted here"


class FileTypeMismatch(AppError):
    keep_changes = True
    status = 415
    code = "file_type_mismatch"
    title = "The file is not of the type it claims"


class ImageTooLarge(AppError):
    status = 422
    code = "image_too_large"
    title = "The image has too many pixels"


class ImageUnreadable(AppError):
    status = 422
    code = "image_unreadable"
    title = "The image could not be read"


def media_type(value: str | None) -> str:
    """``Image/PNG; charset=x`` -> ``image/png``; None -> ``""``."""
    return (value or "").split(";", 1)[0].strip().lower()


def detect_type(head: bytes) -> str | None:
    """The media type the leading bytes show, or None when they match nothing known."""
    for signature, detected in _SIGNATURES:
        if head.startswith(signature):
            return detected
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _HEIF_BRANDS:
            return HEIC
        if brand in _AVIF_BRANDS:
            return AVIF
    return _detect_markup(head)


def _detect_markup(head: bytes) -> str | None:
    """HTML, SVG or other XML, after any byte order mark and leading whitespace."""
    text = head
    for bom in _BOMS:
        if text.startswith(bom):
            encoding = "utf-8" if bom == _BOMS[0] else "utf-16"
            text = text.decode(encoding, errors="ignore").encode("ascii", errors="ignore")
            break
    text = text.lstrip().lower()
    if not text.startswith(b"<"):
        return None
    if text.startswith(_HTML_STARTS):
        return HTML
    if b"<svg" in text:
        return SVG
    if text.startswith(b"<?xml"):
        return XML
    # Browsers sniff a document opening with any other tag or comment as HTML.
    return HTML


def check_declared(use: FileUse, declared_type: str | None, size: int, max_bytes: int) -> None:
    """Refuse an upload before its bytes arrive: too large, or declared as a refused type.

    A generic declared type (none, ``application/octet-stream``) passes; the bytes decide.
    """
    _check_size(size, max_bytes)
    declared = media_type(declared_type)
    if declared not in GENERIC_TYPES and declared not in ALLOWED_TYPES_BY_USE[use]:
        raise FileTypeNotAllowed(
            f"A {use} cannot be a file of type {declared}",
            extra={"allowed_types": sorted(ALLOWED_TYPES_BY_USE[use])},
        )


def inspect_upload(
    head: bytes, use: FileUse, declared_type: str | None, size: int, max_bytes: int
) -> str:
    """The media type to store for an upload whose first bytes are ``head``.

    Refused: more than ``max_bytes`` (413), a detected type the use does not accept, including
    anything unrecognised (415 ``file_type_not_allowed``), and a file declared as an image that
    is not one (415 ``file_type_mismatch``). Any other difference from the declared type is
    harmless: the detected type is the one stored.
    """
    _check_size(size, max_bytes)
    detected = detect_type(head)
    allowed = ALLOWED_TYPES_BY_USE[use]
    if detected is None or detected not in allowed:
        shown = detected or ("an empty file" if size == 0 else "an unrecognised file")
        raise FileTypeNotAllowed(
            f"A {use} cannot be {shown}",
            extra={"detected_type": detected, "allowed_types": sorted(allowed)},
        )
    declared = media_type(declared_type)
    if declared.startswith("image/") and detected not in IMAGE_TYPES:
        raise FileTypeMismatch(
            f"The file was declared as {declared} but is {detected}",
            extra={"declared_type": declared, "detected_type": detected},
        )
    return detected


def _check_size(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise FileTooLarge(
            f"The file has {size} bytes; at most {max_bytes} are accepted",
            extra={"max_bytes": max_bytes},
        )
