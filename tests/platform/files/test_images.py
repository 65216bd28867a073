"""Image processing: pixel limits before decoding, location stripping, WebP thumbnails."""

from __future__ import annotations

import struct
import subprocess
import sys
import time
import zlib
from io import BytesIO
from pathlib import Path

import pytest
from PIL import ExifTags, Image

from commonhold.platform.files.images import (
    check_dimensions,
    make_thumbnail,
    make_thumbnails,
    strip_location,
)
from commonhold.platform.files.inspection import ImageTooLarge, ImageUnreadable, detect_type
from tests.platform.files.conftest import encode, gps_exif, noisy_picture

GPS_XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description '
    b'exif:GPSLatitude="52,31.2N" exif:GPSLongitude="13,24.6E"/></rdf:RDF></x:xmpmeta>'
)
ROOT = Path(__file__).resolve().parents[3]
MEASURE_SCRIPT = r"""
import re, sys, warnings
from pathlib import Path
from commonhold.platform.files.images import make_thumbnails
from commonhold.platform.files.inspection import ImageTooLarge

def status(field):
    return int(re.search(field + r":\s+(\d+)", Path("/proc/self/status").read_text())[1])

warnings.simplefilter("ignore")
data = Path(sys.argv[1]).read_bytes()
Path("/proc/self/clear_refs").write_text("5")  # the peak (VmHWM) starts again from here
before = status("VmRSS")
try:
    make_thumbnails(data, max_pixels=int(sys.argv[2]))
except ImageTooLarge:
    pass
print(status("VmHWM") - before)
"""


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload)
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


