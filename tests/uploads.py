"""Files people upload, for the tests of every app's attachments, and the way to follow the
links this server signs."""

from __future__ import annotations

import io

from httpx import URL
from PIL import Image

GPS_IFD = 0x8825

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(200)
HTML = b"  <!DOCTYPE html><html><script>alert(document.cookie)</script></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'


def photo_with_location(width: int = 1200, height: int = 900) -> bytes:
    image = Image.new("RGB", (width, height), (180, 90, 40))
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"
    exif[GPS_IFD] = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=85)
    return out.getvalue()


def local_path(url: str) -> str:
    """The path and query of a URL this server signed (the test client speaks to it)."""
    return URL(url).raw_path.decode()
