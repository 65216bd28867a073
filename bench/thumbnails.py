"""Thumbnails of a 12-megapixel photo: time and memory, with and without JPEG draft mode.

What it measures: ``commonhold.platform.files.images.make_thumbnails`` (what the thumbnail
job runs: the 256 and 1024 WebP thumbnails from one decode) on a 4000 x 3000 JPEG, against
the same steps without draft mode (the whole photo decoded, then reduced). Also one 256
thumbnail alone, where draft mode decodes at 1/8 scale.

The photo: made here, photo-like rather than flat, so that the JPEG decoder has real work and
the file has the size of a phone's (about 3.5 MiB): gradients, blotches and texture (noise
drawn small and enlarged) under fine grain, saved at quality 90 with 4:2:0 subsampling.

- time: the median (and range) of ``--runs`` runs in this process, after one warm-up;
- Python's allocations: tracemalloc's peak during one run (the decoded pixels are not among
  them: Pillow allocates them in C);
- memory: one run in a fresh interpreter per variant, the rise of its peak resident memory
  (``VmHWM``, reset through ``/proc/self/clear_refs`` once the photo is read) over what it
  held before: the pixel buffers included.

Run:  .venv/bin/python bench/thumbnails.py              # 7 runs of each
      .venv/bin/python bench/thumbnails.py --runs 15
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

import PIL
from PIL import Image, ImageOps, features

from commonhold.platform.files.images import THUMBNAIL_SIZES, WEBP_QUALITY, make_thumbnails

WIDTH, HEIGHT = 4000, 3000
Thumbnailer = Callable[[bytes], dict[int, bytes]]


def photo_like_jpeg(width: int = WIDTH, height: int = HEIGHT) -> bytes:
    """A JPEG with the detail of a photo: gradients, blotches, texture and grain."""
    gradient = Image.linear_gradient("L").resize((width, height))
    channels = []
    for blotch_sigma in (60, 45, 70):
        blotches = enlarged_noise(width, height, 40, blotch_sigma)
        texture = enlarged_noise(width, height, 4, 50)
        grain = Image.effect_noise((width, height), 25)
        channel = Image.blend(Image.blend(gradient, blotches, 0.6), texture, 0.3)
        channels.append(Image.blend(channel, grain, 0.25))
    out = BytesIO()
    Image.merge("RGB", channels).save(out, "JPEG", quality=90, subsampling="4:2:0")
    return out.getvalue()


def enlarged_noise(width: int, height: int, scale: int, sigma: float) -> Image.Image:
    noise = Image.effect_noise((width // scale, height // scale), sigma)
    return noise.resize((width, height), Image.Resampling.BICUBIC)


def without_draft(data: bytes) -> dict[int, bytes]:
    """The same thumbnails with the whole photo decoded first (no draft mode)."""
    with Image.open(BytesIO(data)) as image:
        image.load()
        ImageOps.exif_transpose(image, in_place=True)
        thumbnails = {}
        for side in sorted(THUMBNAIL_SIZES, reverse=True):
            image.thumbnail((side, side), Image.Resampling.LANCZOS)
            out = BytesIO()
            image.save(out, "WEBP", quality=WEBP_QUALITY)
            thumbnails[side] = out.getvalue()
        return thumbnails


def small_with_draft(data: bytes) -> dict[int, bytes]:
    return make_thumbnails(data, (256,))


def small_without_draft(data: bytes) -> dict[int, bytes]:
    with Image.open(BytesIO(data)) as image:
        image.load()
        image.thumbnail((256, 256), Image.Resampling.LANCZOS)
        out = BytesIO()
        image.save(out, "WEBP", quality=WEBP_QUALITY)
        return {256: out.getvalue()}


VARIANTS: dict[str, tuple[str, Thumbnailer]] = {
    "draft": ("256 + 1024, draft mode (make_thumbnails)", make_thumbnails),
    "full": ("256 + 1024, whole photo decoded", without_draft),
    "draft-256": ("256 only, draft mode", small_with_draft),
    "full-256": ("256 only, whole photo decoded", small_without_draft),
}


def proc_status_kib(field: str) -> int:
    match = re.search(rf"^{field}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.M)
    return int(match[1]) if match else 0


def child(variant: str, path: str) -> None:
    """Run one variant once, in this fresh process; print the rise of its peak memory."""
    data = Path(path).read_bytes()
    _, thumbnailer = VARIANTS[variant]
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
    before = proc_status_kib("VmRSS")
    thumbnailer(data)
    print(proc_status_kib("VmHWM") - before)


def rss_rise_mib(variant: str, path: Path) -> float:
    result = subprocess.run(  # noqa: S603 - this very script, on our interpreter
        [sys.executable, __file__, "--child", variant, str(path)],
        capture_output=True,
        check=True,
        text=True,
    )
    return int(result.stdout.strip()) / 1024


def timings(thumbnailer: Thumbnailer, data: bytes, runs: int) -> list[float]:
    thumbnailer(data)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        thumbnailer(data)
        times.append(time.perf_counter() - started)
    return times


def tracemalloc_peak_mib(thumbnailer: Thumbnailer, data: bytes) -> float:
    tracemalloc.start()
    try:
        thumbnailer(data)
        return tracemalloc.get_traced_memory()[1] / 1024 / 1024
    finally:
        tracemalloc.stop()


def machine_description() -> list[str]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    ram_gib = proc_meminfo_kib("MemTotal") / 1024 / 1024
    return [
        f"CPUs (nproc): {os.cpu_count()}  model: {cpu}  RAM: {ram_gib:.1f} GiB",
        f"{platform.platform()}  Python {platform.python_version()}",
        f"Pillow {PIL.__version__}, libjpeg-turbo {features.version('libjpeg_turbo')}, "
        f"libwebp {features.version('webp')}",
        "load average now: " + " ".join(f"{load:.2f}" for load in os.getloadavg()),
    ]


def proc_meminfo_kib(field: str) -> int:
    match = re.search(rf"^{field}:\s+(\d+) kB", Path("/proc/meminfo").read_text(), re.M)
    return int(match[1]) if match else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each variant")
    parser.add_argument("--child", nargs=2, metavar=("VARIANT", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return

    for line in machine_description():
        print(line)
    started = time.perf_counter()
    data = photo_like_jpeg()
    print(
        f"photo: {WIDTH}x{HEIGHT} JPEG, {len(data) / 1024 / 1024:.1f} MiB "
        f"(made in {time.perf_counter() - started:.1f} s); {args.runs} runs of each\n"
    )
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "photo.jpg"
        path.write_bytes(data)
        print(f"{'variant':<42} {'median':>9} {'range':>13} {'tracemalloc':>11} {'RSS rise':>9}")
        for variant, (label, thumbnailer) in VARIANTS.items():
            times = [seconds * 1000 for seconds in timings(thumbnailer, data, args.runs)]
            spread = f"{min(times):.0f}-{max(times):.0f} ms"
            sizes = ", ".join(
                f"{side}: {len(thumb) / 1024:.0f} KiB" for side, thumb in thumbnailer(data).items()
            )
            print(
                f"{label:<42} {statistics.median(times):>6.0f} ms {spread:>13}"
                f" {tracemalloc_peak_mib(thumbnailer, data):>7.1f} MiB"
                f" {rss_rise_mib(variant, path):>5.0f} MiB   ({sizes})"
            )


if __name__ == "__main__":
    main()
