"""Image work for background jobs: pixel limits, location stripping and thumbnails.

Plain synchronous functions, CPU-bound: jobs run them in a thread (``asyncio.to_thread``), and
the API process never decodes an image. Every failure a user's file can cause becomes an
``ImageTooLarge`` or ``ImageUnreadable`` error.

- **Pixel limit**: read from the header before anything is decoded, so a small file that
  would decode to gigabytes (a decompression bomb) costs nothing. Pillow's own guard
  (``Image.MAX_IMAGE_PIXELS``, process-wide, left as it is) stays as a second line, and its
  ``DecompressionBombError`` is reported as ``ImageTooLarge`` too.
- **Stripping location**: the container is rewritten, not the pixels. JPEG, PNG and WebP
  files are copied without their EXIF (GPS position, camera serial numbers, times), XMP,
  IPTC, comments, text chunks and any unknown metadata, keeping only what drawing needs
  (colour profile included). The Orientation tag alone is put back, in a new minimal EXIF,
  so the photo still shows the right way up. Nothing is decoded or re-encoded: the picture
  loses no quality. A JPEG also loses whatever follows its main image (the extra images of
  MPF files, such as depth maps and previews, each with an EXIF of its own). GIF carries no
  EXIF and is returned as it is.
- **Thumbnails**: WebP, longest side 256 (lists) and 1024 (full-screen view), never enlarged,
  turned upright by the EXIF orientation, without metadata but with the colour profile. A
  JPEG is decoded at 1/2, 1/4 or 1/8 scale (``Image.draft``) when that is still at least the
  thumbnail's size: a 12-megapixel photo then needs a quarter of the memory or less.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from io import BytesIO

from PIL import ExifTags, Image, ImageOps

from commonhold.platform.errors import AppError
from commonhold.platform.files.inspection import (
    GIF,
    JPEG,
    PNG,
    WEBP,
    ImageTooLarge,
    ImageUnreadable,
    detect_type,
)

DEFAULT_MAX_PIXELS = 50_000_000
THUMBNAIL_SIZES = (256, 1024)
WEBP_QUALITY = 80
# The decoders of the images uploads may be; Pillow tries no other on our bytes.
_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
_ORIENTATION = ExifTags.Base.Orientation

# JPEG markers (the byte after 0xFF).
_SOI, _EOI, _SOS = 0xD8, 0xD9, 0xDA
_APP0, _APP2, _APP14, _APP15 = 0xE0, 0xE2, 0xEE, 0xEF
_COM = 0xFE
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM and RSTn carry no length
# PNG chunks that matter for drawing, besides the critical ones (IHDR, PLTE, IDAT, IEND).
_PNG_KEPT = frozenset(
    {
        b"tRNS", b"cHRM", b"gAMA", b"iCCP", b"sBIT", b"sRGB", b"cICP", b"mDCV", b"cLLI",
        b"bKGD", b"hIST", b"pHYs", b"sPLT", b"acTL", b"fcTL", b"fdAT",
    }
)  # fmt: skip
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# WebP chunks that matter for drawing: image data, alpha, animation and colour profile.
_WEBP_KEPT = frozenset({b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP"})
_VP8X_EXIF, _VP8X_XMP = 0x08, 0x04


def check_dimensions(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> tuple[int, int]:
    """The image's (width, height), read from its header; ImageTooLarge above ``max_pixels``."""
    with _open_image(data, max_pixels) as image:
        return image.size