@pytest.fixture(scope="module")
def bomb_png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real 10,000 x 10,000 RGB PNG (100 megapixels, 300 MB of pixels) in about 300 KB."""
    width = height = 10_000
    row = bytes(1 + 3 * width)  # filter byte, then black pixels
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path = tmp_path_factory.mktemp("bomb") / "bomb.png"
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", data)
        + png_chunk(b"IEND", b"")
    )
    return path


def opened(data: bytes) -> Image.Image:
    image = Image.open(BytesIO(data))
    image.load()
    return image


def has_gps(data: bytes) -> bool:
    return bool(Image.open(BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo))


# Pixel limits


def test_dimensions_are_read_from_the_header() -> None:
    assert check_dimensions(encode(noisy_picture(300, 200), "JPEG")) == (300, 200)


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_a_100_megapixel_image_is_refused_without_being_decoded(bomb_png: Path) -> None:
    data = bomb_png.read_bytes()
    assert len(data) < 1_000_000

    started = time.perf_counter()
    with pytest.raises(ImageTooLarge) as raised:
        check_dimensions(data, max_pixels=50_000_000)
    with pytest.raises(ImageTooLarge):
        make_thumbnails(data, max_pixels=50_000_000)
    elapsed = time.perf_counter() - started

    assert elapsed < 0.2  # decoding it takes seconds
    assert (raised.value.status, raised.value.code) == (422, "image_too_large")
    assert raised.value.extra == {"width": 10_000, "height": 10_000, "max_pixels": 50_000_000}


def memory_rise_mib(image: Path, max_pixels: int = 50_000_000) -> float:
    """How far thumbnailing ``image`` in a fresh interpreter raises its peak resident memory
    (VmHWM, reset once the file is read), in MiB."""
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", MEASURE_SCRIPT, str(image), str(max_pixels)],
        capture_output=True,
        check=True,
        cwd=ROOT,
        text=True,
    )
    return int(result.stdout.strip()) / 1024


def test_refusing_a_100_megapixel_image_takes_little_memory(bomb_png: Path) -> None:
    refused = memory_rise_mib(bomb_png, max_pixels=50_000_000)
    decoded = memory_rise_mib(bomb_png, max_pixels=200_000_000)

    assert refused < 5
    assert decoded > 300  # what the limit saves: 100 megapixels of 3 or 4 bytes


def test_a_jpeg_is_decoded_at_a_reduced_scale(tmp_path: Path) -> None:
    # Decoded whole, a 4000x3000 photo takes 46 MiB (4 bytes a pixel); at half scale, 11 MiB.
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(encode(noisy_picture(4000, 3000), "JPEG", quality=90))
    assert memory_rise_mib(photo) < 35


def test_pillows_own_bomb_guard_is_reported_as_too_large(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(ImageTooLarge):
        make_thumbnail(encode(noisy_picture(100, 100), "PNG"), 64, max_pixels=10**9)


@pytest.mark.parametrize(
    "data",
    [
        encode(noisy_picture(400, 300), "JPEG")[:2000],
        b"\x89PNG\r\n\x1a\n" + b"garbage" * 100,
        b"%PDF-1.7 not an image",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
    ],
)
def test_damaged_or_foreign_files_are_unreadable(data: bytes) -> None:
    with pytest.raises(ImageUnreadable) as raised:
        make_thumbnails(data)
    assert (raised.value.status, raised.value.code) == (422, "image_unreadable")


# Thumbnails


def test_thumbnails_are_webp_within_their_bounds() -> None:
    photo = encode(noisy_picture(4000, 3000), "JPEG", quality=90)

    thumbnails = make_thumbnails(photo)

    assert set(thumbnails) == {256, 1024}
    for side, expected in [(1024, (1024, 768)), (256, (256, 192))]:
        assert detect_type(thumbnails[side]) == "image/webp"
        thumbnail = opened(thumbnails[side])
        assert (thumbnail.format, thumbnail.size) == ("WEBP", expected)
    assert len(thumbnails[256]) < len(thumbnails[1024]) < len(photo) / 5


def test_a_thumbnail_is_turned_upright_and_has_no_metadata() -> None:
    # A phone held upright stores 4000x3000 pixels and "rotate 90 degrees" (orientation 6).
    photo = encode(noisy_picture(4000, 3000), "JPEG", exif=gps_exif(orientation=6))

    thumbnail = opened(make_thumbnail(photo, 1024))

    assert thumbnail.size == (768, 1024)
    assert not thumbnail.getexif()


def test_small_images_are_not_enlarged() -> None:
    thumbnails = make_thumbnails(encode(noisy_picture(120, 80), "PNG"))
    assert opened(thumbnails[1024]).size == (120, 80)
    assert opened(thumbnails[256]).size == (120, 80)


@pytest.mark.parametrize(
    ("picture", "image_format", "mode"),
    [
        (noisy_picture(500, 400, "L"), "JPEG", "RGB"),
        (noisy_picture(500, 400, "CMYK"), "JPEG", "RGB"),
        (noisy_picture(500, 400, "P"), "GIF", "RGB"),
        (noisy_picture(500, 400, "I;16"), "PNG", "RGB"),
    ],
)
def test_every_kind_of_picture_makes_a_thumbnail(
    picture: Image.Image, image_format: str, mode: str
) -> None:
    thumbnail = opened(make_thumbnail(encode(picture, image_format), 256))
    assert (thumbnail.size, thumbnail.mode) == ((256, 205), mode)


def test_transparency_is_kept() -> None:
    picture = noisy_picture(300, 300, "RGBA")
    picture.putalpha(0)
    thumbnail = opened(make_thumbnail(encode(picture, "PNG"), 256))
    assert thumbnail.mode == "RGBA"
    assert thumbnail.getchannel("A").getextrema() == (0, 0)


# Stripping location


def test_a_jpeg_loses_its_location_and_keeps_its_picture_and_orientation() -> None:
    photo = encode(noisy_picture(640, 480), "JPEG", exif=gps_exif(orientation=6), xmp=GPS_XMP)
    assert has_gps(photo)
    assert b"GPSLatitude" in photo

    stripped = strip_location(photo)

    assert not has_gps(stripped)
    assert b"GPSLatitude" not in stripped
    assert b"PhoneMaker" not in stripped
    assert dict(Image.open(BytesIO(stripped)).getexif()) == {ExifTags.Base.Orientation: 6}
    assert opened(stripped).tobytes() == opened(photo).tobytes()  # not re-encoded


def test_a_jpeg_loses_what_follows_its_main_image() -> None:
    # Phones append more images (depth maps, previews), each with an EXIF of its own.
    main = encode(noisy_picture(320, 240), "JPEG")
    depth_map = encode(noisy_picture(80, 60, "L"), "JPEG", exif=gps_exif())

    stripped = strip_location(main + depth_map)

    assert has_gps(depth_map)
    assert b"PhoneMaker" not in stripped
    assert stripped.count(b"\xff\xd8") == 1
    assert opened(stripped).tobytes() == opened(main).tobytes()


def test_a_progressive_jpeg_with_restart_markers_is_copied_whole() -> None:
    picture = noisy_picture(640, 480)
    photo = encode(picture, "JPEG", progressive=True, restart_marker_rows=1, exif=gps_exif())

    stripped = strip_location(photo)

    assert not has_gps(stripped)
    assert opened(stripped).tobytes() == opened(photo).tobytes()


def test_a_jpeg_without_metadata_is_unchanged() -> None:
    photo = encode(noisy_picture(64, 48), "JPEG")
    assert strip_location(photo) == photo


def test_a_png_loses_its_location_and_text() -> None:
    from PIL.PngImagePlugin import PngInfo

    text = PngInfo()
    text.add_text("Location", "52.52 N, 13.41 E")
    text.add_itxt("XML:com.adobe.xmp", GPS_XMP.decode())
    picture = noisy_picture(200, 100, "RGBA")
    image = encode(picture, "PNG", exif=gps_exif(orientation=3), pnginfo=text)
    assert has_gps(image)

    stripped = strip_location(image)

    assert not has_gps(stripped)
    assert b"52.52" not in stripped
    assert b"GPSLatitude" not in stripped
    reopened = opened(stripped)
    assert dict(reopened.getexif()) == {ExifTags.Base.Orientation: 3}
    assert reopened.tobytes() == picture.tobytes()


def test_a_webp_loses_its_location_and_keeps_its_picture() -> None:
    picture = noisy_picture(200, 100, "RGBA")
    image = encode(picture, "WEBP", lossless=True, exif=gps_exif(orientation=8), xmp=GPS_XMP)
    assert has_gps(image)

    stripped = strip_location(image)

    assert not has_gps(stripped)
    assert b"GPSLatitude" not in stripped
    reopened = opened(stripped)
    assert dict(reopened.getexif()) == {ExifTags.Base.Orientation: 8}
    assert reopened.tobytes() == opened(image).tobytes()
    # Without orientation, nothing of the EXIF is left at all.
    bare = strip_location(encode(picture, "WEBP", lossless=True, exif=gps_exif()))
    assert b"EXIF" not in bare
    assert opened(bare).tobytes() == opened(image).tobytes()


def test_a_gif_is_left_as_it_is() -> None:
    gif = encode(noisy_picture(50, 50, "P"), "GIF")
    assert strip_location(gif) is gif


@pytest.mark.parametrize(
    "data",
    [
        encode(noisy_picture(64, 48), "JPEG", exif=gps_exif())[:300],
        encode(noisy_picture(64, 48), "PNG")[:40],
        encode(noisy_picture(64, 48), "WEBP")[:30],
        b"%PDF-1.7",
    ],
)
def test_a_damaged_image_cannot_be_stripped(data: bytes) -> None:
    with pytest.raises(ImageUnreadable):
        strip_location(data)


def test_the_api_server_does_not_load_an_image_decoder() -> None:
    """Images are decoded by worker jobs only: a crafted image cannot cost the API process
    memory or expose it to a decoder's flaws."""
    script = (
        "import sys\n"
        "import commonhold.app, commonhold.apps.homes.inventory.routes\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] == 'PIL'))\n"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script], capture_output=True, check=True, cwd=ROOT, text=True
    )
    assert result.stdout.strip() == "[]"