def make_thumbnails(
    data: bytes,
    sizes: Sequence[int] = THUMBNAIL_SIZES,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> dict[int, bytes]:
    """WebP thumbnails of the image, by longest side; the image is decoded once, for all."""
    with _open_image(data, max_pixels) as image:
        largest = max(sizes)
        if image.format == "JPEG":
            image.draft(None, _fit(image.size, largest))
        ImageOps.exif_transpose(image, in_place=True)
        image = _web_mode(image)
        thumbnails = {}
        # Largest first, each from the one before: smaller ones cost little more.
        for side in sorted(sizes, reverse=True):
            image.thumbnail((side, side), Image.Resampling.LANCZOS)
            thumbnails[side] = _encode_webp(image)
        return thumbnails


def make_thumbnail(data: bytes, max_side: int, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> bytes:
    """One WebP thumbnail whose longest side is at most ``max_side``."""
    return make_thumbnails(data, (max_side,), max_pixels=max_pixels)[max_side]


def strip_location(data: bytes) -> bytes:
    """The same picture without EXIF (so without GPS) or other metadata, orientation kept."""
    strippers = {JPEG: _strip_jpeg, PNG: _strip_png, WEBP: _strip_webp}
    kind = detect_type(data[:16])
    if kind == GIF:
        return data
    if kind not in strippers:
        raise ImageUnreadable("Only JPEG, PNG, WebP and GIF images can be cleaned")
    try:
        return strippers[kind](data)
    except (IndexError, ValueError):
        # The walkers below read lengths from the file; a truncated one sends them past its end.
        raise ImageUnreadable("The image file is damaged") from None


@contextmanager
def _open_image(data: bytes, max_pixels: int) -> Iterator[Image.Image]:
    try:
        with Image.open(BytesIO(data), formats=_FORMATS) as image:
            width, height = image.size
            if width * height > max_pixels:
                raise ImageTooLarge(
                    f"The image is {width}x{height} pixels; at most {max_pixels} are accepted",
                    extra={"width": width, "height": height, "max_pixels": max_pixels},
                )
            yield image
    except Image.DecompressionBombError as error:
        raise ImageTooLarge(str(error)) from error
    except AppError:
        raise
    except Exception as error:
        # Decoders fail on hostile or damaged input in many ways; each means "unreadable".
        raise ImageUnreadable() from error


def _fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    """``size`` scaled down (never up) so that its longest side is at most ``side``."""
    width, height = size
    scale = min(1.0, side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _web_mode(image: Image.Image) -> Image.Image:
    if image.mode in ("RGB", "RGBA"):
        return image
    transparent = image.mode in ("LA", "La", "PA", "RGBa") or "transparency" in image.info
    converted = image.convert("RGBA" if transparent else "RGB")
    # A CMYK or grey profile would misdescribe the RGB pixels.
    converted.info.pop("icc_profile", None)
    return converted


def _encode_webp(image: Image.Image) -> bytes:
    out = BytesIO()
    icc_profile = image.info.get("icc_profile")
    extra = {"icc_profile": icc_profile} if icc_profile else {}
    image.save(out, "WEBP", quality=WEBP_QUALITY, **extra)
    return out.getvalue()


def _orientation(exif_payload: bytes) -> int:
    exif = Image.Exif()
    try:
        exif.load(exif_payload)
        value = exif.get(_ORIENTATION, 1)
    except Exception:
        return 1  # unreadable metadata is being dropped anyway
    return value if isinstance(value, int) and 2 <= value <= 8 else 1


def _orientation_tiff(orientation: int) -> bytes:
    """A minimal EXIF block (TIFF bytes) holding only the Orientation tag."""
    exif = Image.Exif()
    exif[_ORIENTATION] = orientation
    return exif.tobytes().removeprefix(b"Exif\x00\x00")


# JPEG: a sequence of segments (0xFF, marker, 2-byte length, payload); after each start of
# scan (SOS) comes entropy-coded data, in which 0xFF is followed by 0x00 or a restart marker.


def _strip_jpeg(data: bytes) -> bytes:
    if not data.startswith(b"\xff\xd8"):
        raise ValueError("no JPEG start")
    kept: list[bytes] = []
    orientation = 1
    pos = 2
    while True:
        marker, pos = _next_marker(data, pos)
        if marker == _EOI:
            break  # whatever follows the main image is left out
        if marker in _STANDALONE:
            kept.append(bytes((0xFF, marker)))
            continue
        length = int.from_bytes(data[pos : pos + 2], "big")
        end = pos + length
        if length < 2 or end > len(data):
            raise ValueError("segment beyond the end")
        payload = data[pos + 2 : end]
        if marker == 0xE1 and payload.startswith(b"Exif\x00\x00"):
            orientation = _orientation(payload)
        if _keep_jpeg_segment(marker, payload):
            kept.append(data[pos - 2 : end])
        pos = end
        if marker == _SOS:
            scan_end = _scan_end(data, pos)
            kept.append(data[pos:scan_end])
            pos = scan_end
    header = [b"\xff\xd8"]
    if kept and kept[0][1] == _APP0:
        header.append(kept.pop(0))  # JFIF wants to come first
    if orientation != 1:
        exif = b"Exif\x00\x00" + _orientation_tiff(orientation)
        header.append(b"\xff\xe1" + (len(exif) + 2).to_bytes(2, "big") + exif)
    return b"".join([*header, *kept, b"\xff\xd9"])


def _keep_jpeg_segment(marker: int, payload: bytes) -> bool:
    if marker in (_APP0, _APP14):  # JFIF; Adobe's colour transform flag
        return True
    if marker == _APP2:
        return payload.startswith(b"ICC_PROFILE\x00")
    return not (_APP0 <= marker <= _APP15 or marker == _COM)


def _next_marker(data: bytes, pos: int) -> tuple[int, int]:
    if data[pos] != 0xFF:
        raise ValueError("no marker where one belongs")
    while data[pos] == 0xFF:  # fill bytes may precede a marker
        pos += 1
    return data[pos], pos + 1


def _scan_end(data: bytes, pos: int) -> int:
    """Where the entropy-coded data starting at ``pos`` ends: at the next real marker."""
    while True:
        pos = data.index(b"\xff", pos)
        following = data[pos + 1]
        if following == 0x00 or following == 0xFF or 0xD0 <= following <= 0xD7:
            pos += 1
            continue
        return pos


# PNG: the signature, then chunks (4-byte length, type, data, CRC) up to IEND.


def _strip_png(data: bytes) -> bytes:
    kept: list[bytes] = []
    orientation = 1
    pos = len(_PNG_SIGNATURE)
    while True:
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if len(kind) < 4 or end > len(data):
            raise ValueError("chunk beyond the end")
        if kind == b"eXIf":
            orientation = _orientation(data[pos + 8 : pos + 8 + length])
        # A critical chunk's type starts with an upper-case letter; without it nothing draws.
        if kind[:1].isupper() or kind in _PNG_KEPT:
            kept.append(data[pos:end])
        pos = end
        if kind == b"IEND":
            break  # whatever follows the image is left out
    if orientation != 1:
        # Right after IHDR, which must come first: eXIf must precede the image data.
        kept.insert(1, _png_chunk(b"eXIf", _orientation_tiff(orientation)))
    return _PNG_SIGNATURE + b"".join(kept)


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload)
    return len(payload).to_bytes(4, "big") + kind + payload + crc.to_bytes(4, "big")


# WebP: a RIFF file of chunks (fourcc, 4-byte little-endian size, payload, pad to even). The
# extended format's VP8X chunk flags which optional chunks (EXIF, XMP, ...) are present.


def _strip_webp(data: bytes) -> bytes:
    riff_end = 8 + int.from_bytes(data[4:8], "little")
    if riff_end > len(data):
        raise ValueError("RIFF beyond the end")
    kept: list[tuple[bytes, bytes]] = []
    orientation = 1
    pos = 12
    while pos < riff_end:
        fourcc = data[pos : pos + 4]
        size = int.from_bytes(data[pos + 4 : pos + 8], "little")
        payload = data[pos + 8 : pos + 8 + size]
        if len(payload) < size:
            raise ValueError("chunk beyond the end")
        if fourcc == b"EXIF":
            orientation = _orientation(payload)
        if fourcc in _WEBP_KEPT:
            kept.append((fourcc, payload))
        pos += 8 + size + (size & 1)
    extended = any(fourcc == b"VP8X" for fourcc, _ in kept)
    if orientation != 1 and extended:  # only the extended format (VP8X) may carry EXIF
        kept.append((b"EXIF", _orientation_tiff(orientation)))
    body = b"".join(_riff_chunk(f, _vp8x_flags(f, payload, orientation)) for f, payload in kept)
    return b"RIFF" + (4 + len(body)).to_bytes(4, "little") + b"WEBP" + body


def _vp8x_flags(fourcc: bytes, payload: bytes, orientation: int) -> bytes:
    """The VP8X payload with its EXIF and XMP flags saying what is left; others unchanged."""
    if fourcc != b"VP8X":
        return payload
    flags = payload[0] & ~(_VP8X_EXIF | _VP8X_XMP)
    if orientation != 1:
        flags |= _VP8X_EXIF
    return bytes((flags,)) + payload[1:]


def _riff_chunk(fourcc: bytes, payload: bytes) -> bytes:
    padding = b"\x00" if len(payload) % 2 else b""
    return fourcc + len(payload).to_bytes(4, "little") + payload + padding
